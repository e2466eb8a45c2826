//! Scoped leadership roles (issue 11; ADR 0027): who holds which role and who may change it.
//!
//! - `dashboard`: what a person holds and every role they may give or take, with its holders.
//! - `appoint`: giving and taking a role (a unique one moves with a confirmation), each change
//!   checked against the caller's own roles (`domain::roles::authority`) and audited on the
//!   holder's account.
//! - `admin`: divisions, specialty roles, what each role carries and whose CEOs and Directors
//!   lead (`admin.roles`).
//! - `eve`: the CEO and Director roles, derived from what ESI says (`ceo_id`, the character's
//!   corporation roles) whenever an account's access is recomputed.

pub mod admin;
pub mod appoint;
pub mod dashboard;
pub mod eve;
pub(crate) mod kept;

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AccountId;
use jumpgate_domain::roles::{Appointer, Role, Target};
use jumpgate_store::RoleCatalogue;

impl App {
    /// The caller's authority over roles: a superuser's, the command line's (every role), or
    /// what the roles a person holds allow.
    pub(crate) async fn appointer(&self, caller: &Caller) -> AppResult<Appointer> {
        // An application holds no role and no person's authority: nothing to judge.
        if caller.app().is_some() {
            return Err(AppError::Forbidden(
                "an application cannot give or take roles".to_owned(),
            ));
        }
        let roles = match caller.account() {
            Some(account) => self
                .store()
                .roles_of(account)
                .await?
                .into_iter()
                .map(|h| h.role)
                .collect(),
            None => Default::default(),
        };
        Ok(Appointer {
            superuser: caller.grants().superuser,
            account: caller.account(),
            roles,
        })
    }

    /// Whom a role would be given to or taken from: the account with its main's corporation.
    pub(crate) async fn role_target(&self, account: AccountId) -> AppResult<Target> {
        let main = self
            .store()
            .account(account)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no account #{account}")))?
            .main_character;
        let corporation = match main {
            Some(main) => self.store().character(main).await?.map(|c| c.corporation),
            None => None,
        };
        Ok(Target {
            account,
            corporation,
        })
    }
}

/// A role typed in a form or on the command line (`division_fc:3`) whose division or specialty
/// exists.
pub(crate) fn existing_role(catalogue: &RoleCatalogue, key: &str) -> AppResult<Role> {
    let role = Role::parse_key(key).map_err(|e| AppError::Invalid(e.to_string()))?;
    if catalogue.has_scope_of(role) {
        Ok(role)
    } else {
        Err(AppError::NotFound(format!(
            "there is no {} here: an administrator creates divisions and specialty roles first",
            catalogue.role_name(role)
        )))
    }
}
