//! Administering groups (`admin.groups`): creating, editing and deleting them, what they grant,
//! and who manages them (accounts, and the members of other groups). A group that grants an
//! `admin.*` permission is a superuser's to make, change or delete.

use super::{check_restricted, group_link, group_target};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::groups::{
    Group, check_manager_group, check_settings, choosable_visibility, validate_description,
    validate_group_name,
};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, GroupId};
use jumpgate_store::{StoreError, Transaction};
use serde_json::json;
use std::collections::BTreeSet;

/// A group in the administrators' list, with its size and the applications waiting.
#[derive(Debug, Clone)]
pub struct GroupSummary {
    pub group: Group,
    pub members: usize,
    pub pending: usize,
}

/// A group's settings as an administrator typed them.
#[derive(Debug, Clone, Default)]
pub struct GroupSettings {
    pub name: String,
    pub description: String,
    /// `public` or `private`.
    pub visibility: String,
    pub auto_accept: bool,
    /// Permission names from `Permission::CATALOGUE`.
    pub permissions: Vec<String>,
}

impl App {
    /// Every group with its number of members and of applications waiting, by name.
    pub async fn group_summaries(&self, caller: &Caller) -> AppResult<Vec<GroupSummary>> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let sizes = self.kept_group_sizes(caller).await?;
        let mut waiting = std::collections::BTreeMap::<GroupId, usize>::new();
        for a in self.kept_pending_applications(caller).await?.iter() {
            *waiting.entry(a.group).or_default() += 1;
        }
        Ok(self
            .group_catalogue(Some(caller))
            .await?
            .iter()
            .cloned()
            .map(|group| GroupSummary {
                members: sizes.get(&group.id).copied().unwrap_or_default(),
                pending: waiting.get(&group.id).copied().unwrap_or_default(),
                group,
            })
            .collect())
    }

    /// Creates a group that grants nothing and is managed by nobody yet.
    pub async fn create_group(
        &self,
        caller: &Caller,
        settings: &GroupSettings,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let existing = self.store().groups().await?;
        let mut group = Group::new(validate_group_name(&settings.name, &existing, None)?);
        group.description = validate_description(&settings.description)?;
        group.visibility = choosable_visibility(&settings.visibility)?;
        group.auto_accept = settings.auto_accept;
        check_settings(&group)?;
        let mut tx = self.store().transaction().await?;
        let group = tx.save_group(&group).await.map_err(name_taken(&group))?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.created",
            group_target(group.id),
            json!({
                "name": group.name,
                "visibility": group.visibility.as_str(),
                "auto_accept": group.auto_accept,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    /// Changes a group's name, description, visibility, auto-accept and permissions (the whole
    /// set; an unknown name refuses the whole change). Giving or taking an `admin.*` permission
    /// needs a superuser. Returns the group as saved.
    pub async fn update_group(
        &self,
        caller: &Caller,
        id: GroupId,
        settings: &GroupSettings,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let existing = self.store().groups().await?;
        let before = super::group_in(&existing, id)?;
        let permissions = settings
            .permissions
            .iter()
            .map(|p| Permission::parse(p).map(|p| p.as_str().to_owned()))
            .collect::<Result<BTreeSet<String>, _>>()
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut after = before.clone();
        after.name = validate_group_name(&settings.name, &existing, Some(id))?;
        after.description = validate_description(&settings.description)?;
        after.visibility = choosable_visibility(&settings.visibility)?;
        after.auto_accept = settings.auto_accept;
        after.permissions = permissions;
        let added: Vec<&String> = after.permissions.difference(&before.permissions).collect();
        let removed: Vec<&String> = before.permissions.difference(&after.permissions).collect();
        // A group gives its permissions to every member: an `admin.*` one is a superuser's to
        // give or take, as when granted directly or through a state.
        if let Some(p) = added
            .iter()
            .chain(&removed)
            .find(|p| Permission::parse(p).is_ok_and(|p| p.is_administrative()))
        {
            caller.require_superuser(&format!("give or take '{p}' through a group"))?;
        }
        check_settings(&after)?;
        if after == before {
            return Ok(after);
        }
        let details = json!({
            "name": {"from": before.name, "to": after.name},
            "description_changed": before.description != after.description,
            "visibility": {"from": before.visibility.as_str(), "to": after.visibility.as_str()},
            "auto_accept": {"from": before.auto_accept, "to": after.auto_accept},
            "permissions_added": added,
            "permissions_removed": removed,
        });
        let mut tx = self.store().transaction().await?;
        let saved = tx.save_group(&after).await.map_err(name_taken(&after))?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.updated",
            group_target(id),
            details,
        )
        .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Deletes a group with its memberships, managers and applications.
    pub async fn delete_group(&self, caller: &Caller, id: GroupId) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let group = self.existing_group(id).await?;
        check_restricted(caller, &group, "delete")?;
        let members = self.store().group_members(id).await?.len();
        let mut tx = self.store().transaction().await?;
        tx.delete_group(id).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.deleted",
            group_target(id),
            json!({
                "name": group.name,
                "visibility": group.visibility.as_str(),
                "permissions": group.permissions,
                "members": members,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    /// Makes someone (by the name or id of any of their characters) a manager of a group.
    /// Returns the account and the character named.
    pub async fn add_group_manager(
        &self,
        caller: &Caller,
        id: GroupId,
        character: &str,
    ) -> AppResult<(AccountId, String)> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let group = self.existing_group(id).await?;
        let character = self.known_character(character).await?;
        let account = character.account;
        self.change_leadership(
            caller,
            id,
            "group.manager_added",
            json!({"name": group.name, "account": account, "character": character.id}),
            format!("{} already manages {}", character.name, group.name),
            async |tx| tx.add_group_manager(id, account).await,
        )
        .await?;
        self.notify_member(
            character.account,
            &format!("You manage {}", group.name),
            &format!(
                "You are now a manager of {}: you decide its applications and its members.",
                group.name
            ),
            &group_link(id),
        )
        .await;
        Ok((character.account, character.name))
    }

    pub async fn remove_group_manager(
        &self,
        caller: &Caller,
        id: GroupId,
        account: AccountId,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let group = self.existing_group(id).await?;
        self.change_leadership(
            caller,
            id,
            "group.manager_removed",
            json!({"name": group.name, "account": account}),
            format!("account #{account} does not manage {}", group.name),
            async |tx| tx.remove_group_manager(id, account).await,
        )
        .await?;
        Ok(group)
    }

    /// Lets the members of `manager_group` manage group `id` (a "Head FC" group leads "FC").
    /// Returns the manager group.
    pub async fn add_manager_group(
        &self,
        caller: &Caller,
        id: GroupId,
        manager_group: GroupId,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        check_manager_group(id, manager_group)?;
        let group = self.existing_group(id).await?;
        let leading = self.existing_group(manager_group).await?;
        self.change_leadership(
            caller,
            id,
            "group.manager_group_added",
            json!({"name": group.name, "manager_group": manager_group, "manager_group_name": leading.name}),
            format!("the members of {} already manage {}", leading.name, group.name),
            async |tx| tx.add_manager_group(id, manager_group).await,
        )
        .await?;
        Ok(leading)
    }

    pub async fn remove_manager_group(
        &self,
        caller: &Caller,
        id: GroupId,
        manager_group: GroupId,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let group = self.existing_group(id).await?;
        self.change_leadership(
            caller,
            id,
            "group.manager_group_removed",
            json!({"name": group.name, "manager_group": manager_group}),
            format!("group #{manager_group} does not manage {}", group.name),
            async |tx| tx.remove_manager_group(id, manager_group).await,
        )
        .await?;
        Ok(group)
    }

    /// Writes one change to who manages group `id` (`write`) with its audit entry (`action`,
    /// `details`) in one transaction; `refused` is the answer when the write changed nothing
    /// (already so, or not so).
    async fn change_leadership(
        &self,
        caller: &Caller,
        id: GroupId,
        action: &str,
        details: serde_json::Value,
        refused: String,
        write: impl AsyncFnOnce(&mut Transaction) -> jumpgate_store::Result<bool>,
    ) -> AppResult<()> {
        let mut tx = self.store().transaction().await?;
        if !write(&mut tx).await? {
            return Err(AppError::Invalid(refused));
        }
        audit_in(&mut tx, caller.actor(), action, group_target(id), details).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Turns a lost race for a group's name into the rule's own message.
fn name_taken(group: &Group) -> impl FnOnce(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Invalid(format!(
            "a group named '{}' already exists (names are compared ignoring case)",
            group.name
        )),
        other => other.into(),
    }
}
