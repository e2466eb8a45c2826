//! EVE SSO v2: authorize URL, code exchange, refresh, revocation and local JWT verification.
//!
//! Hand-rolled on reqwest because EVE's quirks need custom handling anyway: form-only bodies,
//! `invalid_grant` meaning different things, two issuer spellings, `scp` string-or-array.

mod config;
mod errors;
mod jwks;
mod jwt;
mod metadata;
mod pkce;
mod token;

pub use config::SsoConfig;
pub use errors::SsoError;
pub use pkce::CodeVerifier;
pub use token::{TokenResponse, VerifiedToken};

use crate::body::{BodyError, SSO_MAX_BODY, read_capped};
use crate::clock::{Clock, SystemClock};
use errors::{Grant, classify, snippet};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use jumpgate_domain::ScopeSet;
use jwks::JwksState;
use metadata::{Metadata, MetadataSlot};
use reqwest::header::{ACCEPT, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use token::RawToken;
use url::Url;

/// A request that never reached the SSO may be sent again this many times.
const CONNECT_RETRIES: u32 = 2;
const CONNECT_RETRY_DELAY: Duration = Duration::from_millis(500);
/// How long a request to the SSO may take by default (`eve.sso_timeout`).
pub const DEFAULT_SSO_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct SsoClient {
    inner: Arc<Inner>,
    clock: Arc<dyn Clock>,
    timeout: Duration,
}

struct Inner {
    config: SsoConfig,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<MetadataSlot>,
    jwks: tokio::sync::Mutex<JwksState>,
}

impl std::fmt::Debug for SsoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoClient")
            .field("client_id", &self.inner.config.client_id)
            .field("base_url", &self.inner.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl SsoClient {
    pub fn new(config: SsoConfig, http: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                http,
                metadata: tokio::sync::Mutex::new(MetadataSlot::default()),
                jwks: tokio::sync::Mutex::new(JwksState::default()),
            }),
            clock: Arc::new(SystemClock),
            timeout: DEFAULT_SSO_TIMEOUT,
        }
    }

    /// Replaces the clock used for token expiry, cache ages and retry waits.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Per-request timeout (default 20 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Where to send the browser. `state` and `verifier` must be kept for this browser (its
    /// pending login) and used on return: `state` compared, `verifier` given to
    /// [`SsoClient::exchange_code`]. Only the verifier's S256 challenge goes in the URL.
    pub async fn authorize_url(
        &self,
        state: &str,
        verifier: &CodeVerifier,
        scopes: &ScopeSet,
    ) -> Result<Url, SsoError> {
        let md = self.metadata().await?;
        let mut url = md.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", self.inner.config.callback_url.as_str())
            .append_pair("client_id", &self.inner.config.client_id)
            .append_pair("scope", &scopes.to_space_separated())
            .append_pair("state", state)
            .append_pair("code_challenge", &verifier.challenge())
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    /// Trades the callback's `code` for tokens, proving with `verifier` that this is the login
    /// the code was issued to (PKCE), and naming the same `redirect_uri` as the authorize URL
    /// (RFC 6749 §4.1.3). Codes are single-use, so the request is sent again only when it never
    /// reached the SSO.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &CodeVerifier,
    ) -> Result<TokenResponse, SsoError> {
        self.token_request(
            Grant::AuthorizationCode,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.inner.config.callback_url.as_str()),
                ("code_verifier", verifier.as_str()),
            ],
        )
        .await
    }

    /// Gets a new access token. A missing `refresh_token` in the answer comes back as `None`:
    /// keep the old one. Store a returned one atomically with the access token (rotation).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, SsoError> {
        self.token_request(
            Grant::RefreshToken,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Revokes a refresh token (RFC 7009). A token the SSO already considers dead counts as
    /// revoked.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), SsoError> {
        let md = self.metadata().await?;
        let endpoint = md
            .revocation_endpoint
            .clone()
            .ok_or_else(|| SsoError::Misconfigured {
                description: "the SSO metadata has no revocation_endpoint".to_owned(),
            })?;
        let form = [
            ("token_type_hint", "refresh_token"),
            ("token", refresh_token),
        ];
        match self.post_form(Grant::Revoke, &endpoint, &form).await {
            Ok(_) | Err(SsoError::TokenRevoked { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Verifies an access token locally against the SSO's published keys.
    pub async fn verify(&self, access_token: &str) -> Result<VerifiedToken, SsoError> {
        let (kid, alg) = jwt::header(access_token)?;
        let md = self.metadata().await?;
        let key = self.signing_key(&md, &kid, alg).await?;
        let expected = jwt::Expected {
            client_id: &self.inner.config.client_id,
            now: self.clock.now(),
        };
        jwt::verify(access_token, alg, &key, &expected)
    }

    async fn token_request(
        &self,
        grant: Grant,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, SsoError> {
        let md = self.metadata().await?;
        let body = self.post_form(grant, &md.token_endpoint, form).await?;
        let raw: RawToken = serde_json::from_slice(&body)
            .map_err(|e| SsoError::Protocol(format!("the token answer is not a token: {e}")))?;
        let token = self.verify(&raw.access_token).await?;
        let expires_at = match raw.expires_in {
            Some(secs) => (self.clock.now() + time::Duration::seconds(secs)).min(token.expires_at),
            None => token.expires_at,
        };
        Ok(TokenResponse {
            access_token: SecretString::from(raw.access_token),
            refresh_token: raw
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
            expires_at,
            token,
        })
    }

    /// POSTs an `application/x-www-form-urlencoded` body with HTTP Basic client
    /// authentication, the only shape CCP's token endpoint reads correctly.
    async fn post_form(
        &self,
        grant: Grant,
        endpoint: &Url,
        form: &[(&str, &str)],
    ) -> Result<Vec<u8>, SsoError> {
        let config = &self.inner.config;
        let mut attempt = 0;
        let response = loop {
            let sent = self
                .inner
                .http
                .post(endpoint.clone())
                .basic_auth(
                    &config.client_id,
                    Some(config.client_secret.expose_secret()),
                )
                .header(USER_AGENT, &config.user_agent)
                .header(ACCEPT, "application/json")
                .timeout(self.timeout)
                .form(form)
                .send()
                .await;
            match sent {
                Ok(r) => break r,
                Err(e) if e.is_connect() && attempt < CONNECT_RETRIES => {
                    attempt += 1;
                    tracing::warn!(?grant, attempt, "SSO unreachable, trying again");
                    self.clock.sleep(CONNECT_RETRY_DELAY * attempt).await;
                }
                Err(e) => return Err(unavailable(&e)),
            }
        };
        let status = response.status();
        let retry_after = crate::http_date::retry_after(response.headers(), self.clock.now());
        let body = read_sso_body(response).await?;
        if status.is_success() {
            Ok(body)
        } else {
            let err = classify(grant, status, &body, retry_after);
            tracing::warn!(?grant, status = status.as_u16(), error = %err, "SSO refused a request");
            Err(err)
        }
    }

    async fn metadata(&self) -> Result<Arc<Metadata>, SsoError> {
        let mut slot = self.inner.metadata.lock().await;
        let now = self.clock.now();
        if let Some(md) = slot.fresh(now) {
            return Ok(md);
        }
        match self.fetch_metadata().await {
            Ok(md) => Ok(slot.store(md, now)),
            Err(e) => match slot.stale() {
                Some(md) => {
                    tracing::warn!(error = %e, "SSO metadata refresh failed, using the old copy");
                    Ok(md)
                }
                None => Err(e),
            },
        }
    }

    async fn fetch_metadata(&self) -> Result<Metadata, SsoError> {
        let url = self
            .inner
            .config
            .metadata_url()
            .map_err(|e| SsoError::Misconfigured {
                description: format!("bad SSO base URL: {e}"),
            })?;
        let body = self.get(&url, "metadata").await?;
        serde_json::from_slice(&body)
            .map_err(|e| SsoError::Protocol(format!("the SSO metadata is unreadable: {e}")))
    }

    async fn fetch_jwks(&self, md: &Metadata) -> Result<Vec<Jwk>, SsoError> {
        let body = self.get(&md.jwks_uri, "JWKS").await?;
        jwks::parse(&body).map_err(SsoError::Protocol)
    }

    async fn get(&self, url: &Url, what: &str) -> Result<Vec<u8>, SsoError> {
        let response = self
            .inner
            .http
            .get(url.clone())
            .header(USER_AGENT, &self.inner.config.user_agent)
            .header(ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        let status = response.status();
        let retry_after = crate::http_date::retry_after(response.headers(), self.clock.now());
        let body = read_sso_body(response).await?;
        if status.is_success() {
            Ok(body)
        } else if status.is_server_error() || status.as_u16() == 429 {
            Err(SsoError::Unavailable {
                retry_after,
                description: format!("{what}: HTTP {}", status.as_u16()),
            })
        } else {
            Err(SsoError::Misconfigured {
                description: format!(
                    "{what} at {url}: HTTP {} {}",
                    status.as_u16(),
                    snippet(&body)
                ),
            })
        }
    }

    /// The key for `kid`+`alg`, fetching the key set when it is old, and once more (at most
    /// once per cooldown) when the kid is unknown: CCP may have rotated keys.
    async fn signing_key(
        &self,
        md: &Metadata,
        kid: &str,
        alg: Algorithm,
    ) -> Result<DecodingKey, SsoError> {
        let mut state = self.inner.jwks.lock().await;
        if !state.is_fresh(self.clock.now()) {
            match self.fetch_jwks(md).await {
                Ok(keys) => state.replace(keys, self.clock.now()),
                Err(e) if state.is_empty() => return Err(e),
                Err(e) => tracing::warn!(error = %e, "JWKS refresh failed, using the old keys"),
            }
        }
        if let Some(key) = state.find(kid, alg) {
            return Ok(key);
        }
        if state.may_refetch_for_unknown_kid(self.clock.now()) {
            tracing::info!(kid, "unknown JWT key id, fetching the JWKS again");
            let keys = self.fetch_jwks(md).await?;
            state.replace(keys, self.clock.now());
            if let Some(key) = state.find(kid, alg) {
                return Ok(key);
            }
        }
        Err(SsoError::InvalidJwt(format!(
            "no {alg:?} key with kid {kid:?} in the SSO's key set"
        )))
    }
}

/// A request that failed without an HTTP answer: timeouts, refused connections, resets.
/// An SSO answer's body, at most [`SSO_MAX_BODY`]. One that is longer is an outage, like one that
/// breaks off: nothing is judged from it, no token is touched.
async fn read_sso_body(response: reqwest::Response) -> Result<Vec<u8>, SsoError> {
    read_capped(response, SSO_MAX_BODY)
        .await
        .map_err(|e| match e {
            BodyError::Transport(e) => unavailable(&e),
            BodyError::TooLarge { cap } => SsoError::Unavailable {
                retry_after: None,
                description: BodyError::too_large(cap),
            },
        })
}

fn unavailable(e: &reqwest::Error) -> SsoError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "transport error"
    };
    SsoError::Unavailable {
        retry_after: None,
        description: format!("{kind}: {e}"),
    }
}
