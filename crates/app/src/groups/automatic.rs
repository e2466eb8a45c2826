//! Groups given and taken by their rules (`domain::groups::automatic`): applying them to one
//! account (called by `access` with the account's state), and the administrators' use cases
//! that change a group's rules, each followed by recomputing every account so that access
//! follows at once.

use super::group_target;
use crate::App;
use crate::access::Recomputed;
use crate::audit::{self, account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::states::admin::{CriterionView, parse_entity_id};
use jumpgate_domain::account::AccountStatus;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::groups::{
    Group, MembershipSource, Reason, RuleChanges, apply_rules, check_settings,
};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::states::{Affiliation, CriterionKind};
use jumpgate_domain::{AccountId, AllianceId, CorporationId, GroupId};
use jumpgate_store::NewMembership;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The rules of a group that are not corporations or alliances, as the rules form sends them.
#[derive(Debug, Clone, Default)]
pub struct GroupLinks {
    pub default: bool,
    pub required: Vec<GroupId>,
    pub forbidden: Vec<GroupId>,
    /// The states it may be held in, as typed (names separated by commas); empty: any.
    pub states: String,
}

impl App {
    /// What the rules of `groups` (every group; empty when none has rules) change for
    /// `account` of `status` with these `affiliations`; `None` when nothing.
    pub(crate) async fn group_rule_changes(
        &self,
        account: AccountId,
        status: AccountStatus,
        state: &str,
        affiliations: &[Affiliation],
        groups: &[Group],
    ) -> AppResult<Option<RuleChanges>> {
        if groups.is_empty() {
            return Ok(None);
        }
        let current: BTreeMap<GroupId, MembershipSource> = self
            .store()
            .account_groups(account)
            .await?
            .into_iter()
            .map(|m| (m.group, m.source))
            .collect();
        let changes = apply_rules(groups, affiliations, &current, status, state);
        Ok((!changes.is_empty()).then_some(changes))
    }

    /// Writes what the rules change for each of `accounts` in one transaction (a sweep over
    /// every account writes them in batches): adds what they give, ends what they take, each
    /// with its reason in the audit log.
    pub(crate) async fn write_group_rule_changes(
        &self,
        accounts: &[(AccountId, RuleChanges)],
        groups: &[Group],
        actor: &Actor,
    ) -> AppResult<()> {
        if accounts.is_empty() {
            return Ok(());
        }
        let name = |id: GroupId| {
            groups
                .iter()
                .find(|g| g.id == id)
                .map(|g| g.name.clone())
                .unwrap_or_default()
        };
        let mut tx = self.store().transaction().await?;
        let mut written = 0;
        // Appended together after the memberships (on PostgreSQL in one statement): a first
        // pass over every account writes tens of thousands.
        let mut entries = Vec::new();
        for (account, changes) in accounts {
            let account = *account;
            for (group, reason) in &changes.add {
                let rule = reason.as_text();
                tx.add_group_member(&NewMembership {
                    group: *group,
                    account,
                    source: MembershipSource::Automatic,
                    source_ref: Some(rule.clone()),
                    added_by: None,
                })
                .await?;
                entries.push(audit::entry(
                    actor.clone(),
                    "group.member_added",
                    account_target(account),
                    json!({"group": group, "group_name": name(*group), "source": MembershipSource::Automatic.as_str(), "rule": rule}),
                ));
            }
            for (group, reason) in &changes.remove {
                // What no longer matches goes only if the rules gave it: a manager may have
                // added the account by hand since the changes were computed.
                let ended = match reason {
                    Reason::NoLongerMatches => tx.remove_rule_given_member(*group, account).await?,
                    _ => tx.remove_group_member(*group, account).await?,
                };
                let Some(ended) = ended else {
                    continue;
                };
                entries.push(audit::entry(
                    actor.clone(),
                    "group.member_removed",
                    account_target(account),
                    json!({"group": group, "group_name": name(*group), "cause": "rule", "rule": reason.as_text(), "source": ended.source.as_str()}),
                ));
            }
            written += changes.add.len() + changes.remove.len();
        }
        tx.append_audit_many(&entries).await?;
        tx.commit().await?;
        metrics::counter!("group_rule_changes_total")
            .increment(u64::try_from(written).unwrap_or_default());
        Ok(())
    }

    /// Applies the states and every group's rules to one account, or to every account
    /// (`jumpgate groups recompute [--account ID]`; the affiliation sweep does it too).
    /// Background work and the command line.
    pub async fn recompute_groups(
        &self,
        caller: &Caller,
        account: Option<AccountId>,
    ) -> AppResult<Recomputed> {
        caller.require_background()?;
        match account {
            None => self.recompute_all_access(&caller.actor()).await,
            Some(account) => {
                if self.store().account(account).await?.is_none() {
                    return Err(AppError::NotFound(format!(
                        "there is no account #{account}"
                    )));
                }
                self.recompute_access(account, &caller.actor()).await
            }
        }
    }

    /// Sets whether every account gets the group, and which groups it requires (one of) and
    /// forbids (all of); then recomputes every account.
    pub async fn set_group_links(
        &self,
        caller: &Caller,
        id: GroupId,
        links: &GroupLinks,
    ) -> AppResult<Recomputed> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let groups = self.store().groups().await?;
        let before = super::group_in(&groups, id)?;
        let known: BTreeSet<GroupId> = groups.iter().map(|g| g.id).collect();
        let pick = |ids: &[GroupId]| -> AppResult<BTreeSet<GroupId>> {
            ids.iter()
                .map(|g| {
                    known.contains(g).then_some(*g).ok_or_else(|| {
                        AppError::Invalid(format!("there is no group #{g}; nothing was changed"))
                    })
                })
                .collect()
        };
        let states = self.store().states().await?;
        let known_state = |typed: &str| super::known_state(&states, typed);
        let mut after = before.clone();
        after.rules.default = links.default;
        after.rules.required = pick(&links.required)?;
        after.rules.forbidden = pick(&links.forbidden)?;
        after.rules.states = crate::typed::items(&links.states)
            .map(known_state)
            .collect::<AppResult<_>>()?;
        check_settings(&after)?;
        if after == before {
            return Ok(Recomputed::default());
        }
        let names = |set: &BTreeSet<GroupId>| -> Vec<String> {
            groups
                .iter()
                .filter(|g| set.contains(&g.id))
                .map(|g| g.name.clone())
                .collect()
        };
        self.save_rules(
            caller,
            &after,
            json!({
                "name": after.name,
                "default": {"from": before.rules.default, "to": after.rules.default},
                "required": names(&after.rules.required),
                "forbidden": names(&after.rules.forbidden),
                "states": after.rules.states,
            }),
        )
        .await
    }

    /// Adds a corporation or an alliance (`kind`), by id or exact name (looked up at EVE), whose
    /// members' accounts get the group; then recomputes every account.
    pub async fn add_group_affiliation(
        &self,
        caller: &Caller,
        id: GroupId,
        kind: &str,
        entity: &str,
    ) -> AppResult<(String, Recomputed)> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let mut group = self.existing_group(id).await?;
        let kind = affiliation_kind(kind)?;
        let (entity_id, label) = self.resolve_entity(kind, entity).await?;
        let added = match kind {
            CriterionKind::Corporation => group.rules.corporations.insert(CorporationId(entity_id)),
            _ => group.rules.alliances.insert(AllianceId(entity_id)),
        };
        if !added {
            return Err(AppError::Invalid(format!(
                "{label} already gives {}",
                group.name
            )));
        }
        check_settings(&group)?;
        self.remember_name(kind, entity_id).await;
        let recomputed = self
            .save_rules(
                caller,
                &group,
                json!({"name": group.name, "affiliation_added": {"kind": kind.as_str(), "id": entity_id, "name": label}}),
            )
            .await?;
        Ok((label, recomputed))
    }

    /// Removes a corporation or an alliance from a group's rules; then recomputes every account.
    pub async fn remove_group_affiliation(
        &self,
        caller: &Caller,
        id: GroupId,
        kind: &str,
        entity_id: &str,
    ) -> AppResult<Recomputed> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let mut group = self.existing_group(id).await?;
        let kind = affiliation_kind(kind)?;
        let entity_id = parse_entity_id(entity_id)?;
        let removed = match kind {
            CriterionKind::Corporation => {
                group.rules.corporations.remove(&CorporationId(entity_id))
            }
            _ => group.rules.alliances.remove(&AllianceId(entity_id)),
        };
        if !removed {
            return Err(AppError::Invalid(format!(
                "{kind} #{entity_id} does not give {}",
                group.name
            )));
        }
        self.save_rules(
            caller,
            &group,
            json!({"name": group.name, "affiliation_removed": {"kind": kind.as_str(), "id": entity_id}}),
        )
        .await
    }

    /// The corporations and alliances that give a group, named where Jumpgate knows them.
    pub async fn group_affiliations(
        &self,
        caller: &Caller,
        id: GroupId,
    ) -> AppResult<Vec<CriterionView>> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let group = self.existing_group(id).await?;
        let entries = (group.rules.corporations.iter())
            .map(|c| (CriterionKind::Corporation, c.get()))
            .chain(
                group
                    .rules
                    .alliances
                    .iter()
                    .map(|a| (CriterionKind::Alliance, a.get())),
            );
        let mut views = Vec::new();
        for (kind, entity) in entries {
            views.push(CriterionView {
                kind,
                id: entity,
                label: self.criterion_label(kind, entity).await?,
            });
        }
        Ok(views)
    }

    /// Saves a group whose rules changed, records it, and recomputes every account.
    async fn save_rules(
        &self,
        caller: &Caller,
        group: &Group,
        details: serde_json::Value,
    ) -> AppResult<Recomputed> {
        let mut tx = self.store().transaction().await?;
        tx.save_group(group).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.rules_changed",
            group_target(group.id),
            details,
        )
        .await?;
        tx.commit().await?;
        self.recompute_all_access(&caller.actor()).await
    }
}

/// A rule's kind as the form sends it: corporation or alliance.
fn affiliation_kind(kind: &str) -> AppResult<CriterionKind> {
    match CriterionKind::parse(kind) {
        Ok(k @ (CriterionKind::Corporation | CriterionKind::Alliance)) => Ok(k),
        _ => Err(AppError::Invalid(format!(
            "'{}' is not a kind of group rule: choose corporation or alliance",
            kind.trim()
        ))),
    }
}
