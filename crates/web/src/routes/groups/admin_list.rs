//! Every group for its administrators (`/admin/groups`): who may see and join each, its size,
//! the applications waiting and what it grants; a new group is created here.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::groups::admin::GroupSettings;
use jumpgate_domain::groups::{MAX_GROUP_DESCRIPTION, MAX_GROUP_NAME};
use jumpgate_domain::permissions::Permission;
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub visibility: &'static str,
    pub auto_accept: bool,
    pub members: usize,
    pub pending: usize,
    pub permissions: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "groups/admin_list.html")]
pub struct AdminGroupsPage {
    pub layout: Layout,
    pub rows: Vec<GroupRow>,
    pub max_name: usize,
    pub max_description: usize,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<AdminGroupsPage> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let rows = state
        .app
        .group_summaries(&viewer.caller)
        .await?
        .into_iter()
        .map(|s| GroupRow {
            id: s.group.id.get(),
            name: s.group.name,
            visibility: s.group.visibility.as_str(),
            auto_accept: s.group.auto_accept,
            members: s.members,
            pending: s.pending,
            permissions: s.group.permissions.into_iter().collect(),
        })
        .collect();
    Ok(AdminGroupsPage {
        layout: viewer.layout,
        rows,
        max_name: MAX_GROUP_NAME,
        max_description: MAX_GROUP_DESCRIPTION,
    })
}

#[derive(Deserialize)]
pub struct NewGroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    visibility: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    auto_accept: Option<String>,
}

pub async fn create(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<NewGroupForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_GROUPS)?;
    let created = state
        .app
        .create_group(
            &viewer.caller,
            &GroupSettings {
                name: form.name,
                description: form.description,
                visibility: form.visibility,
                auto_accept: form.auto_accept.is_some(),
                permissions: Vec::new(),
            },
        )
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Group {} created. Choose what it grants and who manages it.",
            created.name
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/groups/{}", created.id)))
}
