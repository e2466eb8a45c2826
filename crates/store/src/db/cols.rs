//! Reading columns from a row of either backend, so that a row reader is one plain generic
//! function (`fn account<R: Cols>(r: &R) -> Result<Account>`) instead of one per backend.

use super::time::from_micros;
use crate::Result;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row, Sqlite, Type};
use time::OffsetDateTime;

/// A Rust type both backends decode (integers, text, bytes, booleans, and `Option`s of them).
pub(crate) trait ColumnValue:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> ColumnValue for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// The columns of a row, by name, on either backend.
pub(crate) trait Cols {
    fn get<T: ColumnValue>(&self, col: &str) -> Result<T>;
    /// A text column borrowed from the row (for codes parsed at once, without a copy).
    fn str(&self, col: &str) -> Result<&str>;
    /// A time column (see `db::time` for how each backend stores it).
    fn time(&self, col: &str) -> Result<OffsetDateTime>;
    fn time_opt(&self, col: &str) -> Result<Option<OffsetDateTime>>;
}

impl Cols for SqliteRow {
    fn get<T: ColumnValue>(&self, col: &str) -> Result<T> {
        Ok(self.try_get(col)?)
    }

    fn str(&self, col: &str) -> Result<&str> {
        Ok(self.try_get(col)?)
    }

    fn time(&self, col: &str) -> Result<OffsetDateTime> {
        from_micros(self.try_get(col)?)
    }

    fn time_opt(&self, col: &str) -> Result<Option<OffsetDateTime>> {
        self.try_get::<Option<i64>, _>(col)?
            .map(from_micros)
            .transpose()
    }
}

impl Cols for PgRow {
    fn get<T: ColumnValue>(&self, col: &str) -> Result<T> {
        Ok(self.try_get(col)?)
    }

    fn str(&self, col: &str) -> Result<&str> {
        Ok(self.try_get(col)?)
    }

    fn time(&self, col: &str) -> Result<OffsetDateTime> {
        Ok(self.try_get(col)?)
    }

    fn time_opt(&self, col: &str) -> Result<Option<OffsetDateTime>> {
        Ok(self.try_get(col)?)
    }
}
