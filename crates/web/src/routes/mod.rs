//! Every route, one module per resource.

mod account;
mod admin_audit;
mod admin_jobs;
mod admin_states;
mod admin_users;
mod health;
mod home;
mod sso;
pub(crate) mod standings;
mod static_files;

use crate::WebState;
use axum::Router;
use axum::routing::{get, post};

pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(home::home))
        .route("/logout", post(sso::logout))
        .route("/sso/login", get(sso::start))
        .route("/sso/callback", get(sso::callback))
        .route("/account", get(account::show))
        .route("/account/main", post(account::make_main))
        .route("/account/email", post(account::set_email))
        .route("/account/email/resend", post(account::resend_email))
        .route("/account/email/verify", get(account::verify_email))
        .route("/account/timezone", post(account::set_timezone))
        .route(
            "/account/characters/{id}/remove",
            post(account::remove_character),
        )
        .route("/admin/users", get(admin_users::list))
        .route("/admin/users/rows", get(admin_users::rows))
        .route("/admin/users/{id}", get(admin_users::show))
        .route(
            "/admin/users/{id}/permissions/grant",
            post(admin_users::grant),
        )
        .route(
            "/admin/users/{id}/permissions/revoke",
            post(admin_users::revoke),
        )
        .route("/admin/characters", get(admin_users::characters))
        .route("/admin/jobs", get(admin_jobs::list))
        .route("/admin/jobs/{id}/retry", post(admin_jobs::retry))
        .route(
            "/admin/jobs/safety-valve/reset",
            post(admin_jobs::reset_valve),
        )
        .route(
            "/admin/states",
            get(admin_states::list).post(admin_states::create),
        )
        .route(
            "/admin/states/{id}",
            get(admin_states::show).post(admin_states::update),
        )
        .route(
            "/admin/states/{id}/criteria/add",
            post(admin_states::add_criterion),
        )
        .route(
            "/admin/states/{id}/criteria/remove",
            post(admin_states::remove_criterion),
        )
        .route("/admin/states/{id}/delete", post(admin_states::delete))
        .route("/admin/audit", get(admin_audit::list))
        .route("/admin/audit.csv", get(admin_audit::export))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/static/{file}", get(static_files::serve))
        .route("/favicon.ico", get(static_files::favicon))
        .merge(standings::router())
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .fallback(home::not_found)
        .with_state(state)
}
