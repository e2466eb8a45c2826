//! `/v2/oauth/token` and `/v2/oauth/revoke`, with CCP's quirks: form bodies only (anything
//! else is a misleading `invalid_grant`), rotating refresh tokens, no refresh token for
//! scope-less logins.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::keys::{EveClaims, Scp, SigningAlg};
use super::{AuthCode, RefreshGrant, random_token};
use crate::state::{Shared, lock};

/// Access tokens live 20 minutes; CCP reports one second less in `expires_in`.
const ACCESS_LIFETIME_SECS: i64 = 1200;

/// An RFC 6749 error answer: `{"error", "error_description"}`.
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> OAuthError {
    OAuthError {
        status,
        error,
        description: description.to_owned(),
    }
}

fn invalid_grant(description: &str) -> OAuthError {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn parse_form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Client authentication: HTTP Basic, or `client_id`/`client_secret` in the form. Returns the
/// client id, or `None` when the credentials are wrong. A public (PKCE) client sends only its id.
fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(i, s)| (i.to_owned(), Some(s.to_owned())))
        });
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => match form.get("client_id") {
            Some(id) => (id.clone(), form.get("client_secret").cloned()),
            None => {
                return Err(oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Client authentication is required.",
                ));
            }
        },
    };
    let sso = lock(&shared.sso);
    let ok = match (sso.clients.get(&id), secret) {
        (Some(c), Some(s)) => c.secret == s,
        // Secret-less only for the PKCE flow.
        (Some(_), None) => form.contains_key("code_verifier"),
        (None, _) => false,
    };
    if ok {
        Ok(id)
    } else {
        Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client or bad client credentials.",
        ))
    }
}

pub async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let latency = lock(&shared.controls).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if !is_form(&headers) {
        // What CCP answers to JSON or query-string bodies (sso-issues #53, #71).
        return invalid_grant("Grant type  is not supported.").into_response();
    }
    let form = parse_form(&body);
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return invalid_grant(&format!("Grant type {grant_type} is not supported."))
            .into_response();
    }
    let fault = lock(&shared.controls).sso_fault;
    match fault {
        Some(super::SsoFault::InvalidClient) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Unknown client or bad client credentials.",
            )
            .into_response();
        }
        Some(super::SsoFault::Unavailable) => {
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The service is temporarily unavailable.",
            )
            .into_response();
        }
        Some(super::SsoFault::TooManyRequests { retry_after_secs }) => {
            let mut resp = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests.",
            )
            .into_response();
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after_secs),
            );
            return resp;
        }
        Some(super::SsoFault::Timeout) => {
            // The client gives up long before this; dropping its connection drops this answer.
            tokio::time::sleep(super::SSO_HOLD).await;
            return oauth_error(
                StatusCode::GATEWAY_TIMEOUT,
                "temporarily_unavailable",
                "The service did not answer in time.",
            )
            .into_response();
        }
        Some(super::SsoFault::InvalidGrant) if grant_type == "refresh_token" => {
            return invalid_grant("Invalid refresh token. Token missing/expired.").into_response();
        }
        Some(super::SsoFault::InvalidToken) if grant_type == "refresh_token" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_token",
                "The token is not valid.",
            )
            .into_response();
        }
        _ => {}
    }
    let client_id = match authenticate(&shared, &headers, &form) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let grant = if grant_type == "authorization_code" {
        exchange_code(&shared, &client_id, &form)
    } else {
        refresh(&shared, &client_id, &form).map(|(character_id, scopes)| {
            let faulty = lock(&shared.controls).refresh_answers_for;
            (faulty.unwrap_or(character_id), scopes)
        })
    };
    match grant {
        Ok((character_id, scopes)) => issue(&shared, &client_id, character_id, scopes),
        Err(e) => e.into_response(),
    }
}

fn exchange_code(
    shared: &Shared,
    client_id: &str,
    form: &HashMap<String, String>,
) -> Result<(i64, Vec<String>), OAuthError> {
    let invalid = || invalid_grant("Authorization code is invalid.");
    let code = form.get("code").ok_or_else(invalid)?;
    // Removed on first sight: a code is single use even when the exchange then fails.
    let entry = lock(&shared.sso).codes.remove(code).ok_or_else(invalid)?;
    if entry.client_id != client_id || entry.expires_at < Instant::now() {
        return Err(invalid());
    }
    check_redirect_uri(&entry, form.get("redirect_uri"))?;
    check_verifier(&entry, form.get("code_verifier"))?;
    Ok((entry.character_id, entry.scopes))
}

/// RFC 6749 §4.1.3: the token request names the `redirect_uri` its authorize request named.
fn check_redirect_uri(entry: &AuthCode, sent: Option<&String>) -> Result<(), OAuthError> {
    if sent == Some(&entry.redirect_uri) {
        Ok(())
    } else {
        Err(invalid_grant(
            "Authorization code is invalid: redirect_uri is missing or differs from the authorize request's.",
        ))
    }
}

/// PKCE (RFC 7636 §4.6): a code issued with a challenge is redeemed only with the verifier whose
/// S256 it is; a verifier for a code issued without one is refused too (OAuth 2.1 §4.1.3), so
/// a client cannot be downgraded without noticing.
fn check_verifier(entry: &AuthCode, verifier: Option<&String>) -> Result<(), OAuthError> {
    let refused = |why: &str| {
        Err(invalid_grant(&format!(
            "Authorization code is invalid: {why}"
        )))
    };
    match (&entry.code_challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => refused("code_verifier sent, but no code_challenge was."),
        (Some(_), None) => refused("code_verifier is missing."),
        (Some(challenge), Some(verifier)) => {
            let digest = Sha256::digest(verifier.as_bytes());
            if base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *challenge {
                Ok(())
            } else {
                refused("code_verifier does not match the code_challenge.")
            }
        }
    }
}

fn refresh(
    shared: &Shared,
    client_id: &str,
    form: &HashMap<String, String>,
) -> Result<(i64, Vec<String>), OAuthError> {
    let invalid = || invalid_grant("Invalid refresh token. Token missing/expired.");
    let presented = form.get("refresh_token").ok_or_else(invalid)?;
    let grant = {
        let mut sso = lock(&shared.sso);
        // A grant from before the application's scopes changed died with that change.
        let registration = sso.registration(client_id);
        match sso.refresh.get(presented) {
            Some(g) if g.client_id == client_id && g.registration == registration => {
                sso.refresh.remove(presented)
            }
            _ => None,
        }
    }
    .ok_or_else(invalid)?;
    let alive = lock(&shared.world)
        .characters
        .get(&grant.character_id)
        .is_some_and(|c| !c.biomassed && c.owner_hash == grant.owner_hash);
    if !alive {
        return Err(invalid());
    }
    let scopes = match form.get("scope") {
        Some(narrow) => {
            let wanted = super::scopes::parse(narrow);
            if wanted.iter().any(|s| !grant.scopes.contains(s)) {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "Requested scopes exceed the granted ones.",
                ));
            }
            wanted
        }
        None => grant.scopes,
    };
    Ok((grant.character_id, scopes))
}

/// Signs an access token and, when scopes were granted, mints a fresh refresh token.
fn issue(shared: &Shared, client_id: &str, character_id: i64, scopes: Vec<String>) -> Response {
    let Some(ch) = lock(&shared.world).characters.get(&character_id).cloned() else {
        return invalid_grant("Character no longer exists.").into_response();
    };
    let access = match access_token(
        shared,
        client_id,
        &ch.name,
        &ch.owner_hash,
        character_id,
        &scopes,
    ) {
        Ok(t) => t,
        Err(e) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            )
            .into_response();
        }
    };
    let refresh_token = (!scopes.is_empty()).then(|| {
        let token = random_token(16, true);
        let mut sso = lock(&shared.sso);
        let registration = sso.registration(client_id);
        sso.refresh.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                registration,
                character_id,
                owner_hash: ch.owner_hash.clone(),
                scopes,
            },
        );
        token
    });
    Json(serde_json::json!({
        "access_token": access,
        "expires_in": ACCESS_LIFETIME_SECS - 1,
        "token_type": "Bearer",
        "refresh_token": refresh_token,
    }))
    .into_response()
}

pub fn access_token(
    shared: &Shared,
    client_id: &str,
    name: &str,
    owner_hash: &str,
    character_id: i64,
    scopes: &[String],
) -> anyhow::Result<String> {
    let now = shared.now_utc().unix_timestamp();
    let claims = EveClaims {
        scp: Scp::from_scopes(scopes),
        jti: uuid::Uuid::new_v4().to_string(),
        kid: String::new(),
        sub: format!("CHARACTER:EVE:{character_id}"),
        azp: client_id.to_owned(),
        tenant: "tranquility".to_owned(),
        tier: "live".to_owned(),
        region: "world".to_owned(),
        aud: vec![client_id.to_owned(), "EVE Online".to_owned()],
        name: name.to_owned(),
        owner: owner_hash.to_owned(),
        exp: now + ACCESS_LIFETIME_SECS,
        iat: now,
        iss: super::TOKEN_ISSUER.to_owned(),
    };
    let alg = lock(&shared.controls).signing.unwrap_or_else(|| {
        if shared
            .issued
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(2)
        {
            SigningAlg::RS256
        } else {
            SigningAlg::ES256
        }
    });
    shared.keys.sign(&claims, alg)
}

/// RFC 7009: always 200, whether or not the token existed.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if is_form(&headers) {
        let form = parse_form(&body);
        let client = authenticate(&shared, &headers, &form).ok();
        if let Some(token) = form.get("token") {
            let mut sso = lock(&shared.sso);
            let owned = sso
                .refresh
                .get(token)
                .is_some_and(|g| client.as_deref() == Some(g.client_id.as_str()));
            if owned {
                sso.refresh.remove(token);
            }
        }
    }
    StatusCode::OK.into_response()
}
