//! How a time is bound: SQLite stores Unix microseconds in an INTEGER, PostgreSQL a
//! TIMESTAMPTZ. Both keep whole microseconds, so times are truncated to them on write and read
//! back equal to what was written.
//!
//! [`DbTime`] encodes itself for whichever backend the query runs on, so one statement body
//! binds times for both: `.bind(DbTime(now))`. Reading is [`crate::db::Cols::time`].

use crate::{Result, StoreError};
use jumpgate_domain::audit::to_micros;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;

/// A time as a statement parameter, on either backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbTime(pub(crate) OffsetDateTime);

impl Type<Sqlite> for DbTime {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(micros(self.0), buf)
    }
}

impl Type<Postgres> for DbTime {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode(to_micros(self.0), buf)
    }
}

/// Unix microseconds: how SQLite stores every time.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let m = t.unix_timestamp_nanos().div_euclid(1_000);
    i64::try_from(m).unwrap_or(if m < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn from_micros(m: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000)
        .map_err(|e| StoreError::Corrupt(format!("time {m} out of range: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_micros() {
        let t = to_micros(time::macros::datetime!(2026-12-05 12:34:56.789_012_345 UTC));
        assert_eq!(from_micros(micros(t)).expect("in range"), t);
        let before_epoch = OffsetDateTime::UNIX_EPOCH - time::Duration::nanoseconds(1_500);
        assert_eq!(micros(before_epoch), -2);
    }
}
