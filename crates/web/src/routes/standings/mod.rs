//! The standings manager's pages: the member page (`member`), the approver queue (`queue`), the
//! standings database (`entries`) and contact sync (`sync`).

mod common;
mod entries;
mod member;
mod operations;
mod queue;
pub(crate) mod queue_rows;
mod sync;

use crate::WebState;
use axum::Router;
use axum::routing::{get, post};

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
        .merge(operations::router())
        .merge(queue::router())
        .merge(sync::router())
}
