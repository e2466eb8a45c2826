//! One state (`/admin/states/{id}`): its priority and permissions, the characters,
//! corporations, alliances and factions that belong to it, and deleting it. Every change
//! recomputes the accounts' states and says how many moved.

use super::list::{StateRow, row};
use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::permission_boxes::{PermissionBox, permission_boxes};
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::states::admin::Recomputed;
use jumpgate_domain::StateId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::states::CriterionKind;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "states/state.html")]
pub struct StatePage {
    pub layout: Layout,
    pub state: StateRow,
    pub permissions: Vec<PermissionBox>,
    pub kinds: Vec<String>,
}

/// "; 3 accounts changed state" when any did.
fn moved(r: Recomputed) -> String {
    match r.changed {
        0 => String::new(),
        1 => " One account changed state.".to_owned(),
        n => format!(" {n} accounts changed state."),
    }
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
) -> WebResult<StatePage> {
    viewer.require(Permission::ADMIN_STATES)?;
    let overview = state.app.state_overview(&viewer.caller, id).await?;
    let permissions = permission_boxes(&overview.state.permissions);
    Ok(StatePage {
        state: row(&overview),
        permissions,
        kinds: CriterionKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        layout: viewer.layout,
    })
}

/// The edit form: `priority` and any number of `permission` checkboxes, so it is read as pairs.
pub async fn update(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    let priority = fields
        .iter()
        .find(|(k, _)| k == "priority")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| WebError::BadRequest("the form has no priority".to_owned()))?;
    let permissions: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "permission")
        .map(|(_, v)| v.clone())
        .collect();
    let recomputed = state
        .app
        .update_state(&viewer.caller, id, priority, &permissions)
        .await?;
    session::flash(
        &viewer.session,
        format!("State saved.{}", moved(recomputed)),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/states/{id}")))
}

#[derive(Deserialize)]
pub struct AddCriterionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    entity: String,
}

pub async fn add_criterion(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
    Form(form): Form<AddCriterionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    let (added, recomputed) = state
        .app
        .add_state_criterion(&viewer.caller, id, &form.kind, &form.entity)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Added {} {} (#{}).{}",
            added.kind,
            added.label,
            added.id,
            moved(recomputed)
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/states/{id}")))
}

#[derive(Deserialize)]
pub struct RemoveCriterionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    entity_id: String,
}

pub async fn remove_criterion(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
    Form(form): Form<RemoveCriterionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    let (removed, recomputed) = state
        .app
        .remove_state_criterion(&viewer.caller, id, &form.kind, &form.entity_id)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Removed {} {}.{}",
            removed.kind,
            removed.label,
            moved(recomputed)
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/states/{id}")))
}

pub async fn delete(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    let (deleted, recomputed) = state.app.delete_state(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!("State {} deleted.{}", deleted.name, moved(recomputed)),
    )
    .await;
    Ok(Redirect::to("/admin/states"))
}
