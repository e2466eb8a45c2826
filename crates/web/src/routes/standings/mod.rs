//! The standings manager's pages: requests and the database (`workflow`), contact sync (`sync`).

mod sync;
mod workflow;

use crate::WebState;
use axum::Router;

pub fn router() -> Router<WebState> {
    Router::new()
        .merge(workflow::router())
        .merge(sync::router())
}
