//! The SQLite database: the embedded default, for one Jumpgate process.
//!
//! One process per database file (enforced with a lock file), one writer connection (so writers
//! never race for SQLite's lock), a small pool of readers that WAL lets run beside it, and a
//! background checkpointer (`checkpoint`) so the writer never waits for the disk.

mod checkpoint;
mod lock;

use crate::{ConnectOptions, Result, StoreError};
use lock::LockFile;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// The SQLite side of [`crate::db::Db`]: a writer, readers, the lock file and the checkpointer.
pub(crate) struct SqliteDb {
    /// Every write, and every read that decides a write, goes through this single connection.
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    /// How many times this process asked for the writer (`Store::local_writes`).
    pub(crate) writes: super::LocalWrites,
    /// Held for the store's lifetime; `None` for in-memory databases.
    _lock: Option<LockFile>,
    /// Stopped when the store is dropped; `None` for in-memory databases.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

/// Each reader's page cache, in KiB as SQLite's negative `cache_size` says (its default is 2 MiB).
/// Every reader keeps its own copy of the pages it read, so the default made ten readers hold
/// up to 20 MiB of one small database; a page a reader no longer holds is read again from the
/// operating system's cache, which all of them share (ADR 0023).
const READER_CACHE: &str = "-1024";

impl SqliteDb {
    /// Opens (creating if missing) and migrates the database a `sqlite:` URL names.
    pub(crate) async fn open(url: &str, opts: &ConnectOptions) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal);

        if is_in_memory(url) {
            // An in-memory database lives as long as its connection: keep exactly one, forever.
            let pool = super::pool::pool_options::<sqlx::Sqlite>()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            MIGRATOR.run(&pool).await?;
            return Ok(Self {
                writer: pool.clone(),
                reader: pool,
                writes: Default::default(),
                _lock: None,
                _checkpointer: None,
            });
        }

        let path = options.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        // Before touching the database: a second process must not even run migrations.
        let lock = LockFile::acquire(&path)?;

        let writer = super::pool::pool_options::<sqlx::Sqlite>()
            .max_connections(1)
            .connect_with(checkpoint::writer_options(options.clone()))
            .await?;
        MIGRATOR.run(&writer).await?;
        let checkpointer = checkpoint::Checkpointer::spawn(options.clone());
        let reader = super::pool::pool_options::<sqlx::Sqlite>()
            .max_connections(opts.sqlite_readers())
            .connect_lazy_with(options.pragma("cache_size", READER_CACHE));
        Ok(Self {
            writer,
            reader,
            writes: Default::default(),
            _lock: Some(lock),
            _checkpointer: Some(checkpointer),
        })
    }

    /// This backend's text of a statement written in both dialects.
    pub(crate) fn sql(&self, statement: &crate::db::Dialects) -> &'static str {
        statement.sqlite
    }

    /// The pool for reads that decide nothing: the readers, beside the writer.
    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// The single writer connection: every write, and every read that decides a write.
    pub(crate) fn writer(&self) -> &SqlitePool {
        self.writes.count();
        self.writer_unfollowed()
    }

    /// Starts a write transaction that takes SQLite's write lock at once, so a read-modify-write
    /// never fails half-way with SQLITE_BUSY.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.writes.count();
        self.begin_unfollowed().await
    }

    /// `writer()` for writes no kept read depends on (the jobs' leases: `LocalWrites`), not counted.
    pub(crate) fn writer_unfollowed(&self) -> &SqlitePool {
        &self.writer
    }

    /// `begin()` for writes no kept read depends on (the jobs' leases: `LocalWrites`), not counted.
    pub(crate) async fn begin_unfollowed(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Drops the page caches of the writer and of every reader that is idle now (`PRAGMA
    /// shrink_memory`): for a quiet process, whose caches would otherwise stay full of what the
    /// last burst read. A dropped page comes back from the operating system's cache on its next
    /// read. Writes nothing, so it is not counted as a write.
    pub(crate) async fn release_memory(&self) -> Result<()> {
        if let Some(mut writer) = self.writer.try_acquire() {
            sqlx::query("PRAGMA shrink_memory")
                .execute(&mut *writer)
                .await?;
        }
        // Held until every idle reader was shrunk, so that no reader is shrunk twice.
        let mut shrunk = Vec::new();
        while let Some(mut reader) = self.reader.try_acquire() {
            sqlx::query("PRAGMA shrink_memory")
                .execute(&mut *reader)
                .await?;
            shrunk.push(reader);
        }
        Ok(())
    }

    /// Starts a read transaction on a reader: WAL shows it one snapshot throughout.
    pub(crate) async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.reader.begin().await?)
    }
}

fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    db == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://db?mode=memory"));
        assert!(!is_in_memory("sqlite://jumpgate.db"));
        assert!(!is_in_memory("sqlite:data/jumpgate.db?mode=rwc"));
    }
}
