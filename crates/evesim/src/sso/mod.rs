//! EVE SSO v2 (login.eveonline.com): discovery metadata, the authorize form, token exchange
//! and refresh with rotation, revocation and the JWKS.

pub mod authorize;
pub mod keys;
pub mod scopes;
pub mod token;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use rand::RngCore;

use crate::state::{Shared, lock};

/// A fault of the token endpoint (`EveSim::set_sso_fault`), for tests of a client's handling
/// of an SSO outage or a broken registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsoFault {
    /// Every refresh is answered `invalid_grant`, as if every refresh token were dead: the SSO
    /// outage that cost Alliance Auth's alliances their access.
    InvalidGrant,
    /// Every token request is answered `invalid_client` (401), as when the application's secret
    /// was reset on the developers' site.
    InvalidClient,
    /// Every token request is answered 503.
    Unavailable,
    /// Every token request is answered 429 with this `Retry-After`: the SSO's own limiter.
    TooManyRequests { retry_after_secs: u64 },
    /// Every token request is held for [`SSO_HOLD`] before a 504: longer than any client waits,
    /// so the client times out (a hung login server).
    Timeout,
    /// Every refresh is answered `invalid_token`: what EVE's token endpoint answered during
    /// downtime (exodus4d/pathfinder#880), a code RFC 6749 does not give the token endpoint and
    /// that says nothing about the refresh token itself.
    InvalidToken,
}

/// How long [`SsoFault::Timeout`] holds a token request.
pub const SSO_HOLD: std::time::Duration = std::time::Duration::from_secs(60);

/// What EVE writes in an access token's `iss`.
pub const TOKEN_ISSUER: &str = "login.eveonline.com";
/// What EVE's live metadata document announces as `issuer` (not what tokens carry).
pub const METADATA_ISSUER: &str = "https://login.eveonline.com";

/// A registered SSO application.
#[derive(Debug, Clone)]
pub struct Client {
    pub secret: String,
    pub callback: String,
    /// The scopes it was registered with: it may ask for these and no others.
    pub scopes: Vec<String>,
    /// Bumped when the registered scopes change: CCP then invalidates every refresh token the
    /// application holds.
    pub registration: u64,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub character_id: i64,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub expires_at: Instant,
    pub code_challenge: Option<String>,
}

/// What a refresh token stands for. The owner hash is remembered so a transfer kills it.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    /// The client's [`Client::registration`] when the grant was made.
    pub registration: u64,
    pub character_id: i64,
    pub owner_hash: String,
    pub scopes: Vec<String>,
}

#[derive(Default)]
pub struct SsoState {
    pub clients: HashMap<String, Client>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
}

impl SsoState {
    /// The application's current registration (see [`Client::registration`]).
    pub fn registration(&self, client_id: &str) -> u64 {
        self.clients.get(client_id).map_or(0, |c| c.registration)
    }

    pub fn revoke_character(&mut self, character_id: i64) {
        self.refresh.retain(|_, g| g.character_id != character_id);
        self.codes.retain(|_, c| c.character_id != character_id);
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route(
            "/v2/oauth/authorize",
            get(authorize::show).post(authorize::submit),
        )
        .route("/v2/oauth/token", post(token::token))
        .route("/v2/oauth/revoke", post(token::revoke))
        .route("/oauth/jwks", get(jwks))
}

async fn metadata(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let auth_methods = [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ];
    Json(serde_json::json!({
        "issuer": METADATA_ISSUER,
        "authorization_endpoint": shared.url("/v2/oauth/authorize"),
        "token_endpoint": shared.url("/v2/oauth/token"),
        "userinfo_endpoint": shared.url("/v2/oauth/verify"),
        "response_types_supported": ["code", "token"],
        "jwks_uri": shared.url("/oauth/jwks"),
        "revocation_endpoint": shared.url("/v2/oauth/revoke"),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": ["HS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let latency = lock(&shared.controls).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    Json(shared.keys.jwks().clone())
}

/// Opaque random token text. `standard` gives CCP's refresh-token shape (24 characters of
/// padded base64 with `+`/`/`, which forces clients to URL-encode it).
pub fn random_token(bytes: usize, standard: bool) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    if standard {
        base64::engine::general_purpose::STANDARD.encode(buf)
    } else {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    }
}
