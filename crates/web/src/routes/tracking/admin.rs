//! Member tracking for its administrators (`/admin/tracking`): every tracked corporation with
//! the groups that see it (chosen here) and every Director's tracking token with its last check.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::IdPath;
use crate::ui::Layout;
use crate::ui::format::when;
use crate::ui::id_path::form_id;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{CorporationId, GroupId};

pub struct GroupBox {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

pub struct DirectorLine {
    pub name: String,
    pub checked: String,
    pub in_use: bool,
    pub problem: String,
    pub token: &'static str,
}

pub struct CorporationCard {
    pub id: i64,
    pub label: String,
    pub members: usize,
    pub updated: String,
    pub last_error: Option<String>,
    pub groups: Vec<GroupBox>,
    pub directors: Vec<DirectorLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking/admin.html")]
pub struct TrackingAdminPage {
    pub layout: Layout,
    pub corporations: Vec<CorporationCard>,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<TrackingAdminPage> {
    viewer.require(Permission::ADMIN_TRACKING)?;
    let admin = state.app.tracking_admin(&viewer.caller).await?;
    let corporations = admin
        .corporations
        .into_iter()
        .map(|c| CorporationCard {
            id: c.corporation.id.get(),
            label: c.corporation.label(),
            members: c.corporation.members,
            updated: when(c.corporation.updated_at),
            last_error: c.corporation.last_error.clone(),
            groups: admin
                .groups
                .iter()
                .map(|(id, name)| GroupBox {
                    id: id.get(),
                    name: name.clone(),
                    checked: c.viewer_groups.contains(id),
                })
                .collect(),
            directors: c
                .directors
                .into_iter()
                .map(|d| DirectorLine {
                    checked: when(Some(d.checked_at)),
                    in_use: d.in_use(),
                    problem: d.problem().unwrap_or_default().to_owned(),
                    token: d.token.map_or("gone", |t| t.as_str()),
                    name: d.name,
                })
                .collect(),
        })
        .collect();
    Ok(TrackingAdminPage {
        layout: viewer.layout,
        corporations,
    })
}

/// The groups form: any number of `group` ids (none: nobody sees the corporation).
pub async fn set_groups(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CorporationId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_TRACKING)?;
    let groups = fields
        .iter()
        .filter(|(k, _)| k == "group")
        .map(|(_, v)| form_id::<GroupId>(v))
        .collect::<WebResult<Vec<_>>>()?;
    state
        .app
        .set_tracking_groups(&viewer.caller, id, &groups)
        .await?;
    let message = match groups.len() {
        0 => "Nobody sees this corporation's members now.".to_owned(),
        1 => "The members of one group see this corporation's members now.".to_owned(),
        n => format!("The members of {n} groups see this corporation's members now."),
    };
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to(&format!("/admin/tracking#corporation-{id}")))
}

/// Stops tracking a corporation (after the page's confirmation).
pub async fn stop(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CorporationId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_TRACKING)?;
    state.app.stop_tracking(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        "Jumpgate no longer tracks this corporation; a Director's next tracking login tracks it again.",
    )
    .await;
    Ok(Redirect::to("/admin/tracking"))
}
