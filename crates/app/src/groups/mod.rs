//! Groups (issue 11, ADR 0026): what every member sees and does (`member`: the groups page,
//! applying, cancelling, leaving, an account's groups), what a group's managers do (`manage`:
//! the group page, deciding applications, adding and removing members) and what administrators
//! of groups do (`admin`: creating, editing and deleting groups, their permissions and who
//! manages them). The rules are in `domain::groups`; these use cases check the caller, record
//! every change with its cause, and tell the people concerned.
//!
//! Who may do what:
//! - every signed-in person sees the public groups and those they are in or manage, applies to
//!   public ones, cancels their applications and leaves their groups;
//! - a group's managers (its manager accounts and the members of its manager groups) and every
//!   holder of `admin.groups` decide its applications and add and remove its members, but a
//!   manager does not admit themself (only an `admin.groups` holder may);
//! - giving or taking the membership of a group that grants an `admin.*` permission is a
//!   superuser's, as granting such a permission directly is;
//! - a group that the caller may not see answers "not found", as one that does not exist.

pub use kept::GroupCaches;

pub mod admin;
pub mod automatic;
pub mod conditions;
pub mod for_apps;
mod kept;
pub mod manage;
pub mod member;

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::groups::{
    Candidate, Group, GroupRuleError, Membership, MembershipSource, Visibility,
};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, AllianceId, CorporationId, GroupId};
use serde_json::json;
use std::collections::BTreeSet;

impl From<GroupRuleError> for AppError {
    fn from(e: GroupRuleError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// The audit log's target for a change to a group's settings (membership changes target the
/// account, so an account's history shows them).
fn group_target(id: GroupId) -> String {
    format!("group:{id}")
}

/// What the caller is to one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    pub member: bool,
    /// Decides its applications and its members: as a manager, as a member of one of its
    /// manager groups, or holding `admin.groups`.
    pub manages: bool,
}

fn no_such_group(id: GroupId) -> AppError {
    AppError::NotFound(format!("there is no group #{id}"))
}

/// Group `id` among `groups` (as just read), or "not found".
fn group_in(groups: &[Group], id: GroupId) -> AppResult<Group> {
    groups
        .iter()
        .find(|g| g.id == id)
        .cloned()
        .ok_or_else(|| no_such_group(id))
}

impl App {
    /// The groups the caller's account is in (none for system and CLI).
    pub(crate) async fn groups_of_caller(&self, caller: &Caller) -> AppResult<BTreeSet<GroupId>> {
        Ok(match caller.account() {
            Some(account) => self
                .kept_memberships(caller, account)
                .await?
                .iter()
                .map(|m| m.group)
                .collect(),
            None => BTreeSet::new(),
        })
    }

    /// A group the caller may see, with what the caller is to it. One that does not exist and
    /// one hidden from the caller are alike "not found": a private group's name is not told.
    async fn visible_group(&self, caller: &Caller, id: GroupId) -> AppResult<(Group, Relation)> {
        let member_of = self.groups_of_caller(caller).await?;
        let group = self
            .group_catalogue(Some(caller))
            .await?
            .iter()
            .find(|g| g.id == id)
            .cloned()
            .ok_or_else(|| no_such_group(id))?;
        let relation = relation(caller, &group, &member_of);
        let meets = self.meets_conditions(caller, &group, &member_of).await?;
        if !group.visible_to(relation.member, relation.manages, meets) {
            return Err(no_such_group(id));
        }
        Ok((group, relation))
    }

    /// Whether the caller meets `group`'s conditions (false for groups that are not
    /// conditioned, and for system and CLI, who are nobody's candidate). Reads the caller's
    /// characters only when a condition names corporations or alliances.
    async fn meets_conditions(
        &self,
        caller: &Caller,
        group: &Group,
        member_of: &BTreeSet<GroupId>,
    ) -> AppResult<bool> {
        let affiliations = match caller.account() {
            Some(account) if group.conditions.reads_affiliations() => {
                self.affiliations_of(account).await?
            }
            _ => Vec::new(),
        };
        Ok(conditions_met(caller, group, member_of, &affiliations))
    }

    /// Each of `account`'s characters' corporation and alliance.
    async fn affiliations_of(
        &self,
        account: AccountId,
    ) -> AppResult<Vec<(CorporationId, Option<AllianceId>)>> {
        Ok(self
            .store()
            .characters_of(account)
            .await?
            .iter()
            .map(|c| (c.corporation, c.alliance))
            .collect())
    }

    /// A group as stored, or "not found": for administrators' changes, which see every group
    /// and read the database, not the kept catalogue.
    async fn existing_group(&self, id: GroupId) -> AppResult<Group> {
        self.store()
            .group(id)
            .await?
            .ok_or_else(|| no_such_group(id))
    }

    /// A group the caller manages; `Forbidden` for a visible group it does not manage.
    async fn managed_group(&self, caller: &Caller, id: GroupId) -> AppResult<Group> {
        let (group, relation) = self.visible_group(caller, id).await?;
        if !relation.manages {
            return Err(AppError::Forbidden(format!(
                "only the managers of {} (and holders of '{}') can do this",
                group.name,
                Permission::ADMIN_GROUPS
            )));
        }
        Ok(group)
    }

    /// Tells every manager of `group` (its manager accounts and the members of its manager
    /// groups) but `except`. Best effort: the pages show what is waiting whatever happens here.
    async fn notify_group_managers(
        &self,
        group: &Group,
        except: AccountId,
        subject: &str,
        message: &str,
        link: &str,
    ) {
        let result: AppResult<()> = async {
            let mut managers = group.managers.clone();
            for leading in &group.manager_groups {
                managers.extend(
                    self.store()
                        .group_members(*leading)
                        .await?
                        .into_iter()
                        .map(|m| m.membership.account),
                );
            }
            managers.remove(&except);
            for manager in managers {
                self.notify_account(manager, subject, message, Some(link))
                    .await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(group = group.id.get(), error = %e, "could not tell a group's managers");
        }
    }

    /// Ends `account`'s membership of `group` with its audit entry on the account (`cause`:
    /// `left` or `removed`, with the remover's `note`); `not_member` is the answer when it had
    /// none (nothing changes then).
    async fn end_membership(
        &self,
        caller: &Caller,
        group: &Group,
        account: AccountId,
        cause: &str,
        note: Option<&str>,
        not_member: String,
    ) -> AppResult<Membership> {
        let given_by_rules = self
            .store()
            .account_groups(account)
            .await?
            .iter()
            .any(|m| m.group == group.id && m.source == MembershipSource::Automatic);
        if given_by_rules {
            return Err(AppError::Invalid(format!(
                "{} is given by its rules (a corporation, an alliance, or every account): it ends when the rules no longer give it, or when an administrator changes them",
                group.name
            )));
        }
        let mut tx = self.store().transaction().await?;
        let Some(ended) = tx.remove_group_member(group.id, account).await? else {
            return Err(AppError::Invalid(not_member));
        };
        audit_in(
            &mut tx,
            caller.actor(),
            "group.member_removed",
            account_target(account),
            json!({
                "group": group.id,
                "group_name": group.name,
                "cause": cause,
                "source": ended.source.as_str(),
                "note": note,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// After a membership of `account` began or ended by hand: groups that require or forbid
    /// that group follow at once (the rules are applied to a fixed point).
    async fn follow_membership_change(&self, account: AccountId, caller: &Caller) -> AppResult<()> {
        self.recompute_access(account, &caller.actor()).await?;
        Ok(())
    }

    /// Tells one member what happened to their membership or application; best effort, as
    /// `notify_group_managers`.
    async fn notify_member(&self, account: AccountId, subject: &str, message: &str, link: &str) {
        if let Err(e) = self
            .notify_account(account, subject, message, Some(link))
            .await
        {
            tracing::warn!(account = account.get(), error = %e, "could not tell a member about a group");
        }
    }
}

fn relation(caller: &Caller, group: &Group, member_of: &BTreeSet<GroupId>) -> Relation {
    Relation {
        member: member_of.contains(&group.id),
        manages: caller.allows(Permission::ADMIN_GROUPS)
            || caller
                .account()
                .is_some_and(|a| group.is_managed_by(a, member_of)),
    }
}

/// A state's name as stored, from a name typed in any case; unknown: refused.
fn known_state(states: &[jumpgate_domain::states::State], typed: &str) -> AppResult<String> {
    states
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(typed))
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            AppError::Invalid(format!("there is no state '{typed}'; nothing was changed"))
        })
}

/// A group held only in some states refuses an account in another (`state`).
fn check_state(group: &Group, state: &str, who: &str) -> AppResult<()> {
    if group.rules.allows_state(state) {
        return Ok(());
    }
    let allowed: Vec<&str> = group.rules.states.iter().map(String::as_str).collect();
    Err(AppError::Invalid(format!(
        "{} is held only in the states {}; {who} in {state}",
        group.name,
        allowed.join(", ")
    )))
}

/// Whether the caller meets `group`'s conditions, its characters' `affiliations` read (only
/// needed when a condition names corporations or alliances).
fn conditions_met(
    caller: &Caller,
    group: &Group,
    member_of: &BTreeSet<GroupId>,
    affiliations: &[(CorporationId, Option<AllianceId>)],
) -> bool {
    group.visibility == Visibility::Conditioned
        && caller.account().is_some()
        && group.conditions.met_by(&Candidate {
            state: caller.state(),
            affiliations,
            member_of,
        })
}

/// Giving or taking the membership of a group that grants an `admin.*` permission is a
/// superuser's: it gives or takes that permission.
fn check_restricted(caller: &Caller, group: &Group, what: &str) -> AppResult<()> {
    if group.is_restricted() {
        caller.require_superuser(&format!(
            "{what} {}, which grants an admin.* permission",
            group.name
        ))?;
    }
    Ok(())
}

/// A manager does not admit themself into a group they manage; a holder of `admin.groups` may.
fn check_not_self(caller: &Caller, account: AccountId, group: &Group) -> AppResult<()> {
    if caller.account() == Some(account) && !caller.allows(Permission::ADMIN_GROUPS) {
        return Err(AppError::Forbidden(format!(
            "managers do not admit themselves: ask another manager of {} or an administrator of groups",
            group.name
        )));
    }
    Ok(())
}

/// The link to a group's page, for notifications.
fn group_link(id: GroupId) -> String {
    format!("/groups/{id}")
}
