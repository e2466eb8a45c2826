//! Helpers several topics share: the clock for leases, LIKE patterns, id lists, JSON and error
//! mapping.

use crate::{Result, StoreError};
use jumpgate_domain::AccountId;
use jumpgate_domain::audit::to_micros;
use std::time::Duration;
use time::OffsetDateTime;

pub(crate) fn after(now: OffsetDateTime, lease: Duration) -> OffsetDateTime {
    let lease = time::Duration::try_from(lease).unwrap_or(time::Duration::MAX);
    // Absurd leases saturate instead of failing: "forever" is what the caller meant.
    to_micros(now.checked_add(lease).unwrap_or(far_future()))
}

fn far_future() -> OffsetDateTime {
    time::macros::datetime!(9999-12-31 00:00 UTC)
}

/// A `LIKE … ESCAPE '\'` pattern matching `query` anywhere, lowercased for `lower(col)`.
pub(crate) fn contains_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Turns constraint violations into `Conflict` with a message a person can act on; anything
/// else stays a database error.
pub(crate) fn conflict(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    use sqlx::error::ErrorKind;
    match &err {
        sqlx::Error::Database(db)
            if matches!(
                db.kind(),
                ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation
            ) =>
        {
            StoreError::Conflict(message())
        }
        _ => StoreError::Database(err),
    }
}

pub(crate) fn is_foreign_key(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

/// A foreign key failed: what the write named (`what`) does not exist; anything else stays a
/// database error.
pub(crate) fn missing(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if is_foreign_key(&err) {
        StoreError::NotFound(what())
    } else {
        StoreError::Database(err)
    }
}

/// A foreign key failed on an insert or update naming `account`: that account does not exist.
pub(crate) fn unknown_account(err: sqlx::Error, account: Option<AccountId>) -> StoreError {
    match account {
        Some(a) => missing(err, || format!("account {a}")),
        None => StoreError::Database(err),
    }
}

pub(crate) fn not_found_if_zero(rows: u64, what: impl FnOnce() -> String) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NotFound(what()))
    } else {
        Ok(())
    }
}

pub(crate) fn json(s: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("A_b%c\\"), "%a\\_b\\%c\\\\%");
    }

    #[test]
    fn huge_leases_saturate() {
        let t = after(OffsetDateTime::UNIX_EPOCH, Duration::MAX);
        assert_eq!(t.year(), 9999);
    }
}
