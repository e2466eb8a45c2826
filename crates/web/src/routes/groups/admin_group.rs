//! One group for its administrators (`/admin/groups/{id}`): its name, description, visibility,
//! auto-accept and permissions; its managers and manager groups; deleting it. Its members and
//! applications are on its page (`/groups/{id}`), which administrators of groups manage too.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::id_path::form_id;
use crate::ui::permission_boxes::{PermissionBox, permission_boxes};
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::groups::admin::GroupSettings;
use jumpgate_app::groups::conditions::ConditionsForm;
use jumpgate_domain::groups::{MAX_GROUP_DESCRIPTION, MAX_GROUP_NAME};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, GroupId};
use serde::Deserialize;

/// A manager or a manager group, with the id its remove form sends.
#[derive(Debug, Clone)]
pub struct Removable {
    pub id: i64,
    pub label: String,
}

/// A corporation or an alliance whose members get the group.
#[derive(Debug, Clone)]
pub struct AffiliationChip {
    /// `corporation` or `alliance`.
    pub kind: &'static str,
    pub id: i64,
    pub label: String,
}

/// Another group, with whether this one requires or forbids it.
#[derive(Debug, Clone)]
pub struct LinkedGroup {
    pub id: i64,
    pub name: String,
    pub required: bool,
    pub forbidden: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "groups/admin_group.html")]
pub struct AdminGroupPage {
    pub layout: Layout,
    pub id: i64,
    pub name: String,
    pub description: String,
    pub visibility: &'static str,
    pub auto_accept: bool,
    pub members: usize,
    pub permissions: Vec<PermissionBox>,
    pub managers: Vec<Removable>,
    pub manager_groups: Vec<Removable>,
    /// Groups that could lead this one (every other group not leading it yet).
    pub other_groups: Vec<Removable>,
    /// Every account gets it.
    pub is_default: bool,
    /// The corporations and alliances whose members get it.
    pub affiliations: Vec<AffiliationChip>,
    /// Every other group, as required or forbidden by this one.
    pub linked: Vec<LinkedGroup>,
    /// The conditions as the form shows them.
    pub conditions: ConditionsForm,
    /// The states it may be held in, as the rules form shows them (empty: any).
    pub held_states: String,
    pub max_name: usize,
    pub max_description: usize,
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
) -> WebResult<AdminGroupPage> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let v = state.app.group_view(&viewer.caller, id).await?;
    let others: Vec<_> = state
        .app
        .group_summaries(&viewer.caller)
        .await?
        .into_iter()
        .filter(|s| s.group.id != id)
        .collect();
    let g = &v.group;
    let other_groups = others
        .iter()
        .filter(|s| !g.manager_groups.contains(&s.group.id))
        .map(|s| Removable {
            id: s.group.id.get(),
            label: s.group.name.clone(),
        })
        .collect();
    let linked = others
        .iter()
        .map(|s| LinkedGroup {
            id: s.group.id.get(),
            name: s.group.name.clone(),
            required: g.rules.required.contains(&s.group.id),
            forbidden: g.rules.forbidden.contains(&s.group.id),
        })
        .collect();
    let affiliations = state
        .app
        .group_affiliations(&viewer.caller, id)
        .await?
        .into_iter()
        .map(|a| AffiliationChip {
            kind: a.kind.as_str(),
            id: a.id,
            label: a.label,
        })
        .collect();
    let c = &g.conditions;
    let joined = |items: Vec<String>| items.join(", ");
    let conditions = ConditionsForm {
        states: joined(c.states.iter().cloned().collect()),
        corporations: joined(c.corporations.iter().map(|x| x.to_string()).collect()),
        alliances: joined(c.alliances.iter().map(|x| x.to_string()).collect()),
        groups: joined(
            others
                .iter()
                .filter(|s| c.groups.contains(&s.group.id))
                .map(|s| s.group.name.clone())
                .collect(),
        ),
    };
    Ok(AdminGroupPage {
        held_states: joined(g.rules.states.iter().cloned().collect()),
        conditions,
        id: g.id.get(),
        name: g.name.clone(),
        description: g.description.clone(),
        visibility: g.visibility.as_str(),
        auto_accept: g.auto_accept,
        members: v.members.len(),
        permissions: permission_boxes(&g.permissions),
        managers: v
            .managers
            .iter()
            .map(|m| Removable {
                id: m.account.get(),
                label: super::group::named(m.account, m.main.as_ref()),
            })
            .collect(),
        manager_groups: v
            .manager_groups
            .iter()
            .map(|(gid, name)| Removable {
                id: gid.get(),
                label: name.clone(),
            })
            .collect(),
        other_groups,
        is_default: g.rules.default,
        affiliations,
        linked,
        max_name: MAX_GROUP_NAME,
        max_description: MAX_GROUP_DESCRIPTION,
        layout: viewer.layout,
    })
}

fn back_to(id: GroupId) -> Redirect {
    Redirect::to(&format!("/admin/groups/{id}"))
}

/// The settings form: `name`, `description`, `visibility`, an `auto_accept` checkbox and any
/// number of `permission` checkboxes, so it is read as pairs.
pub async fn update(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let required = |name: &str| {
        field(name).ok_or_else(|| WebError::BadRequest(format!("the form has no {name}")))
    };
    let settings = GroupSettings {
        name: required("name")?,
        description: field("description").unwrap_or_default(),
        visibility: required("visibility")?,
        auto_accept: field("auto_accept").is_some(),
        permissions: fields
            .iter()
            .filter(|(k, _)| k == "permission")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let saved = state
        .app
        .update_group(&viewer.caller, id, &settings)
        .await?;
    session::flash(&viewer.session, format!("Group {} saved.", saved.name)).await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct ConditionsFields {
    #[serde(default)]
    states: String,
    #[serde(default)]
    corporations: String,
    #[serde(default)]
    alliances: String,
    #[serde(default)]
    groups: String,
}

pub async fn set_conditions(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<ConditionsFields>,
) -> WebResult<Redirect> {
    let saved = state
        .app
        .set_group_conditions(
            &viewer.caller,
            id,
            &ConditionsForm {
                states: form.states,
                corporations: form.corporations,
                alliances: form.alliances,
                groups: form.groups,
            },
        )
        .await?;
    session::flash(
        &viewer.session,
        format!("The conditions of {} are saved.", saved.name),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/groups/{id}#conditions")))
}

pub async fn delete(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let deleted = state.app.delete_group(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!(
            "Group {} deleted; its members no longer hold what it granted.",
            deleted.name
        ),
    )
    .await;
    Ok(Redirect::to("/admin/groups"))
}

#[derive(Deserialize)]
pub struct CharacterForm {
    #[serde(default)]
    character: String,
}

pub async fn add_manager(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<CharacterForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let (_, name) = state
        .app
        .add_group_manager(&viewer.caller, id, &form.character)
        .await?;
    session::flash(&viewer.session, format!("{name} now manages this group.")).await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    account: String,
}

pub async fn remove_manager(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<AccountForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let account = form_id::<AccountId>(&form.account)?;
    state
        .app
        .remove_group_manager(&viewer.caller, id, account)
        .await?;
    session::flash(&viewer.session, "Manager removed.".to_owned()).await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    group: String,
}

pub async fn add_manager_group(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<GroupForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let leading = form_id::<GroupId>(&form.group)?;
    let leader = state
        .app
        .add_manager_group(&viewer.caller, id, leading)
        .await?;
    session::flash(
        &viewer.session,
        format!("The members of {} now manage this group.", leader.name),
    )
    .await;
    Ok(back_to(id))
}

pub async fn remove_manager_group(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<GroupForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let leading = form_id::<GroupId>(&form.group)?;
    state
        .app
        .remove_manager_group(&viewer.caller, id, leading)
        .await?;
    session::flash(&viewer.session, "Manager group removed.".to_owned()).await;
    Ok(back_to(id))
}
