//! Requests, revocations and the standings database: what members, approvers, administrators
//! and the validator do. Every use case takes its `Caller` first, checks its permission and
//! ownership before anything else, records an audit entry (`standings.*`) under the caller's
//! name and, once the database changed, queues the contact sync.
//!
//! - `requests`: members ask for a standing for a character or corporation; approvers decide.
//! - `revocations`: members ask to remove one; approvers decide; automatic ones follow a policy.
//! - `entries`: administrators edit the database, import (CSV, an organisation's contacts) and
//!   export it.
//! - `listing`: the database as its page lists it, filtered and paged.
//! - `eligibility`: the member page's model and the corporation coverage report.
//! - `validator`: the periodic job that finds standings whose holder no longer qualifies.

pub mod approval_queue;
pub mod bulk;
pub mod eligibility;
pub mod entries;
pub mod listing;
pub mod requests;
pub mod revocations;
pub mod validator;

use crate::App;
use crate::audit::audit_in;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobError, JobRegistry, Periodic};
use jumpgate_domain::audit::Actor;
use jumpgate_domain::standings::{Entity, EntityKind};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_store::{Revocation, StandingRequest, StoreError, Transaction, WorkflowFilter};

pub use eligibility::{CorporationCoverage, MemberOverview, SubjectRow, SubjectStatus};
pub use entries::StandingsCsvRow;
pub use listing::{StandingsFilter, StandingsPage};
pub use validator::ValidationSummary;

/// The periodic validator's job kind.
pub const VALIDATE: &str = "standings-validate";

/// The EVE login an administrator uses to read an alliance's or corporation's contact list for
/// an import.
pub const IMPORT_LOGIN: &str = "standings.import";

/// Where notifications about standings lead.
pub const STANDINGS_PAGE: &str = "/standings";

/// What an approver's queue of requests or of revocations lists: every pending one (newest
/// first, as the store lists them; the queue shows them reversed).
const PENDING_QUEUE: WorkflowFilter = WorkflowFilter {
    pending_only: true,
    requester: None,
    entity_id: None,
    limit: 10_000,
};

pub fn register_jobs(registry: &mut JobRegistry) {
    bulk::register_jobs(registry);
    registry.register(VALIDATE, |app, caller, _| async move {
        let s = app.validate_standings(&caller).await?;
        Ok::<_, JobError>(
            jumpgate_store::JobSummary::new()
                .with("checked", s.checked)
                .with("revocations queued", s.queued)
                .with("removed", s.removed),
        )
    });
}

pub fn schedule(app: &App) -> Vec<Periodic> {
    vec![Periodic {
        kind: VALIDATE,
        interval: app.settings().standings.validation_interval,
        max_attempts: 3,
    }]
}

/// `entity:<id>`, the audit target of every standings action.
pub fn entity_target(id: i64) -> String {
    format!("entity:{id}")
}

impl App {
    /// Queues the targeted contact sync of one entity. Sync trouble never undoes a decision: an
    /// error is logged, and the periodic reconcile catches up.
    pub(crate) async fn workflow_propagate(&self, entity_id: i64, actor: &Actor) {
        if let Err(e) = self.enqueue_propagation(entity_id, actor).await {
            tracing::warn!(entity = entity_id, error = %e, "could not queue the contact sync of a standing change");
        }
    }

    /// Decides a pending request or revocation (`decide` writes the decision) and records its
    /// audit entry (`action` on the row's entity, under `actor`'s name) in one transaction, so
    /// that a decision the store refused records nothing.
    pub(crate) async fn decide_recorded<T: Decidable>(
        &self,
        decide: impl AsyncFnOnce(&mut Transaction) -> jumpgate_store::Result<T>,
        actor: Actor,
        action: &str,
        details: serde_json::Value,
    ) -> AppResult<T> {
        let mut tx = self.store().transaction().await?;
        let no_longer_pending = format!("this {} is no longer pending", T::WHAT);
        let done = decide(&mut tx)
            .await
            .map_err(|e| pending_conflict(e, &no_longer_pending))?;
        let target = entity_target(done.entity_id());
        audit_in(&mut tx, actor, action, target, details).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Queues a full reconcile after a bulk change; errors are logged, never fatal.
    pub(crate) async fn workflow_reconcile_all(&self, actor: &Actor) {
        if let Err(e) = self.reconcile_all(actor).await {
            tracing::warn!(error = %e, "could not queue the full contact sync after a bulk change");
        }
    }

    /// A display name for an entity: from Jumpgate's own records, then ESI, then its id.
    pub(crate) async fn entity_name(&self, entity: Entity) -> String {
        let fallback = || entity.to_string();
        match entity.kind {
            EntityKind::Character => {
                if let Ok(Some(c)) = self.store().character(CharacterId(entity.id)).await {
                    return c.name;
                }
                match self.esi().character(CharacterId(entity.id)).await {
                    Ok(f) => f.value.name,
                    Err(_) => fallback(),
                }
            }
            EntityKind::Corporation => {
                if let Ok(Some(c)) = self.store().corporation(CorporationId(entity.id)).await {
                    return c.name;
                }
                match self.esi().corporation(CorporationId(entity.id)).await {
                    Ok(f) => f.value.name,
                    Err(_) => fallback(),
                }
            }
            EntityKind::Alliance => {
                if let Ok(Some(a)) = self.store().alliance(AllianceId(entity.id)).await {
                    return a.name;
                }
                match self.esi().alliance(AllianceId(entity.id)).await {
                    Ok(f) => f.value.name,
                    Err(_) => fallback(),
                }
            }
        }
    }
}

/// A request or revocation, as `App::decide_recorded` names it and targets its audit entry.
pub(crate) trait Decidable {
    /// How the approver is told it is no longer pending (`request`, `revocation`).
    const WHAT: &'static str;
    fn entity_id(&self) -> i64;
}

impl Decidable for StandingRequest {
    const WHAT: &'static str = "request";
    fn entity_id(&self) -> i64 {
        self.entity.id
    }
}

impl Decidable for Revocation {
    const WHAT: &'static str = "revocation";
    fn entity_id(&self) -> i64 {
        self.entity.id
    }
}

/// The store's "second pending one" conflict, in words (the partial unique index decided).
pub(crate) fn pending_conflict(e: StoreError, what: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Invalid(what.to_owned()),
        StoreError::Invalid(m) => AppError::Invalid(m),
        StoreError::NotFound(m) => AppError::NotFound(format!("{m} not found")),
        other => other.into(),
    }
}

/// The EVE login that reads an alliance's or corporation's contacts for an import.
pub fn import_login() -> jumpgate_domain::EveLogin {
    jumpgate_domain::EveLogin {
        name: IMPORT_LOGIN.to_owned(),
        description: "Let Jumpgate read your alliance's or corporation's contacts once, to import them as standings".to_owned(),
        scopes: jumpgate_domain::ScopeSet::new([
            "esi-alliances.read_contacts.v1",
            "esi-corporations.read_contacts.v1",
        ]),
    }
}
