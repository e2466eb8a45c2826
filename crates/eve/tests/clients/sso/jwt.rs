//! Access-token verification: keys by kid+alg, CCP's claim rules, the JWKS cache.

use crate::sso::harness::*;
use base64::Engine;
use jumpgate_domain::{CharacterId, ScopeSet};
use jumpgate_eve::SsoError;
use serde_json::{Value, json};
use std::time::Duration;

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

/// Verification refuses `token`, for the reason that contains `because`.
async fn rejects(sso: &Sso, token: &str, because: &str) {
    match sso.client.verify(token).await {
        Err(SsoError::InvalidJwt(why)) => {
            assert!(
                why.contains(because),
                "refused for {why:?}, not {because:?}"
            )
        }
        other => panic!("expected InvalidJwt ({because}), got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_rs256_token_is_accepted_and_read() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA, &EC], None).await;
    let token = sso
        .client
        .verify(&sign(&RSA, &claims()))
        .await
        .expect("valid");
    assert_eq!(token.character_id, CharacterId(CHARACTER));
    assert_eq!(token.character_name, "Some Bloke");
    assert_eq!(token.owner_hash, "8PmzCeTKb4VFUDrHLc/AeZXDSWM=");
    assert_eq!(
        token.scopes,
        ScopeSet::parse("publicData esi-characters.read_contacts.v1")
    );
    assert_eq!(token.expires_at, START + Duration::from_secs(1200));
}

#[tokio::test]
async fn a_valid_es256_token_is_accepted() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA, &EC], None).await;
    let token = sso
        .client
        .verify(&sign(&EC, &claims()))
        .await
        .expect("valid");
    assert_eq!(token.character_id, CharacterId(CHARACTER));
}

#[tokio::test]
async fn both_documented_issuer_forms_are_accepted_with_or_without_slash() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    for iss in [
        "login.eveonline.com",
        "https://login.eveonline.com",
        "https://login.eveonline.com/",
    ] {
        let token = sign(&RSA, &with(claims(), "iss", json!(iss)));
        assert!(sso.client.verify(&token).await.is_ok(), "{iss}");
    }
}

/// What the live SSO does: its metadata announces `https://login.eveonline.com`, its tokens
/// carry `login.eveonline.com`.
#[tokio::test]
async fn a_token_issued_as_eve_writes_it_is_accepted_beside_the_live_metadata() {
    let sso = Sso::start_with_issuer(Some("https://login.eveonline.com")).await;
    sso.serve_jwks(&[&RSA], None).await;
    let token = sign(&RSA, &claims());
    assert_eq!(claims()["iss"], "login.eveonline.com");
    assert!(sso.client.verify(&token).await.is_ok());
}

#[tokio::test]
async fn the_token_issuer_is_eves_even_when_the_metadata_announces_another() {
    // A metadata document naming the server's own address (as a test double might) changes
    // nothing: tokens are EVE's or refused.
    let sso = Sso::start_with_issuer(Some("")).await;
    sso.serve_jwks(&[&RSA], None).await;
    let own = sso.server.uri();
    let token = sign(&RSA, &with(claims(), "iss", json!(own)));
    rejects(
        &sso,
        &token,
        &format!("issuer Some({own:?}) is not accepted"),
    )
    .await;
    let eve = sign(&RSA, &claims());
    assert!(sso.client.verify(&eve).await.is_ok());
}

#[tokio::test]
async fn a_foreign_or_missing_issuer_is_rejected() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    for iss in [
        "https://login.evil.example",
        "logineveonline.com",
        "http://login.eveonline.com",
    ] {
        let token = sign(&RSA, &with(claims(), "iss", json!(iss)));
        rejects(
            &sso,
            &token,
            &format!("issuer Some({iss:?}) is not accepted"),
        )
        .await;
    }
    let token = sign(&RSA, &without(claims(), "iss"));
    rejects(&sso, &token, "issuer None is not accepted").await;
}

#[tokio::test]
async fn the_audience_must_hold_both_the_client_id_and_eve_online() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    for aud in [
        json!([CLIENT_ID]),
        json!(["EVE Online"]),
        json!(CLIENT_ID),
        json!(["someone-else", "EVE Online"]),
    ] {
        let token = sign(&RSA, &with(claims(), "aud", aud.clone()));
        rejects(&sso, &token, "audience").await;
    }
    let token = sign(&RSA, &without(claims(), "aud"));
    rejects(&sso, &token, "audience [] lacks").await;
}

#[tokio::test]
async fn expiry_allows_sixty_seconds_of_clock_skew_and_no_more() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let token = sign(&RSA, &claims());
    sso.clock.advance(Duration::from_secs(1200 + 59));
    assert!(sso.client.verify(&token).await.is_ok());
    sso.clock.advance(Duration::from_secs(2));
    rejects(&sso, &token, "expired at").await;
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let token = sign(&RSA, &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(claims(), "sub", json!("CHARACTER:EVE:90000001"));
    let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&forged).expect("json"));
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    rejects(&sso, &tampered, "signature or format: InvalidSignature").await;
}

#[tokio::test]
async fn alg_none_is_refused_before_any_key_is_looked_up() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(v).expect("json"))
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": RSA_KID, "typ": "JWT"})),
        b64(&claims())
    );
    rejects(&sso, &none, "unreadable header").await;
    assert_eq!(
        sso.requests_to("/oauth/jwks").await,
        0,
        "no key was fetched"
    );
}

/// The algorithm-confusion attack: the RSA public key is public, so an attacker signs HS256
/// with it as the HMAC secret and hopes the verifier feeds the same bytes to HMAC. Every form
/// of that key an attacker can get is tried; each is refused for its algorithm, before any key
/// is looked up.
#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused_for_its_algorithm() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    assert_eq!(RSA.public_forms.len(), 4);
    for (form, secret) in &RSA.public_forms {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(RSA_KID.to_owned());
        let forged = jsonwebtoken::encode(
            &header,
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .expect("sign");
        // The forgery is well made: HMAC with the same bytes accepts it.
        let mut hmac = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        hmac.validate_exp = false;
        hmac.validate_aud = false;
        assert!(
            jsonwebtoken::decode::<Value>(
                &forged,
                &jsonwebtoken::DecodingKey::from_secret(secret),
                &hmac
            )
            .is_ok(),
            "{form}"
        );
        match sso.client.verify(&forged).await {
            Err(SsoError::InvalidJwt(why)) => {
                assert_eq!(why, "algorithm HS256 is not accepted", "{form}")
            }
            other => panic!("{form}: expected the algorithm's refusal, got {other:?}"),
        }
    }
    assert_eq!(
        sso.requests_to("/oauth/jwks").await,
        0,
        "no key was fetched"
    );
}

#[tokio::test]
async fn a_key_is_only_used_for_its_own_algorithm() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA, &EC], None).await;
    // An ES256 token claiming the RSA key's kid: no ES256 key has that kid.
    let confused = sign_with_kid(&EC, RSA_KID, &claims());
    rejects(
        &sso,
        &confused,
        &format!("no ES256 key with kid {RSA_KID:?} in the SSO's key set"),
    )
    .await;
}

#[tokio::test]
async fn scp_may_be_a_string_an_array_or_absent() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let one = sign(&RSA, &with(claims(), "scp", json!("publicData")));
    assert_eq!(
        sso.client.verify(&one).await.expect("one").scopes,
        ScopeSet::parse("publicData")
    );
    let many = sign(&RSA, &with(claims(), "scp", json!(["a.v1", "b.v1"])));
    assert_eq!(
        sso.client.verify(&many).await.expect("many").scopes,
        ScopeSet::parse("a.v1 b.v1")
    );
    let none = sign(&RSA, &without(claims(), "scp"));
    assert!(
        sso.client
            .verify(&none)
            .await
            .expect("none")
            .scopes
            .is_empty()
    );
}

#[tokio::test]
async fn the_subject_must_be_character_eve_id() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    for sub in [
        "EVE:CHARACTER:2112000001",
        "CHARACTER:EVE:abc",
        "2112000001",
    ] {
        let token = sign(&RSA, &with(claims(), "sub", json!(sub)));
        rejects(&sso, &token, &format!("subject {sub:?}")).await;
    }
}

#[tokio::test]
async fn a_token_without_owner_hash_is_rejected() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    rejects(
        &sso,
        &sign(&RSA, &without(claims(), "owner")),
        "no owner hash",
    )
    .await;
}

#[tokio::test]
async fn the_key_set_is_cached_for_five_minutes() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let fresh = |c: Value| with(c, "exp", json!(START.unix_timestamp() + 3600));
    let token = sign(&RSA, &fresh(claims()));
    for _ in 0..3 {
        sso.client.verify(&token).await.expect("valid");
    }
    assert_eq!(sso.requests_to("/oauth/jwks").await, 1);
    sso.clock.advance(Duration::from_secs(301));
    sso.client.verify(&token).await.expect("valid");
    assert_eq!(sso.requests_to("/oauth/jwks").await, 2);
    assert_eq!(
        sso.requests_to("/.well-known/oauth-authorization-server")
            .await,
        1,
        "metadata is cached longer than the keys"
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_keys_once_then_waits_out_the_cooldown() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let valid_for_long = with(claims(), "exp", json!(START.unix_timestamp() + 3600));
    sso.client
        .verify(&sign(&RSA, &valid_for_long))
        .await
        .expect("warms the cache");
    assert_eq!(sso.requests_to("/oauth/jwks").await, 1);

    sso.clock.advance(Duration::from_secs(61));
    let stranger = sign_with_kid(&RSA, "rotated-away", &valid_for_long);
    rejects(&sso, &stranger, "no RS256 key with kid \"rotated-away\"").await;
    assert_eq!(
        sso.requests_to("/oauth/jwks").await,
        2,
        "exactly one refetch"
    );

    // A flood of junk kids within the cooldown fetches nothing more.
    for _ in 0..5 {
        rejects(&sso, &stranger, "no RS256 key with kid \"rotated-away\"").await;
    }
    assert_eq!(sso.requests_to("/oauth/jwks").await, 2);

    sso.clock.advance(Duration::from_secs(61));
    rejects(&sso, &stranger, "no RS256 key with kid \"rotated-away\"").await;
    assert_eq!(sso.requests_to("/oauth/jwks").await, 3);
}

#[tokio::test]
async fn a_rotated_in_key_is_found_by_the_refetch() {
    let sso = Sso::start().await;
    // First the SSO publishes only the RSA key, later the EC key as well.
    wiremock::Mock::given(wiremock::matchers::path("/oauth/jwks"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(jwks(&[&RSA])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&sso.server)
        .await;
    sso.serve_jwks(&[&RSA, &EC], None).await;
    let long = with(claims(), "exp", json!(START.unix_timestamp() + 3600));
    sso.client.verify(&sign(&RSA, &long)).await.expect("rsa");
    sso.clock.advance(Duration::from_secs(61));
    sso.client
        .verify(&sign(&EC, &long))
        .await
        .expect("new ec key");
    assert_eq!(sso.requests_to("/oauth/jwks").await, 2);
}
