//! Ending sign-ins: "Sign out everywhere" on the account page, "End sessions" on an
//! administrator's view of an account. Both POST forms; the pages show how many browsers are
//! signed in.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::IdPath;
use axum::extract::State;
use axum::response::Redirect;
use jumpgate_domain::AccountId;

/// Signs the viewer out on every browser, this one included.
pub async fn end_own(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    let ended = state.app.end_own_sessions(&viewer.caller).await?;
    session::signed_out(&viewer.session, signed_out_on(ended)).await;
    Ok(Redirect::to("/"))
}

/// An administrator signs account `id` out everywhere.
pub async fn end_of(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
) -> WebResult<Redirect> {
    let ended = state.app.end_sessions_of(&viewer.caller, id).await?;
    if viewer.account == id {
        session::signed_out(&viewer.session, signed_out_on(ended)).await;
        return Ok(Redirect::to("/"));
    }
    let message = format!("Account #{id} was signed out on {}.", browsers(ended));
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

fn signed_out_on(ended: u64) -> String {
    format!(
        "You were signed out on {}. Log in again with EVE Online to go on.",
        browsers(ended)
    )
}

/// "1 browser", "3 browsers".
pub fn browsers(n: u64) -> String {
    if n == 1 {
        "1 browser".to_owned()
    } else {
        format!("{n} browsers")
    }
}
