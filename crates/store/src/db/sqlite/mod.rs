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
    /// Whether the readers are connections of their own, which a quiet process closes
    /// (`release_memory`); `false` for in-memory databases, whose one connection is all.
    readers_are_separate: bool,
    /// Held for the store's lifetime; `None` for in-memory databases.
    _lock: Option<LockFile>,
    /// Stopped when the store is dropped; `None` for in-memory databases.
    checkpointer: Option<checkpoint::Checkpointer>,
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
            let pool = pool_options()
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
                readers_are_separate: false,
                _lock: None,
                checkpointer: None,
            });
        }

        let path = options.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        // Before touching the database: a second process must not even run migrations.
        let lock = LockFile::acquire(&path)?;

        let writer = pool_options()
            .max_connections(1)
            .connect_with(checkpoint::writer_options(options.clone()))
            .await?;
        MIGRATOR.run(&writer).await?;
        let checkpointer = checkpoint::Checkpointer::spawn(options.clone());
        let reader = pool_options()
            .max_connections(opts.sqlite_readers())
            .connect_lazy_with(options.pragma("cache_size", READER_CACHE));
        Ok(Self {
            writer,
            reader,
            writes: Default::default(),
            readers_are_separate: true,
            _lock: Some(lock),
            checkpointer: Some(checkpointer),
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

    /// Gives back the memory of a quiet moment (ADR 0025). The writer and the checkpointer drop
    /// their page caches, and their threads give back what they freed; every reader that is idle
    /// now is closed, and with it its page cache, its copy of the schema, its prepared statements
    /// and its thread (sqlx opens a reader again when a read needs one). A dropped page comes
    /// back from the operating system's cache on its next read. Writes nothing, so it is not
    /// counted as a write.
    pub(crate) async fn release_memory(&self) -> Result<()> {
        if let Some(mut writer) = self.writer.try_acquire() {
            release_connection_memory(&mut writer).await?;
        }
        if let Some(checkpointer) = &self.checkpointer
            && let Some(mut connection) = checkpointer.pool.try_acquire()
        {
            release_connection_memory(&mut connection).await?;
        }
        // An in-memory database's only connection is its writer too, and the database itself.
        if self.readers_are_separate {
            while let Some(reader) = self.reader.try_acquire() {
                reader.close().await?;
            }
        }
        Ok(())
    }

    /// Starts a read transaction on a reader: WAL shows it one snapshot throughout.
    pub(crate) async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.reader.begin().await?)
    }
}

/// The pool options of every SQLite connection: the shared ones, and the function that gives
/// back what the connection's own thread freed (`jumpgate_memory::sqlite`), added as it opens.
fn pool_options() -> sqlx::pool::PoolOptions<sqlx::Sqlite> {
    super::pool::pool_options::<sqlx::Sqlite>().after_connect(|conn, _| {
        Box::pin(async move {
            let mut handle = conn.lock_handle().await?;
            jumpgate_memory::sqlite::add_give_back_function(&mut handle).map_err(|code| {
                sqlx::Error::Protocol(format!(
                    "SQLite refused the memory give-back function (result code {code})"
                ))
            })
        })
    })
}

/// Drops a connection's page cache, then gives back what its thread freed: one hand-off to the
/// connection's thread for both.
const RELEASE_CONNECTION_MEMORY: &str = const_format::concatcp!(
    "PRAGMA shrink_memory; ",
    jumpgate_memory::sqlite::GIVE_BACK_FREED_SQL
);

/// Drops a connection's page cache and gives back what its thread freed.
async fn release_connection_memory(connection: &mut sqlx::SqliteConnection) -> Result<()> {
    sqlx::raw_sql(RELEASE_CONNECTION_MEMORY)
        .execute(&mut *connection)
        .await?;
    Ok(())
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

    async fn read_one(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT 1")
            .fetch_one(pool)
            .await
            .expect("the database answers")
    }

    /// A database file in a directory that lives as long as the returned guard.
    async fn file_database() -> (tempfile::TempDir, SqliteDb) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("jumpgate.db").display());
        let db = SqliteDb::open(&url, &ConnectOptions::default())
            .await
            .expect("opened");
        (dir, db)
    }

    #[tokio::test]
    async fn a_quiet_moment_closes_the_idle_readers_and_keeps_the_writer() {
        let (_dir, db) = file_database().await;
        let (_, _) = tokio::join!(read_one(&db.reader), read_one(&db.reader));
        assert!(db.reader.size() >= 1, "a read opened a reader");
        // sqlx hands a connection back to its pool in a task of its own, after the read.
        for _ in 0..1000 {
            if db.reader.num_idle() == db.reader.size() as usize {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }

        db.release_memory().await.expect("given back");

        assert_eq!(db.reader.size(), 0, "the idle readers are closed");
        assert_eq!(db.writer.size(), 1, "the writer stays open");
        assert_eq!(read_one(&db.reader).await, 1, "a read opens a reader again");
        assert_eq!(read_one(&db.writer).await, 1);
    }

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_one_connection() {
        let db = SqliteDb::open("sqlite::memory:", &ConnectOptions::default())
            .await
            .expect("opened");
        sqlx::query("CREATE TABLE kept (v INTEGER)")
            .execute(&db.writer)
            .await
            .expect("created");

        db.release_memory().await.expect("given back");

        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM kept")
            .fetch_one(&db.reader)
            .await
            .expect("the table is still there");
        assert_eq!(rows, 0);
    }

    #[tokio::test]
    async fn every_connection_has_the_give_back_function() {
        let (_dir, db) = file_database().await;
        for pool in [&db.reader, &db.writer] {
            let answer: Option<i64> =
                sqlx::query_scalar(jumpgate_memory::sqlite::GIVE_BACK_FREED_SQL)
                    .fetch_one(pool)
                    .await
                    .expect("the function is there");
            assert_eq!(answer, None);
        }
    }
}
