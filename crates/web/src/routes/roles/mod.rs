//! Roles: every person's roles dashboard (`/roles`: what they hold, and every role they may
//! give or take with its holders), and the administrators' page (`/admin/roles`: divisions,
//! specialty roles, what each role carries, whose CEOs and Directors lead). One file per page.

mod admin;
mod dashboard;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/roles", get(dashboard::show))
        .route("/roles/appoint", post(dashboard::appoint))
        .route("/roles/dismiss", post(dashboard::dismiss))
        .route("/admin/roles", get(admin::show))
        .route("/admin/roles/divisions", post(admin::create_division))
        .route(
            "/admin/roles/divisions/{id}/delete",
            post(admin::delete_division),
        )
        .route("/admin/roles/specialties", post(admin::create_specialty))
        .route(
            "/admin/roles/specialties/{id}/delete",
            post(admin::delete_specialty),
        )
        .route("/admin/roles/permissions", post(admin::set_permissions))
        .route("/admin/roles/leading", post(admin::set_leading))
}

/// Every signed-in person has the roles dashboard; role administrators also the admin page.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let mut items = vec![NavItem::member("Roles", "/roles")];
    if caller.grants().allows(Permission::ADMIN_ROLES) {
        items.push(NavItem::admin("Roles", "/admin/roles"));
    }
    items
}
