//! What holders of `admin.tracking` do: see every tracked corporation with the groups that see
//! it and every Director's tracking token with its last check, and choose those groups.

use super::{corporation_target, not_tracked};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::tracking::TrackedCorporation;
use jumpgate_domain::{CorporationId, GroupId};
use jumpgate_store::TrackingDirector;
use serde_json::json;

/// A tracked corporation on the admin page.
#[derive(Debug, Clone)]
pub struct TrackedForAdmin {
    pub corporation: TrackedCorporation,
    /// The groups whose members see it.
    pub viewer_groups: Vec<GroupId>,
    /// Its Directors' tracking tokens with their last checks.
    pub directors: Vec<TrackingDirector>,
}

/// The admin page.
#[derive(Debug, Clone)]
pub struct TrackingAdmin {
    pub corporations: Vec<TrackedForAdmin>,
    /// Every group, by name, to choose from.
    pub groups: Vec<(GroupId, String)>,
}

impl App {
    /// Every tracked corporation with its viewer groups and Directors. Needs `admin.tracking`.
    pub async fn tracking_admin(&self, caller: &Caller) -> AppResult<TrackingAdmin> {
        caller.require(Permission::ADMIN_TRACKING)?;
        let viewers = self.store().tracking_viewer_groups().await?;
        let directors = self.store().tracking_directors().await?;
        let mut corporations: Vec<TrackedForAdmin> = self
            .store()
            .tracked_corporations()
            .await?
            .into_iter()
            .map(|c| TrackedForAdmin {
                viewer_groups: viewers.get(&c.id).cloned().unwrap_or_default(),
                directors: directors
                    .iter()
                    .filter(|d| d.corporation == c.id)
                    .cloned()
                    .collect(),
                corporation: c,
            })
            .collect();
        corporations
            .sort_by_cached_key(|c| (c.corporation.label().to_lowercase(), c.corporation.id));
        let mut groups: Vec<(GroupId, String)> = self
            .store()
            .groups()
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        groups.sort_by_cached_key(|(id, name)| (name.to_lowercase(), *id));
        Ok(TrackingAdmin {
            corporations,
            groups,
        })
    }

    /// Chooses the groups whose members see `corporation`'s members (replacing the choice
    /// before), audited. Needs `admin.tracking`.
    pub async fn set_tracking_groups(
        &self,
        caller: &Caller,
        corporation: CorporationId,
        groups: &[GroupId],
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_TRACKING)?;
        if self
            .store()
            .tracked_corporation(corporation)
            .await?
            .is_none()
        {
            return Err(not_tracked(corporation));
        }
        let mut tx = self.store().transaction().await?;
        tx.set_tracking_viewer_groups(corporation, groups).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "tracking.viewer_groups_set",
            corporation_target(corporation),
            json!({"groups": groups.iter().map(|g| g.get()).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops tracking `corporation` (its members, viewer groups and Director checks go),
    /// audited. A Director's next tracking login tracks it again. Needs `admin.tracking`.
    pub async fn stop_tracking(
        &self,
        caller: &Caller,
        corporation: CorporationId,
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_TRACKING)?;
        let mut tx = self.store().transaction().await?;
        tx.stop_tracking(corporation).await.map_err(|e| match e {
            jumpgate_store::StoreError::NotFound(_) => not_tracked(corporation),
            other => other.into(),
        })?;
        audit_in(
            &mut tx,
            caller.actor(),
            "tracking.stopped",
            corporation_target(corporation),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
