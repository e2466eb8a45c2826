//! Giving and taking roles. The caller's own roles decide (`domain::roles::may_change`): each
//! role only the roles strictly below it, within its scope; a unique role held by someone else
//! moves only when the caller confirms it and may also take it from its holder.

use super::existing_role;
use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AccountId;
use jumpgate_domain::roles::may_change;
use serde_json::json;

/// What an appointment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointed {
    pub account: AccountId,
    /// The name of the character typed.
    pub character_name: String,
    /// How people read the role.
    pub role_name: String,
    /// The account a unique role was taken from.
    pub moved_from: Option<AccountId>,
}

const ROLES_LINK: &str = "/roles";

impl App {
    /// Gives the role `key` (`general_fc`, `division_fc:3`) to the account of the character
    /// typed (name or id). A unique role someone else holds is refused unless `confirm_move`,
    /// and then moves: taken from its holder in the same transaction.
    pub async fn appoint_role(
        &self,
        caller: &Caller,
        key: &str,
        character: &str,
        confirm_move: bool,
    ) -> AppResult<Appointed> {
        let appointer = self.appointer(caller).await?;
        let catalogue = self.store().role_catalogue().await?;
        let role = existing_role(&catalogue, key)?;
        let role_name = catalogue.role_name(role);
        let specialties = catalogue.specialties_by_id();
        let character = self.known_character(character).await?;
        let target = self.role_target(character.account).await?;
        may_change(&appointer, role, &role_name, &target, &specialties)
            .map_err(|r| AppError::Forbidden(r.to_string()))?;
        let holders: Vec<AccountId> = self
            .store()
            .role_holders()
            .await?
            .into_iter()
            .filter(|h| h.role == role)
            .map(|h| h.account)
            .collect();
        if holders.contains(&target.account) {
            return Err(AppError::Invalid(format!(
                "{} already holds the {role_name} role",
                character.name
            )));
        }
        let moved_from = match (role.kind().is_unique(), holders.first()) {
            (true, Some(&holder)) => {
                let current = self.role_target(holder).await?;
                may_change(&appointer, role, &role_name, &current, &specialties)
                    .map_err(|r| AppError::Forbidden(format!("the role has a holder: {r}")))?;
                if !confirm_move {
                    return Err(AppError::Conflict(format!(
                        "the {role_name} role has one holder (account #{holder}): confirm to move it to {}",
                        character.name
                    )));
                }
                Some(holder)
            }
            _ => None,
        };
        let actor = caller.actor();
        let mut tx = self.store().transaction().await?;
        if let Some(holder) = moved_from {
            tx.dismiss(role, holder).await?;
            audit_in(
                &mut tx,
                actor.clone(),
                "role.dismissed",
                account_target(holder),
                json!({"role": role.key(), "role_name": role_name, "cause": "moved", "to": target.account}),
            )
            .await?;
        }
        let added = tx
            .appoint(role, target.account, &actor.to_text())
            .await
            .map_err(|e| match e {
                jumpgate_store::StoreError::Conflict(_) => AppError::Conflict(format!(
                    "someone else was given the {role_name} role a moment ago: look again"
                )),
                other => other.into(),
            })?;
        if !added {
            return Err(AppError::Conflict(format!(
                "{} was given the {role_name} role a moment ago",
                character.name
            )));
        }
        audit_in(
            &mut tx,
            actor,
            "role.appointed",
            account_target(target.account),
            json!({"role": role.key(), "role_name": role_name, "character": character.id, "moved_from": moved_from}),
        )
        .await?;
        tx.commit().await?;
        if let Some(holder) = moved_from {
            self.tell_about_role(
                holder,
                &format!("You are no longer {role_name}"),
                &format!("The {role_name} role was moved to {}.", character.name),
            )
            .await;
        }
        self.tell_about_role(
            target.account,
            &format!("You are now {role_name}"),
            &format!("You were appointed {role_name}: the roles page shows what it lets you do."),
        )
        .await;
        Ok(Appointed {
            account: target.account,
            character_name: character.name,
            role_name,
            moved_from,
        })
    }

    /// Takes the role `key` from `account`. Returns how people read the role.
    pub async fn dismiss_role(
        &self,
        caller: &Caller,
        key: &str,
        account: AccountId,
    ) -> AppResult<String> {
        let appointer = self.appointer(caller).await?;
        let catalogue = self.store().role_catalogue().await?;
        let role = existing_role(&catalogue, key)?;
        let role_name = catalogue.role_name(role);
        let target = self.role_target(account).await?;
        may_change(
            &appointer,
            role,
            &role_name,
            &target,
            &catalogue.specialties_by_id(),
        )
        .map_err(|r| AppError::Forbidden(r.to_string()))?;
        // Roles from EVE never get here: `may_change` refuses the CEO and Director roles.
        let mut tx = self.store().transaction().await?;
        if !tx.dismiss(role, account).await? {
            return Err(AppError::Invalid(format!(
                "account #{account} does not hold the {role_name} role"
            )));
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "role.dismissed",
            account_target(account),
            json!({"role": role.key(), "role_name": role_name, "cause": "dismissed"}),
        )
        .await?;
        tx.commit().await?;
        self.tell_about_role(
            account,
            &format!("You are no longer {role_name}"),
            &format!("You were dismissed as {role_name}."),
        )
        .await;
        Ok(role_name)
    }

    /// `dismiss_role` for the account of a character typed (name or id), as the command line
    /// names people. Returns the account and the role's name.
    pub async fn revoke_role(
        &self,
        caller: &Caller,
        key: &str,
        character: &str,
    ) -> AppResult<(AccountId, String)> {
        let account = self.known_character(character).await?.account;
        let name = self.dismiss_role(caller, key, account).await?;
        Ok((account, name))
    }

    /// Tells `account` of a change to its roles (in-app, and email when verified); best effort.
    pub(crate) async fn tell_about_role(&self, account: AccountId, subject: &str, message: &str) {
        if let Err(e) = self
            .notify_account(account, subject, message, Some(ROLES_LINK))
            .await
        {
            tracing::warn!(account = account.get(), error = %e, "could not tell someone about a role");
        }
    }
}
