//! `/v2/oauth/authorize`: validation, the character picker and consent pages, and code issue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use url::Url;

use super::{AuthCode, random_token, scopes};
use crate::pages;
use crate::state::{Shared, lock};

const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// Query of the authorize GET, and the hidden fields the pages carry along.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// Set once a character has been picked: shows the consent step.
    pub character_id: Option<i64>,
    /// Picker filter (server-side fallback when JavaScript is off).
    pub q: Option<String>,
    /// Consent form answer: "authorize" or "cancel".
    pub decision: Option<String>,
}

impl AuthorizeParams {
    pub fn from_url(url: &Url) -> Self {
        let map: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let get = |k: &str| map.get(k).cloned();
        Self {
            response_type: get("response_type"),
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            scope: get("scope"),
            state: get("state"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            character_id: get("character_id").and_then(|c| c.parse().ok()),
            q: None,
            decision: None,
        }
    }

    /// The OAuth parameters to carry as hidden fields from page to page.
    pub fn carried(&self) -> Vec<(&'static str, String)> {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// A request that passed CCP's checks.
#[derive(Debug, Clone)]
pub struct ValidAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: String,
    pub code_challenge: Option<String>,
}

/// Why the SSO refuses to show the login page (it shows an error page, never redirects).
#[derive(Debug, Clone)]
pub struct AuthorizeError {
    pub error: &'static str,
    pub detail: String,
}

pub fn validate(shared: &Shared, p: &AuthorizeParams) -> Result<ValidAuthorize, AuthorizeError> {
    let fail = |error, detail: &str| {
        Err(AuthorizeError {
            error,
            detail: detail.to_owned(),
        })
    };
    if p.response_type.as_deref() != Some("code") {
        return fail(
            "unsupported_response_type",
            "response_type must be \"code\".",
        );
    }
    let Some(client_id) = p.client_id.clone() else {
        return fail("invalid_request", "client_id is missing.");
    };
    let Some(client) = lock(&shared.sso).clients.get(&client_id).cloned() else {
        return fail("invalid_client", "Client could not be found.");
    };
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    if redirect_uri != client.callback {
        return fail(
            "invalid_request",
            "Invalid redirect URI: it does not match the application's callback URL.",
        );
    }
    let Some(state) = p.state.clone().filter(|s| !s.is_empty()) else {
        return fail("invalid_request", "The state parameter is required.");
    };
    let requested = scopes::parse(p.scope.as_deref().unwrap_or(""));
    // A scope that does not exist (or was removed) and one the application was not registered
    // for are refused alike, before any page: the login never comes back to the application.
    if let Some(bad) = requested
        .iter()
        .find(|s| !scopes::is_known(s) || !client.scopes.contains(s))
    {
        return fail(
            "invalid_scope",
            &format!("The requested '{bad}' scope is not valid."),
        );
    }
    // Without a method a challenge would be "plain" (RFC 7636 §4.3), which EVE does not support.
    let code_challenge = match (&p.code_challenge, p.code_challenge_method.as_deref()) {
        (None, _) => None,
        (Some(c), Some("S256")) => Some(c.clone()),
        (Some(_), _) => {
            return fail(
                "invalid_request",
                "code_challenge_method must be S256: it is the only one supported.",
            );
        }
    };
    Ok(ValidAuthorize {
        client_id,
        redirect_uri,
        scopes: requested,
        state,
        code_challenge,
    })
}

/// Issues a single-use code for the character and builds the redirect back to the callback.
pub fn issue_code(
    shared: &Shared,
    req: &ValidAuthorize,
    character_id: i64,
) -> Result<Url, AuthorizeError> {
    let usable = lock(&shared.world)
        .characters
        .get(&character_id)
        .is_some_and(|c| !c.biomassed);
    if !usable {
        return Err(AuthorizeError {
            error: "invalid_request",
            detail: "That character cannot log in.".to_owned(),
        });
    }
    let code = random_token(16, false);
    lock(&shared.sso).codes.insert(
        code.clone(),
        AuthCode {
            client_id: req.client_id.clone(),
            character_id,
            scopes: req.scopes.clone(),
            redirect_uri: req.redirect_uri.clone(),
            expires_at: Instant::now() + CODE_LIFETIME,
            code_challenge: req.code_challenge.clone(),
        },
    );
    redirect(req, &[("code", &code), ("state", &req.state)])
}

pub fn cancel(req: &ValidAuthorize) -> Result<Url, AuthorizeError> {
    redirect(req, &[("error", "access_denied"), ("state", &req.state)])
}

fn redirect(req: &ValidAuthorize, pairs: &[(&str, &str)]) -> Result<Url, AuthorizeError> {
    let mut url = Url::parse(&req.redirect_uri).map_err(|e| AuthorizeError {
        error: "invalid_request",
        detail: format!("Callback URL is not a URL: {e}"),
    })?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url)
}

/// GET: the character picker, or the consent step once a character is chosen.
pub async fn show(State(shared): State<Arc<Shared>>, Query(p): Query<AuthorizeParams>) -> Response {
    let valid = match validate(&shared, &p) {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let world = lock(&shared.world);
    match p.character_id {
        Some(id) => match world.characters.get(&id).filter(|c| !c.biomassed) {
            Some(ch) => Html(pages::consent(&p, &valid, ch, &world)).into_response(),
            None => error_page(&AuthorizeError {
                error: "invalid_request",
                detail: "Unknown character.".to_owned(),
            }),
        },
        None => Html(pages::picker(&p, &valid, &world)).into_response(),
    }
}

/// POST from the consent page: redirect with a code, or with `error=access_denied`.
pub async fn submit(State(shared): State<Arc<Shared>>, Form(p): Form<AuthorizeParams>) -> Response {
    let result =
        validate(&shared, &p).and_then(|valid| match (p.decision.as_deref(), p.character_id) {
            (Some("authorize"), Some(id)) => issue_code(&shared, &valid, id),
            (Some("authorize"), None) => Err(AuthorizeError {
                error: "invalid_request",
                detail: "No character was chosen.".to_owned(),
            }),
            _ => cancel(&valid),
        });
    match result {
        Ok(url) => (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response(),
        Err(e) => error_page(&e),
    }
}

fn error_page(e: &AuthorizeError) -> Response {
    // EVE answers a scope refusal with its OAuth error as JSON, not a page (reported with this
    // body for an unregistered scope, burberius/eve-esi#145, and a removed one, esi-issues#1302).
    if e.error == "invalid_scope" {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({
                "error": e.error,
                "error_description": e.detail,
            })),
        )
            .into_response();
    }
    (
        StatusCode::BAD_REQUEST,
        Html(pages::error(e.error, &e.detail)),
    )
        .into_response()
}
