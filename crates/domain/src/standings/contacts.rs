//! The inputs and outputs of contact sync: what ESI reports, what Jumpgate wrote before, what it
//! will write now.
//!
//! Ownership is decided by the *ledger*: the contacts Jumpgate itself wrote into a character,
//! with the values it wrote. The in-game label tells the player which contacts are the
//! organisation's, but ESI has applied labels only to online characters (esi-issues #171) and a
//! player can put the label on anything, so the label alone never makes a contact ours.

use super::entity::{ContactKind, Entity, Standing};
use crate::ids::{AllianceId, CharacterId, CorporationId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// EVE's limit of contacts per character.
pub const CONTACT_LIMIT: usize = 1024;
/// ESI's limit of ids per POST or PUT of character contacts.
pub const MAX_IDS_PER_WRITE: usize = 100;
/// ESI's limit of ids per DELETE of character contacts.
pub const MAX_IDS_PER_DELETE: usize = 20;

/// A contact the character should have: one per standings entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredContact {
    pub entity: Entity,
    pub standing: Standing,
}

/// A contact as ESI reports it (`GET /characters/{id}/contacts/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentContact {
    pub contact_id: i64,
    pub kind: ContactKind,
    pub standing: f64,
    pub label_ids: Vec<i64>,
    pub is_watched: bool,
    pub is_blocked: bool,
}

/// One contact Jumpgate wrote into a character, with what it wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub contact_id: i64,
    pub standing: Standing,
    /// The labels Jumpgate sent (the org label plus any the contact already had), sorted.
    pub label_ids: Vec<i64>,
    /// When Jumpgate took over a personal contact (collision policy `TakeOver`), the player's
    /// standing before; it is written back when the entity leaves the desired set or the
    /// character leaves sync, so a personal contact is never lost.
    pub replaced_personal: Option<f64>,
}

/// A contact label of the character (`GET /characters/{id}/contacts/labels/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLabel {
    pub label_id: i64,
    pub label_name: String,
}

/// Finds the organisation's label by name, ignoring case and surrounding spaces. If several
/// labels match, the lowest id wins so the choice is stable. ESI cannot create labels: `None`
/// means the player has to create it in game.
pub fn find_label(labels: &[ContactLabel], name: &str) -> Option<i64> {
    let wanted = name.trim().to_lowercase();
    labels
        .iter()
        .filter(|l| l.label_name.trim().to_lowercase() == wanted)
        .map(|l| l.label_id)
        .min()
}

/// What to do with a personal contact (not in the ledger) for an entity that has a standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollisionPolicy {
    /// Leave it unchanged and report it, so the player can decide.
    #[default]
    SkipAndReport,
    /// Overwrite it with the organisation's value and label, remembering the personal standing
    /// so it can be restored later.
    TakeOver,
    /// Leave it unchanged without reporting a problem: personal values win.
    LeavePersonal,
}

impl CollisionPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SkipAndReport => "skip_and_report",
            Self::TakeOver => "take_over",
            Self::LeavePersonal => "leave_personal",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownCollisionPolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "skip_and_report" => Ok(Self::SkipAndReport),
            "take_over" => Ok(Self::TakeOver),
            "leave_personal" => Ok(Self::LeavePersonal),
            _ => Err(UnknownCollisionPolicy(s.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a collision policy: expected skip_and_report, take_over or leave_personal")]
pub struct UnknownCollisionPolicy(pub String);

/// What happens to managed contacts when a character leaves sync or loses eligibility.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeavePolicy {
    /// Delete every contact Jumpgate wrote; restore taken-over personal contacts.
    #[default]
    RemoveManaged,
    /// Leave the contacts in game; Jumpgate forgets them (they become the player's).
    Keep,
}

impl LeavePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemoveManaged => "remove_managed",
            Self::Keep => "keep",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownLeavePolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "remove_managed" => Ok(Self::RemoveManaged),
            "keep" => Ok(Self::Keep),
            _ => Err(UnknownLeavePolicy(s.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a leave policy: expected remove_managed or keep")]
pub struct UnknownLeavePolicy(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettings {
    pub collision: CollisionPolicy,
    /// Also leave out the character's own corporation and alliance (they add nothing in game
    /// and cost contact slots). Off by default: only the character itself is always left out.
    pub exclude_own_organisation: bool,
    /// The contact budget per character (EVE's is 1024).
    pub contact_limit: usize,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            collision: CollisionPolicy::default(),
            exclude_own_organisation: false,
            contact_limit: CONTACT_LIMIT,
        }
    }
}

/// Everything one sync of one character depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncInput {
    pub character: CharacterId,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    /// All standings entries (the character itself and its organisation are filtered here).
    pub desired: Vec<DesiredContact>,
    /// The character's contacts as ESI reports them (all pages).
    pub current: Vec<CurrentContact>,
    /// What Jumpgate wrote into this character before.
    pub ledger: Vec<LedgerEntry>,
    /// The organisation's label id in this character, `None` when the label does not exist.
    pub label_id: Option<i64>,
    pub settings: SyncSettings,
    /// A targeted change (an approval or revocation): only these contact ids are written. The
    /// contact budget is still checked on the full picture.
    pub only: Option<BTreeSet<i64>>,
}

/// Whether the plan may be executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PlanOutcome {
    /// The writes in the plan bring the character to the desired state.
    Ready,
    /// The org label does not exist in game: nothing is written.
    LabelMissing,
    /// The result would exceed the contact budget: nothing is written.
    OverLimit {
        /// Contacts the character would have after the sync (for a targeted change, the larger
        /// of "right after it" and "once fully synced").
        needed: usize,
        limit: usize,
        /// Of those, contacts that are the player's own (not written by Jumpgate).
        personal: usize,
    },
}

impl PlanOutcome {
    /// A sentence for the sync status page.
    pub fn message(&self) -> String {
        match self {
            Self::Ready => "ready".to_owned(),
            Self::LabelMissing => {
                "label missing: create the organisation's contact label in game".to_owned()
            }
            Self::OverLimit {
                needed,
                limit,
                personal,
            } => format!(
                "contact limit: the character would need {needed} contacts but EVE allows {limit} \
                 ({personal} of them personal), {} over the limit; nothing was written",
                needed.saturating_sub(*limit)
            ),
        }
    }
}

/// One POST or PUT: the same standing, labels and watched flag for up to 100 ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteBatch {
    pub standing: Standing,
    /// Sorted ascending, no duplicates.
    pub label_ids: Vec<i64>,
    pub watched: bool,
    /// Sorted ascending, at most [`MAX_IDS_PER_WRITE`].
    pub ids: Vec<i64>,
}

impl WriteBatch {
    /// The query parameters for ESI: `standing` (shortest form), `label_ids` as a comma list if
    /// any, `watched=true` only when set (ESI's default is false).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("standing", self.standing.to_query())];
        if !self.label_ids.is_empty() {
            let labels: Vec<String> = self.label_ids.iter().map(i64::to_string).collect();
            q.push(("label_ids", labels.join(",")));
        }
        if self.watched {
            q.push(("watched", "true".to_owned()));
        }
        q
    }
}

/// What happened to a personal contact for an entity that has a standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollisionAction {
    /// Left unchanged; a problem to show the player (policy `SkipAndReport`).
    Skipped,
    /// Left unchanged because the player blocked the entity; blocked contacts are never taken
    /// over, whatever the policy.
    SkippedBlocked,
    /// Overwritten with the organisation's value; the personal standing is kept in the ledger.
    TakenOver,
    /// Left unchanged by policy (`LeavePersonal`); informational, not a problem.
    KeptPersonal,
}

impl CollisionAction {
    /// Should the player be told about it as a problem?
    pub fn is_problem(self) -> bool {
        matches!(self, Self::Skipped | Self::SkippedBlocked)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Collision {
    pub contact_id: i64,
    pub personal_standing: f64,
    pub desired: Standing,
    pub action: CollisionAction,
}

/// The writes for one character, in ESI's order: deletes, then adds (POST), then edits (PUT).
/// Deletes go first so the adds fit in the contact budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncPlan {
    pub outcome: PlanOutcome,
    /// Each at most [`MAX_IDS_PER_DELETE`] ids, sorted.
    pub deletes: Vec<Vec<i64>>,
    pub adds: Vec<WriteBatch>,
    pub edits: Vec<WriteBatch>,
    pub collisions: Vec<Collision>,
    /// Contacts carrying the org label that Jumpgate did not write and that are not desired:
    /// never touched, listed so the UI can point them out.
    pub orphans: Vec<i64>,
    /// The ledger to store once every write succeeded (sorted by contact id). When the outcome
    /// is not `Ready` it equals the old ledger.
    pub ledger_after: Vec<LedgerEntry>,
    /// Managed contacts already as desired.
    pub unchanged: usize,
    /// Contacts the character has once this plan is executed (its current count when the plan
    /// is refused). With `LabelMissing` or `OverLimit` nothing changes.
    pub contacts_after: usize,
}

impl SyncPlan {
    /// Nothing to write (also true for `LabelMissing` and `OverLimit`: check `outcome`).
    pub fn is_noop(&self) -> bool {
        self.write_calls() == 0
    }

    /// Number of ESI write calls the plan needs.
    pub fn write_calls(&self) -> usize {
        self.deletes.len() + self.adds.len() + self.edits.len()
    }

    /// Collisions to show the player as problems.
    pub fn problems(&self) -> impl Iterator<Item = &Collision> {
        self.collisions.iter().filter(|c| c.action.is_problem())
    }

    /// Every id the plan writes (deleted, added or edited).
    pub fn written_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.deletes
            .iter()
            .flatten()
            .copied()
            .chain(self.adds.iter().flat_map(|b| b.ids.iter().copied()))
            .chain(self.edits.iter().flat_map(|b| b.ids.iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(id: i64, name: &str) -> ContactLabel {
        ContactLabel {
            label_id: id,
            label_name: name.to_owned(),
        }
    }

    #[test]
    fn the_label_is_found_by_name_ignoring_case() {
        let labels = [
            label(3, "Friends"),
            label(9, "jumpgate"),
            label(7, "JumpGate"),
        ];
        assert_eq!(find_label(&labels, "JUMPGATE"), Some(7));
        assert_eq!(find_label(&labels, "enemies"), None);
        assert_eq!(find_label(&[], "jumpgate"), None);
    }

    #[test]
    fn policies_parse_from_settings_text() {
        for p in [
            CollisionPolicy::SkipAndReport,
            CollisionPolicy::TakeOver,
            CollisionPolicy::LeavePersonal,
        ] {
            assert_eq!(CollisionPolicy::parse(p.as_str()), Ok(p));
        }
        for p in [LeavePolicy::RemoveManaged, LeavePolicy::Keep] {
            assert_eq!(LeavePolicy::parse(p.as_str()), Ok(p));
        }
        assert_eq!(
            CollisionPolicy::parse("overwrite")
                .expect_err("unknown")
                .to_string(),
            "'overwrite' is not a collision policy: expected skip_and_report, take_over or \
             leave_personal"
        );
        assert!(LeavePolicy::parse("wipe").is_err());
    }

    #[test]
    fn write_batches_give_exact_query_strings() {
        let batch = WriteBatch {
            standing: Standing::parse("9.9").expect("valid"),
            label_ids: vec![7],
            watched: false,
            ids: vec![1],
        };
        assert_eq!(
            batch.query_pairs(),
            vec![
                ("standing", "9.9".to_owned()),
                ("label_ids", "7".to_owned())
            ]
        );
        let batch = WriteBatch {
            standing: Standing::MAX,
            label_ids: vec![7, 8],
            watched: true,
            ids: vec![1],
        };
        assert_eq!(
            batch.query_pairs(),
            vec![
                ("standing", "10".to_owned()),
                ("label_ids", "7,8".to_owned()),
                ("watched", "true".to_owned())
            ]
        );
    }

    #[test]
    fn outcome_messages_give_the_numbers() {
        let o = PlanOutcome::OverLimit {
            needed: 1025,
            limit: 1024,
            personal: 40,
        };
        assert_eq!(
            o.message(),
            "contact limit: the character would need 1025 contacts but EVE allows 1024 (40 of \
             them personal), 1 over the limit; nothing was written"
        );
        assert!(
            PlanOutcome::LabelMissing
                .message()
                .starts_with("label missing")
        );
    }
}
