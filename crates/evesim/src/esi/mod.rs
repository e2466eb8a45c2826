//! ESI (esi.evetech.net) over the simulated world. Routes come from [`routes::ROUTES`]; one
//! dispatcher applies what CCP applies to every route (downtime, limiters, auth, caching,
//! pagination) around the per-route handlers.

mod auth;
pub mod cache;
mod contacts;
mod dispatch;
pub mod error;
pub mod limits;
mod mail;
mod membership;
pub mod request;
pub mod routes;
mod universe;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::{MethodFilter, MethodRouter};

pub use routes::{COMMON_PARAMS, EsiRoute, ROUTES, RateLimit};

use crate::state::Shared;

pub fn router() -> Router<Arc<Shared>> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for route in ROUTES {
        let filter = match route.method {
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "DELETE" => MethodFilter::DELETE,
            _ => MethodFilter::GET,
        };
        let handler = move |State(shared): State<Arc<Shared>>,
                            ConnectInfo(peer): ConnectInfo<SocketAddr>,
                            uri: Uri,
                            headers: HeaderMap,
                            body: Bytes| async move {
            dispatch::dispatch(shared, route, peer, uri, headers, body).await
        };
        let methods = by_path.remove(route.path).unwrap_or_default();
        by_path.insert(route.path, methods.on(filter, handler));
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(path, methods)
        })
}

pub use dispatch::not_found;
