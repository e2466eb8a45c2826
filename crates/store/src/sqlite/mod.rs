//! The SQLite store: the embedded default, for one Jumpgate process.
//!
//! One process per database file (enforced with a lock file), one writer connection (so writers
//! never race for SQLite's lock), a small pool of readers that WAL lets run beside it, and a
//! background checkpointer (`checkpoint`) so the writer never waits for the disk.

mod accounts;
mod audit;
mod bulk;
mod characters;
mod checkpoint;
mod jobs;
mod lock;
mod misc;
mod notifications;
mod orgs;
mod queue;
mod standings;
mod states;
mod store;
mod sync;
mod sync_scale;
mod tokens;

use crate::{ConnectOptions, Result, StoreError};
use lock::LockFile;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteRow, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

crate::rows::row_readers!(
    sqlx::sqlite::SqliteRow,
    crate::sqlite::time_col,
    crate::sqlite::time_col_opt
);

crate::rows::standings_row_readers!(
    sqlx::sqlite::SqliteRow,
    crate::sqlite::time_col,
    crate::sqlite::time_col_opt
);

pub struct SqliteStore {
    /// Every write, and every read that decides a write, goes through this single connection.
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    /// Held for the store's lifetime; `None` for in-memory databases.
    _lock: Option<LockFile>,
    /// Stopped when the store is dropped; `None` for in-memory databases.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database a `sqlite:` URL names.
    pub async fn open(url: &str, opts: &ConnectOptions) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal);

        if is_in_memory(url) {
            // An in-memory database lives as long as its connection: keep exactly one, forever.
            let pool = crate::pool::pool_options::<sqlx::Sqlite>()
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

        let writer = crate::pool::pool_options::<sqlx::Sqlite>()
            .max_connections(1)
            .connect_with(checkpoint::writer_options(options.clone()))
            .await?;
        MIGRATOR.run(&writer).await?;
        let checkpointer = checkpoint::Checkpointer::spawn(options.clone());
        let reader = crate::pool::pool_options::<sqlx::Sqlite>()
            .max_connections(opts.max_connections.max(1))
            .connect_lazy_with(options);
        Ok(Self {
            writer,
            reader,
            _lock: Some(lock),
            _checkpointer: Some(checkpointer),
        })
    }

    /// Starts a write transaction that takes SQLite's write lock at once, so a read-modify-write
    /// never fails half-way with SQLITE_BUSY.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }
}

fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    db == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// Unix microseconds: how SQLite stores every time.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let m = t.unix_timestamp_nanos().div_euclid(1_000);
    i64::try_from(m).unwrap_or(if m < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn from_micros(m: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000)
        .map_err(|e| StoreError::Corrupt(format!("time {m} out of range: {e}")))
}

pub(crate) fn time_col(r: &SqliteRow, col: &str) -> Result<OffsetDateTime> {
    from_micros(r.try_get(col)?)
}

pub(crate) fn time_col_opt(r: &SqliteRow, col: &str) -> Result<Option<OffsetDateTime>> {
    r.try_get::<Option<i64>, _>(col)?
        .map(from_micros)
        .transpose()
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

    #[test]
    fn times_round_trip_through_micros() {
        let t = jumpgate_domain::audit::to_micros(OffsetDateTime::now_utc());
        assert_eq!(from_micros(micros(t)).expect("in range"), t);
        let before_epoch = OffsetDateTime::UNIX_EPOCH - time::Duration::nanoseconds(1_500);
        assert_eq!(micros(before_epoch), -2);
    }
}
