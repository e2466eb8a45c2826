//! The application API (issue 12), end to end: an application made as an administrator would
//! (its roles, groups and EVE logins, then its secret) calls `/api/app/…` over HTTP with its
//! bearer token, as Neucore's clients do. One file per feature of the API; what every file
//! needs is here.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod apps;
mod characters;
mod esi_proxy;
mod esi_tokens;
mod groups;
mod openapi;
mod tracking;
mod webhooks;

use crate::support::{TestApp, plain_client};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jumpgate_app::Caller;
use jumpgate_app::apps::AppGrant;
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::groups::{Group, MembershipSource};
use jumpgate_domain::{AppId, GroupId};
use jumpgate_store::NewMembership;
use reqwest::StatusCode;

/// An application as a tool holds it: its id and secret, and a client that sends them.
pub(crate) struct ApiClient {
    pub id: AppId,
    pub secret: String,
    base: url::Url,
}

impl ApiClient {
    /// An application named `name` made from the command line with `roles`, `groups` (names or
    /// ids) and EVE `logins`, and a secret.
    pub async fn new(
        t: &TestApp,
        name: &str,
        roles: &[AppRole],
        groups: &[GroupId],
        logins: &[&str],
    ) -> Self {
        let cli = Caller::cli("test");
        let id = t.app.create_app(&cli, name).await.unwrap();
        t.app
            .grant_app(
                &cli,
                id,
                &AppGrant {
                    roles: roles.to_vec(),
                    groups: groups.iter().map(|g| g.to_string()).collect(),
                    eve_logins: logins.iter().map(|l| (*l).to_owned()).collect(),
                },
            )
            .await
            .unwrap();
        let secret = t.app.make_app_secret(&cli, id).await.unwrap();
        Self {
            id,
            secret,
            base: t.base.clone(),
        }
    }

    /// The `Authorization` header's value for this application.
    pub fn authorization(&self) -> String {
        bearer(&format!("{}:{}", self.id, self.secret))
    }

    /// This application's credentials at another instance's `base`.
    pub fn at(&self, base: &url::Url) -> Self {
        Self {
            id: self.id,
            secret: self.secret.clone(),
            base: base.clone(),
        }
    }

    /// A request of `method` to `path` with this application's credentials, to add headers
    /// and a body to.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        plain_client()
            .request(method, self.base.join(path).unwrap())
            .header("Authorization", self.authorization())
    }

    /// A GET of `path` (e.g. `/api/app/v2/groups/1`) with this application's credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        plain_client()
            .get(self.base.join(path).unwrap())
            .header("Authorization", self.authorization())
            .send()
            .await
            .unwrap()
    }

    /// A POST of `body` as JSON to `path` with this application's credentials.
    pub async fn post(&self, path: &str, body: &str) -> reqwest::Response {
        plain_client()
            .post(self.base.join(path).unwrap())
            .header("Authorization", self.authorization())
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// A POST of `body` answered 200, as JSON.
    pub async fn post_json(&self, path: &str, body: &str) -> serde_json::Value {
        let r = self.post(path, body).await;
        assert_eq!(r.status(), StatusCode::OK, "POST {path} {body}");
        r.json().await.unwrap()
    }

    /// A GET answered 200, as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.unwrap()
    }
}

/// `Bearer base64(text)`.
pub(crate) fn bearer(text: &str) -> String {
    format!("Bearer {}", STANDARD.encode(text))
}

/// A GET of `path` with `authorization` (or none).
pub(crate) async fn get_as(
    t: &TestApp,
    path: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = plain_client().get(t.base.join(path).unwrap());
    if let Some(a) = authorization {
        request = request.header("Authorization", a);
    }
    request.send().await.unwrap()
}

/// A group named `name` with `members` (characters that have logged in) in it by hand.
pub(crate) async fn group_with(t: &TestApp, name: &str, members: &[i64]) -> GroupId {
    let group = t.store.save_group(&Group::new(name)).await.unwrap().id;
    for m in members {
        t.store
            .add_group_member(&NewMembership {
                group,
                account: t.account_of(*m).await,
                source: MembershipSource::Manual,
                source_ref: None,
                added_by: None,
            })
            .await
            .unwrap();
    }
    group
}

/// The status and JSON string body of an error answer.
pub(crate) async fn error_of(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    (status, body.as_str().unwrap_or_default().to_owned())
}

/// Asserts that `api`'s GET of `path` is answered 404 with Neucore's reason phrase `message`.
pub(crate) async fn assert_not_found(api: &ApiClient, path: &str, message: &str) {
    let (status, got) = error_of(api.get(path).await).await;
    assert_eq!(
        (status, got.as_str()),
        (StatusCode::NOT_FOUND, message),
        "GET {path}"
    );
}
/// The status line of a GET of `path` by `api` over HTTP/1.1, where Neucore's clients read the
/// reason phrase (e.g. `HTTP/1.1 404 Character not found.`).
pub(crate) async fn status_line(t: &TestApp, api: &ApiClient, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = format!("{}:{}", t.base.host_str().unwrap(), t.base.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        api.authorization()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.lines().next().unwrap_or_default().to_owned()
}

/// A bulk call at `path` answers bad bodies as Neucore does (400 "Invalid body."), refuses more
/// ids than one call may ask about (400), and answers `[]` with `[]`.
pub(crate) async fn bulk_bodies_are_checked(api: &ApiClient, path: &str) {
    for body in ["", "{}", "[1, \"two\"]", "not json", "[1.5]"] {
        let (status, message) = error_of(api.post(path, body).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert_eq!(message, "Invalid body.");
    }
    let too_many = format!(
        "[{}]",
        (1..=1001)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let (status, message) = error_of(api.post(path, &too_many).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    assert!(message.contains("at most 1000"), "{message}");
    let r = api.post(path, "[]").await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!([])
    );
}

/// The `id` of each object of a JSON array, in order.
pub(crate) fn ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}
