//! The roles dashboard (`/roles`): the viewer's roles and what they carry, then every role the
//! viewer may give or take, with its holders, a form to appoint and a button per holder they may
//! dismiss. A unique role held by someone else moves only with the confirmation box ticked.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::Layout;
use crate::ui::id_path::form_id;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::roles::dashboard::{ChangeableRole, HeldRole};
use jumpgate_domain::AccountId;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "roles/dashboard.html")]
pub struct RolesPage {
    pub layout: Layout,
    /// The viewer's own roles.
    pub roles: Vec<HeldRole>,
    pub changeable: Vec<ChangeableRole>,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<RolesPage> {
    let dashboard = state.app.roles_dashboard(&viewer.caller).await?;
    Ok(RolesPage {
        layout: viewer.layout,
        roles: dashboard.mine,
        changeable: dashboard.changeable,
    })
}

#[derive(Deserialize)]
pub struct AppointForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    character: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    confirm_move: Option<String>,
}

pub async fn appoint(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<AppointForm>,
) -> WebResult<Redirect> {
    let done = state
        .app
        .appoint_role(
            &viewer.caller,
            &form.role,
            &form.character,
            form.confirm_move.is_some(),
        )
        .await?;
    let moved = if done.moved_from.is_some() {
        " (moved from its previous holder)"
    } else {
        ""
    };
    session::flash(
        &viewer.session,
        format!("{} is now {}{moved}.", done.character_name, done.role_name),
    )
    .await;
    Ok(Redirect::to("/roles"))
}

#[derive(Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    account: String,
}

pub async fn dismiss(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<DismissForm>,
) -> WebResult<Redirect> {
    let account: AccountId = form_id(&form.account)?;
    let role_name = state
        .app
        .dismiss_role(&viewer.caller, &form.role, account)
        .await?;
    session::flash(
        &viewer.session,
        format!("Account #{account} is no longer {role_name}."),
    )
    .await;
    Ok(Redirect::to("/roles"))
}
