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
use crate::permissions::Caller;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{ApprovalQueue, QueueItem, QueueKind};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long the queue's details (names, states, corporations) may be reused while no request or
/// revocation changed.
pub const QUEUE_DETAILS_MAX_AGE: Duration = Duration::from_secs(30);

const COUNTER: &str = "approval_queue";

/// The last queue read: the change counter it was read at, when, and the queue.
#[derive(Default)]
pub struct QueueCache {
    slot: Mutex<Option<(i64, Instant, Arc<ApprovalQueue>)>>,
}

impl QueueCache {
    fn get(&self, version: i64) -> Option<Arc<ApprovalQueue>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|(v, at, _)| *v == version && at.elapsed() < QUEUE_DETAILS_MAX_AGE)
            .map(|(_, _, q)| q.clone())
    }

    fn put(&self, version: i64, queue: Arc<ApprovalQueue>) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((version, Instant::now(), queue));
    }
}

impl App {
    /// The approver queue: pending requests and pending revocations, oldest first, with what
    /// the page shows about requesters and subjects. The counter is read before the queue, so a
    /// change in between makes the next call read again rather than keep a stale queue.
    pub async fn approval_queue(&self, caller: &Caller) -> AppResult<Arc<ApprovalQueue>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        let version = self.store().change_counter(COUNTER).await?;
        if let Some(queue) = self.queue_cache().get(version) {
            return Ok(queue);
        }
        let queue = Arc::new(self.store().approval_queue().await?);
        self.queue_cache().put(version, queue.clone());
        Ok(queue)
    }

    /// One pending request as the queue shows it (`None` once decided or unknown).
    pub async fn pending_request(&self, caller: &Caller, id: i64) -> AppResult<Option<QueueItem>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        Ok(self.store().queue_item(QueueKind::Request, id).await?)
    }

    /// One pending revocation as the queue shows it (`None` once decided or unknown).
    pub async fn pending_revocation(
        &self,
        caller: &Caller,
        id: i64,
    ) -> AppResult<Option<QueueItem>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        Ok(self.store().queue_item(QueueKind::Revocation, id).await?)
    }
}
