//! Records every request (except the simulator's own `/_sim` controls) so tests can assert on
//! what a client sent: User-Agent, compatibility date, conditional headers, counts.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::{Shared, lock};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub user_agent: Option<String>,
    /// `X-Compatibility-Date` header, or the `compatibility_date` query parameter.
    pub compatibility_date: Option<String>,
    pub if_none_match: Option<String>,
    /// The character of a valid bearer token, when one was sent to ESI.
    pub character_id: Option<i64>,
    pub status: u16,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Put into a response's extensions by ESI dispatch once the bearer token is verified.
#[derive(Debug, Clone, Copy)]
pub struct AuthCharacter(pub i64);

pub async fn record(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    // Built before the await: the request body is not Sync, so no borrow of it may live on.
    let mut entry = describe(&req, path, shared.now_utc());
    let response = next.run(req).await;
    entry.status = response.status().as_u16();
    entry.character_id = response.extensions().get::<AuthCharacter>().map(|a| a.0);
    lock(&shared.log).push(entry);
    response
}

fn describe(req: &Request, path: String, at: OffsetDateTime) -> LoggedRequest {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let query = req.uri().query().map(str::to_owned);
    let compat_query = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "compatibility_date")
            .map(|(_, v)| v.into_owned())
    });
    LoggedRequest {
        method: req.method().to_string(),
        path,
        query,
        user_agent: header("user-agent"),
        compatibility_date: header("x-compatibility-date").or(compat_query),
        if_none_match: header("if-none-match"),
        character_id: None,
        status: 0,
        at,
    }
}
