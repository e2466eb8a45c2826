//! Standing requests: members ask for their characters and corporations; approvers decide.

use super::eligibility::is_npc_corporation;
use super::{PENDING_QUEUE, STANDINGS_PAGE, entity_target, pending_conflict};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::RequestId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, EntityKind, Standing, can_request};
use jumpgate_domain::{CharacterId, CorporationId};
use jumpgate_store::{NewStandingRequest, RequestDecision, StandingRequest, WorkflowFilter};
use serde_json::json;

/// The most standings one form may request.
pub const MAX_REQUESTS_AT_ONCE: usize = 100;

fn no_request(id: RequestId) -> AppError {
    AppError::NotFound(format!("there is no standing request #{id}"))
}

impl App {
    /// Whether a pending request / revocation exists for an entity.
    pub(crate) async fn pending_for(&self, entity_id: i64) -> AppResult<(bool, bool)> {
        let filter = WorkflowFilter {
            pending_only: true,
            entity_id: Some(entity_id),
            limit: 1,
            ..WorkflowFilter::default()
        };
        let req = !self.store().requests(&filter).await?.is_empty();
        let rev = !self.store().revocations(&filter).await?.is_empty();
        Ok((req, rev))
    }

    /// A member requests a standing for one of their characters or for the corporation of one.
    /// Refusals say exactly why; nothing changes then. Needs `standings.request`, as a person
    /// (the requester is told the decision).
    pub async fn request_standing(
        &self,
        caller: &Caller,
        entity: Entity,
    ) -> AppResult<StandingRequest> {
        let actor = caller.person_with(Permission::STANDINGS_REQUEST)?;
        let name = match entity.kind {
            EntityKind::Character => {
                let c = self
                    .store()
                    .character(CharacterId(entity.id))
                    .await?
                    .ok_or_else(|| {
                        AppError::NotFound(format!("there is no character {}", entity.id))
                    })?;
                if c.account != actor {
                    return Err(AppError::Forbidden(format!(
                        "{} is not one of your characters",
                        c.name
                    )));
                }
                let state = self
                    .store()
                    .account(actor)
                    .await?
                    .map(|a| a.state)
                    .unwrap_or_default();
                if let Some(p) = self.sync_token_problem(c.id, &state).await? {
                    return Err(AppError::Invalid(format!(
                        "{} cannot have a standing yet: {}",
                        c.name,
                        p.describe()
                    )));
                }
                c.name
            }
            EntityKind::Corporation => {
                if !self.owns_subject(actor, entity).await? {
                    return Err(AppError::Forbidden(format!(
                        "none of your characters is in corporation {}",
                        entity.id
                    )));
                }
                let corp = CorporationId(entity.id);
                let name = self.entity_name(entity).await;
                if is_npc_corporation(corp) {
                    return Err(AppError::Invalid(format!(
                        "{name} is an NPC corporation; NPC corporations cannot hold a standing"
                    )));
                }
                let coverage = self.corporation_coverage(actor, corp).await?;
                if !coverage.report.eligible {
                    return Err(AppError::Invalid(format!(
                        "{name} does not meet the coverage rule: {}",
                        coverage.summary()
                    )));
                }
                name
            }
            EntityKind::Alliance => {
                return Err(AppError::Invalid(
                    "members request standings for their characters and corporations; an administrator adds alliances in the standings database".to_owned(),
                ));
            }
        };
        let has_entry = self.store().standing(entity.id).await?.is_some();
        let (req, rev) = self.pending_for(entity.id).await?;
        can_request(has_entry, req, rev)
            .map_err(|r| AppError::Invalid(format!("{name}: {}", r.message())))?;
        let mut tx = self.store().transaction().await?;
        let created = tx.create_request(&NewStandingRequest {
                entity,
                name: name.clone(),
                requester: actor,
            })
            .await
            .map_err(|e| {
                pending_conflict(
                    e,
                    &format!(
                        "{name}: a request for this entity is already pending; wait for an approver's decision"
                    ),
                )
            })?;
        audit_in(
            &mut tx,
            caller.actor(),
            "standings.request.created",
            entity_target(entity.id),
            json!({"request": created.id, "kind": entity.kind.as_str(), "name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Several requests at once (at most [`MAX_REQUESTS_AT_ONCE`]); each succeeds or fails on
    /// its own.
    pub async fn request_standings(
        &self,
        caller: &Caller,
        entities: &[Entity],
    ) -> AppResult<Vec<(Entity, AppResult<StandingRequest>)>> {
        caller.person_with(Permission::STANDINGS_REQUEST)?;
        // Each request costs queries and perhaps an ESI lookup: one form must not cost thousands.
        if entities.len() > MAX_REQUESTS_AT_ONCE {
            return Err(AppError::Invalid(format!(
                "at most {MAX_REQUESTS_AT_ONCE} standings can be requested at once, and this \
                 asked for {}; nothing was requested",
                entities.len()
            )));
        }
        let mut out = Vec::with_capacity(entities.len());
        for e in entities {
            out.push((*e, self.request_standing(caller, *e).await));
        }
        Ok(out)
    }

    async fn existing_request(&self, id: RequestId) -> AppResult<StandingRequest> {
        self.store()
            .request(id)
            .await?
            .ok_or_else(|| no_request(id))
    }

    /// The requester withdraws a pending request (only their own).
    pub async fn cancel_request(
        &self,
        caller: &Caller,
        id: RequestId,
    ) -> AppResult<StandingRequest> {
        let actor = caller.own_account()?;
        let req = self.existing_request(id).await?;
        // Someone else's request is answered as a missing one: ids are sequential, and "not
        // yours" would tell which exist.
        if req.requester != actor {
            return Err(no_request(id));
        }
        let cancel = RequestDecision::Cancel { by: actor };
        self.decide_recorded(
            async |tx| tx.decide_request(id, &cancel).await,
            caller.actor(),
            "standings.request.cancelled",
            json!({"request": id, "name": req.name}),
        )
        .await
    }

    /// An approver grants the standing (the settings' default when `standing` is `None`).
    /// Needs `standings.approve`, as a person (the decision is recorded as theirs).
    pub async fn approve_request(
        &self,
        caller: &Caller,
        id: RequestId,
        standing: Option<Standing>,
        notes: &str,
    ) -> AppResult<StandingRequest> {
        let actor = caller.person_with(Permission::STANDINGS_APPROVE)?;
        let req = self.existing_request(id).await?;
        self.refuse_self_approval(actor, Some(req.requester), req.entity)
            .await?;
        let standing = standing.unwrap_or(self.settings().standings.default_standing);
        let notes = notes.trim().to_owned();
        let approve = RequestDecision::Approve {
            by: actor,
            standing,
            notes: notes.clone(),
        };
        let by = caller.actor();
        let done = self
            .decide_recorded(
                async |tx| tx.decide_request(id, &approve).await,
                by.clone(),
                "standings.request.approved",
                json!({"request": id, "name": req.name, "standing": standing.value(), "notes": notes}),
            )
            .await?;
        let mut message = format!(
            "Your standing request for {} was approved with standing {standing}.",
            req.name
        );
        if !notes.is_empty() {
            message.push_str(&format!(" Note: {notes}"));
        }
        self.notify_account(
            req.requester,
            "Standing request approved",
            &message,
            Some(STANDINGS_PAGE),
        )
        .await?;
        self.workflow_propagate(req.entity.id, &by).await;
        Ok(done)
    }

    /// An approver refuses, with a reason the requester is told. Needs `standings.approve`, as
    /// a person.
    pub async fn reject_request(
        &self,
        caller: &Caller,
        id: RequestId,
        reason: &str,
    ) -> AppResult<StandingRequest> {
        let actor = caller.person_with(Permission::STANDINGS_APPROVE)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid(
                "give a reason for the rejection: the requester is told".to_owned(),
            ));
        }
        let req = self.existing_request(id).await?;
        let reject = RequestDecision::Reject {
            by: actor,
            reason: reason.to_owned(),
        };
        let done = self
            .decide_recorded(
                async |tx| tx.decide_request(id, &reject).await,
                caller.actor(),
                "standings.request.rejected",
                json!({"request": id, "name": req.name, "reason": reason}),
            )
            .await?;
        self.notify_account(
            req.requester,
            "Standing request rejected",
            &format!(
                "Your standing request for {} was rejected: {reason}",
                req.name
            ),
            Some(STANDINGS_PAGE),
        )
        .await?;
        Ok(done)
    }

    /// The approver queue: pending requests, oldest first. Needs `standings.approve`.
    pub async fn pending_requests(&self, caller: &Caller) -> AppResult<Vec<StandingRequest>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        let mut v = self.store().requests(&PENDING_QUEUE).await?;
        v.reverse();
        Ok(v)
    }
}
