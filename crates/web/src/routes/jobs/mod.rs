//! Jobs: what Jumpgate's background work is doing, for administrators.

mod overview;

use crate::WebState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/jobs", get(overview::list))
        .route("/admin/jobs/{id}/retry", post(overview::retry))
        .route(
            "/admin/jobs/safety-valve/reset",
            post(overview::reset_valve),
        )
}
