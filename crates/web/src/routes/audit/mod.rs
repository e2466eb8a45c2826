//! The audit log: every change, who made it, chained by hashes.

mod log;

use crate::WebState;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/audit", get(log::list))
        .route("/admin/audit.csv", get(log::export))
}
