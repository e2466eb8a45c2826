//! The audit log's tamper evidence: every entry carries the hash of the one before it.
//!
//! The hash covers the previous hash and every field of the entry, so editing, inserting or
//! deleting any row breaks the chain from that row on. `verify_chain` finds the first break.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who caused a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person, by account.
    Account(i64),
    /// A background job, by kind (e.g. `refresh-affiliations`).
    System(String),
    /// A command-line operation (e.g. `admin grant-superuser`).
    Cli(String),
}

impl Actor {
    /// A stable text form, e.g. `account:12`, `system:refresh-affiliations`.
    pub fn to_text(&self) -> String {
        match self {
            Self::Account(id) => format!("account:{id}"),
            Self::System(job) => format!("system:{job}"),
            Self::Cli(cmd) => format!("cli:{cmd}"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (kind, rest) = text.split_once(':')?;
        match kind {
            "account" => rest.parse().ok().map(Self::Account),
            "system" => Some(Self::System(rest.to_owned())),
            "cli" => Some(Self::Cli(rest.to_owned())),
            _ => None,
        }
    }
}

/// An entry before it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    pub actor: Actor,
    /// What happened, dotted: `character.added`, `account.state_changed`, `token.invalidated` …
    pub action: String,
    /// What it happened to: `account:12`, `character:90000001` …
    pub target: String,
    /// Free-form details as JSON (never secrets).
    pub details: serde_json::Value,
}

/// A written entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Whole microseconds, UTC: both databases store exactly this.
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry given the hash before it. `at` is hashed as Unix microseconds and
/// `details` in serde_json's canonical (sorted-key) form, so both backends produce the same hash.
pub fn entry_hash(
    prev_hash: &str,
    id: i64,
    at: OffsetDateTime,
    actor: &Actor,
    action: &str,
    target: &str,
    details: &serde_json::Value,
) -> String {
    let micros = at.unix_timestamp_nanos() / 1_000;
    let mut h = Sha256::new();
    for part in [
        prev_hash.as_bytes(),
        id.to_string().as_bytes(),
        micros.to_string().as_bytes(),
        actor.to_text().as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        details.to_string().as_bytes(),
    ] {
        // Length-prefix each field so that moving bytes between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// Truncates a time to whole microseconds, the precision both databases keep.
pub fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(at)
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's stored hash is not the hash of its content: it was edited.
    Edited { id: i64 },
    /// The entry does not point at the entry before it: something was deleted or inserted.
    Broken { id: i64 },
}

/// Checks entries in id order, continuing from `prev_hash` (GENESIS_HASH at the start).
/// Returns the hash of the last entry, or the first break.
pub fn verify_chain<'a>(
    prev_hash: &str,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<String, ChainBreak> {
    let mut prev = prev_hash.to_owned();
    for e in entries {
        if e.prev_hash != prev {
            return Err(ChainBreak::Broken { id: e.id });
        }
        let expected = entry_hash(
            &prev, e.id, e.at, &e.actor, &e.action, &e.target, &e.details,
        );
        if expected != e.hash {
            return Err(ChainBreak::Edited { id: e.id });
        }
        prev = e.hash.clone();
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|id| {
                let at = OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(id);
                let actor = Actor::Account(1);
                let details = serde_json::json!({"n": id});
                let hash = entry_hash(&prev, id, at, &actor, "a.b", "t", &details);
                let e = AuditEntry {
                    id,
                    at,
                    actor,
                    action: "a.b".into(),
                    target: "t".into(),
                    details,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert!(verify_chain(GENESIS_HASH, &chain(5)).is_ok());
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut c = chain(5);
        c[2].target = "other".into();
        assert_eq!(
            verify_chain(GENESIS_HASH, &c),
            Err(ChainBreak::Edited { id: 3 })
        );
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_chain(GENESIS_HASH, &c),
            Err(ChainBreak::Broken { id: 3 })
        );
    }

    #[test]
    fn actors_round_trip_through_text() {
        for a in [
            Actor::Account(5),
            Actor::System("refresh-affiliations".into()),
            Actor::Cli("grant-superuser".into()),
        ] {
            assert_eq!(Actor::parse(&a.to_text()), Some(a));
        }
    }
}
