//! Contact sync for standings managers (`/standings/sync/admin`): the enrolled characters by
//! status, a page at a time, a forced sync or validation of chosen ones, syncing all with live
//! progress.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::id_path::form_id;
use crate::ui::pager::{self, requested_page};
use crate::ui::{Layout, Pager, RenderedRows, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Redirect;
use jumpgate_app::standings::sync::{SyncProgress, status_label};
use jumpgate_domain::CharacterId;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{SyncStatus, SyncedCharacter};
use serde::Deserialize;
use std::sync::Arc;

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
    pub by_status: Vec<(String, String, i64)>,
    /// The status the list is filtered by; empty: all.
    pub shown_status: String,
    /// The page's rows, rendered once per list read and view ([`SyncAdminRowsCache`]).
    pub rows: Arc<str>,
    pub pager: Pager,
}

/// The rows of one page of the list, without the page around them.
#[derive(Template)]
#[template(path = "standings/sync_admin_rows.html")]
pub struct SyncAdminRows {
    pub lines: Vec<AdminSyncLine>,
    /// Narrowed to one status (what to say when no row is left).
    pub filtered: bool,
}

/// The rows as HTML by (status, offset), kept with the list they were rendered from.
pub type SyncAdminRowsCache =
    RenderedRows<Vec<(SyncedCharacter, String)>, (Option<SyncStatus>, usize)>;
fn admin_sync_line((s, name): &(SyncedCharacter, String)) -> AdminSyncLine {
    AdminSyncLine {
        character: s.character.get(),
        name: name.clone(),
        status: s.status.as_str().to_owned(),
        status_text: status_label(s.status).to_owned(),
        message: s.message.clone().unwrap_or_default(),
        last_sync: when(s.last_sync_at),
    }
}

fn character_id(raw: &str) -> WebResult<CharacterId> {
    form_id(raw)
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

/// Enrolled characters on one page of the admin list.
const PAGE_SIZE: i64 = 200;

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    /// Only characters in this status (`in_sync`, `failed`, …); empty: all.
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

pub async fn page(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<AdminQuery>,
) -> WebResult<SyncAdminPage> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(SyncStatus::parse(s).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{s}' is not a sync status; use one of: {}",
                SyncStatus::ALL.map(SyncStatus::as_str).join(", ")
            ))
        })?),
    };
    let page = requested_page(&q.page)?;
    let offset = usize::try_from(pager::offset(page, PAGE_SIZE)).unwrap_or(0);
    let listed = state
        .app
        .enrolment_page(
            &viewer.caller,
            status,
            usize::try_from(PAGE_SIZE).unwrap_or(0),
            offset,
        )
        .await?;
    let rows = state
        .sync_admin_rows
        .get_or_render(&listed.all, (status, offset), || {
            let lines = listed.lines().map(admin_sync_line).collect();
            SyncAdminRows {
                lines,
                filtered: status.is_some(),
            }
            .render()
            .map_err(|e| WebError::Internal(format!("the contact sync list's rows: {e}")))
        })?;
    let progress = listed.progress;
    let counts = &progress.by_status;
    let count_of = |s: SyncStatus| counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    let matching = i64::try_from(listed.matching).unwrap_or(i64::MAX);
    Ok(SyncAdminPage {
        progress: progress_fragment(&progress),
        by_status: SyncStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    status_label(*s).to_owned(),
                    count_of(*s),
                )
            })
            .collect(),
        shown_status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        pager: Pager::new(
            ADMIN_PAGE,
            &[("status", q.status.trim())],
            page,
            PAGE_SIZE,
            matching,
        ),
        rows,
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
