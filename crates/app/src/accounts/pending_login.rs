//! A login begun in a browser and not finished yet: its random `state`, the EVE login (scope set)
//! it asks for, when it expires and its PKCE code verifier (security review L2). It lives in that browser, in a cookie sealed with a key
//! derived from the token key ring, not in the database: starting a login costs Jumpgate no
//! write, whoever asks and however often (security review M2; ADR 0018). Sealed means encrypted
//! and authenticated, so a browser can neither read nor change it, and only a Jumpgate with the
//! same key ring (every instance of this deployment) opens it.

use crate::App;
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jumpgate_eve::CodeVerifier;
use serde::{Deserialize, Serialize};
use url::Url;

/// How long a begun login may take before EVE sends the browser back.
pub const PENDING_LOGIN_LIFETIME: time::Duration = time::Duration::minutes(10);

/// What the key that seals pending logins is derived for (`KeyRing::derive_key`).
const PURPOSE: &str = "sso.pending-login";

/// A begun login, as the browser's cookie carries it.
#[derive(Serialize, Deserialize)]
pub struct PendingLogin {
    /// Random, 256 bits; EVE sends it back with the code.
    pub state: String,
    /// The EVE login (named scope set) asked for.
    pub login: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// PKCE: only its challenge went to EVE; the code exchange proves this login with it.
    verifier: String,
}

impl PendingLogin {
    /// The code verifier, to exchange this login's code with.
    pub(crate) fn verifier(&self) -> AppResult<CodeVerifier> {
        CodeVerifier::parse(&self.verifier).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "a pending login sealed by Jumpgate holds no valid PKCE verifier"
            ))
        })
    }
}

/// What `begin_login` gives the edge: where to send the browser, and the cookie to set first.
pub struct BegunLogin {
    pub authorize_url: Url,
    /// The pending login, sealed and in base64url: the cookie's value.
    pub cookie: String,
}

impl App {
    /// Starts a login with the scopes of `login_name`: a fresh `state` and PKCE verifier, the SSO
    /// URL to send the browser to and the pending login sealed for its cookie. Anyone may start
    /// one; nothing is written.
    pub async fn begin_login(&self, login_name: &str) -> AppResult<BegunLogin> {
        let login = self.login(login_name).ok_or_else(|| {
            AppError::NotFound(format!("there is no EVE login named '{login_name}'"))
        })?;
        let verifier = CodeVerifier::generate();
        let pending = PendingLogin {
            state: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()),
            login: login.name.clone(),
            expires_at: (self.now() + PENDING_LOGIN_LIFETIME).unix_timestamp(),
            verifier: verifier.as_str().to_owned(),
        };
        let authorize_url = self
            .sso()
            .authorize_url(&pending.state, &verifier, &login.scopes)
            .await?;
        let plain = serde_json::to_vec(&pending).map_err(|e| AppError::Internal(e.into()))?;
        let sealed = self.keys().read().await.seal_for(PURPOSE, &plain)?;
        Ok(BegunLogin {
            authorize_url,
            cookie: URL_SAFE_NO_PAD.encode(sealed),
        })
    }

    /// The pending login a browser's cookie carries. `None` when this deployment's key did not
    /// seal it: changed, made up, from another Jumpgate, or from before the token key was
    /// rotated. Anyone (it only reads what the browser brought).
    pub async fn pending_login(&self, cookie: &str) -> Option<PendingLogin> {
        let sealed = URL_SAFE_NO_PAD.decode(cookie).ok()?;
        let plain = self.keys().read().await.open_for(PURPOSE, &sealed).ok()?;
        serde_json::from_slice(&plain).ok()
    }
}
