//! Every person's in-app notifications (an application to a group they manage, a decision on
//! theirs, a role given or taken, a standing decided): the bell in the bar with how many are
//! unread, and the list at `/notifications`. The latest are kept per account while the
//! `notifications` change counter holds, so the bell costs no query on a page view.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_store::Notification;
use std::sync::Arc;

/// The change counter the database moves with every write to notifications.
pub(crate) const NOTIFICATIONS_COUNTER: &str = "notifications";
/// How many of an account's latest notifications are kept and listed.
pub const NOTIFICATIONS_SHOWN: i64 = 30;

impl App {
    /// `account`'s latest notifications, newest first (kept while nothing changed).
    pub(crate) async fn kept_notifications(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Arc<Vec<Notification>>> {
        let version = self
            .change_counter_seen_by(caller, NOTIFICATIONS_COUNTER)
            .await?;
        self.kept_notifications_at(version, account).await
    }

    /// As `kept_notifications`, with the counter already read.
    pub(crate) async fn kept_notifications_at(
        &self,
        version: i64,
        account: AccountId,
    ) -> AppResult<Arc<Vec<Notification>>> {
        self.member_notifications_cache()
            .get_or_read(version, &account, || async {
                Ok(self
                    .store()
                    .notifications(account, false, NOTIFICATIONS_SHOWN)
                    .await?)
            })
            .await
    }

    /// The caller's latest notifications, newest first. Every signed-in person.
    pub async fn notifications(&self, caller: &Caller) -> AppResult<Arc<Vec<Notification>>> {
        let account = caller.own_account()?;
        self.kept_notifications(caller, account).await
    }

    /// How many of the caller's latest notifications are unread. Every signed-in person.
    pub async fn unread_notifications(&self, caller: &Caller) -> AppResult<usize> {
        let account = caller.own_account()?;
        Ok(self
            .kept_notifications(caller, account)
            .await?
            .iter()
            .filter(|n| n.read_at.is_none())
            .count())
    }

    /// Marks every notification of the caller's own account read.
    pub async fn mark_notifications_read(&self, caller: &Caller) -> AppResult<u64> {
        let account = caller.own_account()?;
        Ok(self.store().mark_notifications_read(account).await?)
    }
}
