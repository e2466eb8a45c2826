//! PostgreSQL's half of the topics not yet written once (see `crate::db`): each function takes
//! the PostgreSQL database and is called by `delegate.rs` when PostgreSQL is in use.

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
pub(crate) use crate::db::PgDb;
use jumpgate_domain::audit::to_micros;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

crate::rows::row_readers!(
    sqlx::postgres::PgRow,
    crate::postgres::time_col,
    crate::postgres::time_col_opt
);

/// Times are written truncated to microseconds, the precision both backends keep, so a value
/// reads back equal to what was written.
pub(crate) fn tm(t: OffsetDateTime) -> OffsetDateTime {
    to_micros(t)
}

pub(crate) fn time_col(r: &PgRow, col: &str) -> Result<OffsetDateTime> {
    r.time(col)
}

pub(crate) fn time_col_opt(r: &PgRow, col: &str) -> Result<Option<OffsetDateTime>> {
    r.time_opt(col)
}
