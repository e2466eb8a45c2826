//! A list of ids (or other values) as one statement parameter, so a statement stays fixed whatever the list (one
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

/// Values (ids, keys) as one statement parameter, on either backend.
#[derive(Debug, Clone)]
pub(crate) struct ValueList<T>(Vec<T>);

/// Ids as one statement parameter, on either backend.
pub(crate) type IdList = ValueList<i64>;

impl<T> ValueList<T> {
    pub(crate) fn new(values: impl IntoIterator<Item = T>) -> Self {
        Self(values.into_iter().collect())
    }
}

/// A JSON array of ids: SQLite's form of an id list, and how the ledger stores label ids.
pub(crate) fn json_ids(ids: &[i64]) -> String {
    json_array(ids)
}

fn json_array<T: serde::Serialize>(values: &[T]) -> String {
    // A slice of integers or strings always serializes.
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

impl<T> Type<Sqlite> for ValueList<T> {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<T: serde::Serialize> Encode<'_, Sqlite> for ValueList<T> {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(json_array(&self.0), buf)
    }
}

impl<T> Type<Postgres> for ValueList<T>
where
    Vec<T>: Type<Postgres>,
{
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <Vec<T> as Type<Postgres>>::type_info()
    }
}

impl<'q, T> Encode<'q, Postgres> for ValueList<T>
where
    Vec<T>: Encode<'q, Postgres>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <Vec<T> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
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
