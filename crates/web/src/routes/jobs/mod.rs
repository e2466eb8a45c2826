//! Jobs: what Jumpgate's background work is doing, for administrators.

mod overview;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/jobs", get(overview::list))
        .route("/admin/jobs/run-now", post(overview::run_now))
        .route("/admin/jobs/{id}/retry", post(overview::retry))
        .route(
            "/admin/jobs/safety-valve/reset",
            post(overview::reset_valve),
        )
}

pub fn nav(caller: &Caller) -> Vec<NavItem> {
    if caller.grants().allows(Permission::ADMIN_JOBS) {
        vec![NavItem::admin("Jobs", "/admin/jobs")]
    } else {
        Vec::new()
    }
}
