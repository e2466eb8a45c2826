//! Member tracking (issue 11, ADR 0028): the tracked corporations a person may see
//! (`/tracking`), one corporation's members with filters and its CSV (`/tracking/{id}`), and the
//! administrators' page that chooses who sees each and shows every Director's token
//! (`/admin/tracking`). One file per page.

mod admin;
mod corporation;
mod list;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/tracking", get(list::show))
        .route("/tracking/{id}", get(corporation::show))
        .route("/tracking/{id}/members.csv", get(corporation::export))
        .route("/admin/tracking", get(admin::show))
        .route("/admin/tracking/{id}/groups", post(admin::set_groups))
        .route("/admin/tracking/{id}/stop", post(admin::stop))
}

/// Every signed-in person has the tracking page (it lists what their groups may see, often
/// nothing); its administrators also the admin page.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let mut items = vec![NavItem::member("Tracking", "/tracking")];
    if caller.grants().allows(Permission::ADMIN_TRACKING) {
        items.push(NavItem::admin("Tracking", "/admin/tracking"));
    }
    items
}
