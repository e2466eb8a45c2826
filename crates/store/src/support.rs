//! Helpers both backends share: clocks, text codes, error mapping and state assembly.

use crate::{AccountAccess, Result, StoreError};
use jumpgate_domain::AccountId;
use jumpgate_domain::account::{RemovalReason, TokenStatus};
use jumpgate_domain::audit::{
    Actor, AuditEntry, GENESIS_HASH, NewAuditEntry, entry_hash, to_micros,
};
use jumpgate_domain::states::{State, StateCriteria};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId, FactionId};
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

/// A foreign key failed on an insert or update naming `account`: that account does not exist.
pub(crate) fn unknown_account(err: sqlx::Error, account: Option<AccountId>) -> StoreError {
    match account {
        Some(a) if is_foreign_key(&err) => StoreError::NotFound(format!("account {a}")),
        _ => StoreError::Database(err),
    }
}

pub(crate) fn not_found_if_zero(rows: u64, what: impl FnOnce() -> String) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NotFound(what()))
    } else {
        Ok(())
    }
}

pub(crate) fn token_status(s: &str) -> Result<TokenStatus> {
    TokenStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown token status '{s}'")))
}

pub(crate) fn removal_reason(s: &str) -> Result<RemovalReason> {
    RemovalReason::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown removal reason '{s}'")))
}

pub(crate) fn job_status(s: &str) -> Result<crate::JobStatus> {
    crate::JobStatus::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown job status '{s}'")))
}

pub(crate) fn actor(s: &str) -> Result<Actor> {
    Actor::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown audit actor '{s}'")))
}

pub(crate) fn json(s: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} is not JSON: {e}")))
}

/// The next audit entry after `last` (id and hash of the newest entry, if any). Must be called
/// while holding the chain lock so that nobody else links to the same `last`.
pub(crate) fn seal_audit(last: Option<(i64, String)>, entry: &NewAuditEntry) -> AuditEntry {
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let at = now();
    let hash = entry_hash(
        &prev_hash,
        id,
        at,
        &entry.actor,
        &entry.action,
        &entry.target,
        &entry.details,
    );
    AuditEntry {
        id,
        at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        target: entry.target.clone(),
        details: entry.details.clone(),
        prev_hash,
        hash,
    }
}

/// The `(kind, entity id)` rows that store a state's criteria.
pub(crate) fn criteria_rows(c: &StateCriteria) -> Vec<(&'static str, i64)> {
    let mut rows = Vec::new();
    rows.extend(c.characters.iter().map(|id| ("character", id.get())));
    rows.extend(c.corporations.iter().map(|id| ("corporation", id.get())));
    rows.extend(c.alliances.iter().map(|id| ("alliance", id.get())));
    rows.extend(c.factions.iter().map(|id| ("faction", id.get())));
    rows
}

/// Builds states (in the order of `states`) from their rows, criteria and permissions.
pub(crate) fn assemble_states(
    states: Vec<(i64, String, i32)>,
    criteria: Vec<(i64, String, i64)>,
    permissions: Vec<(i64, String)>,
) -> Result<Vec<State>> {
    let mut by_id: BTreeMap<i64, State> = states
        .iter()
        .map(|(id, name, priority)| {
            let state = State {
                id: *id,
                name: name.clone(),
                priority: *priority,
                criteria: StateCriteria::default(),
                permissions: Default::default(),
            };
            (*id, state)
        })
        .collect();
    for (state_id, kind, entity) in criteria {
        let Some(state) = by_id.get_mut(&state_id) else {
            continue;
        };
        let c = &mut state.criteria;
        match kind.as_str() {
            "character" => c.characters.insert(CharacterId(entity)),
            "corporation" => c.corporations.insert(CorporationId(entity)),
            "alliance" => c.alliances.insert(AllianceId(entity)),
            "faction" => c.factions.insert(FactionId(entity)),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown state criterion kind '{other}'"
                )));
            }
        };
    }
    for (state_id, permission) in permissions {
        if let Some(state) = by_id.get_mut(&state_id) {
            state.permissions.insert(permission);
        }
    }
    Ok(states
        .iter()
        .filter_map(|(id, ..)| by_id.remove(id))
        .collect())
}

pub(crate) fn label_ids(labels: &[i64]) -> String {
    // A Vec<i64> always serializes.
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_owned())
}

/// An account's superuser flag, state and main with every permission it holds, directly or
/// through its state:
/// one row per permission (one row with a NULL permission when it has none), none if the account
/// does not exist. One query, because every page view asks (`Store::account_grants`).
/// The grants of one account (`$account`: an SQL expression for its id): one row per permission
/// (superuser, state, main id, main name, permission), or one row with a NULL permission.
macro_rules! account_grants {
    ($account:literal) => {
        concat!(
            "SELECT a.superuser, a.state, a.main_character_id, m.name AS main_name, p.permission
             FROM accounts a
             LEFT JOIN characters m ON m.id = a.main_character_id
             LEFT JOIN (
                 SELECT permission FROM account_permissions WHERE account_id = ",
            $account,
            "
                 UNION
                 SELECT sp.permission FROM state_permissions sp JOIN states st ON st.id = sp.state_id
                 WHERE st.name = (SELECT state FROM accounts WHERE id = ",
            $account,
            ")
             ) p ON TRUE
             WHERE a.id = ",
            $account
        )
    };
}

pub(crate) const ACCOUNT_GRANTS: &str = account_grants!("$1");

/// The live session `$1` (not expired at `$2`) with its account's grants, as `ACCOUNT_GRANTS`
/// rows after the session's columns; one row with NULL grants when the session has no account.
pub(crate) const SESSION_GRANTS: &str = concat!(
    "SELECT s.id, s.account_id, s.data, s.expires_at,
            g.superuser, g.state, g.main_character_id, g.main_name, g.permission
     FROM sessions s
     LEFT JOIN (",
    account_grants!("(SELECT account_id FROM sessions WHERE id = $1)"),
    ") g ON TRUE
     WHERE s.id = $1 AND s.expires_at > $2"
);

/// One row of `ACCOUNT_GRANTS`: superuser, state, main id, main name, permission.
pub(crate) type GrantRow = (bool, String, Option<i64>, Option<String>, Option<String>);

/// The account's grants from its `ACCOUNT_GRANTS` rows; `None` without rows (no such account).
pub(crate) fn account_access(rows: Vec<GrantRow>) -> Option<AccountAccess> {
    let (superuser, state, main_id, main_name, _) = rows.first().cloned()?;
    Some(AccountAccess {
        superuser,
        state,
        main: main_id
            .zip(main_name)
            .map(|(id, name)| (CharacterId(id), name)),
        permissions: rows.into_iter().filter_map(|r| r.4).collect(),
    })
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
