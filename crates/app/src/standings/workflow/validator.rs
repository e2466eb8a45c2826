//! The validator: finds standings whose holder no longer qualifies and raises automatic
//! revocations (each reason's policy then approves at once or queues for an approver).
//!
//! It looks at entries that came from a member's request (source `request`): their owner is the
//! requester (`added_by`). Entries an administrator added or imported are the organisation's own
//! decisions and are left alone.

use super::eligibility::TokenProblem;
use crate::App;
use crate::error::{AppError, AppResult};
use jumpgate_domain::account::RemovalReason;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{EntityKind, ReasonPolicy, RevocationReason};
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::{StandingsEntry, WorkflowFilter};
use std::collections::BTreeSet;

/// What one validation run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationSummary {
    /// Entries looked at.
    pub checked: usize,
    /// Revocations raised and waiting for an approver.
    pub queued: usize,
    /// Revocations raised and approved at once by policy.
    pub removed: usize,
}

impl App {
    /// Checks every member-requested standing (the periodic job `standings-validate`).
    /// Background work.
    pub async fn validate_standings(&self, caller: &crate::Caller) -> AppResult<ValidationSummary> {
        caller.require_background()?;
        self.validate_standings_of(None).await
    }

    /// Checks the standings one account requested, or all when `None` (cheap enough to call
    /// after events such as a transfer).
    pub(crate) async fn validate_standings_of(
        &self,
        account: Option<AccountId>,
    ) -> AppResult<ValidationSummary> {
        let pending: BTreeSet<i64> = self
            .store()
            .revocations(&WorkflowFilter {
                pending_only: true,
                limit: 100_000,
                ..WorkflowFilter::default()
            })
            .await?
            .into_iter()
            .map(|r| r.entity.id)
            .collect();
        let mut summary = ValidationSummary::default();
        for entry in self.store().all_standings().await? {
            if entry.source != "request" || pending.contains(&entry.entity.id) {
                continue;
            }
            let Some(owner) = entry.added_by else {
                continue;
            };
            if account.is_some_and(|a| a != owner) {
                continue;
            }
            summary.checked += 1;
            let reason = match self.revocation_reason(&entry, owner).await {
                Ok(r) => r,
                Err(AppError::Esi(e)) => {
                    tracing::warn!(entity = entry.entity.id, error = %e, "could not validate a standing; will try again next run");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(reason) = reason else { continue };
            self.raise_revocation(entry.entity, &entry.name, reason, None, Some(owner), true)
                .await?;
            match self.settings().standings.revocation_policies.get(reason) {
                ReasonPolicy::AutoApprove => summary.removed += 1,
                ReasonPolicy::Queue => summary.queued += 1,
            }
        }
        if summary.queued + summary.removed > 0 {
            tracing::info!(
                checked = summary.checked,
                queued = summary.queued,
                removed = summary.removed,
                "standings validated"
            );
        }
        Ok(summary)
    }

    /// Why the entry's standing must go, if it must.
    async fn revocation_reason(
        &self,
        entry: &StandingsEntry,
        owner: AccountId,
    ) -> AppResult<Option<RevocationReason>> {
        let Some(account) = self.store().account(owner).await? else {
            return Ok(Some(RevocationReason::LostPermission));
        };
        match entry.entity.kind {
            EntityKind::Character => {
                let id = CharacterId(entry.entity.id);
                let Some(c) = self.store().character(id).await? else {
                    let removed = self.store().removed_characters(Some(owner), 500).await?;
                    let biomassed = removed
                        .iter()
                        .find(|r| r.character == id)
                        .is_some_and(|r| r.reason == RemovalReason::Biomassed);
                    return Ok(Some(if biomassed {
                        RevocationReason::Biomassed
                    } else {
                        RevocationReason::Transferred
                    }));
                };
                if Self::is_biomassed(c.corporation) {
                    return Ok(Some(RevocationReason::Biomassed));
                }
                if c.account != owner {
                    return Ok(Some(RevocationReason::Transferred));
                }
                if !self
                    .grants(owner)
                    .await?
                    .allows(Permission::STANDINGS_REQUEST)
                {
                    return Ok(Some(RevocationReason::LostPermission));
                }
                Ok(match self.sync_token_problem(id, &account.state).await? {
                    None => None,
                    Some(TokenProblem::MissingScopes(_)) => Some(RevocationReason::MissingScopes),
                    Some(TokenProblem::Missing | TokenProblem::Unusable(_)) => {
                        Some(RevocationReason::TokenInvalid)
                    }
                })
            }
            EntityKind::Corporation => {
                if !self
                    .grants(owner)
                    .await?
                    .allows(Permission::STANDINGS_REQUEST)
                {
                    return Ok(Some(RevocationReason::LostPermission));
                }
                let corp = CorporationId(entry.entity.id);
                if !self.owns_subject(owner, entry.entity).await? {
                    return Ok(Some(RevocationReason::CoverageLost));
                }
                let coverage = self.corporation_coverage(owner, corp).await?;
                Ok((!coverage.report.eligible).then_some(RevocationReason::CoverageLost))
            }
            EntityKind::Alliance => Ok(None),
        }
    }
}
