//! Authorize URL, code exchange, refresh and revocation, and how each SSO error is read.

use crate::sso::harness::*;
use base64::Engine;
use jumpgate_domain::{CharacterId, ScopeSet};
use jumpgate_eve::{CodeVerifier, SsoError};
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn basic_auth() -> String {
    let raw = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A login's PKCE verifier (RFC 7636's example).
fn verifier() -> CodeVerifier {
    CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").expect("a verifier")
}

fn token_body(refresh: serde_json::Value) -> serde_json::Value {
    json!({
        "access_token": sign(&RSA, &claims()),
        "expires_in": 1199,
        "token_type": "Bearer",
        "refresh_token": refresh,
    })
}

/// A token endpoint that only answers a correctly shaped request: form body, Basic auth.
async fn serve_token(sso: &Sso, grant_fragment: &str, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/v2/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("authorization", basic_auth().as_str()))
        .and(body_string_contains(grant_fragment))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&sso.server)
        .await;
}

async fn refresh_error(status: u16, body: serde_json::Value) -> SsoError {
    let sso = Sso::start().await;
    serve_token(&sso, "grant_type=refresh_token", status, body).await;
    sso.client.refresh("old").await.expect_err("should fail")
}

async fn exchange_error(status: u16, body: serde_json::Value) -> SsoError {
    let sso = Sso::start().await;
    serve_token(&sso, "grant_type=authorization_code", status, body).await;
    sso.client
        .exchange_code("code", &verifier())
        .await
        .expect_err("should fail")
}

#[tokio::test]
async fn a_token_answer_longer_than_any_sso_sends_is_an_outage_not_a_verdict() {
    let sso = Sso::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_string(format!(
            "{{\"error\": \"invalid_grant\", \"error_description\": \"{}\"}}",
            "x".repeat(2 * 1024 * 1024)
        )))
        .mount(&sso.server)
        .await;
    let e = sso.client.refresh("old").await.expect_err("too long");
    // An unread answer says nothing about the token: it is not judged invalid.
    assert!(
        matches!(&e, SsoError::Unavailable { description, .. } if description.contains("longer than 1024 KiB")),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_authorize_url_comes_from_the_metadata_and_carries_every_parameter() {
    let sso = Sso::start().await;
    let scopes = ScopeSet::parse("publicData esi-characters.read_contacts.v1");
    let url = sso
        .client
        .authorize_url("st4te", &verifier(), &scopes)
        .await
        .expect("url");
    assert_eq!(url.path(), "/v2/oauth/authorize");
    assert_eq!(
        Some(url.port_or_known_default()),
        Some(sso.server.address().port().into())
    );
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], "https://auth.example.org/sso/callback");
    assert_eq!(q["scope"], "esi-characters.read_contacts.v1 publicData");
    assert_eq!(q["state"], "st4te");
    assert_eq!(
        q["code_challenge"], "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "the verifier's S256 challenge, never the verifier"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!url.as_str().contains(verifier().as_str()));
    sso.client
        .authorize_url("again", &verifier(), &scopes)
        .await
        .expect("url");
    assert_eq!(
        sso.requests_to("/.well-known/oauth-authorization-server")
            .await,
        1,
        "metadata is cached"
    );
}

#[tokio::test]
async fn a_code_is_exchanged_with_a_form_body_and_basic_auth_and_verified() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    serve_token(
        &sso,
        "grant_type=authorization_code&code=abc123",
        200,
        token_body(json!("bmV3LXJlZnJlc2gtdG9rZW4=")),
    )
    .await;
    let t = sso
        .client
        .exchange_code("abc123", &verifier())
        .await
        .expect("tokens");
    assert_eq!(t.token.character_id, CharacterId(CHARACTER));
    assert_eq!(
        t.refresh_token
            .as_ref()
            .map(|r| r.expose_secret().to_owned()),
        Some("bmV3LXJlZnJlc2gtdG9rZW4=".to_owned())
    );
    assert_eq!(t.expires_at, START + Duration::from_secs(1199));
    let requests = sso.server.received_requests().await.expect("recorded");
    let request = requests
        .iter()
        .find(|r| r.url.path() == "/v2/oauth/token")
        .expect("token request");
    assert!(request.url.query().is_none(), "nothing in the query string");
}

#[tokio::test]
async fn a_code_exchange_carries_the_logins_verifier_and_the_authorize_redirect_uri() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    serve_token(
        &sso,
        "grant_type=authorization_code",
        200,
        token_body(json!("bmV3LXJlZnJlc2gtdG9rZW4=")),
    )
    .await;
    let authorize = sso
        .client
        .authorize_url("st4te", &verifier(), &ScopeSet::parse("publicData"))
        .await
        .expect("url");
    sso.client
        .exchange_code("abc123", &verifier())
        .await
        .expect("tokens");
    let requests = sso.server.received_requests().await.expect("recorded");
    let request = requests
        .iter()
        .find(|r| r.url.path() == "/v2/oauth/token")
        .expect("token request");
    let form: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    assert_eq!(form["code"], "abc123");
    assert_eq!(form["code_verifier"], verifier().as_str());
    let asked: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(form["redirect_uri"], asked["redirect_uri"]);
    assert_eq!(
        form["redirect_uri"],
        "https://auth.example.org/sso/callback"
    );
}

#[tokio::test]
async fn the_refresh_token_is_form_encoded() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    serve_token(
        &sso,
        "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D%3D",
        200,
        token_body(json!("rotated")),
    )
    .await;
    let t = sso.client.refresh("a+b/c==").await.expect("refreshed");
    assert_eq!(
        t.refresh_token.map(|r| r.expose_secret().to_owned()),
        Some("rotated".to_owned())
    );
}

#[tokio::test]
async fn a_refresh_without_a_new_refresh_token_returns_none_so_the_old_one_is_kept() {
    for body in [
        json!({"access_token": sign(&RSA, &claims()), "expires_in": 1199, "token_type": "Bearer"}),
        json!({"access_token": sign(&RSA, &claims()), "expires_in": 1199, "refresh_token": null}),
    ] {
        let sso = Sso::start().await;
        sso.serve_jwks(&[&RSA], None).await;
        serve_token(&sso, "grant_type=refresh_token", 200, body).await;
        let t = sso.client.refresh("old").await.expect("refreshed");
        assert!(t.refresh_token.is_none());
    }
}

#[tokio::test]
async fn a_token_answer_with_a_bad_jwt_is_invalid_jwt() {
    let sso = Sso::start().await;
    sso.serve_jwks(&[&RSA], None).await;
    let mut bad = claims();
    bad["aud"] = json!(["EVE Online"]);
    serve_token(
        &sso,
        "grant_type=refresh_token",
        200,
        json!({"access_token": sign(&RSA, &bad), "expires_in": 1199}),
    )
    .await;
    assert!(matches!(
        sso.client.refresh("old").await,
        Err(SsoError::InvalidJwt(_))
    ));
}

#[tokio::test]
async fn an_unreadable_token_answer_is_a_protocol_error() {
    let sso = Sso::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>hello</html>"))
        .mount(&sso.server)
        .await;
    assert!(matches!(
        sso.client.refresh("old").await,
        Err(SsoError::Protocol(_))
    ));
}

#[tokio::test]
async fn revocation_posts_the_token_with_basic_auth() {
    let sso = Sso::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/oauth/revoke"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("authorization", basic_auth().as_str()))
        .and(body_string_contains(
            "token_type_hint=refresh_token&token=a%2Bb",
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&sso.server)
        .await;
    sso.client.revoke("a+b").await.expect("revoked");
}

#[tokio::test]
async fn revoking_an_already_dead_token_succeeds() {
    let sso = Sso::start().await;
    Mock::given(path("/v2/oauth/revoke"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_token"})))
        .mount(&sso.server)
        .await;
    sso.client
        .revoke("dead")
        .await
        .expect("nothing left to revoke");
}

#[tokio::test]
async fn refresh_invalid_grant_means_the_token_is_revoked() {
    let e = refresh_error(
        400,
        json!({"error": "invalid_grant", "error_description": "Invalid refresh token. Token missing/expired."}),
    )
    .await;
    assert!(matches!(e, SsoError::TokenRevoked { .. }), "{e:?}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn grant_type_not_supported_is_misconfiguration_not_a_dead_token() {
    let e = refresh_error(
        400,
        json!({"error": "invalid_grant", "error_description": "Grant type refresh_token is not supported."}),
    )
    .await;
    assert!(matches!(e, SsoError::Misconfigured { .. }), "{e:?}");
}

#[tokio::test]
async fn refresh_invalid_token_is_an_outage_and_the_token_is_kept() {
    let e = refresh_error(401, json!({"error": "invalid_token"})).await;
    assert!(e.is_transient(), "{e:?}");
}

#[tokio::test]
async fn invalid_client_and_unauthorized_client_are_misconfiguration() {
    for code in ["invalid_client", "unauthorized_client"] {
        let e = refresh_error(401, json!({"error": code})).await;
        assert!(matches!(e, SsoError::Misconfigured { .. }), "{code}: {e:?}");
        let e = exchange_error(401, json!({"error": code})).await;
        assert!(matches!(e, SsoError::Misconfigured { .. }), "{code}: {e:?}");
    }
}

#[tokio::test]
async fn a_refused_code_restarts_the_login() {
    let e = exchange_error(
        400,
        json!({"error": "invalid_grant", "error_description": "Authorization code is invalid."}),
    )
    .await;
    assert!(matches!(e, SsoError::InvalidCode { .. }), "{e:?}");
}

#[tokio::test]
async fn too_many_requests_is_unavailable_with_retry_after() {
    let sso = Sso::start().await;
    Mock::given(path("/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&sso.server)
        .await;
    match sso.client.refresh("old").await {
        Err(SsoError::Unavailable { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_unavailable_and_a_code_is_never_sent_twice() {
    for status in [500, 502, 503, 504] {
        let sso = Sso::start().await;
        Mock::given(path("/v2/oauth/token"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"Message": "An error has occurred."})),
            )
            .expect(1)
            .mount(&sso.server)
            .await;
        let e = sso
            .client
            .exchange_code("once", &verifier())
            .await
            .expect_err("fails");
        assert!(e.is_transient(), "{status}: {e:?}");
    }
}

#[tokio::test]
async fn a_timeout_is_unavailable_and_not_retried() {
    let sso = Sso::start().await;
    Mock::given(path("/v2/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&sso.server)
        .await;
    let e = sso
        .client
        .exchange_code("slow", &verifier())
        .await
        .expect_err("times out");
    assert!(matches!(e, SsoError::Unavailable { .. }), "{e:?}");
}

#[tokio::test]
async fn a_code_exchange_that_never_connected_is_tried_again() {
    // Metadata from a live server, token endpoint on a port nobody listens on.
    let sso = Sso::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let server = wiremock::MockServer::start().await;
    Mock::given(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": "login.eveonline.com",
            "authorization_endpoint": format!("{dead}/v2/oauth/authorize"),
            "token_endpoint": format!("{dead}/v2/oauth/token"),
            "jwks_uri": format!("{dead}/oauth/jwks"),
        })))
        .mount(&server)
        .await;
    let clock = Arc::clone(&sso.clock);
    let client = client_for(&server.uri(), Arc::clone(&clock));
    let e = client
        .exchange_code("code", &verifier())
        .await
        .expect_err("unreachable");
    assert!(matches!(e, SsoError::Unavailable { .. }), "{e:?}");
    assert_eq!(clock.sleeps().len(), 2, "two more attempts after the first");
}
