//! A `LIMIT` that may mean "no limit": SQLite spells that `LIMIT -1`, PostgreSQL `LIMIT NULL`
//! (it refuses a negative limit, SQLite a NULL one). [`Limit`] binds whichever the query's
//! backend needs, so the statement is written once.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Encode, Postgres, Sqlite, Type};

/// A row limit as a statement parameter; `None` is no limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit(Option<i64>);

impl Limit {
    /// `n` rows, or no limit when `n` is 0 or less.
    pub(crate) fn positive_or_all(n: i64) -> Self {
        Self((n > 0).then_some(n))
    }
}

impl Type<Sqlite> for Limit {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Limit {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(self.0.unwrap_or(-1), buf)
    }
}

impl Type<Postgres> for Limit {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <i64 as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Limit {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <Option<i64> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}
