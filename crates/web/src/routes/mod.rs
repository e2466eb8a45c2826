//! Every route: one folder per feature, each with its `router()`. This file only composes them.

mod accounts;
mod audit;
mod jobs;
pub(crate) mod standings;
mod states;
mod system;

use crate::WebState;
use axum::Router;

pub fn router(state: WebState) -> Router {
    Router::new()
        .merge(accounts::router())
        .merge(standings::router())
        .merge(states::router())
        .merge(jobs::router())
        .merge(audit::router())
        .merge(system::router())
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .fallback(system::not_found)
        .with_state(state)
}
