//! What holders of `admin.apps` do: create applications, choose each one's roles, groups, EVE
//! logins and managers, rename and delete them. Managers see their own applications (and make
//! their secrets, `secret`). Everything is audited.

use super::requests::RequestStatistics;
use super::{app_target, no_such_app};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::apps::{AppRole, Application, validate_name};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, AppId, GroupId};
use serde_json::json;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

/// The applications a caller may see, with what the pages choose from.
#[derive(Debug, Clone)]
pub struct AppsOverview {
    /// By name.
    pub apps: Vec<Application>,
    /// Whether the caller administers applications (else: the ones they manage).
    pub administers: bool,
}

/// One application's page.
#[derive(Debug, Clone)]
pub struct AppDetails {
    pub app: Application,
    /// Its groups by name.
    pub groups: Vec<(GroupId, String)>,
    /// Its managers with their mains, by name (an account without a main by id).
    pub managers: Vec<(AccountId, Option<String>)>,
    pub statistics: RequestStatistics,
    /// Whether the caller may change it (`admin.apps`).
    pub may_edit: bool,
    /// Whether the caller manages it (and so makes its secret).
    pub manages: bool,
    /// Every group, by name, to choose from (for `may_edit`).
    pub all_groups: Vec<(GroupId, String)>,
    /// Every EVE login, to choose from (for `may_edit`).
    pub all_logins: Vec<String>,
}

impl App {
    /// `Invalid` naming the first of `logins` that is not one of Jumpgate's EVE logins.
    fn check_logins(&self, logins: &BTreeSet<String>) -> AppResult<()> {
        match logins
            .iter()
            .find(|l| !self.logins().iter().any(|known| known.name == **l))
        {
            None => Ok(()),
            Some(unknown) => Err(AppError::Invalid(format!(
                "'{unknown}' is not one of Jumpgate's EVE logins ({}): nothing was changed",
                self.logins()
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub(super) async fn app_by_id(&self, app: AppId) -> AppResult<Application> {
        self.store()
            .apps()
            .await?
            .into_iter()
            .find(|a| a.id == app)
            .ok_or_else(|| no_such_app(app))
    }

    /// Every application for `admin.apps`; the ones a person manages otherwise (maybe none).
    pub async fn apps_overview(&self, caller: &Caller) -> AppResult<AppsOverview> {
        let administers = caller.allows(Permission::ADMIN_APPS);
        let me = caller.account();
        if !administers && me.is_none() {
            caller.require(Permission::ADMIN_APPS)?;
        }
        let mut apps: Vec<Application> = self
            .store()
            .apps()
            .await?
            .into_iter()
            .filter(|a| administers || me.is_some_and(|m| a.managers.contains(&m)))
            .collect();
        apps.sort_by_cached_key(|a| (a.name.to_lowercase(), a.id));
        Ok(AppsOverview { apps, administers })
    }

    /// One application with its statistics at `now`: for `admin.apps` and its managers.
    pub async fn app_details(
        &self,
        caller: &Caller,
        app: AppId,
        now: OffsetDateTime,
    ) -> AppResult<AppDetails> {
        let may_edit = caller.allows(Permission::ADMIN_APPS);
        if !may_edit && caller.account().is_none() {
            caller.require(Permission::ADMIN_APPS)?;
        }
        let found = self.app_by_id(app).await?;
        let manages = caller
            .account()
            .is_some_and(|a| found.managers.contains(&a));
        if !may_edit && !manages {
            // Neither sees that it exists.
            return Err(no_such_app(app));
        }
        let mut all_groups: Vec<(GroupId, String)> = self
            .store()
            .groups()
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        all_groups.sort_by_cached_key(|(id, name)| (name.to_lowercase(), *id));
        let groups = all_groups
            .iter()
            .filter(|(id, _)| found.groups.contains(id))
            .cloned()
            .collect();
        let ids: Vec<AccountId> = found.managers.iter().copied().collect();
        let mains = self.store().mains_of(&ids).await?;
        let mut managers: Vec<(AccountId, Option<String>)> = ids
            .into_iter()
            .map(|a| (a, mains.get(&a).map(|(_, name)| name.clone())))
            .collect();
        managers.sort_by_cached_key(|(a, name)| (name.as_deref().map(str::to_lowercase), *a));
        let hours = self
            .store()
            .app_requests(app, now - Duration::days(366))
            .await?;
        Ok(AppDetails {
            statistics: RequestStatistics::from_hours(&hours, now),
            groups,
            managers,
            may_edit,
            manages,
            all_groups: if may_edit { all_groups } else { vec![] },
            all_logins: if may_edit {
                self.logins().iter().map(|l| l.name.clone()).collect()
            } else {
                vec![]
            },
            app: found,
        })
    }

    /// Creates an application named `name` (trimmed) with no roles, groups, logins, managers or
    /// secret. Needs `admin.apps`; audited.
    pub async fn create_app(&self, caller: &Caller, name: &str) -> AppResult<AppId> {
        caller.require(Permission::ADMIN_APPS)?;
        let name = validate_name(name)?;
        let mut tx = self.store().transaction().await?;
        let id = tx.create_app(&name).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.created",
            app_target(id),
            json!({"name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Renames `app`. Needs `admin.apps`; audited.
    pub async fn rename_app(&self, caller: &Caller, app: AppId, name: &str) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let name = validate_name(name)?;
        let before = self.app_by_id(app).await?;
        let mut tx = self.store().transaction().await?;
        tx.rename_app(app, &name).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.renamed",
            app_target(app),
            json!({"from": before.name, "to": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes `app` with its settings and statistics; its secret stops working at once.
    /// Needs `admin.apps`; audited.
    pub async fn delete_app(&self, caller: &Caller, app: AppId) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let before = self.app_by_id(app).await?;
        let mut tx = self.store().transaction().await?;
        tx.delete_app(app).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.deleted",
            app_target(app),
            json!({"name": before.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces `app`'s roles (`app` is implied). Needs `admin.apps`; audited.
    pub async fn set_app_roles(
        &self,
        caller: &Caller,
        app: AppId,
        roles: &[AppRole],
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let roles: BTreeSet<AppRole> = roles
            .iter()
            .copied()
            .filter(|r| *r != AppRole::App)
            .collect();
        let roles: Vec<AppRole> = roles.into_iter().collect();
        let mut tx = self.store().transaction().await?;
        tx.set_app_roles(app, &roles)
            .await
            .map_err(|e| not_found_as_app(e, app))?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.roles_set",
            app_target(app),
            json!({"roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the groups `app` sees. Needs `admin.apps`; audited. `NotFound` naming a group
    /// that does not exist (nothing changes).
    pub async fn set_app_groups(
        &self,
        caller: &Caller,
        app: AppId,
        groups: &[GroupId],
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let groups: BTreeSet<GroupId> = groups.iter().copied().collect();
        let groups: Vec<GroupId> = groups.into_iter().collect();
        self.app_by_id(app).await?;
        let mut tx = self.store().transaction().await?;
        tx.set_app_groups(app, &groups).await.map_err(|e| match e {
            jumpgate_store::StoreError::NotFound(what) => {
                AppError::NotFound(format!("no {what}: nothing was changed"))
            }
            other => other.into(),
        })?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.groups_set",
            app_target(app),
            json!({"groups": groups.iter().map(|g| g.get()).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the EVE logins whose tokens `app` may use; every name must be one of Jumpgate's
    /// logins. Needs `admin.apps`; audited.
    pub async fn set_app_eve_logins(
        &self,
        caller: &Caller,
        app: AppId,
        logins: &[String],
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let logins: BTreeSet<String> = logins.iter().map(|l| l.trim().to_owned()).collect();
        self.check_logins(&logins)?;
        let logins: Vec<String> = logins.into_iter().collect();
        let mut tx = self.store().transaction().await?;
        tx.set_app_eve_logins(app, &logins)
            .await
            .map_err(|e| not_found_as_app(e, app))?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.eve_logins_set",
            app_target(app),
            json!({"eve_logins": logins}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes the account of `who` (a character id or exact name, logged in once) a manager of
    /// `app`, and tells them. Needs `admin.apps`; audited.
    pub async fn add_app_manager(
        &self,
        caller: &Caller,
        app: AppId,
        who: &str,
    ) -> AppResult<AccountId> {
        caller.require(Permission::ADMIN_APPS)?;
        let found = self.app_by_id(app).await?;
        let character = self.known_character(who).await?;
        let account = character.account;
        let mut tx = self.store().transaction().await?;
        tx.add_app_manager(app, account)
            .await
            .map_err(|e| not_found_as_app(e, app))?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.manager_added",
            app_target(app),
            json!({"account": account.get(), "character": character.id.get()}),
        )
        .await?;
        tx.commit().await?;
        let link = format!("/apps/{app}");
        if let Err(e) = self
            .notify_account(
                account,
                "You manage an application",
                &format!(
                    "You now manage the application '{}': you make its secret.",
                    found.name
                ),
                Some(&link),
            )
            .await
        {
            tracing::warn!(account = account.get(), error = %e, "could not tell a new application manager");
        }
        Ok(account)
    }

    /// `account` no longer manages `app`. Needs `admin.apps`; audited.
    pub async fn remove_app_manager(
        &self,
        caller: &Caller,
        app: AppId,
        account: AccountId,
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_APPS)?;
        let mut tx = self.store().transaction().await?;
        tx.remove_app_manager(app, account).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.manager_removed",
            app_target(app),
            json!({"account": account.get()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The store's `NotFound` for a missing application, in the use cases' words.
fn not_found_as_app(e: jumpgate_store::StoreError, app: AppId) -> AppError {
    match e {
        jumpgate_store::StoreError::NotFound(_) => no_such_app(app),
        other => other.into(),
    }
}

/// What `jumpgate apps grant` adds to an application.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppGrant {
    pub roles: Vec<AppRole>,
    /// Group ids or exact names.
    pub groups: Vec<String>,
    pub eve_logins: Vec<String>,
}

impl App {
    /// Adds roles, groups (by id or exact name) and EVE logins to `app`, keeping what it has.
    /// Needs `admin.apps`; audited as each part's change. Nothing changes when a name is
    /// unknown.
    pub async fn grant_app(
        &self,
        caller: &Caller,
        app: AppId,
        grant: &AppGrant,
    ) -> AppResult<Application> {
        caller.require(Permission::ADMIN_APPS)?;
        let before = self.app_by_id(app).await?;
        let catalogue = self.store().groups().await?;
        let mut groups = before.groups.clone();
        for wanted in &grant.groups {
            let wanted = wanted.trim();
            let found = catalogue
                .iter()
                .find(|g| wanted.parse::<i64>().is_ok_and(|id| g.id.get() == id))
                .or_else(|| {
                    catalogue
                        .iter()
                        .find(|g| g.name.eq_ignore_ascii_case(wanted))
                })
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "no group '{wanted}' (give its id or exact name): nothing was changed"
                    ))
                })?;
            groups.insert(found.id);
        }
        let logins: BTreeSet<String> = before
            .eve_logins
            .iter()
            .cloned()
            .chain(grant.eve_logins.iter().map(|l| l.trim().to_owned()))
            .collect();
        self.check_logins(&logins)?;
        let roles: BTreeSet<AppRole> = before
            .roles
            .iter()
            .chain(grant.roles.iter())
            .copied()
            .collect();
        if roles != before.roles {
            self.set_app_roles(caller, app, &roles.into_iter().collect::<Vec<_>>())
                .await?;
        }
        if groups != before.groups {
            self.set_app_groups(caller, app, &groups.into_iter().collect::<Vec<_>>())
                .await?;
        }
        if logins != before.eve_logins {
            self.set_app_eve_logins(caller, app, &logins.into_iter().collect::<Vec<_>>())
                .await?;
        }
        self.app_by_id(app).await
    }
}
