//! The ESI tokens as the application API hands them out: which characters hold a token of an
//! EVE login (`app-esi-login`) and a character's access token itself (`app-esi-token`). An
//! application reaches only the EVE logins it was given. The access token comes through
//! Jumpgate's own refresh (one refresher per token across instances, CCP's error semantics,
//! the safety valve, encryption at rest): an application never refreshes a token itself, so it
//! can never spend a refresh token another instance is using.
//!
//! The tokens are secrets: nothing here logs one, and only `access_token_for_app` opens one.

use super::{EARLY_REFRESH, Usable};
use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::{CharacterId, EveLogin};
use jumpgate_store::LoginTokenHolder;
use secrecy::SecretString;
use time::OffsetDateTime;

/// Neucore promises an access token valid for at least a minute; a token is refreshed when it
/// expires within `EARLY_REFRESH`, which is longer.
const _: () = assert!(EARLY_REFRESH.whole_seconds() >= 60);

/// A character's access token as an application receives it.
pub struct AppAccessToken {
    pub token: SecretString,
    /// The scopes EVE granted it.
    pub scopes: Vec<String>,
    /// Valid for at least another minute from when it was handed out.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for AppAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppAccessToken")
            .field("token", &"[redacted]")
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What the application asked for a character's token gets.
#[derive(Debug)]
pub enum AccessTokenAnswer {
    Token(AppAccessToken),
    /// The token is dead (EVE's login said so, or it was revoked): its owner must log in with
    /// that EVE login again (Neucore answers 204).
    Invalid,
}

/// Neucore's reason phrases.
fn login_not_found() -> AppError {
    AppError::NotFound("EVE login not found.".to_owned())
}

fn token_not_found() -> AppError {
    AppError::NotFound("ESI token not found.".to_owned())
}

impl App {
    /// The characters with a token of the EVE login `login`, valid or not, by id. Needs
    /// `app-esi-login` and the login: `NotFound` for a login Jumpgate does not define,
    /// `Forbidden` for one the application was not given.
    pub async fn login_characters_for_app(
        &self,
        caller: &Caller,
        login: &str,
    ) -> AppResult<Vec<CharacterId>> {
        let app = caller.require_app_role(AppRole::EsiLogin)?;
        self.require_app_login(app, login)?;
        Ok(self.store().characters_with_token_of(login).await?)
    }

    /// The valid tokens of the EVE login `login` with their characters as Jumpgate last saw
    /// them (it asks EVE nothing). Needs `app-esi-login` and the login; `core.default` is
    /// refused whatever the application holds, as Neucore refuses it: it would list every
    /// member.
    pub async fn login_token_holders_for_app(
        &self,
        caller: &Caller,
        login: &str,
    ) -> AppResult<Vec<LoginTokenHolder>> {
        let app = caller.require_app_role(AppRole::EsiLogin)?;
        if login == EveLogin::DEFAULT {
            return Err(AppError::Forbidden(format!(
                "The token data of {} are not handed out.",
                EveLogin::DEFAULT
            )));
        }
        self.require_app_login(app, login)?;
        Ok(self.store().valid_token_holders(login).await?)
    }

    /// `character`'s access token of the EVE login `login`, valid for at least a minute
    /// (refreshed first when it would expire sooner). Needs `app-esi-token` and the login;
    /// `NotFound` when the character has no token of it; `Invalid` answer when the token is
    /// dead. While EVE's login is down or the safety valve holds the token, an error saying so
    /// (the token is not called dead for an outage).
    pub async fn access_token_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
        login: &str,
    ) -> AppResult<AccessTokenAnswer> {
        let app = caller.require_app_role(AppRole::EsiToken)?;
        self.require_app_login(app, login)?;
        match self.usable_token(character, login).await? {
            Usable::Fresh(fresh) => Ok(AccessTokenAnswer::Token(AppAccessToken {
                token: fresh.access,
                scopes: fresh.scopes.split_whitespace().map(str::to_owned).collect(),
                expires_at: fresh.expires_at,
            })),
            Usable::Missing => Err(token_not_found()),
            Usable::Dead(_) => Ok(AccessTokenAnswer::Invalid),
            Usable::Busy => Err(AppError::Sso(jumpgate_eve::SsoError::Unavailable {
                retry_after: Some(std::time::Duration::from_secs(1)),
                description: format!(
                    "the token of character {character} is being refreshed elsewhere; try again shortly"
                ),
            })),
        }
    }

    /// `Ok` when Jumpgate defines the EVE login `login` and `app` was given it (Neucore checks
    /// in this order: 404, then 403).
    fn require_app_login(&self, app: &Application, login: &str) -> AppResult<()> {
        if self.login(login).is_none() {
            return Err(login_not_found());
        }
        if !app.may_use_login(login) {
            return Err(AppError::Forbidden(format!(
                "The EVE login {login} was not given to this application."
            )));
        }
        Ok(())
    }
}
