//! A fake SSO on wiremock: test keys, signed tokens, metadata and JWKS.

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use jumpgate_eve::{ManualClock, SsoClient, SsoConfig};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};
use time::OffsetDateTime;
use time::macros::datetime;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "jumpgate-client";
pub const CLIENT_SECRET: &str = "s3cret";
pub const RSA_KID: &str = "JWT-Signature-Key";
pub const EC_KID: &str = "8878a23f-b2f8-4a7d-b0ae-0f0b4d5b4d4f";
pub const CHARACTER: i64 = 2_112_000_001;
pub const START: OffsetDateTime = datetime!(2026-08-18 12:00 UTC);

pub struct TestKey {
    pub encoding: EncodingKey,
    pub alg: Algorithm,
    pub kid: String,
    /// The public key in the forms an attacker can get hold of (named), for algorithm-confusion
    /// tests: an HS256 token "signed" with one of them.
    pub public_forms: Vec<(&'static str, Vec<u8>)>,
}

impl TestKey {
    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).expect("jwk");
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk
    }
}

/// Key generation is the slow part of these tests: once per test binary.
pub static RSA: LazyLock<TestKey> = LazyLock::new(|| {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("rsa key");
    let der = pair.as_der().expect("pkcs8");
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let body: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        body.join("\n")
    );
    let public = pair.public_key();
    let spki = AsDer::<PublicKeyX509Der>::as_der(public).expect("spki");
    let public_pem = pem_of("PUBLIC KEY", spki.as_ref());
    let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("rsa pem");
    let mut key = TestKey {
        encoding,
        alg: Algorithm::RS256,
        kid: RSA_KID.to_owned(),
        public_forms: Vec::new(),
    };
    let jwk = serde_json::to_string(&key.jwk()).expect("jwk json");
    key.public_forms = vec![
        ("the public key's PEM", public_pem.into_bytes()),
        ("the public key's DER", spki.as_ref().to_vec()),
        ("the PKCS#1 DER", public.as_ref().to_vec()),
        ("the JWK as served", jwk.into_bytes()),
    ];
    key
});

fn pem_of(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ascii"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub static EC: LazyLock<TestKey> = LazyLock::new(|| {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec key");
    let der = pair.to_pkcs8v1().expect("pkcs8");
    TestKey {
        encoding: EncodingKey::from_ec_der(der.as_ref()),
        alg: Algorithm::ES256,
        kid: EC_KID.to_owned(),
        public_forms: Vec::new(),
    }
});

pub fn jwks(keys: &[&TestKey]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| serde_json::to_value(k.jwk()).expect("jwk json"))
        .collect();
    json!({ "keys": keys, "SkipUnresolvedJsonWebKeys": true })
}

/// The claims CCP puts in an access token, valid at [`START`].
pub fn claims() -> Value {
    let iat = START.unix_timestamp();
    json!({
        "scp": ["esi-characters.read_contacts.v1", "publicData"],
        "jti": "998e12c7-3241-43c5-8355-2c48822e0a1b",
        "kid": RSA_KID,
        "sub": format!("CHARACTER:EVE:{CHARACTER}"),
        "azp": CLIENT_ID,
        "tenant": "tranquility",
        "tier": "live",
        "region": "world",
        "aud": [CLIENT_ID, "EVE Online"],
        "name": "Some Bloke",
        "owner": "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
        "exp": iat + 1200,
        "iat": iat,
        "iss": "login.eveonline.com"
    })
}

pub fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("sign")
}

pub fn sign_with_kid(key: &TestKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("sign")
}

pub struct Sso {
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
    pub client: SsoClient,
}

impl Sso {
    /// A fake SSO whose metadata announces CCP's documented issuer form.
    pub async fn start() -> Self {
        Self::start_with_issuer(None).await
    }

    /// `issuer: None` means CCP's documented `login.eveonline.com`; `Some("")` means the mock
    /// server's own address.
    pub async fn start_with_issuer(issuer: Option<&str>) -> Self {
        let server = MockServer::start().await;
        let base = server.uri();
        let issuer = match issuer {
            None => "login.eveonline.com".to_owned(),
            Some("") => base.clone(),
            Some(other) => other.to_owned(),
        };
        Mock::given(method("GET"))
            .and(path("/.well-known/oauth-authorization-server"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{base}/v2/oauth/authorize"),
                "token_endpoint": format!("{base}/v2/oauth/token"),
                "response_types_supported": ["code", "token"],
                "jwks_uri": format!("{base}/oauth/jwks"),
                "revocation_endpoint": format!("{base}/v2/oauth/revoke"),
                "code_challenge_methods_supported": ["S256"]
            })))
            .named("metadata")
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new(START));
        let client = client_for(&base, Arc::clone(&clock));
        Self {
            server,
            clock,
            client,
        }
    }

    /// Serves a key set; `times` (when given) is the exact number of fetches expected.
    pub async fn serve_jwks(&self, keys: &[&TestKey], times: Option<u64>) {
        let mut mock = Mock::given(method("GET"))
            .and(path("/oauth/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)))
            .named("jwks");
        if let Some(n) = times {
            mock = mock.expect(n);
        }
        mock.mount(&self.server).await;
    }

    pub async fn requests_to(&self, p: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == p)
            .count()
    }
}

pub fn client_for(base: &str, clock: Arc<ManualClock>) -> SsoClient {
    let config = SsoConfig {
        client_id: CLIENT_ID.to_owned(),
        client_secret: SecretString::from(CLIENT_SECRET),
        callback_url: Url::parse("https://auth.example.org/sso/callback").expect("url"),
        base_url: Url::parse(base).expect("url"),
        user_agent: "jumpgate-tests/0.1 (admin@example.org)".to_owned(),
    };
    SsoClient::new(config, reqwest::Client::new())
        .with_clock(clock)
        .with_timeout(std::time::Duration::from_millis(300))
}
