//! The home page (`/`, and `/login` for a person who is not signed in): the way in with EVE's
//! login, or a greeting.

use crate::WebState;
use crate::auth::MaybeViewer;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use jumpgate_domain::EveLogin;

#[derive(Template, WebTemplate)]
#[template(path = "accounts/home.html")]
pub struct HomePage {
    pub layout: Layout,
    /// The login without ESI scopes is offered (`[accounts] no_scopes_login`): managed
    /// accounts' characters sign in with it.
    pub no_scopes_login: bool,
}

pub async fn home(State(state): State<WebState>, MaybeViewer(_, layout): MaybeViewer) -> HomePage {
    HomePage {
        layout,
        no_scopes_login: state.app.login(EveLogin::NO_SCOPES).is_some(),
    }
}
