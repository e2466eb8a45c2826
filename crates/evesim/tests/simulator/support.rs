//! Helpers shared by the simulator's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use jumpgate_evesim::{EveSim, SimConfig};
use serde::Deserialize;
use url::Url;

pub const CLIENT_ID: &str = "jumpgate-test";
pub const CLIENT_SECRET: &str = "s3cret";
pub const CALLBACK: &str = "http://app.example/sso/callback";
pub const USER_AGENT: &str = "jumpgate-tests/0.1 (ops@example.org)";

pub async fn start() -> EveSim {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> EveSim {
    let sim = EveSim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    sim.register_client(CLIENT_ID, CLIENT_SECRET, CALLBACK);
    sim
}

/// A client that does not follow redirects, so SSO 302s can be inspected.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .unwrap()
}

pub fn authorize_url(sim: &EveSim, scopes: &[&str], state: &str) -> Url {
    let mut url = sim.sso_base_url().join("v2/oauth/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", &scopes.join(" "))
        .append_pair("state", state);
    url
}

pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[derive(Debug, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub token_type: String,
    pub refresh_token: Option<String>,
}

pub fn token_url(sim: &EveSim) -> Url {
    sim.sso_base_url().join("v2/oauth/token").unwrap()
}

pub async fn exchange(sim: &EveSim, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(token_url(sim))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Redeems an authorization code as a confidential client without PKCE: the code and the
/// authorize request's `redirect_uri`.
pub async fn redeem(sim: &EveSim, code: &str) -> reqwest::Response {
    exchange(
        sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await
}

/// Full login as `character_id` with `scopes`: authorize, then code exchange.
pub async fn login(sim: &EveSim, character_id: i64, scopes: &[&str]) -> Tokens {
    let back = sim
        .authorize_for_test(&authorize_url(sim, scopes, "st4te"), character_id)
        .await
        .unwrap();
    let code = query_param(&back, "code").unwrap();
    let resp = redeem(sim, &code).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// An ESI GET with the usual client headers (and a token when given).
pub async fn esi_get(sim: &EveSim, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = http()
        .get(
            sim.esi_base_url()
                .join(path.trim_start_matches('/'))
                .unwrap(),
        )
        .header("X-Compatibility-Date", "2026-08-18");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

pub fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
