//! The tracked corporations the viewer may see (`/tracking`).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::ui::Layout;
use crate::ui::format::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

pub struct CorporationRow {
    pub id: i64,
    pub label: String,
    pub members: usize,
    pub updated: String,
    pub failing: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking/list.html")]
pub struct TrackingListPage {
    pub layout: Layout,
    pub rows: Vec<CorporationRow>,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<TrackingListPage> {
    let rows = state
        .app
        .tracking_overview(&viewer.caller)
        .await?
        .into_iter()
        .map(|c| CorporationRow {
            id: c.id.get(),
            label: c.label(),
            members: c.members,
            updated: when(c.updated_at),
            failing: c.last_error.is_some(),
        })
        .collect();
    Ok(TrackingListPage {
        layout: viewer.layout,
        rows,
    })
}
