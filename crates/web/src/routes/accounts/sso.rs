//! EVE SSO: starting a login, the callback, logging out.
//!
//! The `state` parameter is random, bound to this browser's session, single use and expires
//! after ten minutes: a replayed or forged callback is refused before any code is exchanged.

use crate::WebState;
use crate::error::{WebError, WebResult};
use crate::session::{self, ACCOUNT_KEY, SSO_KEY};
use axum::extract::{Query, State};
use axum::response::Redirect;
use base64::Engine;
use jumpgate_domain::EveLogin;
use jumpgate_domain::login::LoginDecision;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const STATE_LIFETIME: time::Duration = time::Duration::minutes(10);

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    state: String,
    login: String,
    expires_at: i64,
}

#[derive(Deserialize)]
pub struct StartQuery {
    login: Option<String>,
}

pub async fn start(
    State(state): State<WebState>,
    session: Session,
    Query(q): Query<StartQuery>,
) -> WebResult<Redirect> {
    let login = q.login.unwrap_or_else(|| EveLogin::DEFAULT.to_owned());
    let nonce: [u8; 32] = rand::random();
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce);
    let url = state.app.begin_login(&login, &value).await?;
    let pending = PendingLogin {
        state: value,
        login,
        expires_at: (state.app.now() + STATE_LIFETIME).unix_timestamp(),
    };
    session
        .insert(SSO_KEY, pending)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Redirect::to(url.as_str()))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn callback(
    State(state): State<WebState>,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> WebResult<Redirect> {
    // Single use: the pending login is taken out of the session whatever happens next.
    let pending: Option<PendingLogin> = session
        .remove(SSO_KEY)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    if let Some(error) = q.error {
        let detail = q.error_description.unwrap_or_default();
        return Err(WebError::BadRequest(if error == "access_denied" {
            "You cancelled the login at EVE Online. Nothing was changed.".to_owned()
        } else {
            format!(
                "EVE Online's login answered with an error ({error}: {detail}). Nothing was changed; please start again."
            )
        }));
    }
    let (Some(code), Some(returned)) = (q.code, q.state) else {
        return Err(WebError::BadRequest(
            "This login link is incomplete (no code or state). Nothing was changed; please start again from Jumpgate.".into(),
        ));
    };
    let Some(pending) = pending else {
        return Err(WebError::BadRequest(
            "This login link was already used or does not belong to this browser. Nothing was changed; please start again from Jumpgate.".into(),
        ));
    };
    if pending.state != returned {
        return Err(WebError::BadRequest(
            "This login link does not match the login you started. Nothing was changed; please start again from Jumpgate.".into(),
        ));
    }
    if state.app.now().unix_timestamp() > pending.expires_at {
        return Err(WebError::BadRequest(
            "This login took longer than ten minutes and expired. Nothing was changed; please start again.".into(),
        ));
    }
    // The person signed in on this browser, if any: the character then joins their account.
    let signed_in = match session::account(&session).await {
        Some(account) => state.app.caller(account).await?,
        None => None,
    };
    let outcome = state
        .app
        .complete_login(signed_in.as_ref(), &pending.login, &code)
        .await?;
    // A new session id at every login defeats session fixation.
    session
        .cycle_id()
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    session
        .insert(ACCOUNT_KEY, outcome.account.get())
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let name = &outcome.character_name;
    let mut message = match outcome.decision {
        LoginDecision::CreateAccount { .. } => {
            format!("Welcome, {name}! Your account was created with {name} as main.")
        }
        LoginDecision::SignIn { .. } => format!("Welcome back, {name}."),
        LoginDecision::AddAlt { .. } => format!("{name} was added to your account."),
        LoginDecision::MoveFrom { .. } => {
            format!("{name} was moved from another account to yours.")
        }
        LoginDecision::TransferFrom { .. } => {
            format!("{name} was transferred to your account from its previous owner's.")
        }
        LoginDecision::AlreadyOwned { .. } => format!("{name}'s token was renewed."),
    };
    if outcome.became_superuser {
        message.push_str(" As the first person on this demo, you are its superuser.");
    }
    session::flash(&session, message).await;
    Ok(Redirect::to("/account"))
}

pub async fn logout(session: Session) -> WebResult<Redirect> {
    session
        .flush()
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Redirect::to("/"))
}
