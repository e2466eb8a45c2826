//! SQLite's half of the topics not yet written once (see `crate::db`): each function takes the
//! SQLite database and is called by `delegate.rs` when SQLite is in use.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod characters;
pub(crate) mod jobs;
pub(crate) mod misc;
pub(crate) mod orgs;
pub(crate) mod sync_scale;
pub(crate) mod tokens;

use crate::Result;
use crate::db::Cols;
pub(crate) use crate::db::SqliteDb;
pub(crate) use crate::db::micros;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

crate::rows::row_readers!(
    sqlx::sqlite::SqliteRow,
    crate::sqlite::time_col,
    crate::sqlite::time_col_opt
);

pub(crate) fn time_col(r: &SqliteRow, col: &str) -> Result<OffsetDateTime> {
    r.time(col)
}

pub(crate) fn time_col_opt(r: &SqliteRow, col: &str) -> Result<Option<OffsetDateTime>> {
    r.time_opt(col)
}
