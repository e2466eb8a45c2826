//! What a successful login or refresh yields.

use jumpgate_domain::{CharacterId, ScopeSet};
use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;

/// A token-endpoint answer whose access token has been verified.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    pub access_token: SecretString,
    /// `None` when the SSO sent none (no-scope logins, or a refresh that did not rotate): the
    /// caller keeps the refresh token it already has.
    pub refresh_token: Option<SecretString>,
    /// The earlier of `expires_in` and the JWT's `exp`.
    pub expires_at: OffsetDateTime,
    pub token: VerifiedToken,
}

/// The identity and grants carried by a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub character_id: CharacterId,
    /// Display only: the id is the key.
    pub character_name: String,
    /// CharacterOwnerHash: changes when the character moves to another EVE account.
    pub owner_hash: String,
    pub scopes: ScopeSet,
    pub expires_at: OffsetDateTime,
}

/// The raw JSON of `POST /v2/oauth/token`.
#[derive(Deserialize)]
pub(crate) struct RawToken {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// Absent or `null` both mean "keep the old one".
    #[serde(default)]
    pub refresh_token: Option<String>,
}
