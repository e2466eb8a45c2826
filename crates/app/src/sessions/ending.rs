//! Ending sign-ins before they expire: a person signs out on every browser at once (a lost
//! laptop, a shared machine), an administrator ends someone's (a stolen cookie, a departure).
//! Sessions live in the store, so an ended session is ended on every instance at its next request.

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::permissions::Permission;
use serde_json::json;

impl App {
    /// Signs the caller out on every browser, this one included; how many sessions ended.
    pub async fn end_own_sessions(&self, caller: &Caller) -> AppResult<u64> {
        let account = caller.own_account()?;
        self.end_sessions(caller, account).await
    }

    /// An administrator (`admin.users`) signs `account` out everywhere. A superuser's sessions
    /// only a superuser ends: otherwise a user administrator could lock out the one person who
    /// can take the permission away.
    pub async fn end_sessions_of(&self, caller: &Caller, account: AccountId) -> AppResult<u64> {
        caller.require(Permission::ADMIN_USERS)?;
        if self.existing_account(account).await?.superuser {
            caller.require_superuser("end a superuser's sessions")?;
        }
        self.end_sessions(caller, account).await
    }

    /// How many browsers `account` is signed in on: its own or, for `admin.users`, anyone's.
    pub async fn session_count(&self, caller: &Caller, account: AccountId) -> AppResult<u64> {
        caller.require_self_or(account, Permission::ADMIN_USERS)?;
        Ok(self.store().count_sessions_of(account, self.now()).await?)
    }

    async fn end_sessions(&self, caller: &Caller, account: AccountId) -> AppResult<u64> {
        let mut tx = self.store().transaction().await?;
        let ended = tx.delete_sessions_of(account).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.sessions_ended",
            account_target(account),
            json!({"sessions": ended}),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}
