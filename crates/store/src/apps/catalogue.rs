//! Every application with its roles, groups, EVE logins and managers, and the hash of its
//! secret. Writes run in a use case's transaction beside its audit entry.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::{missing, not_found_if_zero};
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::{AccountId, AppId, GroupId};
use std::collections::BTreeMap;

impl Store {
    /// Every application with what it may do, by id.
    pub async fn apps(&self) -> Result<Vec<Application>> {
        let mut apps: BTreeMap<i64, Application> = on_db!(self, |db| {
            let mut out = BTreeMap::new();
            for r in sqlx::query(
                "SELECT id, name, secret_hash IS NOT NULL AS has_secret, created_at FROM apps",
            )
            .fetch_all(db.reader())
            .await?
            .iter()
            {
                let id: i64 = r.get("id")?;
                out.insert(
                    id,
                    Application {
                        id: AppId(id),
                        name: r.get("name")?,
                        roles: Default::default(),
                        groups: Default::default(),
                        eve_logins: Default::default(),
                        managers: Default::default(),
                        has_secret: r.get("has_secret")?,
                        created_at: r.time("created_at")?,
                    },
                );
            }
            out
        });
        let roles: Vec<(i64, String)> = on_db!(self, |db| sqlx::query_as(
            "SELECT app_id, role FROM app_roles"
        )
        .fetch_all(db.reader())
        .await?);
        for (app, role) in roles {
            let role = AppRole::parse(&role)
                .map_err(|_| StoreError::Corrupt(format!("unknown application role '{role}'")))?;
            if let Some(a) = apps.get_mut(&app) {
                a.roles.insert(role);
            }
        }
        let pairs: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT app_id, group_id FROM app_groups"
        )
        .fetch_all(db.reader())
        .await?);
        for (app, group) in pairs {
            if let Some(a) = apps.get_mut(&app) {
                a.groups.insert(GroupId(group));
            }
        }
        let logins: Vec<(i64, String)> = on_db!(self, |db| sqlx::query_as(
            "SELECT app_id, login FROM app_eve_logins"
        )
        .fetch_all(db.reader())
        .await?);
        for (app, login) in logins {
            if let Some(a) = apps.get_mut(&app) {
                a.eve_logins.insert(login);
            }
        }
        let managers: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT app_id, account_id FROM app_managers"
        )
        .fetch_all(db.reader())
        .await?);
        for (app, account) in managers {
            if let Some(a) = apps.get_mut(&app) {
                a.managers.insert(AccountId(account));
            }
        }
        Ok(apps.into_values().collect())
    }

    /// The hash of every application's secret, for those that have one.
    pub async fn app_secret_hashes(&self) -> Result<BTreeMap<AppId, String>> {
        let rows: Vec<(i64, String)> = on_db!(self, |db| sqlx::query_as(
            "SELECT id, secret_hash FROM apps WHERE secret_hash IS NOT NULL"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows.into_iter().map(|(id, h)| (AppId(id), h)).collect())
    }
}

/// The writes a use case combines with its audit entry.
impl Transaction {
    /// Stores a new application without roles, groups, logins, managers or secret.
    pub async fn create_app(&mut self, name: &str) -> Result<AppId> {
        let now = DbTime(self.now());
        let id: i64 = on_conn!(self.conn(), |c| sqlx::query_scalar(
            "INSERT INTO apps (name, created_at) VALUES ($1, $2) RETURNING id"
        )
        .bind(name)
        .bind(now)
        .fetch_one(c)
        .await?);
        Ok(AppId(id))
    }

    /// `NotFound` unless `app` exists.
    async fn require_app(&mut self, app: AppId) -> Result<()> {
        let found: Option<i64> = on_conn!(self.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM apps WHERE id = $1"
        )
        .bind(app.get())
        .fetch_optional(c)
        .await?);
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::NotFound(format!("application {app}")))
    }

    pub async fn rename_app(&mut self, app: AppId, name: &str) -> Result<()> {
        let changed = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE apps SET name = $1 WHERE id = $2"
        )
        .bind(name)
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("application {app}"))
    }

    /// Deletes `app` with its roles, groups, logins, managers and statistics.
    pub async fn delete_app(&mut self, app: AppId) -> Result<()> {
        let gone = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM apps WHERE id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(gone, || format!("application {app}"))
    }

    /// Replaces the hash of `app`'s secret.
    pub async fn set_app_secret_hash(&mut self, app: AppId, hash: &str) -> Result<()> {
        let now = DbTime(self.now());
        let changed = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE apps SET secret_hash = $1, secret_changed_at = $2 WHERE id = $3"
        )
        .bind(hash)
        .bind(now)
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("application {app}"))
    }

    /// Replaces `app`'s roles (`app` itself is implied and not stored).
    pub async fn set_app_roles(&mut self, app: AppId, roles: &[AppRole]) -> Result<()> {
        self.require_app(app).await?;
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_roles WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        for role in roles.iter().filter(|r| **r != AppRole::App) {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO app_roles (app_id, role) VALUES ($1, $2)
                 ON CONFLICT (app_id, role) DO NOTHING"
            )
            .bind(app.get())
            .bind(role.as_str())
            .execute(c)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    /// Replaces the groups `app` sees. `NotFound` naming a group that does not exist.
    pub async fn set_app_groups(&mut self, app: AppId, groups: &[GroupId]) -> Result<()> {
        self.require_app(app).await?;
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_groups WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        for group in groups {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO app_groups (app_id, group_id) VALUES ($1, $2)
                 ON CONFLICT (app_id, group_id) DO NOTHING"
            )
            .bind(app.get())
            .bind(group.get())
            .execute(c)
            .await
            .map_err(|e| missing(e, || format!("group {group}")))?
            .rows_affected());
        }
        Ok(())
    }

    /// Replaces the EVE logins whose tokens `app` may use.
    pub async fn set_app_eve_logins(&mut self, app: AppId, logins: &[String]) -> Result<()> {
        self.require_app(app).await?;
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_eve_logins WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        for login in logins {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO app_eve_logins (app_id, login) VALUES ($1, $2)
                 ON CONFLICT (app_id, login) DO NOTHING"
            )
            .bind(app.get())
            .bind(login)
            .execute(c)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    /// Makes `account` a manager of `app` (nothing when it is one). `NotFound` naming the
    /// application or the account.
    pub async fn add_app_manager(&mut self, app: AppId, account: AccountId) -> Result<()> {
        self.require_app(app).await?;
        on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO app_managers (app_id, account_id) VALUES ($1, $2)
             ON CONFLICT (app_id, account_id) DO NOTHING"
        )
        .bind(app.get())
        .bind(account.get())
        .execute(c)
        .await
        .map_err(|e| missing(e, || format!("account {account}")))?
        .rows_affected());
        Ok(())
    }

    /// `account` no longer manages `app`; `NotFound` when it did not.
    pub async fn remove_app_manager(&mut self, app: AppId, account: AccountId) -> Result<()> {
        let gone = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_managers WHERE app_id = $1 AND account_id = $2"
        )
        .bind(app.get())
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(gone, || {
            format!("account {account} as a manager of application {app}")
        })
    }
}
