//! A connection of either backend, for helpers that several methods call inside their own
//! transaction (`insert a character`, `re-pick the main`, …).
//!
//! The caller is inside an [`on_db!`](crate::db::on_db) arm and passes `&mut *tx`; the helper
//! takes `impl Into<Conn<'c>>` and runs its statement with [`on_conn!`], so the statement is
//! written once:
//!
//! ```ignore
//! async fn fill_empty_main<'c>(conn: impl Into<Conn<'c>>, account: AccountId) -> Result<()> {
//!     on_conn!(conn, |c| sqlx::query("UPDATE …").bind(account.get()).execute(c).await?);
//!     Ok(())
//! }
//! ```

use sqlx::{PgConnection, SqliteConnection};

/// A borrowed connection (usually a transaction's) of either backend.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut SqliteConnection> for Conn<'c> {
    fn from(c: &'c mut SqliteConnection) -> Self {
        Self::Sqlite(c)
    }
}

impl<'c> From<&'c mut PgConnection> for Conn<'c> {
    fn from(c: &'c mut PgConnection) -> Self {
        Self::Postgres(c)
    }
}

/// Runs `$body` with `$c` bound to the connection (`&mut SqliteConnection` or
/// `&mut PgConnection`) behind `$conn: impl Into<Conn>`.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match Into::<$crate::db::Conn<'_>>::into($conn) {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

pub(crate) use on_conn;
