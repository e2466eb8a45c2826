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

/// The columns of a joined row whose names carry a prefix (`corporation_name`), read with the
/// prefix left out, so one reader serves a table's own rows and its columns in a join.
pub(crate) struct Prefixed<'r, R> {
    pub(crate) prefix: &'static str,
    pub(crate) row: &'r R,
}

impl<R: Cols> Prefixed<'_, R> {
    fn name(&self, col: &str) -> String {
        let mut name = String::with_capacity(self.prefix.len() + col.len());
        name.push_str(self.prefix);
        name.push_str(col);
        name
    }
}

impl<R: Cols> Cols for Prefixed<'_, R> {
    fn get<T: ColumnValue>(&self, col: &str) -> Result<T> {
        self.row.get(&self.name(col))
    }

    fn str(&self, col: &str) -> Result<&str> {
        self.row.str(&self.name(col))
    }

    fn time(&self, col: &str) -> Result<OffsetDateTime> {
        self.row.time(&self.name(col))
    }

    fn time_opt(&self, col: &str) -> Result<Option<OffsetDateTime>> {
        self.row.time_opt(&self.name(col))
    }
}
