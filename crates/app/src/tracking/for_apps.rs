//! Member tracking as the application API reads it (Neucore's `app-tracking` endpoint): a
//! corporation's members as the last update listed them, filtered and ordered as Neucore does.
//!
//! Neucore lets an application with `app-tracking` read every tracked corporation, whoever
//! the corporation's viewer groups are, and so does Jumpgate; a corporation that is not tracked
//! has no members (`[]`), as in Neucore.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::CorporationId;
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::tracking::{AppMemberFilter, MemberRow};

impl App {
    /// The members of `corporation` that `filter` keeps, the latest logon first, each with
    /// whether it is registered here. Needs `app-tracking`.
    pub async fn member_tracking_for_app(
        &self,
        caller: &Caller,
        corporation: CorporationId,
        filter: &AppMemberFilter,
    ) -> AppResult<Vec<MemberRow>> {
        caller.require_app_role(AppRole::Tracking)?;
        let now = self.now();
        let mut rows: Vec<MemberRow> = self
            .store()
            .tracking_members(corporation)
            .await?
            .into_iter()
            .filter(|r| filter.matches(r, now))
            .collect();
        AppMemberFilter::sort(&mut rows);
        Ok(rows)
    }
}
