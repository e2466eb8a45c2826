//! The roles' administration (`/admin/roles`, `admin.roles`): divisions and specialty roles
//! (created and deleted here), what each role carries (`admin.*` permissions only by a
//! superuser) and the corporations and alliances whose CEOs and Directors hold their roles.

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
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::roles::{Division, MAX_ROLE_DESCRIPTION, MAX_ROLE_NAME, Specialty};
use jumpgate_domain::{DivisionId, SpecialtyId};
use serde::Deserialize;

/// One role's permissions form.
pub struct PermissionsRow {
    pub key: String,
    pub name: String,
    pub boxes: Vec<PermissionBox>,
}

#[derive(Template, WebTemplate)]
#[template(path = "roles/admin.html")]
pub struct RolesAdminPage {
    pub layout: Layout,
    pub divisions: Vec<Division>,
    pub specialties: Vec<Specialty>,
    pub rows: Vec<PermissionsRow>,
    /// "id name" lines of the leading corporations and alliances, and the forms' values.
    pub corporations: Vec<String>,
    pub alliances: Vec<String>,
    pub corporation_ids: String,
    pub alliance_ids: String,
    pub max_name: usize,
    pub max_description: usize,
}

fn named<I: std::fmt::Display>(items: &[(I, Option<String>)]) -> Vec<String> {
    items
        .iter()
        .map(|(id, name)| match name {
            Some(name) => format!("{name} ({id})"),
            None => format!("#{id} (name not read yet)"),
        })
        .collect()
}

fn ids<I: std::fmt::Display>(items: &[(I, Option<String>)]) -> String {
    items
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<RolesAdminPage> {
    viewer.require(Permission::ADMIN_ROLES)?;
    let admin = state.app.roles_admin(&viewer.caller).await?;
    Ok(RolesAdminPage {
        layout: viewer.layout,
        rows: admin
            .permissions
            .into_iter()
            .map(|r| PermissionsRow {
                boxes: permission_boxes(&r.permissions),
                key: r.key,
                name: r.name,
            })
            .collect(),
        corporations: named(&admin.leading_corporations),
        alliances: named(&admin.leading_alliances),
        corporation_ids: ids(&admin.leading_corporations),
        alliance_ids: ids(&admin.leading_alliances),
        divisions: admin.catalogue.divisions,
        specialties: admin.catalogue.specialties,
        max_name: MAX_ROLE_NAME,
        max_description: MAX_ROLE_DESCRIPTION,
    })
}

fn back() -> Redirect {
    Redirect::to("/admin/roles")
}

#[derive(Deserialize)]
pub struct DivisionForm {
    #[serde(default)]
    name: String,
}

pub async fn create_division(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<DivisionForm>,
) -> WebResult<Redirect> {
    let division = state
        .app
        .create_division(&viewer.caller, &form.name)
        .await?;
    session::flash(
        &viewer.session,
        format!("Division {} created.", division.name),
    )
    .await;
    Ok(back())
}

pub async fn delete_division(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<DivisionId>,
) -> WebResult<Redirect> {
    let division = state.app.delete_division(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!(
            "Division {} deleted; its Head FC and FCs no longer hold those roles.",
            division.name
        ),
    )
    .await;
    Ok(back())
}

#[derive(Deserialize)]
pub struct SpecialtyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    fleet: Option<String>,
}

pub async fn create_specialty(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<SpecialtyForm>,
) -> WebResult<Redirect> {
    let specialty = state
        .app
        .create_specialty(
            &viewer.caller,
            &form.name,
            &form.description,
            form.fleet.is_some(),
        )
        .await?;
    session::flash(
        &viewer.session,
        format!("Specialty role {} created.", specialty.name),
    )
    .await;
    Ok(back())
}

pub async fn delete_specialty(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<SpecialtyId>,
) -> WebResult<Redirect> {
    let specialty = state.app.delete_specialty(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!(
            "Specialty role {} deleted; its holders no longer hold it.",
            specialty.name
        ),
    )
    .await;
    Ok(back())
}

/// `role` and any number of `permission` checkboxes, so it is read as pairs.
pub async fn set_permissions(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    let role = fields
        .iter()
        .find(|(k, _)| k == "role")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| WebError::BadRequest("the form has no role".to_owned()))?;
    let permissions: Vec<String> = fields
        .into_iter()
        .filter(|(k, _)| k == "permission")
        .map(|(_, v)| v)
        .collect();
    let name = state
        .app
        .set_role_permissions(&viewer.caller, &role, &permissions)
        .await?;
    session::flash(&viewer.session, format!("What {name} carries is saved.")).await;
    Ok(back())
}

#[derive(Deserialize)]
pub struct LeadingForm {
    #[serde(default)]
    corporations: String,
    #[serde(default)]
    alliances: String,
}

pub async fn set_leading(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<LeadingForm>,
) -> WebResult<Redirect> {
    let leading = state
        .app
        .set_leading_entities(&viewer.caller, &form.corporations, &form.alliances)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Saved: the CEOs and Directors of {} corporation(s) and of every corporation in {} alliance(s) hold their roles.",
            leading.corporations.len(),
            leading.alliances.len()
        ),
    )
    .await;
    Ok(back())
}
