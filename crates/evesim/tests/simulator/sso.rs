//! The simulated EVE SSO behaves like login.eveonline.com.

// Test helpers outside #[test] fns unwrap too (allowed in tests by the workspace rules).
#![allow(clippy::unwrap_used)]

use crate::support::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use jumpgate_evesim::{DOOMHEIM_CORPORATION_ID, EveClaims, EveSim, Scp, SigningAlg};
use serde_json::Value;

const CONTACTS: &str = "esi-characters.read_contacts.v1";
const WRITE: &str = "esi-characters.write_contacts.v1";

fn some_character(sim: &EveSim) -> i64 {
    sim.characters()[0].character_id
}

async fn verify(sim: &EveSim, token: &str) -> (Algorithm, EveClaims) {
    let jwks: JwkSet = http()
        .get(sim.sso_base_url().join("oauth/jwks").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let kid = header.kid.clone().unwrap();
    let jwk = jwks.find(&kid).expect("kid in JWKS");
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[CLIENT_ID]);
    // EVE's tokens name the issuer without a scheme, whatever the metadata says.
    validation.set_issuer(&["login.eveonline.com"]);
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let data = jsonwebtoken::decode::<EveClaims>(token, &key, &validation).unwrap();
    (header.alg, data.claims)
}

#[tokio::test]
async fn metadata_advertises_ccp_shaped_endpoints_on_the_sim_origin() {
    let sim = start().await;
    let meta: Value = http()
        .get(
            sim.sso_base_url()
                .join(".well-known/oauth-authorization-server")
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let base = sim.base_url().to_string();
    // The live document's issuer: not the form tokens carry ("login.eveonline.com").
    assert_eq!(meta["issuer"], "https://login.eveonline.com");
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{base}v2/oauth/authorize")
    );
    assert_eq!(meta["token_endpoint"], format!("{base}v2/oauth/token"));
    assert_eq!(
        meta["revocation_endpoint"],
        format!("{base}v2/oauth/revoke")
    );
    assert_eq!(meta["jwks_uri"], format!("{base}oauth/jwks"));
    assert_eq!(meta["code_challenge_methods_supported"][0], "S256");
}

#[tokio::test]
async fn login_yields_a_signed_jwt_with_eve_claims_verifiable_with_both_algorithms() {
    let sim = start().await;
    let ch = sim.characters()[3].clone();
    let mut algs = Vec::new();
    for _ in 0..2 {
        let tokens = login(&sim, ch.character_id, &[CONTACTS, WRITE]).await;
        assert_eq!(tokens.token_type, "Bearer");
        assert_eq!(tokens.expires_in, 1199);
        let refresh = tokens.refresh_token.unwrap();
        assert_eq!(refresh.len(), 24, "CCP-shaped refresh token");
        let (alg, claims) = verify(&sim, &tokens.access_token).await;
        algs.push(alg);
        assert_eq!(claims.sub, format!("CHARACTER:EVE:{}", ch.character_id));
        assert_eq!(claims.name, ch.name);
        assert_eq!(claims.owner, ch.owner_hash);
        assert_eq!(
            claims.aud,
            vec![CLIENT_ID.to_owned(), "EVE Online".to_owned()]
        );
        assert_eq!(claims.azp, CLIENT_ID);
        assert_eq!(claims.tenant, "tranquility");
        assert_eq!(claims.iss, "login.eveonline.com");
        assert_eq!(claims.exp - claims.iat, 1200);
        assert_eq!(
            claims.scp,
            Some(Scp::Many(vec![CONTACTS.into(), WRITE.into()]))
        );
    }
    assert!(algs.contains(&Algorithm::RS256) && algs.contains(&Algorithm::ES256));
}

#[tokio::test]
async fn scp_is_a_string_for_one_scope_and_absent_without_scopes() {
    let sim = start().await;
    sim.set_signing_alg(Some(SigningAlg::ES256));
    let id = some_character(&sim);
    let one = login(&sim, id, &[CONTACTS]).await;
    let payload = one.access_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let raw: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(raw["scp"], CONTACTS);
    assert_eq!(raw["kid"], "JWT-Signature-Key-ES256");

    let none = login(&sim, id, &[]).await;
    assert!(
        none.refresh_token.is_none(),
        "no refresh token for login-only"
    );
    let (_, claims) = verify(&sim, &none.access_token).await;
    assert_eq!(claims.scp, None);
}

#[tokio::test]
async fn an_authorization_code_is_single_use() {
    let sim = start().await;
    let back = sim
        .authorize_for_test(
            &authorize_url(&sim, &[CONTACTS], "xyz"),
            some_character(&sim),
        )
        .await
        .unwrap();
    assert_eq!(query_param(&back, "state").as_deref(), Some("xyz"));
    assert!(back.as_str().starts_with(CALLBACK));
    let code = query_param(&back, "code").unwrap();
    assert_eq!(redeem(&sim, &code).await.status(), 200);
    let again = redeem(&sim, &code).await;
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_json_body_is_refused_like_ccp_and_a_bad_client_is_401() {
    let sim = start().await;
    let resp = http()
        .post(token_url(&sim))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&serde_json::json!({"grant_type": "refresh_token", "refresh_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("is not supported")
    );

    let resp = http()
        .post(token_url(&sim))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

async fn refresh(sim: &EveSim, token: &str) -> reqwest::Response {
    exchange(
        sim,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_dies() {
    let sim = start().await;
    let first = login(&sim, some_character(&sim), &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let resp = refresh(&sim, &first).await;
    assert_eq!(resp.status(), 200);
    let second: Tokens = resp.json().await.unwrap();
    let second = second.refresh_token.unwrap();
    assert_ne!(first, second);
    assert_eq!(refresh(&sim, &first).await.status(), 400);
    assert_eq!(refresh(&sim, &second).await.status(), 200);
}

/// Turns the simulator's knobs through its control API; the answer's status.
async fn controls(sim: &EveSim, body: Value) -> reqwest::StatusCode {
    let url = sim.base_url().join("_sim/controls").unwrap();
    http().post(url).json(&body).send().await.unwrap().status()
}

#[tokio::test]
async fn a_faulty_sso_answers_refreshes_for_another_character_until_switched_off() {
    let sim = start().await;
    let (mine, other) = (sim.characters()[0].clone(), sim.characters()[1].clone());
    let token = login(&sim, mine.character_id, &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let controls = |body: Value| controls(&sim, body);
    let subject = |resp: reqwest::Response| async {
        let tokens: Tokens = resp.json().await.unwrap();
        let (_, claims) = verify(&sim, &tokens.access_token).await;
        claims.sub
    };

    assert_eq!(
        controls(serde_json::json!({"refresh_answers_for": other.character_id})).await,
        204
    );
    let sub = subject(refresh(&sim, &token).await).await;
    assert_eq!(sub, format!("CHARACTER:EVE:{}", other.character_id));

    assert_eq!(
        controls(serde_json::json!({"refresh_answers_for": null})).await,
        204
    );
    let own = login(&sim, mine.character_id, &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let sub = subject(refresh(&sim, &own).await).await;
    assert_eq!(sub, format!("CHARACTER:EVE:{}", mine.character_id));
}

#[tokio::test]
async fn sso_faults_answer_every_refresh_as_set_and_spend_no_refresh_token() {
    let sim = start().await;
    let token = login(&sim, some_character(&sim), &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let controls = |body: Value| controls(&sim, body);
    let error = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        (
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        )
    };
    for (fault, status, code) in [
        ("invalid_grant", 400, "invalid_grant"),
        ("invalid_client", 401, "invalid_client"),
        ("unavailable", 503, "temporarily_unavailable"),
    ] {
        assert_eq!(
            controls(serde_json::json!({ "sso_fault": fault })).await,
            204
        );
        assert_eq!(
            error(refresh(&sim, &token).await).await,
            (status, code.to_owned()),
            "{fault}"
        );
    }
    assert_eq!(
        controls(serde_json::json!({ "sso_fault": null })).await,
        204
    );
    assert_eq!(refresh(&sim, &token).await.status(), 200);
}

#[tokio::test]
async fn revoke_answers_200_and_kills_the_refresh_token() {
    let sim = start().await;
    let token = login(&sim, some_character(&sim), &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let revoke = |t: String| {
        let url = sim.sso_base_url().join("v2/oauth/revoke").unwrap();
        async move {
            http()
                .post(url)
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .form(&[("token_type_hint", "refresh_token"), ("token", t.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(revoke(token.clone()).await, 200);
    assert_eq!(revoke("never-issued".into()).await, 200);
    assert_eq!(refresh(&sim, &token).await.status(), 400);
}

#[tokio::test]
async fn a_transfer_changes_the_owner_hash_and_kills_refresh_tokens() {
    let sim = start().await;
    let ch = sim.characters()[7].clone();
    let token = login(&sim, ch.character_id, &[CONTACTS])
        .await
        .refresh_token
        .unwrap();
    let new_hash = sim.transfer_character(ch.character_id);
    assert_ne!(new_hash, ch.owner_hash);
    assert_eq!(sim.character(ch.character_id).unwrap().owner_hash, new_hash);
    assert_eq!(sim.characters_of_account(&new_hash).len(), 1);
    assert_eq!(refresh(&sim, &token).await.status(), 400);

    // Logging in again yields the new owner in the token.
    let fresh = login(&sim, ch.character_id, &[CONTACTS]).await;
    let (_, claims) = verify(&sim, &fresh.access_token).await;
    assert_eq!(claims.owner, new_hash);
}

#[tokio::test]
async fn a_biomassed_character_lands_in_doomheim_and_loses_its_tokens() {
    let sim = start().await;
    let id = some_character(&sim);
    let token = login(&sim, id, &[CONTACTS]).await.refresh_token.unwrap();
    sim.biomass_character(id);
    assert_eq!(
        sim.character(id).unwrap().corporation_id,
        DOOMHEIM_CORPORATION_ID
    );
    assert_eq!(sim.character(id).unwrap().alliance_id, None);
    assert_eq!(refresh(&sim, &token).await.status(), 400);
    let url = authorize_url(&sim, &[CONTACTS], "s");
    assert!(sim.authorize_for_test(&url, id).await.is_err());
}

#[tokio::test]
async fn authorize_rejects_unknown_clients_wrong_callbacks_missing_state_and_removed_scopes() {
    let sim = start().await;
    let id = some_character(&sim);
    let good = authorize_url(&sim, &[CONTACTS], "s");
    let tweak = |key: &str, value: Option<&str>| {
        let mut url = good.clone();
        let pairs: Vec<(String, String)> = good
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != key)
            .collect();
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(v) = value {
            q.append_pair(key, v);
        }
        drop(q);
        url
    };
    for bad in [
        tweak("client_id", Some("nobody")),
        tweak("redirect_uri", Some("http://evil.example/cb")),
        tweak("state", None),
        tweak("scope", Some("esi-characters.read_chat_channels.v1")),
        tweak("response_type", Some("token")),
    ] {
        assert!(sim.authorize_for_test(&bad, id).await.is_err(), "{bad}");
        let page = http().get(bad.clone()).send().await.unwrap();
        assert_eq!(page.status(), 400, "{bad}");
    }
}

// ----- PKCE and redirect_uri: the simulator is a strict server ---------------------------------

/// RFC 7636 Appendix B: a verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A code issued to a login whose authorize request carried `challenge` (S256), if any.
async fn code_for(sim: &EveSim, challenge: Option<&str>) -> String {
    let mut url = authorize_url(sim, &[CONTACTS], "p");
    if let Some(challenge) = challenge {
        url.query_pairs_mut()
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
    }
    let back = sim
        .authorize_for_test(&url, some_character(sim))
        .await
        .unwrap();
    query_param(&back, "code").unwrap()
}

/// A code exchange by the confidential client with `extra` fields beside grant type and code.
async fn redeem_with(sim: &EveSim, code: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    form.extend_from_slice(extra);
    exchange(sim, &form).await
}

/// On a fresh simulator: a code issued to a login with `challenge`, redeemed with `extra`.
async fn redeem_fresh_code(challenge: Option<&str>, extra: &[(&str, &str)]) -> reqwest::Response {
    let sim = start().await;
    let code = code_for(&sim, challenge).await;
    redeem_with(&sim, &code, extra).await
}

/// The exchange was refused as RFC 6749 says: 400 with an OAuth `invalid_grant` body.
async fn assert_invalid_grant(resp: reqwest::Response) {
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

#[tokio::test]
async fn a_code_is_redeemed_with_its_verifier_and_the_authorize_requests_redirect_uri() {
    let both = [("redirect_uri", CALLBACK), ("code_verifier", VERIFIER)];
    assert_eq!(
        redeem_fresh_code(Some(CHALLENGE), &both).await.status(),
        200
    );
}

#[tokio::test]
async fn a_code_issued_with_a_challenge_is_refused_without_a_verifier() {
    let no_verifier = [("redirect_uri", CALLBACK)];
    assert_invalid_grant(redeem_fresh_code(Some(CHALLENGE), &no_verifier).await).await;
}

#[tokio::test]
async fn a_code_issued_with_a_challenge_is_refused_with_another_logins_verifier() {
    let other = "another-login-s-verifier-of-enough-length-0123456789";
    let wrong = [("redirect_uri", CALLBACK), ("code_verifier", other)];
    assert_invalid_grant(redeem_fresh_code(Some(CHALLENGE), &wrong).await).await;
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_refused() {
    let both = [("redirect_uri", CALLBACK), ("code_verifier", VERIFIER)];
    assert_invalid_grant(redeem_fresh_code(None, &both).await).await;
}

#[tokio::test]
async fn a_code_exchange_without_the_redirect_uri_is_refused() {
    let no_uri = [("code_verifier", VERIFIER)];
    assert_invalid_grant(redeem_fresh_code(Some(CHALLENGE), &no_uri).await).await;
}

#[tokio::test]
async fn a_code_exchange_with_another_redirect_uri_is_refused() {
    let elsewhere = [
        ("redirect_uri", "http://app.example/elsewhere"),
        ("code_verifier", VERIFIER),
    ];
    assert_invalid_grant(redeem_fresh_code(Some(CHALLENGE), &elsewhere).await).await;
}

#[tokio::test]
async fn a_refused_code_is_spent() {
    let sim = start().await;
    let code = code_for(&sim, Some(CHALLENGE)).await;
    assert_invalid_grant(redeem_with(&sim, &code, &[("redirect_uri", CALLBACK)]).await).await;
    let resp = redeem_with(
        &sim,
        &code,
        &[("redirect_uri", CALLBACK), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_invalid_grant(resp).await;
}

#[tokio::test]
async fn a_challenge_without_the_s256_method_is_refused_at_authorize() {
    let sim = start().await;
    for method in [None, Some("plain")] {
        let mut url = authorize_url(&sim, &[CONTACTS], "p");
        url.query_pairs_mut()
            .append_pair("code_challenge", CHALLENGE);
        if let Some(method) = method {
            url.query_pairs_mut()
                .append_pair("code_challenge_method", method);
        }
        assert!(
            sim.authorize_for_test(&url, some_character(&sim))
                .await
                .is_err(),
            "{method:?}"
        );
    }
}

#[tokio::test]
async fn pkce_public_clients_exchange_with_a_verifier() {
    let sim = start().await;
    let code = code_for(&sim, Some(CHALLENGE)).await;
    let resp = http()
        .post(token_url(&sim))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn an_application_may_ask_only_for_the_scopes_it_registered() {
    let sim = start().await;
    let id = some_character(&sim);
    // Registered by default with what Jumpgate asks for; mail is not among it.
    let mail = "esi-mail.send_mail.v1";
    let refused = authorize_url(&sim, &[CONTACTS, mail], "st4te");
    let answer = http().get(refused.clone()).send().await.unwrap();
    assert_eq!(answer.status(), 400, "no page, no redirect back");
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        serde_json::json!({
            "error": "invalid_scope",
            "error_description": format!("The requested '{mail}' scope is not valid."),
        })
    );
    let err = sim.authorize_for_test(&refused, id).await.unwrap_err();
    assert!(err.to_string().contains("invalid_scope"), "{err}");

    // Registering the scope lifts the ceiling.
    sim.register_client_with_scopes(CLIENT_ID, CLIENT_SECRET, CALLBACK, &[CONTACTS, mail]);
    let tokens = login(&sim, id, &[CONTACTS, mail]).await;
    assert!(tokens.refresh_token.is_some());
}

#[tokio::test]
async fn changing_the_registered_scopes_kills_every_refresh_token_of_the_application() {
    let sim = start().await;
    let id = some_character(&sim);
    let tokens = login(&sim, id, &[CONTACTS]).await;
    let refresh = tokens.refresh_token.unwrap();
    // Registering the same scopes again changes nothing.
    sim.register_client(CLIENT_ID, CLIENT_SECRET, CALLBACK);
    let again = exchange(
        &sim,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(again.status(), 200);
    let refresh = again.json::<Tokens>().await.unwrap().refresh_token.unwrap();

    sim.register_client_with_scopes(CLIENT_ID, CLIENT_SECRET, CALLBACK, &[CONTACTS, WRITE]);
    let dead = exchange(
        &sim,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(dead.status(), 400);
    let body: Value = dead.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}
