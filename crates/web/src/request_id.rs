//! Every request gets an id (`x-request-id`: a UUID, unless the request already carries one, as a
//! reverse proxy that tags requests sends it; any client can send one, so it is a correlation
//! aid, never trusted for anything else):
//! it is in every log line of the request (the `http` span), in the response header, and on the
//! 500 page, so a person who reports an error hands over the line to look for.

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

/// The header that carries the id.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request this task serves (set by `scope`).
    static CURRENT: String;
}

/// Gives a request without an id a fresh one (outside the tracing layer, so the span sees it).
pub fn set_layer() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(HEADER, MakeRequestUuid)
}

/// Copies the id into the response.
pub fn propagate_layer() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(HEADER)
}

/// The id of `request`, as `set_layer` left it.
pub fn of(request: &Request) -> String {
    request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// Makes the request's id available to `current` while its handler runs (the error page reads
/// it there; an error is rendered far from the request).
pub async fn scope(request: Request, next: Next) -> Response {
    let id = of(&request);
    CURRENT.scope(id, next.run(request)).await
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}
