//! What every member does with groups: the groups page (theirs, the public ones to apply to,
//! their applications, the ones they manage), applying, cancelling an application, leaving;
//! and the groups of an account with why it has each (its own page, an administrator's view).

use super::{check_state, conditions_met, group_link, relation};
use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::groups::{
    ApplicationStatus, Group, GroupApplication, Membership, MembershipSource, Visibility,
    validate_message,
};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId, GroupApplicationId, GroupId};
use jumpgate_store::{ApplicationDecision, ApplicationFilter, NewMembership, StoreError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// How many of a member's own applications the groups page lists, newest first.
const OWN_APPLICATIONS_SHOWN: i64 = 20;

/// A group the caller is in, with how the membership came to be.
#[derive(Debug, Clone)]
pub struct HeldGroup {
    pub group: Group,
    pub membership: Membership,
    /// Who added it by hand or accepted the application (main character), when someone did.
    pub added_by: Option<(CharacterId, String)>,
}

/// A public group the caller is not in.
#[derive(Debug, Clone)]
pub struct OpenGroup {
    pub group: Group,
    /// The caller's pending application to it, if any.
    pub pending: Option<GroupApplicationId>,
}

/// One of the caller's applications, with its group's name.
#[derive(Debug, Clone)]
pub struct OwnApplication {
    pub application: GroupApplication,
    pub group_name: String,
}

/// A group the caller manages, with how many applications wait for a decision.
#[derive(Debug, Clone)]
pub struct ManagedGroup {
    pub group: Group,
    pub pending: usize,
}

/// The groups page of one person.
#[derive(Debug, Clone, Default)]
pub struct GroupsOverview {
    pub held: Vec<HeldGroup>,
    pub open: Vec<OpenGroup>,
    pub applications: Vec<OwnApplication>,
    pub managed: Vec<ManagedGroup>,
}

/// What an application led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// It waits for the group's managers.
    Pending(GroupApplication),
    /// The group accepts every application at once: the caller is a member.
    Joined(GroupApplication),
}

impl App {
    /// The caller's groups page. Every signed-in person.
    pub async fn groups_overview(&self, caller: &Caller) -> AppResult<GroupsOverview> {
        let account = caller.own_account()?;
        let memberships = self.kept_memberships(caller, account).await?;
        let member_of: BTreeSet<GroupId> = memberships.iter().map(|m| m.group).collect();
        // By name ignoring case, as the store lists them.
        let groups = self.group_catalogue(Some(caller)).await?;
        let applications = self
            .store()
            .group_applications(&ApplicationFilter {
                account: Some(account),
                limit: OWN_APPLICATIONS_SHOWN,
                ..Default::default()
            })
            .await?;
        let pending_of_own: BTreeMap<GroupId, GroupApplicationId> = applications
            .iter()
            .filter(|a| a.status == ApplicationStatus::Pending)
            .map(|a| (a.group, a.id))
            .collect();
        // The caller's characters, read once and only when a condition names corporations.
        let affiliations = if groups
            .iter()
            .any(|g| g.visibility == Visibility::Conditioned && g.conditions.reads_affiliations())
        {
            self.affiliations_of(account).await?
        } else {
            Vec::new()
        };
        let open = groups
            .iter()
            .filter(|g| !member_of.contains(&g.id) && !g.is_restricted())
            .filter(|g| g.rules.allows_state(caller.state()))
            .filter(|g| g.is_open_to(conditions_met(caller, g, &member_of, &affiliations)))
            .map(|g| OpenGroup {
                group: g.clone(),
                pending: pending_of_own.get(&g.id).copied(),
            })
            .collect();
        let managed: Vec<&Group> = groups
            .iter()
            .filter(|g| relation(caller, g, &member_of).manages)
            .collect();
        let managed = if managed.is_empty() {
            Vec::new()
        } else {
            let mut waiting: BTreeMap<GroupId, usize> = BTreeMap::new();
            for a in self.kept_pending_applications(caller).await?.iter() {
                *waiting.entry(a.group).or_default() += 1;
            }
            managed
                .into_iter()
                .map(|g| ManagedGroup {
                    pending: waiting.get(&g.id).copied().unwrap_or_default(),
                    group: g.clone(),
                })
                .collect()
        };
        let applications = applications
            .into_iter()
            .filter_map(|a| {
                Some(OwnApplication {
                    group_name: groups.iter().find(|g| g.id == a.group)?.name.clone(),
                    application: a,
                })
            })
            .collect();
        Ok(GroupsOverview {
            held: self.held_groups(&memberships, &groups).await?,
            open,
            applications,
            managed,
        })
    }

    /// Applies the caller to a public group with an optional text. A group that accepts every
    /// application makes the caller a member at once; otherwise its managers are told.
    pub async fn apply_to_group(
        &self,
        caller: &Caller,
        id: GroupId,
        message: &str,
    ) -> AppResult<Applied> {
        let account = caller.own_account()?;
        let (group, relation) = self.visible_group(caller, id).await?;
        let member_of = self.groups_of_caller(caller).await?;
        if relation.member {
            return Err(AppError::Invalid(format!(
                "you are already a member of {}",
                group.name
            )));
        }
        check_state(&group, caller.state(), "you are")?;
        let meets = self.meets_conditions(caller, &group, &member_of).await?;
        if !group.is_open_to(meets) || group.is_restricted() {
            return Err(AppError::Invalid(format!(
                "{} takes no applications: its managers add its members",
                group.name
            )));
        }
        let message = validate_message(message)?;
        let mut tx = self.store().transaction().await?;
        let application = tx
            .create_group_application(id, account, &message)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Invalid(format!(
                    "you have already applied to {}: wait for its managers, or cancel that application first",
                    group.name
                )),
                other => other.into(),
            })?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.application_filed",
            account_target(account),
            json!({"group": id, "group_name": group.name, "application": application.id, "message": message}),
        )
        .await?;
        if !group.auto_accept {
            tx.commit().await?;
            let who = caller.main().map_or("A member", |(_, name)| name.as_str());
            self.notify_group_managers(
                &group,
                account,
                &format!("New application to {}", group.name),
                &format!("{who} applied to join {}.", group.name),
                &group_link(id),
            )
            .await;
            return Ok(Applied::Pending(application));
        }
        let accepted = tx
            .decide_group_application(
                application.id,
                &ApplicationDecision::Accept {
                    by: None,
                    note: None,
                },
            )
            .await?;
        tx.add_group_member(&NewMembership {
            group: id,
            account,
            source: MembershipSource::AutoAccept,
            source_ref: Some(application.id.to_string()),
            added_by: None,
        })
        .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.member_added",
            account_target(account),
            json!({"group": id, "group_name": group.name, "source": MembershipSource::AutoAccept.as_str(), "application": application.id}),
        )
        .await?;
        tx.commit().await?;
        self.follow_membership_change(account, caller).await?;
        Ok(Applied::Joined(accepted))
    }

    /// Withdraws one of the caller's own pending applications.
    pub async fn cancel_group_application(
        &self,
        caller: &Caller,
        id: GroupApplicationId,
    ) -> AppResult<OwnApplication> {
        let account = caller.own_account()?;
        let application = self
            .store()
            .group_application(id)
            .await?
            .filter(|a| a.account == account)
            .ok_or_else(|| AppError::NotFound(format!("you have no application #{id}")))?;
        let group_name = self
            .store()
            .group(application.group)
            .await?
            .map(|g| g.name)
            .unwrap_or_default();
        let mut tx = self.store().transaction().await?;
        let cancelled = tx
            .decide_group_application(id, &ApplicationDecision::Cancel { by: account })
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.application_cancelled",
            account_target(account),
            json!({"group": application.group, "group_name": group_name, "application": id}),
        )
        .await?;
        tx.commit().await?;
        Ok(OwnApplication {
            application: cancelled,
            group_name,
        })
    }

    /// Ends the caller's membership of a group.
    pub async fn leave_group(&self, caller: &Caller, id: GroupId) -> AppResult<Group> {
        let account = caller.own_account()?;
        let (group, relation) = self.visible_group(caller, id).await?;
        if !relation.member {
            return Err(AppError::Invalid(format!(
                "you are not a member of {}",
                group.name
            )));
        }
        self.end_membership(
            caller,
            &group,
            account,
            "left",
            None,
            format!("you are not a member of {} any more", group.name),
        )
        .await?;
        self.follow_membership_change(account, caller).await?;
        Ok(group)
    }

    /// The groups of `account`, each with how it came to be and who added it: the caller's
    /// own, or anyone's for a holder of `admin.users`.
    pub async fn groups_of_account(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Vec<HeldGroup>> {
        caller.require_self_or(account, Permission::ADMIN_USERS)?;
        let memberships = self.kept_memberships(caller, account).await?;
        if memberships.is_empty() {
            return Ok(Vec::new());
        }
        let groups = self.group_catalogue(Some(caller)).await?;
        self.held_groups(&memberships, &groups).await
    }

    /// `memberships` with their groups (`groups`: every group, by name) and who added each, by
    /// group name.
    async fn held_groups(
        &self,
        memberships: &[Membership],
        groups: &[Group],
    ) -> AppResult<Vec<HeldGroup>> {
        let adders: Vec<AccountId> = memberships.iter().filter_map(|m| m.added_by).collect();
        let names = self.store().mains_of(&adders).await?;
        let by_group: BTreeMap<GroupId, &Membership> =
            memberships.iter().map(|m| (m.group, m)).collect();
        Ok(groups
            .iter()
            .filter_map(|g| {
                let membership = (*by_group.get(&g.id)?).clone();
                Some(HeldGroup {
                    group: g.clone(),
                    added_by: membership.added_by.and_then(|a| names.get(&a).cloned()),
                    membership,
                })
            })
            .collect())
    }
}
