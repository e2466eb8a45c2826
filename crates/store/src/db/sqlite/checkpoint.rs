//! Checkpoints in the background, beside the single writer.
//!
//! With WAL and `synchronous = NORMAL` a commit only appends to the WAL; the disk is synced when
//! the WAL is copied back into the database file (a checkpoint). By default the connection that
//! commits does that as soon as the WAL passes 1,000 pages, so the writer, which every write
//! queues for, stalled on two fsyncs after almost every large transaction (a thousand-row ledger
//! touches about a thousand pages): the contact-sync benchmark ran at the speed of the disk's
//! fsync. A passive checkpoint from a connection of its own runs beside the writer and does not
//! block it; the writer checkpoints by itself only when the WAL grows far past that (a stalled
//! checkpointer), so the WAL stays bounded: the hook that counts commits does that
//! (`commits::CHECKPOINT_AT_PAGES`, 64 MiB of WAL where SQLite's default is 1,000 pages).

use super::commits::Commits;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use std::time::Duration;

/// How often the WAL is copied back. Short enough that the WAL stays small.
const EVERY: Duration = Duration::from_millis(500);

/// The background checkpoint task and its connection; stopped when dropped (with the store).
pub(crate) struct Checkpointer {
    task: tokio::task::JoinHandle<()>,
    /// Its single connection, which `SqliteDb::release_memory` shrinks like the others.
    pub(super) pool: SqlitePool,
}

impl Checkpointer {
    pub(super) fn spawn(options: SqliteConnectOptions, commits: Commits) -> Self {
        let pool = super::pool_options(Some(commits))
            .max_connections(1)
            .connect_lazy_with(options);
        let checkpoints = pool.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(EVERY).await;
                // PASSIVE: copies what no reader still needs, never waits for a lock.
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&checkpoints)
                    .await
                {
                    tracing::debug!(error = %e, "background WAL checkpoint failed");
                }
            }
        });
        Self { task, pool }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
