//! Gathering what an account may do (`App::caller`), and granting and revoking permissions.

use crate::App;
use crate::audit::{account_target, audit_in};
pub use crate::caller::Caller;
use crate::caller::SeenCounters;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AccountId;
use jumpgate_domain::permissions::{Grants, Permission};
use jumpgate_store::{SessionRecord, Transaction};
use serde_json::json;
use time::OffsetDateTime;

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
            .map(|access| Caller::person(account, access)))
    }

    /// The live session `id` (already hashed, as `Store::load_session` takes it) with the caller
    /// it signs in, in one store query: what a signed-in page reads first. `None` when there is
    /// no such session or it has expired. The caller carries the change counters read in the
    /// same query, so the page's kept lists need no read of their own.
    pub async fn session_caller(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> AppResult<Option<SessionCaller>> {
        // Before the read: a write this process begins after it makes the counters stale.
        let local_writes = self.store().local_writes();
        let Some(found) = self.store().load_session_with_grants(id, now).await? else {
            return Ok(None);
        };
        let seen = SeenCounters {
            counters: found.counters,
            local_writes,
        };
        Ok(Some(SessionCaller {
            caller: found
                .session
                .account
                .zip(found.access)
                .map(|(account, access)| Caller::person(account, access).having_seen(seen)),
            session: found.session,
        }))
    }

    /// The account's grants: superuser flag, its state's permissions and its direct permissions.
    /// A deleted account has none.
    pub(crate) async fn grants(&self, account: AccountId) -> AppResult<Grants> {
        Ok(self
            .caller(account)
            .await?
            .map(|c| c.grants().clone())
            .unwrap_or_default())
    }
}

/// Whether an administrator gives an account a permission directly or takes one away: the
/// two differ only in the write and the audit entry's action.
#[derive(Debug, Clone, Copy)]
enum PermissionChange {
    Grant,
    Revoke,
}

impl PermissionChange {
    fn audit_action(self) -> &'static str {
        match self {
            Self::Grant => "permission.granted",
            Self::Revoke => "permission.revoked",
        }
    }

    async fn write(
        self,
        tx: &mut Transaction,
        account: AccountId,
        permission: &str,
    ) -> AppResult<()> {
        match self {
            Self::Grant => tx.grant_permission(account, permission).await?,
            Self::Revoke => tx.revoke_permission(account, permission).await?,
        }
        Ok(())
    }
}

impl App {
    /// Grants a permission to an account directly (recorded). Needs `admin.states`, and
    /// superuser for an `admin.*` permission.
    pub async fn grant_permission(
        &self,
        caller: &Caller,
        account: AccountId,
        permission: &str,
    ) -> AppResult<()> {
        self.change_permission(caller, account, permission, PermissionChange::Grant)
            .await
    }

    /// Revokes a permission granted directly (recorded). Needs `admin.states`, and superuser
    /// for an `admin.*` permission.
    pub async fn revoke_permission(
        &self,
        caller: &Caller,
        account: AccountId,
        permission: &str,
    ) -> AppResult<()> {
        self.change_permission(caller, account, permission, PermissionChange::Revoke)
            .await
    }

    /// Checks the caller, the permission's name and the account, then writes the change and its
    /// audit entry in one transaction.
    async fn change_permission(
        &self,
        caller: &Caller,
        account: AccountId,
        permission: &str,
        change: PermissionChange,
    ) -> AppResult<()> {
        caller.require(Permission::ADMIN_STATES)?;
        let p = Permission::parse(permission).map_err(|e| AppError::Invalid(e.to_string()))?;
        if p.is_administrative() {
            caller.require_superuser(&format!("give or take '{p}'"))?;
        }
        self.existing_account(account).await?;
        let mut tx = self.store().transaction().await?;
        change.write(&mut tx, account, p.as_str()).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            change.audit_action(),
            account_target(account),
            json!({"permission": p.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
