//! Contact sync: writing the approved standings into every enrolled character's in-game
//! contacts, through ESI, without ever losing a personal contact.
//!
//! - `engine`: one sync of one character (lease → eligibility → token → read → plan → write →
//!   ledger → status);
//! - `eligibility`: who may receive the organisation's contacts, and stopping those who may not;
//! - `propagation`: targeted changes after an approval or revocation, periodic reconciles, jobs;
//! - `members`: the member's and the administrator's use cases (enrol, leave, sync now, force
//!   sync, sync all with progress).
//!
//! The workflow side calls `queue_propagation`, `queue_reconcile_all`, `preview_change`
//! (→ `ChangePreview`) and `sync_eligibility`.

mod eligibility;
mod engine;
mod members;
mod propagation;

pub use engine::status_label;
pub use engine::{SyncOutcome, SyncReport};
pub use members::{ADD_SCOPES_LINK, LeaveReport, MemberSyncRow, SyncProgress};
pub use propagation::{PROPAGATE, PropagationSummary, RECONCILE, SYNC_CHARACTER};

use crate::App;
use crate::error::AppResult;
use crate::jobs::{JobRegistry, Periodic};
use jumpgate_domain::standings::{Entity, Standing};

pub fn register_jobs(registry: &mut JobRegistry) {
    propagation::register_jobs(registry);
}

pub fn schedule(app: &App) -> Vec<Periodic> {
    propagation::schedule(app)
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
    pub async fn preview_change(
        &self,
        entity: Entity,
        standing: Option<Standing>,
    ) -> AppResult<ChangePreview> {
        let settings = &self.settings().standings;
        let mut preview = ChangePreview::default();
        for enrolled in self.store().synced_characters(None).await? {
            if enrolled.status == jumpgate_store::SyncStatus::NotEligible
                || enrolled.character.get() == entity.id
            {
                continue;
            }
            if settings.exclude_own_organisation
                && let Some(ch) = self.store().character(enrolled.character).await?
                && (ch.corporation.get() == entity.id
                    || ch.alliance.is_some_and(|a| a.get() == entity.id))
            {
                continue;
            }
            let ledger = self.store().ledger(enrolled.character).await?;
            let written = ledger.iter().find(|l| l.contact_id == entity.id);
            match (written, standing) {
                (Some(l), Some(s)) if l.standing == s => preview.unchanged += 1,
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
