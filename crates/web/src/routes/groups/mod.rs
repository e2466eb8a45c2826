//! Groups: every member's groups page (`/groups`) and a group's page (`/groups/{id}`), where
//! its managers decide applications and members; administrators create and edit groups under
//! `/admin/groups` (`admin_rules`: the forms of a group's rules on its admin page). One file per
//! page; `held` is the card an account's pages show.

mod admin_group;
mod admin_list;
mod admin_rules;
mod group;
pub(crate) mod held;
mod list;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/groups", get(list::show))
        .route("/groups/{id}", get(group::show))
        .route("/groups/{id}/apply", post(list::apply))
        .route("/groups/{id}/leave", post(list::leave))
        .route(
            "/groups/applications/{id}/cancel",
            post(list::cancel_application),
        )
        .route("/groups/applications/{id}/accept", post(group::accept))
        .route("/groups/applications/{id}/deny", post(group::deny))
        .route("/groups/{id}/members/add", post(group::add_member))
        .route("/groups/{id}/members/remove", post(group::remove_member))
        .route(
            "/admin/groups",
            get(admin_list::show).post(admin_list::create),
        )
        .route(
            "/admin/groups/{id}",
            get(admin_group::show).post(admin_group::update),
        )
        .route("/admin/groups/{id}/delete", post(admin_group::delete))
        .route(
            "/admin/groups/{id}/conditions",
            post(admin_group::set_conditions),
        )
        .route(
            "/admin/groups/{id}/managers/add",
            post(admin_group::add_manager),
        )
        .route(
            "/admin/groups/{id}/managers/remove",
            post(admin_group::remove_manager),
        )
        .route(
            "/admin/groups/{id}/manager-groups/add",
            post(admin_group::add_manager_group),
        )
        .route(
            "/admin/groups/{id}/manager-groups/remove",
            post(admin_group::remove_manager_group),
        )
        .route("/admin/groups/{id}/rules", post(admin_rules::set_links))
        .route(
            "/admin/groups/{id}/rules/add",
            post(admin_rules::add_affiliation),
        )
        .route(
            "/admin/groups/{id}/rules/remove",
            post(admin_rules::remove_affiliation),
        )
}

/// Every signed-in person has the groups page; administrators of groups also the admin list.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let mut items = vec![NavItem::member("Groups", "/groups")];
    if caller.grants().allows(Permission::ADMIN_GROUPS) {
        items.push(NavItem::admin("Groups", "/admin/groups"));
    }
    items
}
