//! The audit log: who changed what, and when. Every entry carries the hash of the one before
//! it, keyed with a secret kept outside the database (`chain`), so the log shows any entry
//! changed or removed after the fact.

mod chain;

pub use chain::{
    Anchor, ChainBreak, ChainKey, ChainSummary, ChainWalk, GENESIS_HASH, HashVersion,
    keyed_entry_hash, plain_entry_hash, seal, verify_chain,
};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
    /// An application calling the application API, by id.
    App(i64),
}

impl Actor {
    /// A stable text form, e.g. `account:12`, `system:refresh-affiliations`.
    pub fn to_text(&self) -> String {
        match self {
            Self::Account(id) => format!("account:{id}"),
            Self::System(job) => format!("system:{job}"),
            Self::Cli(cmd) => format!("cli:{cmd}"),
            Self::App(id) => format!("app:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (kind, rest) = text.split_once(':')?;
        match kind {
            "account" => rest.parse().ok().map(Self::Account),
            "system" => Some(Self::System(rest.to_owned())),
            "cli" => Some(Self::Cli(rest.to_owned())),
            "app" => rest.parse().ok().map(Self::App),
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
    /// How `hash` was made: keyed, or plain for entries written before the chain was keyed.
    pub hash_version: HashVersion,
}

/// Truncates a time to whole microseconds, the precision both databases keep.
pub fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

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
