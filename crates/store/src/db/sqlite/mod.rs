//! The SQLite database: the embedded default, for one Jumpgate process.
//!
//! One process per database file (enforced with a lock file), one writer connection (so writers
//! never race for SQLite's lock), a small pool of readers that WAL lets run beside it, and a
//! background checkpointer (`checkpoint`) so the writer never waits for the disk.

mod checkpoint;
pub(crate) mod commits;
pub(crate) mod kept_until_commit;
mod lock;

use crate::{ConnectOptions, Result, StoreError};
use commits::Commits;
use kept_until_commit::KeptReads;
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
    /// The commits made visible so far; `None` for in-memory databases, which have no
    /// write-ahead log to count them with (and so keep no read).
    commits: Option<Commits>,
    /// What the signed-in pages read, kept until the next commit (ADR 0034); boxed, as it is
    /// most of the backend's size.
    pub(crate) kept: Box<KeptReads>,
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
            let pool = pool_options(None)
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
                commits: None,
                kept: Box::new(KeptReads::new()),
            });
        }

        let path = options.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        // Before touching the database: a second process must not even run migrations.
        let lock = LockFile::acquire(&path)?;

        // Every connection counts its commits: the readers and the checkpointer commit nothing,
        // but a read kept while a commit went uncounted would be wrong, not slow.
        let commits = Commits::new();
        let writer = pool_options(Some(commits))
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let checkpointer = checkpoint::Checkpointer::spawn(options.clone(), commits);
        let reader = pool_options(Some(commits))
            .max_connections(opts.sqlite_readers())
            .connect_lazy_with(options.pragma("cache_size", READER_CACHE));
        Ok(Self {
            writer,
            reader,
            writes: Default::default(),
            readers_are_separate: true,
            _lock: Some(lock),
            checkpointer: Some(checkpointer),
            commits: Some(commits),
            kept: Box::new(KeptReads::new()),
        })
    }

    /// This database's commit counts, if it counts them (a file, not memory): what a kept read
    /// is checked against (ADR 0034).
    pub(crate) fn commits(&self) -> Option<Commits> {
        self.commits
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
        self.kept.forget_all();
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

/// The pool options of every SQLite connection: the shared ones, the function that gives back
/// what the connection's own thread freed (`jumpgate_memory::sqlite`), and the hook that counts
/// its commits into `commits` (a database file's), added as it opens.
fn pool_options(commits: Option<Commits>) -> sqlx::pool::PoolOptions<sqlx::Sqlite> {
    super::pool::pool_options::<sqlx::Sqlite>().after_connect(move |conn, _| {
        Box::pin(async move {
            let mut handle = conn.lock_handle().await?;
            if let Some(commits) = commits {
                commits.follow(&mut handle);
            }
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
    async fn commits_are_counted_and_nothing_else_is() {
        let (_dir, db) = file_database().await;
        let commits = db.commits().expect("a file counts its commits");
        let start = commits.settled().expect("nothing on its way");
        sqlx::query("CREATE TABLE counted (v INTEGER)")
            .execute(&db.writer)
            .await
            .expect("created");
        let created = commits.settled().expect("settled");
        assert!(created > start, "a statement's commit");

        read_one(&db.reader).await;
        read_one(&db.writer).await;
        let mut tx = db.begin().await.expect("begun");
        sqlx::query("INSERT INTO counted VALUES (1)")
            .execute(&mut *tx)
            .await
            .expect("inserted");
        assert_eq!(commits.settled(), Some(created), "not yet: uncommitted");
        tx.rollback().await.expect("rolled back");
        assert_eq!(commits.settled(), Some(created), "reads and a rollback");

        let mut tx = db.begin().await.expect("begun");
        for v in [2, 3] {
            sqlx::query("INSERT INTO counted VALUES ($1)")
                .bind(v)
                .execute(&mut *tx)
                .await
                .expect("inserted");
        }
        tx.commit().await.expect("committed");
        let committed = commits.settled().expect("settled");
        assert!(committed > created, "a transaction's commit");

        // A write transaction that changed nothing writes no page, so SQLite never says it is
        // visible: counted, it would be on its way for good (the job worker's empty polls).
        let settled = commits.settled();
        let tx = db.begin().await.expect("begun");
        tx.commit().await.expect("committed");
        let none: Option<i64> =
            sqlx::query_scalar("UPDATE counted SET v = 0 WHERE v < 0 RETURNING v")
                .fetch_optional(&db.writer)
                .await
                .expect("updated nothing");
        assert_eq!(none, None);
        assert_eq!(
            commits.settled(),
            settled,
            "nothing changed, nothing counted"
        );
    }

    /// sqlx's `fetch_one` takes the row and resets the statement, which commits without SQLite
    /// calling the WAL hook until the connection next steps a statement to its end: the counts
    /// differ meanwhile, so no read is kept (the bug a black-box test found: a notification
    /// written so was hidden by a kept session's change counters).
    #[tokio::test]
    async fn a_commit_made_by_a_reset_is_on_its_way_until_the_connection_finishes_a_statement() {
        let (_dir, db) = file_database().await;
        let commits = db.commits().expect("a file counts its commits");
        sqlx::query("CREATE TABLE counted (v INTEGER)")
            .execute(&db.writer)
            .await
            .expect("created");
        let start = commits.settled().expect("nothing on its way");

        let _: i64 = sqlx::query_scalar("INSERT INTO counted VALUES (1) RETURNING v")
            .fetch_one(&db.writer)
            .await
            .expect("inserted");
        // The reset runs on the connection's thread after the row was handed over.
        for _ in 0..1000 {
            if commits.begun() > start {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(commits.begun(), start + 1, "begun as it committed");
        assert_eq!(commits.settled(), None, "on its way");

        // `fetch_one` resets its statement too; `execute` steps it to its end.
        read_one(&db.writer).await;
        assert_eq!(commits.settled(), None, "a statement that did not finish");
        sqlx::query("SELECT 1")
            .execute(&db.writer)
            .await
            .expect("read");
        assert_eq!(
            commits.settled(),
            Some(commits.begun()),
            "settled by the next statement"
        );
    }

    #[tokio::test]
    async fn an_in_memory_database_counts_no_commits_so_keeps_no_read() {
        let db = SqliteDb::open("sqlite::memory:", &ConnectOptions::default())
            .await
            .expect("opened");
        assert!(db.commits().is_none());
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
