//! States: who is Member, Blue … (by character, corporation, alliance or faction) and what each
//! state may do. One file per page.

mod list;
mod state;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/states", get(list::list).post(list::create))
        .route("/admin/states/{id}", get(state::show).post(state::update))
        .route(
            "/admin/states/{id}/criteria/add",
            post(state::add_criterion),
        )
        .route(
            "/admin/states/{id}/criteria/remove",
            post(state::remove_criterion),
        )
        .route("/admin/states/{id}/delete", post(state::delete))
}

pub fn nav(caller: &Caller) -> Vec<NavItem> {
    if caller.grants().allows(Permission::ADMIN_STATES) {
        vec![NavItem::admin("States", "/admin/states")]
    } else {
        Vec::new()
    }
}
