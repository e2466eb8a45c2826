//! Applications (issue 12, ADR 0030): the list of applications a person administers or manages
//! with the creation form (`/apps`), and one application's page (`/apps/{id}`) where
//! administrators choose its roles, groups, EVE logins and managers and its managers make its
//! secret, with its call statistics and its webhook card (`webhook`, ADR 0031). One file per
//! page.

mod app;
mod list;
mod webhook;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/apps", get(list::show).post(list::create))
        .route("/apps/{id}", get(app::show))
        .route("/apps/{id}/rename", post(app::rename))
        .route("/apps/{id}/roles", post(app::set_roles))
        .route("/apps/{id}/groups", post(app::set_groups))
        .route("/apps/{id}/logins", post(app::set_logins))
        .route("/apps/{id}/managers", post(app::add_manager))
        .route(
            "/apps/{id}/managers/{account}/remove",
            post(app::remove_manager),
        )
        .route("/apps/{id}/secret", post(app::make_secret))
        .route("/apps/{id}/delete", post(app::delete))
        .route("/apps/{id}/webhook", post(webhook::set))
        .route("/apps/{id}/webhook/clear", post(webhook::clear))
        .route("/apps/{id}/webhook/secret", post(webhook::make_secret))
        .route("/apps/{id}/webhook/test", post(webhook::send_test))
        .route(
            "/apps/{id}/webhook/deliveries/{delivery}/retry",
            post(webhook::retry),
        )
}

/// Application administrators have the page in their menu; managers reach theirs from the
/// notification that made them one (and `/apps` lists what they manage).
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    if caller.grants().allows(Permission::ADMIN_APPS) {
        vec![NavItem::admin("Applications", "/apps")]
    } else {
        Vec::new()
    }
}
