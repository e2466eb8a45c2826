//! Revocations: a member asks to remove a standing, or Jumpgate raises one automatically; the
//! policy of the reason decides whether it waits for an approver.

use super::{PENDING_QUEUE, STANDINGS_PAGE, entity_target, pending_conflict};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AccountId;
use jumpgate_domain::RevocationId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{ReasonPolicy, RevocationReason, can_revoke};
use jumpgate_store::{NewRevocation, Revocation, RevocationDecision};
use serde_json::json;

fn no_revocation(id: RevocationId) -> AppError {
    AppError::NotFound(format!("there is no revocation #{id}"))
}

impl App {
    /// A member asks to remove the standing of one of their characters or corporations. Needs
    /// `standings.request`, as a person who owns the subject.
    pub async fn request_revocation(
        &self,
        caller: &Caller,
        entity_id: i64,
    ) -> AppResult<Revocation> {
        let actor = caller.person_with(Permission::STANDINGS_REQUEST)?;
        let entry = self.store().standing(entity_id).await?.ok_or_else(|| {
            AppError::NotFound(format!("entity {entity_id} has no standing to remove"))
        })?;
        if !self.owns_subject(actor, entry.entity).await? {
            return Err(AppError::Forbidden(format!(
                "{} is not one of your characters or corporations; only its owner can ask to remove its standing",
                entry.name
            )));
        }
        let (_, rev) = self.pending_for(entity_id).await?;
        can_revoke(true, rev)
            .map_err(|r| AppError::Invalid(format!("{}: {}", entry.name, r.message())))?;
        // A corporation's standing concerns every member of it, and one an administrator or an
        // import set was not the member's to begin with: those always go to an approver, even
        // when `requested_by_owner` is "auto_approve" (one member, or a spy's alt, must not
        // strip a whole corporation's standing).
        let own_character_request = entry.entity.kind
            == jumpgate_domain::standings::EntityKind::Character
            && entry.source == "request";
        self.raise_revocation(
            entry.entity,
            &entry.name,
            RevocationReason::RequestedByOwner,
            Some(actor),
            entry.added_by,
            own_character_request,
        )
        .await
    }

    /// Creates a revocation and applies the reason's policy (auto-approve or queue; only queue
    /// unless `may_auto_approve`). `owner` is told what happened.
    pub(crate) async fn raise_revocation(
        &self,
        entity: jumpgate_domain::standings::Entity,
        name: &str,
        reason: RevocationReason,
        requester: Option<AccountId>,
        owner: Option<AccountId>,
        may_auto_approve: bool,
    ) -> AppResult<Revocation> {
        let mut tx = self.store().transaction().await?;
        let created = tx
            .create_revocation(&NewRevocation {
                entity,
                name: name.to_owned(),
                reason,
                requester,
            })
            .await
            .map_err(|e| {
                pending_conflict(
                    e,
                    &format!("{name}: a revocation for this entity is already pending"),
                )
            })?;
        let actor = match requester {
            Some(a) => Actor::Account(a.get()),
            None => Actor::System(super::VALIDATE.to_owned()),
        };
        audit_in(&mut tx,
            actor,
            "standings.revocation.created",
            entity_target(entity.id),
            json!({"revocation": created.id, "name": name, "reason": reason.as_str(), "automatic": reason.is_automatic()}),
        ).await?;
        tx.commit().await?;
        let policy = self.settings().standings.revocation_policies.get(reason);
        if policy == ReasonPolicy::AutoApprove && may_auto_approve {
            let system = Actor::System("standings-policy".to_owned());
            let approve = RevocationDecision::Approve {
                by: None,
                notes: format!("approved automatically by policy ({})", reason.as_str()),
            };
            let done = self
                .decide_recorded(
                    async |tx| tx.decide_revocation(created.id, &approve).await,
                    system.clone(),
                    "standings.revocation.approved",
                    json!({"revocation": created.id, "name": name, "reason": reason.as_str(), "automatic": true}),
                )
                .await?;
            if let Some(o) = owner {
                self.notify_account(
                    o,
                    "Standing removed",
                    &format!(
                        "The standing of {name} was removed because {}.",
                        reason.describe()
                    ),
                    Some(STANDINGS_PAGE),
                )
                .await?;
            }
            self.workflow_propagate(entity.id, &system).await;
            return Ok(done);
        }
        if let Some(o) = owner
            && reason.is_automatic()
        {
            self.notify_account(
                o,
                "Standing under review",
                &format!(
                    "The standing of {name} will be reviewed for removal because {}.",
                    reason.describe()
                ),
                Some(STANDINGS_PAGE),
            )
            .await?;
        }
        Ok(created)
    }

    async fn existing_revocation(&self, id: RevocationId) -> AppResult<Revocation> {
        self.store()
            .revocation(id)
            .await?
            .ok_or_else(|| no_revocation(id))
    }

    /// Whom to tell about a revocation's decision: its requester, else the entry's owner.
    async fn revocation_owner(&self, rev: &Revocation) -> AppResult<Option<AccountId>> {
        if rev.requester.is_some() {
            return Ok(rev.requester);
        }
        Ok(self
            .store()
            .standing(rev.entity.id)
            .await?
            .and_then(|e| e.added_by))
    }

    /// An approver removes the standing. Needs `standings.approve`, as a person.
    pub async fn approve_revocation(
        &self,
        caller: &Caller,
        id: RevocationId,
        notes: &str,
    ) -> AppResult<Revocation> {
        let actor = caller.person_with(Permission::STANDINGS_APPROVE)?;
        let rev = self.existing_revocation(id).await?;
        self.refuse_self_approval(actor, rev.requester, rev.entity)
            .await?;
        let owner = self.revocation_owner(&rev).await?;
        let notes = notes.trim().to_owned();
        let approve = RevocationDecision::Approve {
            by: Some(actor),
            notes: notes.clone(),
        };
        let by = caller.actor();
        let done = self
            .decide_recorded(
                async |tx| tx.decide_revocation(id, &approve).await,
                by.clone(),
                "standings.revocation.approved",
                json!({"revocation": id, "name": rev.name, "reason": rev.reason.as_str(), "notes": notes}),
            )
            .await?;
        if let Some(o) = owner {
            self.notify_account(
                o,
                "Standing removed",
                &format!(
                    "The standing of {} was removed ({}).",
                    rev.name,
                    rev.reason.describe()
                ),
                Some(STANDINGS_PAGE),
            )
            .await?;
        }
        self.workflow_propagate(rev.entity.id, &by).await;
        Ok(done)
    }

    /// An approver keeps the standing, with a reason. Needs `standings.approve`, as a person.
    pub async fn reject_revocation(
        &self,
        caller: &Caller,
        id: RevocationId,
        reason: &str,
    ) -> AppResult<Revocation> {
        let actor = caller.person_with(Permission::STANDINGS_APPROVE)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid(
                "give a reason for keeping the standing: the member is told".to_owned(),
            ));
        }
        let rev = self.existing_revocation(id).await?;
        let owner = self.revocation_owner(&rev).await?;
        let reject = RevocationDecision::Reject {
            by: actor,
            reason: reason.to_owned(),
        };
        let done = self
            .decide_recorded(
                async |tx| tx.decide_revocation(id, &reject).await,
                caller.actor(),
                "standings.revocation.rejected",
                json!({"revocation": id, "name": rev.name, "reason": reason}),
            )
            .await?;
        if let Some(o) = owner {
            self.notify_account(
                o,
                "Standing kept",
                &format!(
                    "The removal of the standing of {} was rejected; the standing stays: {reason}",
                    rev.name
                ),
                Some(STANDINGS_PAGE),
            )
            .await?;
        }
        Ok(done)
    }

    /// The member who asked withdraws a pending revocation (only their own).
    pub async fn cancel_revocation(
        &self,
        caller: &Caller,
        id: RevocationId,
    ) -> AppResult<Revocation> {
        let actor = caller.own_account()?;
        let rev = self.existing_revocation(id).await?;
        // Someone else's is answered as a missing one (ids are sequential; see cancel_request).
        if rev.requester != Some(actor) {
            return Err(no_revocation(id));
        }
        let cancel = RevocationDecision::Cancel { by: actor };
        self.decide_recorded(
            async |tx| tx.decide_revocation(id, &cancel).await,
            caller.actor(),
            "standings.revocation.cancelled",
            json!({"revocation": id, "name": rev.name}),
        )
        .await
    }

    /// The approver queue of revocations, oldest first. Needs `standings.approve`.
    pub async fn pending_revocations(&self, caller: &Caller) -> AppResult<Vec<Revocation>> {
        caller.require(Permission::STANDINGS_APPROVE)?;
        let mut v = self.store().revocations(&PENDING_QUEUE).await?;
        v.reverse();
        Ok(v)
    }
}
