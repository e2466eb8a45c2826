//! The approver queue: pending requests and revocations as approvers see them.
//!
//! Approvers keep the queue open and reload it; it changes only when a request or revocation
//! is created or decided. So each process keeps the queue it read last together with the
//! database's change counter (`approval_queue`, bumped by triggers in the writing transaction,
//! whoever writes, on any instance) and reads it again only when the counter moved (ADR 0010).
//! What the rows show about people and corporations (names, states) is refreshed at least every
//! `QUEUE_DETAILS_MAX_AGE`.

use crate::App;
use crate::error::AppResult;
use crate::states::permissions::Caller;
use crate::versioned::Versioned;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{RequestId, RevocationId};
use jumpgate_store::{ApprovalQueue, QueueItem, QueueKind};
use std::sync::Arc;
use std::time::Duration;

/// How long the queue's details (names, states, corporations) may be reused while no request or
/// revocation changed.
pub const QUEUE_DETAILS_MAX_AGE: Duration = Duration::from_secs(30);

pub(crate) const QUEUE_COUNTER: &str = "approval_queue";

/// The last queue read, kept while the `approval_queue` counter stays the same and for at most
/// `QUEUE_DETAILS_MAX_AGE`.
pub type ApprovalQueueCache = Versioned<ApprovalQueue>;

impl App {
    /// The approver queue: pending requests and pending revocations, oldest first, with what
    /// the page shows about requesters and subjects.
    pub async fn approval_queue(&self, caller: &Caller) -> AppResult<Arc<ApprovalQueue>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        let version = self.change_counter_seen_by(caller, QUEUE_COUNTER).await?;
        self.approval_queue_at(version).await
    }

    /// The queue as of the `approval_queue` counter's `version`, read just before; for use
    /// cases that check their caller themselves (a member's page finds its own pending items).
    pub(crate) async fn approval_queue_at(&self, version: i64) -> AppResult<Arc<ApprovalQueue>> {
        self.approval_queue_cache()
            .get_or_read(version, || async {
                Ok(self.store().approval_queue().await?)
            })
            .await
    }

    /// One pending request as the queue shows it (`None` once decided or unknown).
    pub async fn pending_request(
        &self,
        caller: &Caller,
        id: RequestId,
    ) -> AppResult<Option<QueueItem>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        Ok(self
            .store()
            .queue_item(QueueKind::Request, id.get())
            .await?)
    }

    /// One pending revocation as the queue shows it (`None` once decided or unknown).
    pub async fn pending_revocation(
        &self,
        caller: &Caller,
        id: RevocationId,
    ) -> AppResult<Option<QueueItem>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        Ok(self
            .store()
            .queue_item(QueueKind::Revocation, id.get())
            .await?)
    }
}
