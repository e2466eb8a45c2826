//! What a group's managers do: the group page (its members, the applications waiting and the
//! last decisions), accepting and denying applications, adding and removing members by hand.
//! Every membership change is recorded on the member's account with its cause, and the member
//! is told.

use super::{Relation, check_not_self, check_restricted, check_state, group_link};
use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::groups::{
    ApplicationStatus, Group, GroupApplication, Membership, MembershipSource,
    validate_denial_reason, validate_note,
};
use jumpgate_domain::{AccountId, CharacterId, GroupApplicationId, GroupId};
use jumpgate_store::{ApplicationDecision, ApplicationFilter, GroupMember, NewMembership};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many decided applications a group's page lists, newest first.
const DECISIONS_SHOWN: i64 = 20;

/// An application with its applicant's main character.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub application: GroupApplication,
    pub main: Option<(CharacterId, String)>,
}

/// An account named by its main character (managers, people who decided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedAccount {
    pub account: AccountId,
    pub main: Option<(CharacterId, String)>,
}

/// One group's page as the caller may see it. Members, applications and managers are filled in
/// only for those who manage the group.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub group: Group,
    pub relation: Relation,
    /// The caller's membership, if they are a member.
    pub membership: Option<Membership>,
    /// The caller's pending application, if any.
    pub own_application: Option<GroupApplication>,
    /// Kept while no group changes (`kept.rs`), shared with other views.
    pub members: Arc<Vec<GroupMember>>,
    pub pending: Vec<Applicant>,
    pub decided: Vec<Applicant>,
    pub managers: Vec<NamedAccount>,
    /// The groups whose members manage it, by name.
    pub manager_groups: Vec<(GroupId, String)>,
}

impl App {
    /// A group's page. Every signed-in person sees a public group and those they are in or
    /// manage; the members and applications only its managers.
    pub async fn group_view(&self, caller: &Caller, id: GroupId) -> AppResult<GroupView> {
        let account = caller.own_account()?;
        let (group, relation) = self.visible_group(caller, id).await?;
        let membership = self
            .kept_memberships(caller, account)
            .await?
            .iter()
            .find(|m| m.group == id)
            .cloned();
        let own_application = self
            .kept_pending_applications(caller)
            .await?
            .iter()
            .find(|a| a.group == id && a.account == account)
            .cloned();
        let mut view = GroupView {
            group,
            relation,
            membership,
            own_application,
            members: Arc::default(),
            pending: Vec::new(),
            decided: Vec::new(),
            managers: Vec::new(),
            manager_groups: Vec::new(),
        };
        if relation.manages {
            self.fill_management(caller, &mut view).await?;
        }
        Ok(view)
    }

    /// The members, applications and managers of a group, for its managers.
    async fn fill_management(&self, caller: &Caller, view: &mut GroupView) -> AppResult<()> {
        let id = view.group.id;
        view.members = self.kept_members(caller, id).await?;
        let pending: Vec<GroupApplication> = self
            .kept_pending_applications(caller)
            .await?
            .iter()
            .filter(|a| a.group == id)
            .cloned()
            .collect();
        let decided: Vec<GroupApplication> = self
            .store()
            .group_applications(&ApplicationFilter {
                group: Some(id),
                limit: DECISIONS_SHOWN + i64::try_from(pending.len()).unwrap_or_default(),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|a| a.status != ApplicationStatus::Pending)
            .collect();
        let named: Vec<AccountId> = pending
            .iter()
            .chain(&decided)
            .map(|a| a.account)
            .chain(view.group.managers.iter().copied())
            .collect();
        let mains = self.store().mains_of(&named).await?;
        let applicant = |application: GroupApplication| Applicant {
            main: mains.get(&application.account).cloned(),
            application,
        };
        view.pending = pending.into_iter().map(applicant).collect();
        view.decided = decided.into_iter().map(applicant).collect();
        view.managers = view
            .group
            .managers
            .iter()
            .map(|a| NamedAccount {
                account: *a,
                main: mains.get(a).cloned(),
            })
            .collect();
        view.managers
            .sort_by_cached_key(|m| (m.main.as_ref().map(|(_, n)| n.to_lowercase()), m.account));
        let names: BTreeMap<GroupId, String> = self
            .group_catalogue(Some(caller))
            .await?
            .iter()
            .map(|g| (g.id, g.name.clone()))
            .collect();
        view.manager_groups = view
            .group
            .manager_groups
            .iter()
            .filter_map(|g| Some((*g, names.get(g)?.clone())))
            .collect();
        view.manager_groups
            .sort_by_cached_key(|(_, name)| name.to_lowercase());
        Ok(())
    }

    /// Accepts a pending application to a group the caller manages, with an optional note; the
    /// applicant becomes a member and is told.
    pub async fn accept_group_application(
        &self,
        caller: &Caller,
        id: GroupApplicationId,
        note: &str,
    ) -> AppResult<GroupApplication> {
        let by = caller.own_account()?;
        let (application, group) = self.managed_application(caller, id).await?;
        check_not_self(caller, application.account, &group)?;
        check_restricted(caller, &group, "give members to")?;
        let note = validate_note(note)?;
        let mut tx = self.store().transaction().await?;
        let accepted = tx
            .decide_group_application(
                id,
                &ApplicationDecision::Accept {
                    by: Some(by),
                    note: note.clone(),
                },
            )
            .await?;
        tx.add_group_member(&NewMembership {
            group: group.id,
            account: application.account,
            source: MembershipSource::Application,
            source_ref: Some(id.to_string()),
            added_by: Some(by),
        })
        .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.member_added",
            account_target(application.account),
            json!({"group": group.id, "group_name": group.name, "source": MembershipSource::Application.as_str(), "application": id, "note": note}),
        )
        .await?;
        tx.commit().await?;
        self.follow_membership_change(application.account, caller)
            .await?;
        let told = match &note {
            Some(n) => format!(
                "Your application to {} was accepted: you are a member. Note: {n}",
                group.name
            ),
            None => format!(
                "Your application to {} was accepted: you are a member.",
                group.name
            ),
        };
        self.notify_member(
            application.account,
            &format!("Welcome to {}", group.name),
            &told,
            &group_link(group.id),
        )
        .await;
        Ok(accepted)
    }

    /// Denies a pending application to a group the caller manages; the reason is required and
    /// the applicant is told it.
    pub async fn deny_group_application(
        &self,
        caller: &Caller,
        id: GroupApplicationId,
        reason: &str,
    ) -> AppResult<GroupApplication> {
        let by = caller.own_account()?;
        let (application, group) = self.managed_application(caller, id).await?;
        let reason = validate_denial_reason(reason)?;
        let mut tx = self.store().transaction().await?;
        let denied = tx
            .decide_group_application(
                id,
                &ApplicationDecision::Deny {
                    by,
                    reason: reason.clone(),
                },
            )
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.application_denied",
            account_target(application.account),
            json!({"group": group.id, "group_name": group.name, "application": id, "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        self.notify_member(
            application.account,
            &format!("Your application to {}", group.name),
            &format!(
                "Your application to {} was denied. Reason: {reason}",
                group.name
            ),
            "/groups",
        )
        .await;
        Ok(denied)
    }

    /// A pending application with its group, when the caller manages that group.
    async fn managed_application(
        &self,
        caller: &Caller,
        id: GroupApplicationId,
    ) -> AppResult<(GroupApplication, Group)> {
        let missing = || AppError::NotFound(format!("there is no application #{id}"));
        let application = self
            .store()
            .group_application(id)
            .await?
            .ok_or_else(missing)?;
        // An application to a group hidden from the caller is as unknown as the group.
        let group = self
            .managed_group(caller, application.group)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => missing(),
                other => other,
            })?;
        if application.status != ApplicationStatus::Pending {
            return Err(AppError::Invalid(format!(
                "application #{id} is already {}: only a pending application can be decided",
                application.status.as_str()
            )));
        }
        Ok((application, group))
    }

    /// Adds someone to a group the caller manages, by the name or id of any of their
    /// characters. Returns the account and the character named.
    pub async fn add_member_to_group(
        &self,
        caller: &Caller,
        id: GroupId,
        character: &str,
    ) -> AppResult<(AccountId, String)> {
        let group = self.managed_group(caller, id).await?;
        let character = self.known_character(character).await?;
        let account = character.account;
        check_not_self(caller, account, &group)?;
        check_restricted(caller, &group, "give members to")?;
        let state = (self.store().account(account).await?)
            .map(|a| a.state)
            .unwrap_or_default();
        check_state(&group, &state, &format!("{} is", character.name))?;
        let mut tx = self.store().transaction().await?;
        let added = tx
            .add_group_member(&NewMembership {
                group: id,
                account,
                source: MembershipSource::Manual,
                source_ref: None,
                added_by: caller.account(),
            })
            .await?;
        if !added {
            return Err(AppError::Invalid(format!(
                "{} is already a member of {}",
                character.name, group.name
            )));
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "group.member_added",
            account_target(account),
            json!({"group": id, "group_name": group.name, "source": MembershipSource::Manual.as_str(), "character": character.id}),
        )
        .await?;
        tx.commit().await?;
        self.follow_membership_change(account, caller).await?;
        self.notify_member(
            account,
            &format!("Welcome to {}", group.name),
            &format!("You were added to {}.", group.name),
            &group_link(id),
        )
        .await;
        Ok((account, character.name))
    }

    /// Removes a member from a group the caller manages, with an optional note the member is
    /// told.
    pub async fn remove_member_from_group(
        &self,
        caller: &Caller,
        id: GroupId,
        account: AccountId,
        note: &str,
    ) -> AppResult<Membership> {
        let group = self.managed_group(caller, id).await?;
        check_restricted(caller, &group, "take members from")?;
        let note = validate_note(note)?;
        let ended = self
            .end_membership(
                caller,
                &group,
                account,
                "removed",
                note.as_deref(),
                format!("account #{account} is not a member of {}", group.name),
            )
            .await?;
        self.follow_membership_change(account, caller).await?;
        let told = match &note {
            Some(n) => format!("You were removed from {}. Note: {n}", group.name),
            None => format!("You were removed from {}.", group.name),
        };
        self.notify_member(
            account,
            &format!("You left {}", group.name),
            &told,
            "/groups",
        )
        .await;
        Ok(ended)
    }
}
