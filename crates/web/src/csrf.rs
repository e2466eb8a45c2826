//! Cross-site request forgery protection by Fetch Metadata and Origin, as Go 1.25's
//! `CrossOriginProtection`: browsers tell us where a request comes from, so no token needs to be
//! threaded through forms. With SameSite=Lax cookies this covers forms and htmx requests. The
//! pages only: the application API authenticates every call by its Authorization header, which
//! no cross-site form or fetch can send without the API's consent (CORS), so it has nothing to
//! forge (`crate::router`).

use crate::WebState;
use crate::ui::ErrorPage;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn protect(State(state): State<WebState>, request: Request, next: Next) -> Response {
    if allowed(&state, &request) {
        return next.run(request).await;
    }
    metrics::counter!("http_csrf_rejections_total").increment(1);
    tracing::warn!(path = %request.uri().path(), "cross-origin state-changing request refused");
    (
        StatusCode::FORBIDDEN,
        ErrorPage::new(
            "Request refused",
            "This request came from another site, so Jumpgate refused it to protect your account. Nothing was changed. Go back to Jumpgate and try again from there.",
        ),
    )
        .into_response()
}

fn allowed(state: &WebState, request: &Request) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return true;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get("origin").and_then(|v| v.to_str().ok()) {
        Some(origin) => origin == state.config.public_origin(),
        // Neither header: not a browser, so not a forgery vector (browsers send at least one on
        // every POST).
        None => true,
    }
}
