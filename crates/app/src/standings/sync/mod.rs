//! Contact sync: writing the approved standings into every enrolled character's in-game
//! contacts, through ESI, without ever losing a personal contact.
//!
//! - `engine`: one sync of one character (lease → eligibility → token → read → plan → write →
//!   ledger → status);
//! - `eligibility`: who may receive the organisation's contacts, and stopping those who may not;
//! - `pending`: our writes ESI's cached contact list does not show yet;
//! - `propagation`: targeted changes after an approval or revocation, periodic reconciles, jobs;
//! - `members`: the member's and the administrator's use cases (enrol, leave, sync now, force
//!   sync, sync all with progress).
//!
//! The workflow side calls `queue_propagation`, `queue_reconcile_all`, `preview_change`
//! (→ `ChangePreview`) and `sync_eligibility`.

mod desired;
mod eligibility;
mod engine;
mod members;
mod pending;
mod propagation;

pub use desired::DesiredCache;
pub use engine::status_label;
pub use engine::{SyncOutcome, SyncReport};
pub use members::{
    ADD_SCOPES_LINK, EnrolmentCache, EnrolmentPage, LeaveReport, MemberSyncRow, SyncProgress,
};
pub use propagation::{PROPAGATE, PropagationSummary, RECONCILE, SYNC_CHARACTER};

use crate::App;
use crate::error::AppResult;
use crate::jobs::{JobRegistry, Lane, Periodic};
use jumpgate_domain::CharacterId;
use jumpgate_domain::standings::{Entity, Standing};
use std::collections::HashMap;

pub fn register_jobs(registry: &mut JobRegistry) {
    propagation::register_jobs(registry);
}

pub fn schedule(app: &App) -> Vec<Periodic> {
    propagation::schedule(app)
}

/// The worker lane of full contact syncs: `standings.sync_concurrency` slots of their own, so
/// a reconcile of thousands of characters (each mostly waiting on ESI) runs that many at once
/// without holding up the other jobs.
pub fn worker_lanes(app: &App) -> Vec<Lane> {
    vec![Lane {
        kinds: vec![SYNC_CHARACTER],
        concurrency: app.settings().standings.sync_concurrency,
    }]
}

/// What a change to one entity's standing would do to enrolled characters' contacts, from the
/// ledgers alone (no ESI calls): the approver's diff preview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangePreview {
    /// Enrolled characters that would receive the change.
    pub characters: usize,
    pub adds: usize,
    pub edits: usize,
    pub deletes: usize,
    pub unchanged: usize,
}

impl App {
    /// The approver's preview of setting `entity` to `standing` (or removing it with `None`).
    ///
    /// From the ledgers only: an entity Jumpgate wrote is an edit (or unchanged, or a delete when
    /// removed); one it did not write is an add (a personal contact for it, which only ESI would
    /// show, is then handled by the collision policy). The character itself, and its own
    /// corporation and alliance when they are excluded, never receive it. Characters that are
    /// not eligible any more are left out.
    /// Needs `standings.approve` or `standings.manage`.
    pub async fn preview_change(
        &self,
        caller: &crate::Caller,
        entity: Entity,
        standing: Option<Standing>,
    ) -> AppResult<ChangePreview> {
        caller.require_any(&[
            jumpgate_domain::permissions::Permission::STANDINGS_APPROVE,
            jumpgate_domain::permissions::Permission::STANDINGS_MANAGE,
        ])?;
        let settings = &self.settings().standings;
        let enrolled: Vec<jumpgate_store::SyncedCharacter> = self
            .store()
            .synced_characters(None)
            .await?
            .into_iter()
            .filter(|e| {
                e.status != jumpgate_store::SyncStatus::NotEligible
                    && e.character.get() != entity.id
            })
            .collect();
        // Three queries whatever the number of characters: the enrolments, their characters
        // (for the exclusion of their own organisation) and the ledger rows of this one entity.
        let characters: HashMap<CharacterId, jumpgate_domain::account::Character> =
            if settings.exclude_own_organisation {
                let ids: Vec<CharacterId> = enrolled.iter().map(|e| e.character).collect();
                self.store()
                    .characters_by_ids(&ids)
                    .await?
                    .into_iter()
                    .map(|c| (c.id, c))
                    .collect()
            } else {
                HashMap::new()
            };
        let written: HashMap<CharacterId, Standing> = self
            .store()
            .ledger_of_contact(entity.id)
            .await?
            .into_iter()
            .map(|(c, l)| (c, l.standing))
            .collect();
        let mut preview = ChangePreview::default();
        for e in &enrolled {
            if let Some(ch) = characters.get(&e.character)
                && (ch.corporation.get() == entity.id
                    || ch.alliance.is_some_and(|a| a.get() == entity.id))
            {
                continue;
            }
            match (written.get(&e.character), standing) {
                (Some(l), Some(s)) if *l == s => preview.unchanged += 1,
                (Some(_), Some(_)) => preview.edits += 1,
                (Some(_), None) => preview.deletes += 1,
                (None, Some(_)) => preview.adds += 1,
                (None, None) => {
                    preview.unchanged += 1;
                    continue;
                }
            }
            preview.characters += 1;
        }
        Ok(preview)
    }
}
