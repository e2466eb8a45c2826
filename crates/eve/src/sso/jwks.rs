//! The SSO's signing keys. CCP signs with an RS256 key (`JWT-Signature-Key`) and now also an
//! ES256 key; keys rotate, so a token with an unknown `kid` may trigger one refetch, but never
//! more than once per cooldown so that junk tokens cannot make us hammer the SSO.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a fetched key set is used before fetching it again.
pub(crate) const JWKS_TTL: Duration = Duration::from_secs(300);
/// The least time between two fetches caused by an unknown `kid`.
pub(crate) const UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct JwksState {
    keys: Vec<Jwk>,
    fetched_at: Option<OffsetDateTime>,
}

impl JwksState {
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        self.fetched_at.is_some_and(|at| now - at < JWKS_TTL)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn replace(&mut self, keys: Vec<Jwk>, now: OffsetDateTime) {
        self.keys = keys;
        self.fetched_at = Some(now);
    }

    /// An unknown kid may refetch only if the keys we hold are older than the cooldown: a set
    /// fetched moments ago would not have changed.
    pub fn may_refetch_for_unknown_kid(&self, now: OffsetDateTime) -> bool {
        self.fetched_at
            .is_none_or(|at| now - at >= UNKNOWN_KID_COOLDOWN)
    }

    /// The key with this `kid` that is meant for this `alg`; a key of another algorithm with the
    /// same kid is never used (that is how algorithm-confusion attacks work).
    pub fn find(&self, kid: &str, alg: Algorithm) -> Option<DecodingKey> {
        self.keys
            .iter()
            .filter(|k| k.common.key_id.as_deref() == Some(kid))
            .filter(|k| key_algorithm(k) == Some(alg))
            .find_map(|k| DecodingKey::from_jwk(k).ok())
    }
}

/// The algorithm a JWK is for: its `alg` when given, else what its key type implies.
fn key_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    // Only the two algorithms CCP signs with are ever mapped; any other key is unusable.
    if let Some(alg) = jwk.common.key_algorithm {
        return match alg {
            KeyAlgorithm::RS256 => Some(Algorithm::RS256),
            KeyAlgorithm::ES256 => Some(Algorithm::ES256),
            _ => None,
        };
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
            Some(Algorithm::ES256)
        }
        _ => None,
    }
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// Parses a JWKS, skipping keys this library cannot read instead of rejecting the whole set
/// (CCP's set carries extra members such as `SkipUnresolvedJsonWebKeys`).
pub(crate) fn parse(body: &[u8]) -> Result<Vec<Jwk>, String> {
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|e| format!("the JWKS is not a key set: {e}"))?;
    let keys: Vec<Jwk> = raw
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    if keys.is_empty() {
        return Err("the JWKS holds no usable key".to_owned());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    // CCP's published RS256 key shape, plus an unknown key type that must be skipped.
    const SET: &str = r#"{"keys":[
        {"alg":"RS256","e":"AQAB","kid":"JWT-Signature-Key","kty":"RSA","use":"sig",
         "n":"nehPQ7FQ1YK-leKyIg-aACZaT-DbTL5V1XpXghtLX_bEC-fwxhdE_4yQKDF6cA-V4c-5kh8wMZbfYw5xxgM9DynhMkVrmQFyYB3QMZwydr922UWs3kLz-nO6vi0ldCn-ffM9odUPRHv9UbhM5bB4SZtCrpr9hWQgJ3FjzWO2KosGQ8acLxLtDQfU_lq0OGzoj_oWwUKaN_OVfu80zGTH7mxVeGMJqWXABKd52ByvYZn3wL_hG60DfDWGV_xfLlHMt_WoKZmrXT4V3BCBmbitJ6lda3oNdNeHUh486iqaL43bMR2K4TzrspGMRUYXcudUQ9TycBQBrUlT85NRY9TeOw"},
        {"kty":"OKP-unknown","kid":"x"}
    ],"SkipUnresolvedJsonWebKeys":true}"#;

    #[test]
    fn keys_are_chosen_by_kid_and_alg() {
        let mut state = JwksState::default();
        state.replace(parse(SET.as_bytes()).unwrap(), OffsetDateTime::UNIX_EPOCH);
        assert!(state.find("JWT-Signature-Key", Algorithm::RS256).is_some());
        assert!(state.find("JWT-Signature-Key", Algorithm::ES256).is_none());
        assert!(state.find("JWT-Signature-Key", Algorithm::HS256).is_none());
        assert!(state.find("other", Algorithm::RS256).is_none());
    }

    #[test]
    fn an_empty_or_unreadable_set_is_an_error() {
        assert!(parse(br#"{"keys":[]}"#).is_err());
        assert!(parse(b"<html>").is_err());
    }

    #[test]
    fn unknown_kid_refetch_waits_out_the_cooldown() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut state = JwksState::default();
        assert!(state.may_refetch_for_unknown_kid(t0));
        state.replace(Vec::new(), t0);
        assert!(!state.may_refetch_for_unknown_kid(t0 + Duration::from_secs(59)));
        assert!(state.may_refetch_for_unknown_kid(t0 + Duration::from_secs(60)));
    }
}
