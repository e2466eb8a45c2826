//! A list of ids as one statement parameter, so a statement stays fixed whatever the list (one
//! prepared statement, no `IN ($1, $2, …)` of varying length). PostgreSQL binds a `BIGINT[]` and
//! tests `id = ANY($1)`; SQLite has no arrays, so it binds a JSON array and tests
//! `id IN (SELECT value FROM json_each($1))`.
//!
//! [`IdList`] encodes itself for the backend in use, and a statement that filters by a list is
//! written once as a [`Dialects`](crate::db::Dialects) pair built by [`where_in_ids!`] (only the "in the list" part
//! differs); the backend picks its text with `db.sql(&STATEMENT)` inside `on_db!`.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Encode, Postgres, Sqlite, Type};

/// Ids as one statement parameter, on either backend.
#[derive(Debug, Clone)]
pub(crate) struct IdList(Vec<i64>);

impl IdList {
    pub(crate) fn new(ids: impl IntoIterator<Item = i64>) -> Self {
        Self(ids.into_iter().collect())
    }
}

/// A JSON array of ids: SQLite's form of an id list, and how the ledger stores label ids.
pub(crate) fn json_ids(ids: &[i64]) -> String {
    // A slice of i64 always serializes.
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())
}

impl Type<Sqlite> for IdList {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for IdList {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(json_ids(&self.0), buf)
    }
}

impl Type<Postgres> for IdList {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <Vec<i64> as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for IdList {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <Vec<i64> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

/// `Dialects` of a statement that ends by filtering `column` by an [`IdList`] bound as `$1`:
/// `where_in_ids!("SELECT ", COLS, " FROM characters WHERE id")`.
macro_rules! where_in_ids {
    ($($head:expr),+ $(,)?) => {
        $crate::db::Dialects {
            sqlite: ::const_format::concatcp!($($head),+, " IN (SELECT value FROM json_each($1))"),
            postgres: ::const_format::concatcp!($($head),+, " = ANY($1)"),
        }
    };
}

pub(crate) use where_in_ids;
