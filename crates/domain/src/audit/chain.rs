//! The audit log's tamper evidence (ADR 0016).
//!
//! Every entry's hash covers the hash before it and every field of the entry, so editing,
//! inserting or deleting a row breaks the chain from that row on. The hash is an HMAC-SHA256
//! under the chain key, a secret kept outside the database: someone who can write the database
//! but does not hold the key cannot re-hash the rest of the chain after an edit.
//!
//! Entries written before the chain was keyed keep their plain SHA-256 hash
//! ([`HashVersion::Plain`]). They may only come before the first keyed entry, so a keyed entry
//! cannot be "downgraded" to the plain form, which needs no key.
//!
//! Cutting off the tail leaves a shorter chain that is intact. An [`Anchor`], the newest entry a
//! check found intact, kept outside the database, catches that: the next check requires the
//! anchored entry to be there still, with the same hash.

use super::{AuditEntry, NewAuditEntry};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

type HmacSha256 = Hmac<Sha256>;

/// The secret the chain is keyed with: 32 bytes, kept outside the database (keys.json or the
/// configuration) and never rotated, since every keyed entry is verified with it.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey([u8; ChainKey::LEN]);

impl ChainKey {
    pub const LEN: usize = 32;

    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The key from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; Self::LEN]>::try_from(bytes).ok().map(Self)
    }

    /// The key's bytes, to store it where it is kept; never to show or log.
    pub fn expose_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        <HmacSha256 as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("ChainKey(…)")
    }
}

/// How an entry's hash was made. Stored with the entry as [`HashVersion::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashVersion {
    /// SHA-256 without a key: only entries written before the chain was keyed.
    Plain,
    /// HMAC-SHA256 under the chain key: every entry written since.
    Keyed,
}

impl HashVersion {
    pub const fn code(self) -> i32 {
        match self {
            Self::Plain => 1,
            Self::Keyed => 2,
        }
    }

    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            1 => Some(Self::Plain),
            2 => Some(Self::Keyed),
            _ => None,
        }
    }
}

/// Feeds an entry's hashed fields to `write`: the previous hash, the id, `at` as Unix
/// microseconds, the actor, action, target, and `details` in serde_json's canonical (sorted-key)
/// form, so both backends produce the same hash. Each field is length-prefixed, so that moving
/// bytes between fields changes the hash. `hash` and `hash_version` are not hashed.
fn hashed_fields(e: &AuditEntry, mut write: impl FnMut(&[u8])) {
    let micros = e.at.unix_timestamp_nanos() / 1_000;
    for part in [
        e.prev_hash.as_bytes(),
        e.id.to_string().as_bytes(),
        micros.to_string().as_bytes(),
        e.actor.to_text().as_bytes(),
        e.action.as_bytes(),
        e.target.as_bytes(),
        e.details.to_string().as_bytes(),
    ] {
        write(&(part.len() as u64).to_be_bytes());
        write(part);
    }
}

/// The hash of an entry written before the chain was keyed: SHA-256 over its fields.
pub fn plain_entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    hashed_fields(e, |bytes| h.update(bytes));
    hex::encode(h.finalize())
}

/// The hash of a keyed entry: HMAC-SHA256 under `key` over the same fields.
pub fn keyed_entry_hash(key: &ChainKey, e: &AuditEntry) -> String {
    let mut m = key.mac();
    hashed_fields(e, |bytes| m.update(bytes));
    hex::encode(m.finalize().into_bytes())
}

impl AuditEntry {
    /// What `hash` must be for the entry's content, by its hash version.
    pub fn expected_hash(&self, key: &ChainKey) -> String {
        match self.hash_version {
            HashVersion::Plain => plain_entry_hash(self),
            HashVersion::Keyed => keyed_entry_hash(key, self),
        }
    }
}

/// The entry after `last` (id and hash of the newest entry, `None` for the first one), keyed
/// with `key`. The caller makes sure nobody else links to the same `last` (the store's append).
pub fn seal(
    key: &ChainKey,
    last: Option<(i64, String)>,
    entry: &NewAuditEntry,
    at: OffsetDateTime,
) -> AuditEntry {
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut e = AuditEntry {
        id,
        at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        target: entry.target.clone(),
        details: entry.details.clone(),
        prev_hash,
        hash: String::new(),
        hash_version: HashVersion::Keyed,
    };
    e.hash = keyed_entry_hash(key, &e);
    e
}

/// A point of the chain kept outside the database: the newest entry a check found intact. The
/// next check requires that entry to be there still, with the same hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub last_id: i64,
    pub last_hash: String,
    /// How many entries the check found, up to and including `last_id`.
    pub count: u64,
    /// The first keyed entry, if the chain had one: it and every later entry must stay keyed.
    pub keyed_from: Option<i64>,
    /// When the check ran.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Where a chain fails its check: the first problem found, in id order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The entry's stored hash is not the hash of its content: it was edited (or hashed with
    /// another key).
    #[error(
        "audit entry {id} was edited after it was written (or it was written with another audit key: every instance must use the same one)"
    )]
    Edited { id: i64 },
    /// The entry does not point at the entry before it: something was deleted or inserted.
    #[error("the audit chain is broken before entry {id}: an entry was deleted or inserted")]
    Broken { id: i64 },
    /// The entry has a plain hash where only keyed ones may be (after a keyed entry, or where
    /// the anchor says the chain was keyed): it was rewritten by someone without the key.
    #[error(
        "audit entry {id} has an unkeyed hash where the chain is keyed: it was rewritten and re-hashed without the audit key"
    )]
    Downgraded { id: i64 },
    /// The anchored entry is gone: the log was cut off before it.
    #[error("entry {anchored}, which the anchor recorded, is gone: the log {}", ends(*.last))]
    Truncated { anchored: i64, last: Option<i64> },
    /// The anchored entry has another hash than the anchor recorded: the chain was rewritten.
    #[error("entry {anchored}, which the anchor recorded, now has another hash")]
    Rewritten { anchored: i64 },
}

fn ends(last: Option<i64>) -> String {
    match last {
        Some(id) => format!("now ends at entry {id}"),
        None => "is now empty".to_owned(),
    }
}

impl ChainBreak {
    /// Whether the break is found by comparing with the anchor (the chain itself is intact).
    pub fn is_against_anchor(&self) -> bool {
        matches!(self, Self::Truncated { .. } | Self::Rewritten { .. })
    }
}

/// What a check of the whole chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    pub entries: u64,
    /// Entries with a plain hash: written before the chain was keyed.
    pub plain: u64,
    /// The first keyed entry.
    pub keyed_from: Option<i64>,
    /// The newest entry's id and hash.
    pub head: Option<(i64, String)>,
}

impl ChainSummary {
    /// The anchor that records this check, if the chain has an entry to anchor.
    pub fn anchor(&self, at: OffsetDateTime) -> Option<Anchor> {
        let (last_id, last_hash) = self.head.clone()?;
        Some(Anchor {
            last_id,
            last_hash,
            count: self.entries,
            keyed_from: self.keyed_from,
            at,
        })
    }
}

/// Checks a chain from its first entry, page by page in id order, optionally against the
/// anchor of an earlier check.
pub struct ChainWalk<'k> {
    key: &'k ChainKey,
    anchor: Option<Anchor>,
    prev: String,
    last_id: Option<i64>,
    entries: u64,
    plain: u64,
    keyed_from: Option<i64>,
}

impl<'k> ChainWalk<'k> {
    pub fn new(key: &'k ChainKey) -> Self {
        Self {
            key,
            anchor: None,
            prev: GENESIS_HASH.to_owned(),
            last_id: None,
            entries: 0,
            plain: 0,
            keyed_from: None,
        }
    }

    /// Also requires what `anchor` recorded: its entry with its hash, keyed from where it was.
    pub fn against(mut self, anchor: Option<Anchor>) -> Self {
        self.anchor = anchor;
        self
    }

    /// Checks the next entries (in id order, continuing where the last page ended).
    pub fn check<'a>(
        &mut self,
        page: impl IntoIterator<Item = &'a AuditEntry>,
    ) -> Result<(), ChainBreak> {
        for e in page {
            let id = e.id;
            if e.prev_hash != self.prev {
                return Err(ChainBreak::Broken { id });
            }
            if e.hash_version == HashVersion::Plain && self.must_be_keyed(id) {
                return Err(ChainBreak::Downgraded { id });
            }
            if e.expected_hash(self.key) != e.hash {
                return Err(ChainBreak::Edited { id });
            }
            if let Some(anchor) = &self.anchor
                && anchor.last_id == id
                && anchor.last_hash != e.hash
            {
                return Err(ChainBreak::Rewritten { anchored: id });
            }
            match e.hash_version {
                HashVersion::Plain => self.plain += 1,
                HashVersion::Keyed => {
                    self.keyed_from.get_or_insert(id);
                }
            }
            self.entries += 1;
            self.last_id = Some(id);
            self.prev.clone_from(&e.hash);
        }
        Ok(())
    }

    /// A plain hash is allowed only before the first keyed entry, both as this walk found it
    /// and as the anchor recorded it.
    fn must_be_keyed(&self, id: i64) -> bool {
        self.keyed_from.is_some()
            || self
                .anchor
                .as_ref()
                .and_then(|a| a.keyed_from)
                .is_some_and(|from| id >= from)
    }

    /// The result once every entry was checked: the anchored entry must have been among them.
    pub fn finish(self) -> Result<ChainSummary, ChainBreak> {
        if let Some(anchor) = &self.anchor
            && self.last_id.is_none_or(|last| last < anchor.last_id)
        {
            return Err(ChainBreak::Truncated {
                anchored: anchor.last_id,
                last: self.last_id,
            });
        }
        Ok(ChainSummary {
            entries: self.entries,
            plain: self.plain,
            keyed_from: self.keyed_from,
            head: self.last_id.map(|id| (id, self.prev)),
        })
    }
}

/// Checks a whole chain (all its entries, in id order) without an anchor.
pub fn verify_chain<'a>(
    key: &ChainKey,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<ChainSummary, ChainBreak> {
    let mut walk = ChainWalk::new(key);
    walk.check(entries)?;
    walk.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Actor;

    const KEY: ChainKey = ChainKey::from_bytes([7; 32]);
    const OTHER_KEY: ChainKey = ChainKey::from_bytes([8; 32]);

    fn new_entry(n: i64) -> NewAuditEntry {
        NewAuditEntry {
            actor: Actor::Account(1),
            action: "a.b".into(),
            target: "t".into(),
            details: serde_json::json!({"n": n}),
        }
    }

    fn at(n: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(n)
    }

    /// `plain` entries as an installation before keying wrote them, then `keyed` keyed ones.
    fn chain(plain: i64, keyed: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for n in 1..=plain + keyed {
            let last = out.last().map(|e| (e.id, e.hash.clone()));
            let mut e = seal(&KEY, last, &new_entry(n), at(n));
            if n <= plain {
                e.hash_version = HashVersion::Plain;
                e.hash = plain_entry_hash(&e);
            }
            out.push(e);
        }
        out
    }

    /// Re-hashes every entry from index `from` on, as someone who rewrote the chain would, with
    /// `rehash` (which sets the hash and the version).
    fn rehash_from(c: &mut [AuditEntry], from: usize, rehash: impl Fn(&mut AuditEntry)) {
        for i in from..c.len() {
            if i > 0 {
                c[i].prev_hash = c[i - 1].hash.clone();
            }
            rehash(&mut c[i]);
        }
    }

    fn anchor_of(c: &[AuditEntry]) -> Anchor {
        verify_chain(&KEY, c)
            .expect("intact")
            .anchor(at(1_000))
            .expect("an entry to anchor")
    }

    #[test]
    fn an_untouched_keyed_chain_verifies_and_sums_up() {
        let c = chain(0, 5);
        let summary = verify_chain(&KEY, &c).unwrap();
        assert_eq!(summary.entries, 5);
        assert_eq!(summary.plain, 0);
        assert_eq!(summary.keyed_from, Some(1));
        assert_eq!(summary.head, Some((5, c[4].hash.clone())));
        assert_eq!(c[0].prev_hash, GENESIS_HASH);
    }

    #[test]
    fn pages_check_the_same_as_the_whole() {
        let c = chain(2, 5);
        let mut walk = ChainWalk::new(&KEY);
        for page in c.chunks(3) {
            walk.check(page).unwrap();
        }
        assert_eq!(walk.finish().unwrap(), verify_chain(&KEY, &c).unwrap());
    }

    #[test]
    fn unkeyed_entries_from_before_keying_followed_by_keyed_ones_verify() {
        let c = chain(3, 2);
        let summary = verify_chain(&KEY, &c).unwrap();
        assert_eq!(summary.plain, 3);
        assert_eq!(summary.keyed_from, Some(4));
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut c = chain(1, 4);
        c[2].target = "other".into();
        assert_eq!(verify_chain(&KEY, &c), Err(ChainBreak::Edited { id: 3 }));
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let mut c = chain(0, 5);
        c.remove(1);
        assert_eq!(verify_chain(&KEY, &c), Err(ChainBreak::Broken { id: 3 }));
    }

    #[test]
    fn the_key_matters_and_the_hash_version_is_not_a_free_choice() {
        let c = chain(0, 3);
        assert_eq!(
            verify_chain(&OTHER_KEY, &c),
            Err(ChainBreak::Edited { id: 1 })
        );
        assert_ne!(keyed_entry_hash(&KEY, &c[0]), plain_entry_hash(&c[0]));
    }

    #[test]
    fn a_middle_entry_edited_and_the_rest_rehashed_without_the_key_is_found() {
        // With plain SHA-256, keeping the keyed version: the HMAC does not match.
        let mut c = chain(0, 6);
        c[2].details = serde_json::json!({"n": "hidden"});
        rehash_from(&mut c, 2, |e| e.hash = plain_entry_hash(e));
        assert_eq!(verify_chain(&KEY, &c), Err(ChainBreak::Edited { id: 3 }));

        // With plain SHA-256, marked as written before keying: a downgrade.
        let mut c = chain(0, 6);
        c[2].details = serde_json::json!({"n": "hidden"});
        rehash_from(&mut c, 2, |e| {
            e.hash_version = HashVersion::Plain;
            e.hash = plain_entry_hash(e);
        });
        assert_eq!(
            verify_chain(&KEY, &c),
            Err(ChainBreak::Downgraded { id: 3 })
        );

        // With a key of the attacker's own.
        let mut c = chain(0, 6);
        c[2].details = serde_json::json!({"n": "hidden"});
        rehash_from(&mut c, 2, |e| e.hash = keyed_entry_hash(&OTHER_KEY, e));
        assert_eq!(verify_chain(&KEY, &c), Err(ChainBreak::Edited { id: 3 }));
    }

    #[test]
    fn a_whole_chain_downgraded_to_plain_hashes_is_found_by_the_anchor() {
        let original = chain(2, 4);
        let anchor = anchor_of(&original);
        let mut c = original.clone();
        c[3].target = "other".into();
        rehash_from(&mut c, 0, |e| {
            e.hash_version = HashVersion::Plain;
            e.hash = plain_entry_hash(e);
        });
        // Without an anchor nothing tells such a chain from one never keyed.
        assert!(verify_chain(&KEY, &c).is_ok());
        let mut walk = ChainWalk::new(&KEY).against(Some(anchor));
        assert_eq!(walk.check(&c), Err(ChainBreak::Downgraded { id: 3 }));
    }

    #[test]
    fn a_cut_off_tail_is_found_by_the_anchor() {
        let mut c = chain(0, 6);
        let anchor = anchor_of(&c[..5]);
        c.truncate(3);
        let mut walk = ChainWalk::new(&KEY).against(Some(anchor.clone()));
        walk.check(&c).unwrap();
        assert_eq!(
            walk.finish(),
            Err(ChainBreak::Truncated {
                anchored: 5,
                last: Some(3)
            })
        );
        let walk = ChainWalk::new(&KEY).against(Some(anchor));
        assert_eq!(
            walk.finish(),
            Err(ChainBreak::Truncated {
                anchored: 5,
                last: None
            })
        );
    }

    #[test]
    fn a_chain_rewritten_with_the_key_is_found_by_the_anchor() {
        let mut c = chain(0, 6);
        let anchor = anchor_of(&c[..4]);
        c[1].target = "other".into();
        rehash_from(&mut c, 1, |e| e.hash = keyed_entry_hash(&KEY, e));
        assert!(verify_chain(&KEY, &c).is_ok());
        let mut walk = ChainWalk::new(&KEY).against(Some(anchor));
        assert_eq!(walk.check(&c), Err(ChainBreak::Rewritten { anchored: 4 }));
    }

    #[test]
    fn entries_after_the_anchor_are_checked_as_any() {
        let c = chain(1, 6);
        let anchor = anchor_of(&c[..3]);
        let mut walk = ChainWalk::new(&KEY).against(Some(anchor));
        walk.check(&c).unwrap();
        let summary = walk.finish().unwrap();
        assert_eq!(summary.head.map(|(id, _)| id), Some(7));
        assert_eq!(summary.plain, 1);
    }

    #[test]
    fn anchors_round_trip_through_json_and_the_key_is_never_printed() {
        let anchor = anchor_of(&chain(1, 2));
        let json = serde_json::to_string(&anchor).unwrap();
        assert!(json.contains("\"at\":\"1970-01-01T00:16:40Z\""), "{json}");
        assert_eq!(serde_json::from_str::<Anchor>(&json).unwrap(), anchor);
        assert_eq!(format!("{KEY:?}"), "ChainKey(…)");
    }

    #[test]
    fn hashes_are_fixed_so_existing_databases_keep_verifying() {
        // The plain hash is the one every entry had before the chain was keyed; both values
        // were computed independently (Python's hashlib and hmac) over the same fields.
        let e = seal(&KEY, None, &new_entry(1), at(1));
        assert_eq!(
            plain_entry_hash(&e),
            "79bc81018efe94129ed3c603a68e0457ef1608793d85ee963dedf92aa66ed296"
        );
        assert_eq!(
            e.hash,
            "7485ac2c721e8f80c24c48c4ea5b5d026f77ff7bb3b79c64617537230f87701c"
        );
    }

    #[test]
    fn hash_versions_round_trip_through_their_codes() {
        for v in [HashVersion::Plain, HashVersion::Keyed] {
            assert_eq!(HashVersion::from_code(v.code()), Some(v));
        }
        assert_eq!(HashVersion::from_code(0), None);
    }
}
