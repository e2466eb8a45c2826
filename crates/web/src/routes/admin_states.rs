//! Administering states: who is Member, Blue … and what each state may do.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::pages::{AdminStatePage, AdminStatesPage, CriterionChip, PermissionBox, StateRow};
use crate::session;
use crate::ui::IdPath;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::states_admin::{Recomputed, StateOverview};
use jumpgate_domain::StateId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::states::{CriterionKind, GUEST};
use serde::Deserialize;

fn row(o: &StateOverview) -> StateRow {
    StateRow {
        id: o.state.id.get(),
        name: o.state.name.clone(),
        priority: o.state.priority,
        is_guest: o.state.name == GUEST,
        criteria: o
            .criteria
            .iter()
            .map(|c| CriterionChip {
                kind: c.kind.as_str().to_owned(),
                id: c.id,
                label: c.label.clone(),
            })
            .collect(),
        permissions: o.state.permissions.iter().cloned().collect(),
    }
}

/// "; 3 accounts changed state" when any did.
fn moved(r: Recomputed) -> String {
    match r.changed {
        0 => String::new(),
        1 => " One account changed state.".to_owned(),
        n => format!(" {n} accounts changed state."),
    }
}

pub async fn list(State(state): State<WebState>, viewer: Viewer) -> WebResult<AdminStatesPage> {
    viewer.require(Permission::ADMIN_STATES)?;
    let rows = state
        .app
        .state_overviews(&viewer.caller)
        .await?
        .iter()
        .map(row)
        .collect();
    Ok(AdminStatesPage {
        layout: viewer.layout,
        rows,
    })
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<StateId>,
) -> WebResult<AdminStatePage> {
    viewer.require(Permission::ADMIN_STATES)?;
    let overview = state.app.state_overview(&viewer.caller, id).await?;
    let permissions = Permission::CATALOGUE
        .iter()
        .map(|(name, what)| PermissionBox {
            name: (*name).to_owned(),
            what: (*what).to_owned(),
            checked: overview.state.permissions.contains(*name),
        })
        .collect();
    Ok(AdminStatePage {
        state: row(&overview),
        permissions,
        kinds: CriterionKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct NewStateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    priority: String,
}

pub async fn create(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<NewStateForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    let created = state
        .app
        .create_state(&viewer.caller, &form.name, &form.priority)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "State {} created. Add who belongs to it and what it may do.",
            created.name
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/states/{}", created.id)))
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
