//! The forms of a group's rules on its admin page (`/admin/groups/{id}`): the default group,
//! required and forbidden groups, and the corporations and alliances whose members get it.
//! Every change recomputes every account and says how many joined or left a group.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::IdPath;
use crate::ui::id_path::form_id;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::access::Recomputed;
use jumpgate_app::groups::automatic::GroupLinks;
use jumpgate_domain::GroupId;
use jumpgate_domain::permissions::Permission;
use serde::Deserialize;

/// " 3 accounts joined or left a group." when any did.
fn moved(r: Recomputed) -> String {
    match r.groups_changed {
        0 => String::new(),
        1 => " One account joined or left a group.".to_owned(),
        n => format!(" {n} accounts joined or left a group."),
    }
}

fn back_to(id: GroupId) -> Redirect {
    Redirect::to(&format!("/admin/groups/{id}#rules"))
}

/// The rules form: a `default` checkbox and any number of `required` and `forbidden` group
/// ids, so it is read as pairs.
pub async fn set_links(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let ids = |name: &str| -> WebResult<Vec<GroupId>> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| form_id::<GroupId>(v))
            .collect()
    };
    let links = GroupLinks {
        default: fields.iter().any(|(k, _)| k == "default"),
        required: ids("required")?,
        forbidden: ids("forbidden")?,
        states: fields
            .iter()
            .find(|(k, _)| k == "states")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    let recomputed = state
        .app
        .set_group_links(&viewer.caller, id, &links)
        .await?;
    session::flash(
        &viewer.session,
        format!("Rules saved.{}", moved(recomputed)),
    )
    .await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct AddAffiliationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    entity: String,
}

pub async fn add_affiliation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<AddAffiliationForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let (label, recomputed) = state
        .app
        .add_group_affiliation(&viewer.caller, id, &form.kind, &form.entity)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Members of {label} now get this group.{}",
            moved(recomputed)
        ),
    )
    .await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct RemoveAffiliationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    entity_id: String,
}

pub async fn remove_affiliation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<RemoveAffiliationForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let recomputed = state
        .app
        .remove_group_affiliation(&viewer.caller, id, &form.kind, &form.entity_id)
        .await?;
    session::flash(
        &viewer.session,
        format!("Rule removed.{}", moved(recomputed)),
    )
    .await;
    Ok(back_to(id))
}
