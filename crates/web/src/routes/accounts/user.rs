//! Administrators' view of one account (`/admin/users/{id}`): its characters and tokens, the
//! characters it lost, its groups, its status (standard or managed, changed here) and its
//! deactivation, and its direct permissions, granted and revoked here.

use super::character_card::{CharacterCard, card};
use super::deactivation::{DeactivationNotice, notice};
use super::removed::{RemovedRow, removed_row};
use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::routes::groups::held::{HeldGroupRow, held_rows};
use crate::session;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::AccountStatus;
use jumpgate_domain::permissions::Permission;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "accounts/user.html")]
pub struct UserPage {
    pub layout: Layout,
    /// The roles it holds, with what each carries.
    pub roles: Vec<jumpgate_app::roles::dashboard::HeldRole>,
    pub account_id: i64,
    pub main_name: String,
    pub state: String,
    pub superuser: bool,
    pub characters: Vec<CharacterCard>,
    pub direct_permissions: Vec<String>,
    pub grantable: Vec<(String, String)>,
    pub removed: Vec<RemovedRow>,
    pub can_edit_permissions: bool,
    /// Its groups and why it has each.
    pub groups: Vec<HeldGroupRow>,
    /// "3 browsers": where this account is signed in.
    pub signed_in_on: String,
    /// `standard` or `managed`, what it means, and the status it can be changed to.
    pub status: &'static str,
    pub status_means: &'static str,
    pub other_status: &'static str,
    pub other_status_means: &'static str,
    /// Active, will be deactivated at, or deactivated since.
    pub deactivation: DeactivationNotice,
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
) -> WebResult<UserPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let view = state.app.account_view(&viewer.caller, id).await?;
    let main_name = view
        .characters
        .iter()
        .find(|c| c.is_main)
        .map_or_else(|| format!("Account {id}"), |c| c.character.name.clone());
    let direct: Vec<String> = state
        .app
        .direct_permissions(&viewer.caller, id)
        .await?
        .into_iter()
        .collect();
    let removed = state
        .app
        .removed_characters(&viewer.caller, Some(id), 100)
        .await?;
    let sessions = state.app.session_count(&viewer.caller, id).await?;
    let groups = held_rows(&state.app.groups_of_account(&viewer.caller, id).await?);
    let roles = state.app.roles_of_account(&viewer.caller, id).await?;
    let deactivation = notice(&view.deactivation, state.app.now());
    let status = view.account.status;
    let other = match status {
        AccountStatus::Standard => AccountStatus::Managed,
        AccountStatus::Managed => AccountStatus::Standard,
    };
    Ok(UserPage {
        roles,
        deactivation,
        status: status.as_str(),
        status_means: status.describe(),
        other_status: other.as_str(),
        other_status_means: other.describe(),
        groups,
        signed_in_on: super::sessions::browsers(sessions),
        account_id: id.get(),
        main_name,
        state: view.account.state.clone(),
        superuser: view.account.superuser,
        characters: view
            .characters
            .iter()
            .map(|c| card(&viewer.layout, c))
            .collect(),
        grantable: Permission::CATALOGUE
            .iter()
            .filter(|(p, _)| !direct.iter().any(|d| d == p))
            .map(|(p, what)| ((*p).to_owned(), (*what).to_owned()))
            .collect(),
        direct_permissions: direct,
        removed: removed
            .iter()
            .map(|r| removed_row(&viewer.layout, r))
            .collect(),
        can_edit_permissions: viewer.caller.grants().allows(Permission::ADMIN_STATES),
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct PermissionForm {
    permission: String,
}

/// After a permission change: the message on the user's page, and back to it.
async fn back_to_user(viewer: &Viewer, id: AccountId, message: &str) -> Redirect {
    session::flash(&viewer.session, message.to_owned()).await;
    Redirect::to(&format!("/admin/users/{id}"))
}

pub async fn grant(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<PermissionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    state
        .app
        .grant_permission(&viewer.caller, id, &form.permission)
        .await?;
    Ok(back_to_user(&viewer, id, &format!("Granted {}.", form.permission.trim())).await)
}

pub async fn revoke(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<PermissionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    state
        .app
        .revoke_permission(&viewer.caller, id, &form.permission)
        .await?;
    Ok(back_to_user(&viewer, id, &format!("Revoked {}.", form.permission.trim())).await)
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// Makes the account managed or standard again; every group it held goes (see the page's
/// warning).
pub async fn set_status(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<StatusForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_USERS)?;
    let change = state
        .app
        .set_account_status(&viewer.caller, id, &form.status)
        .await?;
    let groups = match change.groups_removed {
        0 => "it was in no group".to_owned(),
        1 => "it left its one group".to_owned(),
        n => format!("it left its {n} groups"),
    };
    Ok(back_to_user(
        &viewer,
        id,
        &format!("The account is {} now; {groups}.", change.status.as_str()),
    )
    .await)
}
