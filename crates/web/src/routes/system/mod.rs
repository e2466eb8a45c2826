//! What is not a feature's page: liveness, readiness and metrics for orchestrators and
//! Prometheus, the static files, and the answer for an address nothing serves.

mod health;
mod static_files;

use crate::WebState;
use crate::error::WebError;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/static/{file}", get(static_files::serve))
        .route("/favicon.ico", get(static_files::favicon))
}

/// Every address no route serves.
pub async fn not_found() -> WebError {
    WebError::NotFound("There is no page at this address.".into())
}
