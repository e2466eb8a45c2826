//! EVE SSO: starting a login, the callback, logging out.
//!
//! Starting a login writes nothing on the server: the pending login (its random `state`, the EVE
//! login asked for, its ten-minute expiry, its PKCE verifier) goes to the browser in a sealed
//! cookie of its own (`pending_cookie`, ADR 0018), so anonymous hits on `/sso/login` cannot fill
//! the sessions table (security review M2). The callback clears that cookie in every answer,
//! errors and 5xx included (I1), and checks it before anything else: a callback from another
//! browser, with a forged or replayed `state`, or later than ten minutes is refused before any
//! code is exchanged, and the session is touched only after that. The code is exchanged with the
//! cookie's verifier, whose S256 challenge went to EVE with the login (L2): a code taken from
//! another login's callback fails in this one, even with a state that matches.

use super::pending_cookie;
use crate::WebState;
use crate::error::{WebError, WebResult};
use crate::session;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use jumpgate_domain::EveLogin;
use jumpgate_domain::login::LoginDecision;
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct StartQuery {
    login: Option<String>,
}

pub async fn start(
    State(state): State<WebState>,
    Query(q): Query<StartQuery>,
) -> WebResult<impl IntoResponse> {
    let login = q.login.unwrap_or_else(|| EveLogin::DEFAULT.to_owned());
    let begun = state.app.begin_login(&login).await?;
    let cookie = pending_cookie::set(&begun.cookie, state.config.is_https());
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to(begun.authorize_url.as_str()),
    ))
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
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let secure = state.config.is_https();
    let cookie = pending_cookie::read(&headers, secure);
    let finished = finish_login(&state, &session, cookie.as_deref(), q).await;
    // Single use: the pending login's cookie goes whatever the answer, an error page included.
    (
        AppendHeaders([(header::SET_COOKIE, pending_cookie::clear(secure))]),
        finished,
    )
        .into_response()
}

async fn finish_login(
    state: &WebState,
    session: &Session,
    cookie: Option<&str>,
    q: CallbackQuery,
) -> WebResult<Redirect> {
    if let Some(error) = q.error {
        return Err(WebError::BadRequest(
            callback_error(&error, q.error_description.as_deref()).to_owned(),
        ));
    }
    let (Some(code), Some(returned)) = (q.code, q.state) else {
        return Err(WebError::BadRequest(
            "This login link is incomplete (no code or state). Nothing was changed; please start again from Jumpgate.".into(),
        ));
    };
    let pending = match cookie {
        Some(cookie) => state.app.pending_login(cookie).await,
        None => None,
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
    let signed_in = match session::account(session).await {
        Some(account) => state.app.caller(account).await?,
        None => None,
    };
    let outcome = state
        .app
        .complete_login(signed_in.as_ref(), &pending, &code)
        .await?;
    session::sign_in(session, outcome.account, state.app.now())
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
    session::flash(session, message).await;
    Ok(Redirect::to("/account"))
}

pub async fn logout(session: Session) -> WebResult<Redirect> {
    session
        .flush()
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Redirect::to("/"))
}

/// What the page says when EVE's login redirects back with an error. Anyone can send a person a
/// callback link with any `error` and `error_description`, so the page never shows them (it
/// would be text on Jumpgate's page that an attacker wrote); it names the standard OAuth errors
/// in its own words, and the log keeps what was sent.
fn callback_error(error: &str, description: Option<&str>) -> &'static str {
    let shown = match error {
        "access_denied" => "You cancelled the login at EVE Online. Nothing was changed.",
        "server_error" | "temporarily_unavailable" => {
            "EVE Online's login is not working right now. Nothing was changed; please try again in a few minutes."
        }
        "invalid_scope"
        | "unauthorized_client"
        | "invalid_request"
        | "unsupported_response_type" => {
            "EVE Online's login refused Jumpgate's request. Nothing was changed; an administrator should check Jumpgate's EVE application settings."
        }
        _ => {
            "EVE Online's login answered with an error. Nothing was changed; please start again from Jumpgate."
        }
    };
    tracing::info!(
        error = %truncated(error),
        description = %truncated(description.unwrap_or_default()),
        "EVE's login redirected back with an error"
    );
    shown
}

/// At most 200 characters of a value someone else chose, for the log.
fn truncated(value: &str) -> String {
    value.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::callback_error;

    #[test]
    fn a_callback_error_is_told_in_jumpgates_words_never_in_the_senders() {
        let phishing = "your token was compromised, contact Director X on Discord";
        for error in ["access_denied", "server_error", "invalid_scope", phishing] {
            let shown = callback_error(error, Some(phishing));
            assert!(!shown.contains("Director X"), "{error}: {shown}");
            assert!(shown.contains("Nothing was changed"), "{error}: {shown}");
        }
        assert!(callback_error("access_denied", None).contains("cancelled"));
        assert!(callback_error("temporarily_unavailable", None).contains("try again"));
    }
}
