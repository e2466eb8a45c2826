//! Standings: the member page (`member`), the approver queue (`approval_queue`, at
//! `/standings/queue`), the standings database (`entries`), bulk operations (`operations`) and
//! contact sync (`sync` for a member, `sync_admin` for standings managers). One file per page.

mod approval_queue;
pub(crate) mod approval_queue_rows;
pub(crate) mod entries;
mod forms;
mod member;
mod operations;
mod sync;
pub(crate) mod sync_admin;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/standings", get(member::member))
        .route("/standings/request", post(member::request))
        .route(
            "/standings/requests/{id}/cancel",
            post(member::cancel_request),
        )
        .route("/standings/revoke", post(member::revoke))
        .route(
            "/standings/revocations/{id}/cancel",
            post(member::cancel_revocation),
        )
        .route("/standings/notifications/read", post(member::mark_read))
        .route("/standings/queue", get(approval_queue::page))
        .route(
            "/standings/queue/{id}",
            get(approval_queue::decide_request_page),
        )
        .route(
            "/standings/queue/{id}/decide",
            get(approval_queue::decide_request_fragment),
        )
        .route(
            "/standings/queue/{id}/preview",
            get(approval_queue::preview),
        )
        .route(
            "/standings/queue/{id}/approve",
            post(approval_queue::approve),
        )
        .route("/standings/queue/{id}/reject", post(approval_queue::reject))
        .route("/standings/queue/bulk", post(approval_queue::bulk_requests))
        .route(
            "/standings/queue/revocations/{id}",
            get(approval_queue::decide_revocation_page),
        )
        .route(
            "/standings/queue/revocations/{id}/decide",
            get(approval_queue::decide_revocation_fragment),
        )
        .route(
            "/standings/queue/revocations/{id}/preview",
            get(approval_queue::preview_revocation),
        )
        .route(
            "/standings/queue/revocations/{id}/approve",
            post(approval_queue::approve_revocation),
        )
        .route(
            "/standings/queue/revocations/{id}/reject",
            post(approval_queue::reject_revocation),
        )
        .route(
            "/standings/queue/revocations/bulk",
            post(approval_queue::bulk_revocations),
        )
        .route(
            "/standings/entries",
            get(entries::entries).post(entries::save_entry),
        )
        .route("/standings/entries.csv", get(entries::export_csv))
        .route(
            "/standings/entries/{id}/delete",
            post(entries::delete_entry),
        )
        .route("/standings/entries/bulk-delete", post(entries::bulk_delete))
        .route("/standings/entries/import", post(entries::import_csv))
        .route(
            "/standings/entries/import-contacts",
            post(entries::import_contacts),
        )
        .route("/standings/operations/{id}", get(operations::page))
        .route(
            "/standings/operations/{id}/progress",
            get(operations::progress),
        )
        .route("/standings/sync", get(sync::page))
        .route("/standings/sync/{character}/enrol", post(sync::enrol))
        .route("/standings/sync/{character}/now", post(sync::sync_now))
        .route("/standings/sync/{character}/leave", post(sync::leave))
        .route("/standings/sync/admin", get(sync_admin::page))
        .route("/standings/sync/admin/progress", get(sync_admin::progress))
        .route("/standings/sync/admin/selected", post(sync_admin::selected))
        .route("/standings/sync/admin/all", post(sync_admin::sync_all))
}

/// The member page and contact sync for those who may request standings, the queue for
/// approvers, the standings database for standings managers.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let grants = caller.grants();
    let mut items = Vec::new();
    if grants.allows(Permission::STANDINGS_REQUEST) {
        items.push(NavItem::member("Standings", "/standings"));
        items.push(NavItem::member("Contact sync", "/standings/sync"));
    }
    if grants.allows(Permission::STANDINGS_APPROVE) {
        items.push(NavItem::leadership("Approvals", "/standings/queue"));
    }
    if grants.allows(Permission::STANDINGS_MANAGE) {
        items.push(NavItem::leadership("Standings DB", "/standings/entries"));
    }
    items
}
