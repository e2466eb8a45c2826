//! Helpers several topics share: the clock for leases, LIKE patterns, id lists, JSON, error
//! mapping, and (until they are converted) the standings topics' decision and check helpers.

use crate::{
    NewStandingsEntry, RequestDecision, Result, RevocationDecision, StoreError, SyncCounts,
    SyncStatus,
};
use jumpgate_domain::audit::to_micros;
use jumpgate_domain::standings::{LedgerEntry, RequestState, RevocationState};
use jumpgate_domain::{AccountId, CharacterId};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// Leases are measured on the application's clock (instances are expected to run NTP), so both
/// backends behave identically and callers' `now` values compare with stored times.
pub(crate) fn now() -> OffsetDateTime {
    to_micros(OffsetDateTime::now_utc())
}

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

/// What a decision writes into a request or revocation row.
pub(crate) struct Decided<'a> {
    pub state: &'static str,
    pub by: Option<AccountId>,
    /// Whole tenths, for approved requests.
    pub standing: Option<i16>,
    pub note: Option<&'a str>,
}

pub(crate) fn request_decision(d: &RequestDecision) -> Decided<'_> {
    match d {
        RequestDecision::Approve {
            by,
            standing,
            notes,
        } => Decided {
            state: RequestState::Approved.as_str(),
            by: Some(*by),
            standing: Some(standing.tenths()),
            note: Some(notes),
        },
        RequestDecision::Reject { by, reason } => Decided {
            state: RequestState::Rejected.as_str(),
            by: Some(*by),
            standing: None,
            note: Some(reason),
        },
        RequestDecision::Cancel { by } => Decided {
            state: RequestState::Cancelled.as_str(),
            by: Some(*by),
            standing: None,
            note: None,
        },
    }
}

pub(crate) fn revocation_decision(d: &RevocationDecision) -> Decided<'_> {
    match d {
        RevocationDecision::Approve { by, notes } => Decided {
            state: RevocationState::Approved.as_str(),
            by: *by,
            standing: None,
            note: Some(notes),
        },
        RevocationDecision::Reject { by, reason } => Decided {
            state: RevocationState::Rejected.as_str(),
            by: Some(*by),
            standing: None,
            note: Some(reason),
        },
        RevocationDecision::Cancel { by } => Decided {
            state: RevocationState::Cancelled.as_str(),
            by: Some(*by),
            standing: None,
            note: None,
        },
    }
}

/// Why a decision matched no pending row: `what` (`request`, `revocation`) `id` is missing, or
/// already decided (`state` is what the row holds).
pub(crate) fn not_pending(what: &str, id: i64, state: Option<String>) -> StoreError {
    match state {
        None => StoreError::NotFound(format!("{what} {id}")),
        Some(state) => StoreError::Invalid(format!(
            "{what} {id} is already {state}: only a pending {what} can be decided"
        )),
    }
}

/// An import names each entity once: a second row for the same entity is a mistake in the
/// import (which value was meant?), so the whole import is refused before anything is written.
pub(crate) fn check_import(entries: &[NewStandingsEntry]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(first) = seen.insert(e.entity.id, i) {
            return Err(StoreError::Invalid(format!(
                "{} ({}) appears twice in the import (entries {} and {}); nothing was imported",
                e.name,
                e.entity,
                first + 1,
                i + 1
            )));
        }
    }
    Ok(())
}

/// A ledger holds each contact once.
pub(crate) fn check_ledger(character: CharacterId, entries: &[LedgerEntry]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        if !seen.insert(e.contact_id) {
            return Err(StoreError::Invalid(format!(
                "contact {} appears twice in the ledger of character {character}",
                e.contact_id
            )));
        }
    }
    Ok(())
}

/// An id list as one JSON array parameter, for SQLite's `json_each` (PostgreSQL binds an array):
/// the SQL stays fixed whatever the list.
pub(crate) fn json_ids(ids: &[i64]) -> String {
    // A slice of i64 always serializes.
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn label_ids(labels: &[i64]) -> String {
    // A Vec<i64> always serializes.
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_owned())
}

/// Builds the counts from `(status, count)` rows.
pub(crate) fn sync_counts(rows: Vec<(String, i64)>) -> Result<SyncCounts> {
    let mut counts = SyncCounts::default();
    for (status, n) in rows {
        let status = SyncStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sync status '{status}'")))?;
        counts.total += n;
        if status == SyncStatus::InSync {
            counts.in_sync += n;
        }
        if status.is_problem() {
            counts.problems += n;
        }
    }
    Ok(counts)
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
        let t = after(now(), Duration::MAX);
        assert_eq!(t.year(), 9999);
    }
}
