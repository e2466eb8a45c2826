//! Gathering what an account may do. Routes ask `Grants::allows`, never anything else.

use crate::App;
use crate::audit::account_target;
use crate::error::{AppError, AppResult};
use jumpgate_domain::audit::Actor;
use jumpgate_domain::permissions::{Grants, Permission};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::{AccountAccess, SessionRecord};
use serde_json::json;
use time::OffsetDateTime;

/// The account a request acts for, with its grants read once (by `App::caller`). The web edge
/// resolves it per request to draw the page; use cases that take a `&Caller` check against the
/// same grants instead of reading them again (four queries a page saved, ADR 0010). Only
/// `App::caller` makes one, so the grants are always the store's.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    account: AccountId,
    grants: Grants,
    state: String,
    main: Option<(CharacterId, String)>,
}

impl Caller {
    pub fn account(&self) -> AccountId {
        self.account
    }

    pub fn grants(&self) -> &Grants {
        &self.grants
    }

    /// The account's state, e.g. `Member`.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The account's main character (id and name), if it has one.
    pub fn main(&self) -> Option<&(CharacterId, String)> {
        self.main.as_ref()
    }

    /// `Forbidden` naming the permission when the caller lacks it.
    pub fn require(&self, permission: &str) -> AppResult<()> {
        require(&self.grants, permission)
    }
}

/// `Forbidden` naming the permission unless `grants` allow it: the one refusal every use case
/// gives.
pub(crate) fn require(grants: &Grants, permission: &str) -> AppResult<()> {
    if grants.allows(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the '{permission}' permission, which your account does not have"
        )))
    }
}

impl Caller {
    fn new(account: AccountId, access: AccountAccess) -> Self {
        Self {
            account,
            grants: Grants {
                superuser: access.superuser,
                permissions: access.permissions,
            },
            state: access.state,
            main: access.main,
        }
    }
}

/// A live web session with the caller it signs in, read together (`App::session_caller`).
#[derive(Debug, Clone)]
pub struct SessionCaller {
    pub session: SessionRecord,
    /// `None` when the session is not signed in or its account no longer exists.
    pub caller: Option<Caller>,
}

impl App {
    /// The account with its grants, state and main, for one request (one store query); `None`
    /// if the account does not exist (any more).
    pub async fn caller(&self, account: AccountId) -> AppResult<Option<Caller>> {
        Ok(self
            .store()
            .account_grants(account)
            .await?
            .map(|access| Caller::new(account, access)))
    }

    /// The live session `id` (already hashed, as `Store::load_session` takes it) with the caller
    /// it signs in, in one store query: what a signed-in page reads first. `None` when there is
    /// no such session or it has expired.
    pub async fn session_caller(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> AppResult<Option<SessionCaller>> {
        let Some(found) = self.store().load_session_with_grants(id, now).await? else {
            return Ok(None);
        };
        Ok(Some(SessionCaller {
            caller: found
                .session
                .account
                .zip(found.access)
                .map(|(account, access)| Caller::new(account, access)),
            session: found.session,
        }))
    }

    /// The account's grants: superuser flag, its state's permissions and its direct permissions.
    /// A deleted account has none.
    pub async fn grants(&self, account: AccountId) -> AppResult<Grants> {
        Ok(self
            .caller(account)
            .await?
            .map(|c| c.grants)
            .unwrap_or_default())
    }
}

impl App {
    /// Grants a permission to an account directly (recorded).
    pub async fn grant_permission(
        &self,
        actor: AccountId,
        account: AccountId,
        permission: &str,
    ) -> AppResult<()> {
        let p = Permission::parse(permission).map_err(|e| AppError::Invalid(e.to_string()))?;
        self.existing_account(account).await?;
        self.store().grant_permission(account, p.as_str()).await?;
        self.audit(
            Actor::Account(actor.get()),
            "permission.granted",
            account_target(account),
            json!({"permission": p.as_str()}),
        )
        .await
    }

    /// Revokes a permission granted directly (recorded).
    pub async fn revoke_permission(
        &self,
        actor: AccountId,
        account: AccountId,
        permission: &str,
    ) -> AppResult<()> {
        let p = Permission::parse(permission).map_err(|e| AppError::Invalid(e.to_string()))?;
        self.existing_account(account).await?;
        self.store().revoke_permission(account, p.as_str()).await?;
        self.audit(
            Actor::Account(actor.get()),
            "permission.revoked",
            account_target(account),
            json!({"permission": p.as_str()}),
        )
        .await
    }

    async fn existing_account(&self, account: AccountId) -> AppResult<()> {
        match self.store().account(account).await? {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound(format!(
                "there is no account #{account}"
            ))),
        }
    }

    /// Puts a failed job back in the queue (recorded).
    pub async fn retry_job(&self, actor: AccountId, job: i64) -> AppResult<()> {
        if !self.store().retry_job(job).await? {
            return Err(AppError::Invalid(format!(
                "job {job} is not a failed job (it may have been retried already)"
            )));
        }
        self.audit(
            Actor::Account(actor.get()),
            "job.retried",
            format!("job:{job}"),
            json!({}),
        )
        .await
    }

    /// An administrator checked the SSO and clears the safety valve (recorded).
    pub async fn reset_safety_valve(&self, actor: AccountId) -> AppResult<()> {
        self.clear_safety_valve().await?;
        self.audit(
            Actor::Account(actor.get()),
            "sso.safety_valve_cleared",
            "sso",
            json!({}),
        )
        .await
    }
}
