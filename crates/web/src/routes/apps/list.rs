//! `/apps`: the applications the viewer administers (all, for `admin.apps`) or manages, and
//! the form that creates one.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;

pub struct AppLine {
    pub id: i64,
    pub name: String,
    pub roles: String,
    pub groups: usize,
    pub has_secret: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "apps/list.html")]
pub struct AppsPage {
    pub layout: Layout,
    pub apps: Vec<AppLine>,
    pub administers: bool,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<AppsPage> {
    let overview = state.app.apps_overview(&viewer.caller).await?;
    Ok(AppsPage {
        layout: viewer.layout,
        administers: overview.administers,
        apps: overview
            .apps
            .into_iter()
            .map(|a| AppLine {
                id: a.id.get(),
                roles: a
                    .all_roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                groups: a.groups.len(),
                has_secret: a.has_secret,
                name: a.name,
            })
            .collect(),
    })
}

#[derive(serde::Deserialize)]
pub struct NameForm {
    pub name: String,
}

pub async fn create(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<NameForm>,
) -> WebResult<Redirect> {
    let id = state.app.create_app(&viewer.caller, &form.name).await?;
    session::flash(
        &viewer.session,
        "Application created. Give it roles and groups, and a manager who makes its secret.",
    )
    .await;
    Ok(Redirect::to(&format!("/apps/{id}")))
}
