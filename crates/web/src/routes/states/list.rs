//! The states (`/admin/states`): who is Member, Blue … and what each state may do; a new state
//! is created here.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::states::admin::StateOverview;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::states::GUEST;
use serde::Deserialize;

/// One criterion of a state, as a removable chip.
#[derive(Debug, Clone)]
pub struct CriterionChip {
    /// `character`, `corporation`, `alliance` or `faction`.
    pub kind: String,
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct StateRow {
    pub id: i64,
    pub name: String,
    pub priority: i32,
    pub is_guest: bool,
    pub criteria: Vec<CriterionChip>,
    pub permissions: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "states/list.html")]
pub struct StatesPage {
    pub layout: Layout,
    pub rows: Vec<StateRow>,
}

pub fn row(o: &StateOverview) -> StateRow {
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

pub async fn list(State(state): State<WebState>, viewer: Viewer) -> WebResult<StatesPage> {
    viewer.require(Permission::ADMIN_STATES)?;
    let rows = state
        .app
        .state_overviews(&viewer.caller)
        .await?
        .iter()
        .map(row)
        .collect();
    Ok(StatesPage {
        layout: viewer.layout,
        rows,
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
