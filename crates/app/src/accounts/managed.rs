//! Managed accounts (Neucore's account status, ADR 0029): an administrator (`admin.users`) makes
//! an account `managed` (no automatic or default groups, never deactivated; required and
//! forbidden groups still apply) or `standard` again. A change removes every group the account
//! holds, each recorded with its cause, so that nothing given under the old rules lingers; the
//! rules then give what they give to the new status.
//!
//! The login without ESI scopes (`[accounts] no_scopes_login`, the EVE login
//! `core.no-scopes`) is for managed accounts' characters only: it proves who someone is without
//! a token to keep checked.

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::account::AccountStatus;
use jumpgate_domain::login::LoginDecision;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, EveLogin};
use serde_json::json;

/// What a status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub status: AccountStatus,
    /// Groups the account left with the change.
    pub groups_removed: usize,
}

impl App {
    /// Makes `account` managed or standard (`status` as the form sends it). Needs `admin.users`;
    /// an account in a group that grants an `admin.*` permission is a superuser's to change (the
    /// change takes that group).
    pub async fn set_account_status(
        &self,
        caller: &Caller,
        account: AccountId,
        status: &str,
    ) -> AppResult<StatusChange> {
        caller.require(Permission::ADMIN_USERS)?;
        let status = AccountStatus::parse(status).ok_or_else(|| {
            AppError::Invalid(format!(
                "'{}' is not an account status: choose standard or managed",
                status.trim()
            ))
        })?;
        let acc = self.existing_account(account).await?;
        if acc.status == status {
            return Err(AppError::Invalid(format!(
                "account #{account} is {} already: nothing was changed",
                status.as_str()
            )));
        }
        let catalogue = self.group_catalogue(None).await?;
        let held = self.store().account_groups(account).await?;
        for m in &held {
            if let Some(g) = catalogue.iter().find(|g| g.id == m.group)
                && g.is_restricted()
            {
                caller.require_superuser(&format!(
                    "change the status of an account in {}, which grants an admin.* permission (the change takes the group)",
                    g.name
                ))?;
            }
        }
        let name = |id| {
            catalogue
                .iter()
                .find(|g| g.id == id)
                .map(|g| g.name.clone())
                .unwrap_or_default()
        };
        let mut tx = self.store().transaction().await?;
        tx.set_account_status(account, status).await?;
        let mut removed = 0;
        for m in &held {
            let Some(ended) = tx.remove_group_member(m.group, account).await? else {
                continue;
            };
            removed += 1;
            audit_in(
                &mut tx,
                caller.actor(),
                "group.member_removed",
                account_target(account),
                json!({"group": m.group, "group_name": name(m.group), "cause": "status_changed", "status": status.as_str(), "source": ended.source.as_str()}),
            )
            .await?;
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "account.status_changed",
            account_target(account),
            json!({"from": acc.status.as_str(), "to": status.as_str(), "groups_removed": removed}),
        )
        .await?;
        tx.commit().await?;
        // The rules give the new status what they give it (a standard account its automatic
        // groups back); a managed account's deactivation ends.
        self.recompute_access(account, &caller.actor()).await?;
        self.judge_deactivation(account, &caller.actor()).await?;
        Ok(StatusChange {
            status,
            groups_removed: removed,
        })
    }

    /// A login through `core.no-scopes` is only a managed account's character signing in: it
    /// creates no account, adds no character and moves none. Checked before anything is
    /// written.
    pub(crate) async fn check_no_scopes_login(&self, decision: &LoginDecision) -> AppResult<()> {
        let refused = || {
            AppError::Forbidden(
                "logging in without ESI scopes is only for the characters of managed accounts: log in with EVE as usual"
                    .to_owned(),
            )
        };
        let account = match decision {
            LoginDecision::SignIn { account } | LoginDecision::AlreadyOwned { account } => *account,
            _ => return Err(refused()),
        };
        match self.store().account(account).await? {
            Some(acc) if acc.status == AccountStatus::Managed => Ok(()),
            _ => Err(refused()),
        }
    }
}

impl App {
    /// The mail sender's login (`core.mail`) is for the one character `[deactivation]
    /// eve_mail_from` names: nobody else's token is wanted for it.
    pub(crate) fn check_mail_login(
        &self,
        character: jumpgate_domain::CharacterId,
    ) -> AppResult<()> {
        if self.settings().deactivation.eve_mail_from == Some(character.get()) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this EVE login is for the character that sends Jumpgate's EVE mails (deactivation.eve_mail_from): log in with EVE as usual"
                    .to_owned(),
            ))
        }
    }
}

/// Whether `login` is the login without ESI scopes.
pub(crate) fn is_no_scopes(login: &EveLogin) -> bool {
    login.name == EveLogin::NO_SCOPES
}
