//! Accounts: signing in with EVE's login, a person's own account, and administrators' view of
//! accounts and characters. One file per page.

mod account;
mod character_card;
pub(crate) mod characters;
mod deactivation;
mod home;
mod pending_cookie;
mod removed;
mod search;
mod sessions;
mod sso;
mod time_zone_options;
mod user;
pub(crate) mod users;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::{get, post};
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
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
        .route(
            "/account/email/verify",
            get(account::confirm_email).post(account::verify_email),
        )
        .route("/account/timezone", post(account::set_timezone))
        .route("/account/sessions/end", post(sessions::end_own))
        .route(
            "/account/characters/{id}/remove",
            post(account::remove_character),
        )
        .route("/admin/users", get(users::list))
        .route("/admin/users/rows", get(users::rows))
        .route("/admin/users/{id}", get(user::show))
        .route("/admin/users/{id}/permissions/grant", post(user::grant))
        .route("/admin/users/{id}/permissions/revoke", post(user::revoke))
        .route("/admin/users/{id}/sessions/end", post(sessions::end_of))
        .route("/admin/users/{id}/status", post(user::set_status))
        .route("/admin/characters", get(characters::characters))
        .route("/admin/search", get(search::search))
}

/// Everyone's own account; the account and character lists for user administrators.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let mut items = vec![NavItem::member("Account", "/account")];
    if caller.grants().allows(Permission::ADMIN_USERS) {
        items.push(NavItem::admin("Users", "/admin/users"));
        items.push(NavItem::admin("Characters", "/admin/characters"));
    }
    items
}
