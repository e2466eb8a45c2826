//! Corporation member tracking (issue 11, ADR 0028; Neucore §12): a Director logs in with the
//! `core.tracking` login (`directors`: the Director role is checked at login and at every
//! update), a periodic job reads each tracked corporation's `/membertracking` and replaces its
//! members (`update`), the members of the groups an administrator chose per corporation see its
//! page and CSV (`view`), and holders of `admin.tracking` choose those groups and see every
//! Director's token (`admin`).
//!
//! Who may do what:
//! - a corporation's page is seen by the members of its viewer groups only; to anyone else it
//!   is "not found", exactly as a corporation that is not tracked, so who is tracked is not told;
//! - `admin.tracking` (an `admin.*` permission: only a superuser grants it) configures; it does
//!   not show members by itself: an administrator who wants to see them joins a viewer group;
//! - the update is background work (the job and `jumpgate tracking update`).

pub mod admin;
pub mod directors;
pub mod for_apps;
pub mod update;
pub mod view;

pub use jumpgate_domain::tracking::TRACKING_LOGIN;

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::CorporationId;
use jumpgate_domain::tracking::TrackedCorporation;

/// The job that updates member tracking: every tracked corporation, or the one in its payload
/// (`{"corporation_id": …}`).
pub const UPDATE_MEMBER_TRACKING: &str = "update-member-tracking";

/// How often every tracked corporation is read: ESI caches `/membertracking` for an hour, so
/// reading it more often only returns the same list.
pub const UPDATE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// The audit log's target for a tracked corporation's settings.
fn corporation_target(id: CorporationId) -> String {
    format!("corporation:{id}")
}

fn not_tracked(id: CorporationId) -> AppError {
    AppError::NotFound(format!("no tracked corporation #{id}"))
}

impl App {
    /// The tracked corporations the caller may see: those whose viewer groups it is in, by name.
    async fn visible_tracked_corporations(
        &self,
        caller: &Caller,
    ) -> AppResult<Vec<TrackedCorporation>> {
        caller.own_account()?;
        let member_of = self.groups_of_caller(caller).await?;
        let viewers = self.store().tracking_viewer_groups().await?;
        let mut visible: Vec<TrackedCorporation> = self
            .store()
            .tracked_corporations()
            .await?
            .into_iter()
            .filter(|c| {
                viewers
                    .get(&c.id)
                    .is_some_and(|groups| groups.iter().any(|g| member_of.contains(g)))
            })
            .collect();
        visible.sort_by_cached_key(|c| (c.label().to_lowercase(), c.id));
        Ok(visible)
    }

    /// One tracked corporation the caller may see; "not found" otherwise, as one not tracked.
    async fn visible_tracked_corporation(
        &self,
        caller: &Caller,
        id: CorporationId,
    ) -> AppResult<TrackedCorporation> {
        self.visible_tracked_corporations(caller)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| not_tracked(id))
    }
}
