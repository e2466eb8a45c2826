//! Contact sync for standings managers (`/standings/sync/admin`): every enrolled character, a
//! forced sync or validation of chosen ones, syncing all with live progress.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::id_path::{PathId, not_an_id};
use crate::ui::{Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use jumpgate_app::standings::sync::{SyncProgress, status_label};
use jumpgate_domain::CharacterId;
use jumpgate_domain::permissions::Permission;
use std::collections::BTreeMap;

const ADMIN_PAGE: &str = "/standings/sync/admin";

/// One enrolled character on the admin page.
#[derive(Debug, Clone)]
pub struct AdminSyncLine {
    pub character: i64,
    pub name: String,
    pub status: String,
    pub status_text: String,
    pub message: String,
    pub last_sync: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/sync_progress.html")]
pub struct SyncProgressFragment {
    pub queued: usize,
    pub running: usize,
    pub total: i64,
    pub in_sync: i64,
    pub problems: i64,
    pub done: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/sync_admin.html")]
pub struct SyncAdminPage {
    pub layout: Layout,
    pub progress: SyncProgressFragment,
    /// Status → count, every status.
    pub by_status: Vec<(String, String, usize)>,
    pub lines: Vec<AdminSyncLine>,
}
fn character_id(raw: &str) -> WebResult<CharacterId> {
    raw.parse()
        .map_err(|_| WebError::BadRequest(not_an_id(CharacterId::WHAT, raw)))
}

fn progress_fragment(p: &SyncProgress) -> SyncProgressFragment {
    SyncProgressFragment {
        queued: p.queued,
        running: p.running,
        total: p.counts.total,
        in_sync: p.counts.in_sync,
        problems: p.counts.problems,
        done: p.done(),
    }
}

pub async fn page(State(state): State<WebState>, viewer: Viewer) -> WebResult<SyncAdminPage> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let synced = state.app.all_synced(&viewer.caller).await?;
    let progress = state.app.sync_progress(&viewer.caller).await?;
    let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut lines = Vec::with_capacity(synced.len());
    for (s, name) in synced {
        *by_status.entry(s.status.as_str()).or_default() += 1;
        lines.push(AdminSyncLine {
            character: s.character.get(),
            name,
            status: s.status.as_str().to_owned(),
            status_text: status_label(s.status).to_owned(),
            message: s.message.clone().unwrap_or_default(),
            last_sync: when(s.last_sync_at),
        });
    }
    Ok(SyncAdminPage {
        progress: progress_fragment(&progress),
        by_status: jumpgate_store::SyncStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    status_label(*s).to_owned(),
                    by_status.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .collect(),
        lines,
        layout: viewer.layout,
    })
}

pub async fn progress(
    State(state): State<WebState>,
    viewer: Viewer,
) -> WebResult<SyncProgressFragment> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    Ok(progress_fragment(
        &state.app.sync_progress(&viewer.caller).await?,
    ))
}

/// `character=1&character=2&action=sync|validate` (checkboxes repeat the name).
pub async fn selected(
    State(state): State<WebState>,
    viewer: Viewer,
    body: String,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let mut characters = Vec::new();
    let mut action = String::new();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "character" => characters.push(character_id(&v)?),
            "action" => action = v.into_owned(),
            _ => {}
        }
    }
    if characters.is_empty() {
        session::flash(&viewer.session, "No character was selected.").await;
        return Ok(Redirect::to(ADMIN_PAGE));
    }
    let msg = match action.as_str() {
        "validate" => {
            let stopped = state.app.validate_sync(&viewer.caller, &characters).await?;
            format!(
                "{} character(s) checked; {} stopped as not eligible.",
                characters.len(),
                stopped.len()
            )
        }
        _ => {
            let queued = state.app.force_sync(&viewer.caller, &characters).await?;
            format!("{queued} sync(s) queued.")
        }
    };
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to(ADMIN_PAGE))
}

pub async fn sync_all(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let queued = state.app.sync_all(&viewer.caller).await?;
    session::flash(
        &viewer.session,
        format!("{queued} sync(s) queued; progress below."),
    )
    .await;
    Ok(Redirect::to(ADMIN_PAGE))
}
