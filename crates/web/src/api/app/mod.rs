//! The application API's routes (`/api/app/v1/…`, `/api/app/v2/…`), one file per feature, as
//! Neucore 2.4.0 names them (`application-api-2.4.0.yaml`). Every call first proves which
//! application makes it (`authenticate`): the handlers take that `AppCaller` and hand it to the
//! use cases, which check the application's roles and groups themselves.

mod authenticate;
mod characters;
mod esi_proxy;
mod esi_tokens;
mod groups;
pub(crate) mod json;
pub mod openapi;
mod show;
mod tracking;

pub use authenticate::AppCaller;

use crate::WebState;
use axum::Router;

pub fn router(state: WebState) -> Router<WebState> {
    Router::new()
        .merge(show::router())
        .merge(groups::router())
        .merge(characters::router())
        .merge(tracking::router())
        .merge(esi_proxy::router())
        .merge(esi_tokens::router())
        .layer(axum::middleware::from_fn_with_state(
            state,
            authenticate::authenticate,
        ))
        // The document and Swagger UI are public, as Neucore's are.
        .merge(openapi::router())
}
