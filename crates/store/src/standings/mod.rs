//! What the standings manager keeps: the approved-standings database (`entries`), the history of
//! requests and revocations that change it (`requests`, `revocations`) and the approvers' queue
//! of the pending ones (`approval_queue`).
//!
//! The `StandingsStore` trait below also lists contact sync (`crate::contact_sync`), bulk
//! operations (`crate::bulk`) and notifications (`crate::notifications`): a separate trait from
//! `Store` so the standings manager's storage can be read on its own. `Store` requires it; both
//! go once every topic is written once (`crate::db`).

mod approval_queue;
mod entries;
mod requests;
mod revocations;

pub use approval_queue::{ApprovalQueue, QueueItem, QueueKind};
pub use entries::{NewStandingsEntry, StandingsEntry, StandingsFilter};
pub use requests::{NewStandingRequest, RequestDecision, StandingRequest};
pub use revocations::{NewRevocation, Revocation, RevocationDecision};

use crate::db::Cols;
use crate::{Notification, Result, StoreError, SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
use async_trait::async_trait;
use jumpgate_domain::standings::{Entity, EntityKind, LedgerEntry, Standing};
use jumpgate_domain::{AccountId, CharacterId};

/// Which requests or revocations to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowFilter {
    pub pending_only: bool,
    pub requester: Option<AccountId>,
    pub entity_id: Option<i64>,
    pub limit: i64,
}

/// What a decision writes into a request or revocation row.
struct Decided<'a> {
    state: &'static str,
    by: Option<AccountId>,
    /// Whole tenths, for approved requests.
    standing: Option<i16>,
    note: Option<&'a str>,
}

/// Why a decision matched no pending row: `what` (`request`, `revocation`) `id` is missing, or
/// already decided (`state` is what the row holds).
fn not_pending(what: &str, id: i64, state: Option<String>) -> StoreError {
    match state {
        None => StoreError::NotFound(format!("{what} {id}")),
        Some(state) => StoreError::Invalid(format!(
            "{what} {id} is already {state}: only a pending {what} can be decided"
        )),
    }
}

/// A stored code (`what`) that the domain does not know.
fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} '{value}'"))
}

/// The entity of an entry, request or revocation row (`entity_kind`, `entity_id`).
fn read_entity<R: Cols>(r: &R) -> Result<Entity> {
    let kind = r.str("entity_kind")?;
    Ok(Entity {
        kind: EntityKind::parse(kind).map_err(|_| corrupt("entity kind", kind))?,
        id: r.get("entity_id")?,
    })
}

/// A standing as stored: whole tenths.
pub(crate) fn read_standing(tenths: i16) -> Result<Standing> {
    Standing::from_tenths(tenths).map_err(|_| corrupt("standing (tenths)", tenths))
}

#[async_trait]
pub trait StandingsStore: Send + Sync + 'static {
    // ----- the standings database ------------------------------------------------------------

    /// Entries matching the filter, by kind then name.
    async fn standings(&self, filter: &StandingsFilter) -> Result<Vec<StandingsEntry>>;
    /// Every entry (the desired contacts of every enrolled character).
    async fn all_standings(&self) -> Result<Vec<StandingsEntry>>;
    async fn standing(&self, entity_id: i64) -> Result<Option<StandingsEntry>>;
    async fn count_standings(&self) -> Result<i64>;
    /// Creates or updates the entry of an entity (one entry per entity).
    async fn upsert_standing(&self, entry: &NewStandingsEntry) -> Result<StandingsEntry>;
    /// Returns whether an entry was deleted.
    async fn delete_standing(&self, entity_id: i64) -> Result<bool>;
    /// Upserts every entry in one transaction: all or nothing.
    async fn import_standings(&self, entries: &[NewStandingsEntry]) -> Result<u64>;

    // ----- requests and revocations (full history; ≤1 pending of each per entity, enforced by
    // partial unique indexes: a second pending one is `StoreError::Conflict`) -----------------

    async fn create_request(&self, request: &NewStandingRequest) -> Result<StandingRequest>;
    async fn request(&self, id: i64) -> Result<Option<StandingRequest>>;
    /// Newest first.
    async fn requests(&self, filter: &WorkflowFilter) -> Result<Vec<StandingRequest>>;
    /// Decides a pending request; `Invalid` if it is not pending (the message names its state).
    /// Approving upserts the entry (source `request`) in the same transaction.
    async fn decide_request(&self, id: i64, decision: &RequestDecision) -> Result<StandingRequest>;

    async fn create_revocation(&self, revocation: &NewRevocation) -> Result<Revocation>;
    async fn revocation(&self, id: i64) -> Result<Option<Revocation>>;
    /// Newest first.
    async fn revocations(&self, filter: &WorkflowFilter) -> Result<Vec<Revocation>>;
    /// Decides a pending revocation; approving deletes the entry in the same transaction.
    async fn decide_revocation(&self, id: i64, decision: &RevocationDecision)
    -> Result<Revocation>;
    /// Every pending request and revocation, oldest first, with the requester's main and state
    /// and the subject's account, corporation and alliance (one joined query each).
    async fn approval_queue(&self) -> Result<crate::ApprovalQueue>;
    /// A change counter (`change_counters`): the database bumps `approval_queue` in the same
    /// transaction as any write to requests or revocations, and `standings` with any write to
    /// the standings entries.
    async fn change_counter(&self, name: &str) -> Result<i64>;
    // ----- bulk operations ---------------------------------------------------------------

    /// Records a bulk operation as queued.
    async fn create_bulk_operation(
        &self,
        op: &crate::NewBulkOperation,
    ) -> Result<crate::BulkOperation>;
    async fn bulk_operation(&self, id: i64) -> Result<Option<crate::BulkOperation>>;
    /// Writes how far an operation got (and `finished_at` when its status says it is over).
    /// Returns false, and changes nothing, when the operation is already over or unknown.
    async fn record_bulk_progress(&self, id: i64, progress: &crate::BulkProgress) -> Result<bool>;

    /// One queue item, if it is still pending.
    async fn queue_item(&self, kind: crate::QueueKind, id: i64)
    -> Result<Option<crate::QueueItem>>;

    // ----- contact sync ----------------------------------------------------------------------

    /// Enrols a character (status pending); enrolling again keeps its ledger and history.
    async fn enrol_sync(
        &self,
        character: CharacterId,
        account: AccountId,
    ) -> Result<SyncedCharacter>;
    /// Removes the enrolment and its ledger.
    async fn leave_sync(&self, character: CharacterId) -> Result<bool>;
    async fn synced_character(&self, character: CharacterId) -> Result<Option<SyncedCharacter>>;
    /// Enrolled characters, of one account when given, by character id.
    async fn synced_characters(&self, account: Option<AccountId>) -> Result<Vec<SyncedCharacter>>;
    async fn sync_counts(&self) -> Result<SyncCounts>;
    /// Records the outcome of a sync attempt; `success` also sets `last_success_at`.
    async fn set_sync_status(
        &self,
        character: CharacterId,
        status: SyncStatus,
        message: Option<&str>,
        success: bool,
    ) -> Result<()>;
    /// Takes the sync lease of a character (one sync per character across instances), like
    /// `try_lease_token`, and reads the enrolment in the same statement.
    async fn lease_sync(
        &self,
        character: CharacterId,
        holder: &str,
        lease: std::time::Duration,
    ) -> Result<SyncLease>;
    async fn release_sync(&self, character: CharacterId, holder: &str) -> Result<()>;
    /// The contacts Jumpgate wrote into the character, by contact id.
    async fn ledger(&self, character: CharacterId) -> Result<Vec<LedgerEntry>>;
    /// Replaces the character's ledger in one transaction (after a sync).
    async fn replace_ledger(&self, character: CharacterId, entries: &[LedgerEntry]) -> Result<()>;

    // ----- notifications -----------------------------------------------------------------------

    async fn notify(
        &self,
        account: AccountId,
        message: &str,
        link: Option<&str>,
    ) -> Result<Notification>;
    /// Newest first.
    async fn notifications(
        &self,
        account: AccountId,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>>;
    async fn mark_notifications_read(&self, account: AccountId) -> Result<u64>;

    // ----- contact sync at scale (thousands of characters × a thousand contacts) -------------

    /// Changes a character's ledger in one transaction: `upserts` inserted or replaced,
    /// `removals` deleted, each in one batched statement. An approval then costs one row per
    /// character instead of rewriting a thousand-row ledger.
    async fn apply_ledger_changes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
    ) -> Result<()>;
    /// `apply_ledger_changes` and the character's pending writes (the contact changes ESI's
    /// cached list does not show yet, as the sync engine encodes them) in one transaction.
    async fn record_sync_writes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
        pending_writes: &str,
    ) -> Result<()>;
    /// What `record_sync_writes` stored last, if anything.
    async fn pending_writes(&self, character: CharacterId) -> Result<Option<String>>;
    /// Every ledger row of one contact id, with its character, by character: the approver's
    /// preview of a change to that entity, in one indexed query.
    async fn ledger_of_contact(&self, contact_id: i64) -> Result<Vec<(CharacterId, LedgerEntry)>>;
}
