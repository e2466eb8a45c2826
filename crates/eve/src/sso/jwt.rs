//! Local verification of EVE SSO access tokens (reference §A1.7).
//!
//! jsonwebtoken checks the signature and algorithm only; every claim rule is applied here,
//! because CCP's rules differ from the library's defaults: `aud` must contain *both* our client
//! id and "EVE Online", `iss` comes in several spellings, and "now" comes from our clock.

use super::errors::SsoError;
use super::metadata::EVE_ISSUERS;
use super::token::VerifiedToken;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use jumpgate_domain::{CharacterId, ScopeSet};
use serde::Deserialize;
use std::time::Duration;
use time::OffsetDateTime;

/// Clock skew tolerated on `exp`.
pub(crate) const EXP_LEEWAY: Duration = Duration::from_secs(60);
/// The audience CCP puts in every token besides the client id.
pub(crate) const EVE_AUDIENCE: &str = "EVE Online";

/// Only asymmetric algorithms CCP uses. `none` cannot even be parsed by jsonwebtoken, and HS*
/// would let anyone holding the (public) key forge tokens.
const ACCEPTED: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    /// A string when one scope was granted, an array otherwise, absent for none.
    #[serde(default)]
    scp: Option<OneOrMany>,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    iss: Option<String>,
    exp: i64,
}

/// The `kid` and `alg` of a token, refusing anything but RS256/ES256 before any key lookup.
pub(crate) fn header(token: &str) -> Result<(String, Algorithm), SsoError> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| SsoError::InvalidJwt(format!("unreadable header: {e}")))?;
    if !ACCEPTED.contains(&header.alg) {
        return Err(SsoError::InvalidJwt(format!(
            "algorithm {:?} is not accepted",
            header.alg
        )));
    }
    let kid = header
        .kid
        .ok_or_else(|| SsoError::InvalidJwt("the header has no kid".to_owned()))?;
    Ok((kid, header.alg))
}

pub(crate) struct Expected<'a> {
    pub client_id: &'a str,
    pub now: OffsetDateTime,
}

/// Checks signature and claims of `token` with `key` (already chosen by kid and alg).
pub(crate) fn verify(
    token: &str,
    alg: Algorithm,
    key: &DecodingKey,
    expected: &Expected<'_>,
) -> Result<VerifiedToken, SsoError> {
    let mut validation = Validation::new(alg);
    // Claims are checked below, against our clock and CCP's rules.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|e| SsoError::InvalidJwt(format!("signature or format: {e}")))?;
    let claims = data.claims;

    if !claims
        .iss
        .as_deref()
        .is_some_and(|i| EVE_ISSUERS.contains(&i))
    {
        return Err(SsoError::InvalidJwt(format!(
            "issuer {:?} is not accepted",
            claims.iss
        )));
    }

    let aud = claims.aud.map(OneOrMany::into_vec).unwrap_or_default();
    for needed in [expected.client_id, EVE_AUDIENCE] {
        if !aud.iter().any(|a| a == needed) {
            return Err(SsoError::InvalidJwt(format!(
                "audience {aud:?} lacks {needed:?}"
            )));
        }
    }

    let expires_at = OffsetDateTime::from_unix_timestamp(claims.exp)
        .map_err(|_| SsoError::InvalidJwt("exp is out of range".to_owned()))?;
    if expected.now > expires_at + EXP_LEEWAY {
        return Err(SsoError::InvalidJwt(format!("expired at {expires_at}")));
    }

    let character_id = parse_sub(&claims.sub)?;
    let owner_hash = claims
        .owner
        .filter(|o| !o.is_empty())
        .ok_or_else(|| SsoError::InvalidJwt("no owner hash".to_owned()))?;
    let character_name = claims
        .name
        .ok_or_else(|| SsoError::InvalidJwt("no character name".to_owned()))?;
    let scopes = ScopeSet::new(claims.scp.map(OneOrMany::into_vec).unwrap_or_default());

    Ok(VerifiedToken {
        character_id,
        character_name,
        owner_hash,
        scopes,
        expires_at,
    })
}

/// `CHARACTER:EVE:<id>`; older docs said `EVE:CHARACTER:`, tokens never did.
fn parse_sub(sub: &str) -> Result<CharacterId, SsoError> {
    let parts: Vec<&str> = sub.split(':').collect();
    match parts.as_slice() {
        ["CHARACTER", "EVE", id] => id
            .parse::<CharacterId>()
            .map_err(|_| SsoError::InvalidJwt(format!("subject {sub:?} has no valid id"))),
        _ => Err(SsoError::InvalidJwt(format!(
            "subject {sub:?} is not CHARACTER:EVE:<id>"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_character_eve_id() {
        assert_eq!(
            parse_sub("CHARACTER:EVE:2112000001").unwrap(),
            CharacterId(2_112_000_001)
        );
        for bad in [
            "EVE:CHARACTER:1",
            "CHARACTER:EVE:",
            "CHARACTER:EVE:x",
            "CHARACTER:EVE:1:2",
        ] {
            assert!(parse_sub(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn alg_none_and_hmac_are_refused_before_key_lookup() {
        // {"alg":"none","typ":"JWT"} . {} .
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.";
        assert!(matches!(header(none), Err(SsoError::InvalidJwt(_))));
        // {"alg":"HS256","kid":"JWT-Signature-Key","typ":"JWT"} . {} . sig
        let hs = "eyJhbGciOiJIUzI1NiIsImtpZCI6IkpXVC1TaWduYXR1cmUtS2V5IiwidHlwIjoiSldUIn0.e30.c2ln";
        assert!(matches!(header(hs), Err(SsoError::InvalidJwt(_))));
    }
}
