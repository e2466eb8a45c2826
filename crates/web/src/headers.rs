//! Security headers on every response (after kanidm's middleware).

use crate::WebState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub async fn security_headers(
    State(state): State<WebState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let images = state.config.image_base_url.origin().ascii_serialization();
    let csp = format!(
        "default-src 'self'; img-src 'self' {images} data:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.is_https() {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key("cache-control") {
        // Pages show personal data: never let a shared cache keep them.
        h.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    response
}
