//! The groups page (`/groups`): the groups a member is in and why, the public groups they may
//! apply to, their applications, and the groups they manage with the applications waiting.

use super::held::{HeldGroupRow, held_rows};
use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::format::when;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::groups::member::Applied;
use jumpgate_domain::groups::MAX_APPLICATION_MESSAGE;
use jumpgate_domain::{GroupApplicationId, GroupId};
use serde::Deserialize;

/// A public group the member is not in.
#[derive(Debug, Clone)]
pub struct OpenRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub auto_accept: bool,
    /// The member's pending application to it; 0 when none.
    pub pending: i64,
}

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub status: &'static str,
    pub is_pending: bool,
    pub filed: String,
    /// The denial's reason or the acceptance's note.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct ManagedRow {
    pub id: i64,
    pub name: String,
    pub pending: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "groups/list.html")]
pub struct GroupsPage {
    pub layout: Layout,
    pub held: Vec<HeldGroupRow>,
    pub open: Vec<OpenRow>,
    pub applications: Vec<ApplicationRow>,
    pub managed: Vec<ManagedRow>,
    pub max_message: usize,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<GroupsPage> {
    let o = state.app.groups_overview(&viewer.caller).await?;
    Ok(GroupsPage {
        held: held_rows(&o.held),
        open: o
            .open
            .iter()
            .map(|g| OpenRow {
                id: g.group.id.get(),
                name: g.group.name.clone(),
                description: g.group.description.clone(),
                auto_accept: g.group.auto_accept,
                pending: g.pending.map_or(0, GroupApplicationId::get),
            })
            .collect(),
        applications: o
            .applications
            .iter()
            .map(|a| ApplicationRow {
                id: a.application.id.get(),
                group_id: a.application.group.get(),
                group_name: a.group_name.clone(),
                status: a.application.status.as_str(),
                is_pending: a.application.status
                    == jumpgate_domain::groups::ApplicationStatus::Pending,
                filed: when(Some(a.application.created_at)),
                reason: a.application.decision_reason.clone().unwrap_or_default(),
            })
            .collect(),
        managed: o
            .managed
            .iter()
            .map(|m| ManagedRow {
                id: m.group.id.get(),
                name: m.group.name.clone(),
                pending: m.pending,
            })
            .collect(),
        max_message: MAX_APPLICATION_MESSAGE,
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    message: String,
}

pub async fn apply(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<ApplyForm>,
) -> WebResult<Redirect> {
    let told = match state
        .app
        .apply_to_group(&viewer.caller, id, &form.message)
        .await?
    {
        Applied::Pending(_) => "Application sent. Its managers have been told.",
        Applied::Joined(_) => "You joined the group.",
    };
    session::flash(&viewer.session, told.to_owned()).await;
    Ok(Redirect::to("/groups"))
}

pub async fn cancel_application(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupApplicationId>,
) -> WebResult<Redirect> {
    let cancelled = state
        .app
        .cancel_group_application(&viewer.caller, id)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Your application to {} was withdrawn.",
            cancelled.group_name
        ),
    )
    .await;
    Ok(Redirect::to("/groups"))
}

pub async fn leave(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
) -> WebResult<Redirect> {
    let left = state.app.leave_group(&viewer.caller, id).await?;
    session::flash(&viewer.session, format!("You left {}.", left.name)).await;
    Ok(Redirect::to("/groups"))
}
