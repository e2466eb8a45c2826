//! Signing keys and EVE-shaped JWT access tokens.
//!
//! Keys are generated when the first simulator of a process starts (never committed) and shared
//! by later ones: RSA generation is the slowest part of a start and tests start many sims.

use std::sync::{Mutex, OnceLock};

use anyhow::{Context, anyhow};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const RS256_KID: &str = "JWT-Signature-Key";
pub const ES256_KID: &str = "JWT-Signature-Key-ES256";

/// Which algorithm access tokens are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SigningAlg {
    RS256,
    ES256,
}

pub struct Keys {
    rsa: EncodingKey,
    ec: EncodingKey,
    rsa_decoding: DecodingKey,
    ec_decoding: DecodingKey,
    jwks: serde_json::Value,
}

/// `scp`: a string for exactly one scope, an array otherwise (CCP's quirk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scp {
    One(String),
    Many(Vec<String>),
}

impl Scp {
    pub fn from_scopes(scopes: &[String]) -> Option<Self> {
        match scopes {
            [] => None,
            [one] => Some(Scp::One(one.clone())),
            many => Some(Scp::Many(many.to_vec())),
        }
    }

    pub fn scopes(&self) -> Vec<String> {
        match self {
            Scp::One(s) => vec![s.clone()],
            Scp::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EveClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<Scp>,
    pub jti: String,
    pub kid: String,
    pub sub: String,
    pub azp: String,
    pub tenant: String,
    pub tier: String,
    pub region: String,
    pub aud: Vec<String>,
    pub name: String,
    pub owner: String,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
}

impl EveClaims {
    pub fn character_id(&self) -> Option<i64> {
        self.sub.strip_prefix("CHARACTER:EVE:")?.parse().ok()
    }

    pub fn scopes(&self) -> Vec<String> {
        self.scp.as_ref().map(Scp::scopes).unwrap_or_default()
    }
}

static KEYS: OnceLock<Keys> = OnceLock::new();
/// Serialises generation so sims started in parallel don't each burn CPU on an RSA key.
static GENERATING: Mutex<()> = Mutex::new(());

pub fn keys() -> anyhow::Result<&'static Keys> {
    if let Some(k) = KEYS.get() {
        return Ok(k);
    }
    let _guard = GENERATING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = KEYS.get() {
        return Ok(k);
    }
    let generated = Keys::generate()?;
    Ok(KEYS.get_or_init(|| generated))
}

impl Keys {
    fn generate() -> anyhow::Result<Self> {
        let rsa_pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| anyhow!("rsa: {e}"))?;
        let rsa_pkcs8 = rsa_pair.as_der().map_err(|e| anyhow!("rsa der: {e}"))?;
        // jsonwebtoken wants PKCS#1 for RSA; its PEM reader unwraps PKCS#8 for us.
        let rsa = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", rsa_pkcs8.as_ref()).as_bytes())
            .context("rsa encoding key")?;
        let ec_pkcs8 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .map_err(|e| anyhow!("ec: {e}"))?;
        let ec = EncodingKey::from_ec_der(ec_pkcs8.as_ref());

        let mut rsa_jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256)?;
        rsa_jwk.common.key_id = Some(RS256_KID.to_owned());
        rsa_jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        rsa_jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        let mut ec_jwk = Jwk::from_encoding_key(&ec, Algorithm::ES256)?;
        ec_jwk.common.key_id = Some(ES256_KID.to_owned());
        ec_jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        ec_jwk.common.key_algorithm = Some(KeyAlgorithm::ES256);
        let rsa_decoding = DecodingKey::from_jwk(&rsa_jwk)?;
        let ec_decoding = DecodingKey::from_jwk(&ec_jwk)?;
        // CCP's document carries this extra flag next to the keys.
        let jwks = serde_json::json!({
            "keys": [rsa_jwk, ec_jwk],
            "SkipUnresolvedJsonWebKeys": true,
        });
        Ok(Self {
            rsa,
            ec,
            rsa_decoding,
            ec_decoding,
            jwks,
        })
    }

    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    pub fn sign(&self, claims: &EveClaims, alg: SigningAlg) -> anyhow::Result<String> {
        let (algorithm, kid, key) = match alg {
            SigningAlg::RS256 => (Algorithm::RS256, RS256_KID, &self.rsa),
            SigningAlg::ES256 => (Algorithm::ES256, ES256_KID, &self.ec),
        };
        let mut header = Header::new(algorithm);
        header.kid = Some(kid.to_owned());
        let mut claims = claims.clone();
        claims.kid = kid.to_owned();
        Ok(jsonwebtoken::encode(&header, &claims, key)?)
    }

    /// Verifies an access token this simulator issued. Expiry is checked by the caller so it
    /// can answer CCP's distinct "token is expired" error.
    pub fn verify(&self, token: &str, issuer: &str) -> Result<EveClaims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let (alg, key) = match (header.alg, header.kid.as_deref()) {
            (Algorithm::RS256, Some(RS256_KID)) => (Algorithm::RS256, &self.rsa_decoding),
            (Algorithm::ES256, Some(ES256_KID)) => (Algorithm::ES256, &self.ec_decoding),
            _ => return Err("unknown signing key".to_owned()),
        };
        let mut validation = Validation::new(alg);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["sub", "iss", "aud"]);
        validation.set_audience(&["EVE Online"]);
        validation.set_issuer(&[issuer]);
        jsonwebtoken::decode::<EveClaims>(token, key, &validation)
            .map(|d| d.claims)
            .map_err(|e| e.to_string())
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
