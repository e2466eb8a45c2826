//! The database under the store: which backend is in use ([`Db`]), and the few helpers that let
//! one method body run on either.
//!
//! A store method is written once and compiled for both backends by [`on_db!`]:
//!
//! ```ignore
//! pub async fn delete_state(&self, id: i64) -> Result<()> {
//!     let done = on_db!(self, |db| sqlx::query("DELETE FROM states WHERE id = $1")
//!         .bind(id)
//!         .execute(db.writer())
//!         .await?
//!         .rows_affected());
//!     not_found_if_zero(done, || format!("state {id}"))
//! }
//! ```
//!
//! Inside the body `db` is a [`SqliteDb`] or a [`PgDb`]; both offer `reader()`, `writer()`,
//! `begin()` and `begin_read()`. Whatever has a backend's type (rows, query results) is finished
//! inside the body, so that both arms give the same type. Times are bound as [`DbTime`] and read
//! with [`Cols`]; a limit that may be "none" is bound as [`Limit`]. Where the two dialects really
//! differ, the method matches `&self.db` itself, with one arm per backend side by side and a comment
//! saying why; where only a fragment differs (an id list's test, a byte-order sort), the statement
//! is one [`Dialects`] pair and the body picks its text with `db.sql(&STATEMENT)`.

mod cols;
mod conn;
mod dialects;
mod id_list;
mod limit;
pub(crate) mod pool;
mod postgres;
mod sqlite;
mod time;

pub(crate) use cols::{Cols, Prefixed};
pub(crate) use conn::{Conn, on_conn};
pub(crate) use dialects::{Dialects, by_name_in_byte_order};
pub(crate) use id_list::{IdList, ValueList, json_ids, where_in_ids};
pub(crate) use limit::Limit;
pub(crate) use postgres::PgDb;
pub(crate) use sqlite::SqliteDb;
pub(crate) use time::{DbTime, from_micros};

/// How many times this process has asked a backend for its writer (`writer()`, `begin()`):
/// counted before the write runs, so a value read before a read and found unchanged after it
/// proves this process began no write in between (`Store::local_writes`).
///
/// The exception is writes no kept read depends on: the job worker's leases and heartbeats,
/// which touch only the jobs table, which no change counter follows (`writer_unfollowed`,
/// `begin_unfollowed`). Counted, a lease every two seconds made every request in flight
/// distrust the counters it came with and read them again, and a loop over a kept map paid a
/// read per item (docs/benchmarks.md, "The bulk call's tail").
#[derive(Debug, Default)]
pub(crate) struct LocalWrites(std::sync::atomic::AtomicU64);

impl LocalWrites {
    pub(crate) fn count(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The backend in use, with its pools.
pub(crate) enum Db {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

impl Db {
    /// The SQLite database with its commit counts, when it counts commits (a file): reads may
    /// then be kept until the next commit (ADR 0034). `None` on PostgreSQL, which other
    /// instances write too, and on an in-memory SQLite database.
    pub(crate) fn counting_commits(&self) -> Option<(&SqliteDb, sqlite::commits::Commits)> {
        match self {
            Db::Sqlite(db) => db.commits().map(|commits| (db, commits)),
            Db::Postgres(_) => None,
        }
    }
}

/// Runs `$body` with `$db` bound to the backend in use: written once, compiled per backend.
macro_rules! on_db {
    ($store:expr, |$db:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite($db) => $body,
            $crate::db::Db::Postgres($db) => $body,
        }
    };
}

pub(crate) use on_db;
