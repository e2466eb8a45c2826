//! Contact sync pages: `/standings/sync` (a member's own characters: enrol, sync now, leave)
//! and `/standings/sync/admin` (every enrolled character, force sync or validation of chosen
//! ones, sync all with live progress).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::pages_sync::{
    AdminSyncLine, MemberSyncLine, SyncAdminPage, SyncMemberPage, SyncProgressFragment,
};
use crate::session;
use crate::ui::id_path::{PathId, not_an_id};
use crate::ui::{IdPath, when};
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use jumpgate_app::AppError;
use jumpgate_app::standings::sync::{SyncProgress, status_label};
use jumpgate_domain::CharacterId;
use jumpgate_domain::permissions::Permission;
use std::collections::BTreeMap;

const PAGE: &str = "/standings/sync";
const ADMIN_PAGE: &str = "/standings/sync/admin";

pub fn router() -> Router<WebState> {
    Router::new()
        .route(PAGE, get(member_page))
        .route("/standings/sync/{character}/enrol", post(enrol))
        .route("/standings/sync/{character}/now", post(sync_now))
        .route("/standings/sync/{character}/leave", post(leave))
        .route(ADMIN_PAGE, get(admin_page))
        .route("/standings/sync/admin/progress", get(progress))
        .route("/standings/sync/admin/selected", post(selected))
        .route("/standings/sync/admin/all", post(sync_all))
}

fn character_id(raw: &str) -> WebResult<CharacterId> {
    raw.parse()
        .map_err(|_| WebError::BadRequest(not_an_id(CharacterId::WHAT, raw)))
}

/// A use case's refusal the member can act on is shown on the page, not as an error page.
async fn flash_result(viewer: &Viewer, result: Result<String, AppError>) -> WebResult<Redirect> {
    match result {
        Ok(msg) => session::flash(&viewer.session, msg).await,
        Err(AppError::Invalid(msg)) => session::flash(&viewer.session, msg).await,
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(PAGE))
}

async fn member_page(State(state): State<WebState>, viewer: Viewer) -> WebResult<SyncMemberPage> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let rows = state.app.member_sync_rows(&viewer.caller).await?;
    let lines = rows
        .iter()
        .map(|r| {
            let e = r.enrolment.as_ref();
            MemberSyncLine {
                character: r.character.get(),
                name: r.name.clone(),
                portrait: viewer.layout.portrait(r.character.get(), 32),
                enrolled: e.is_some(),
                has_token: r.has_token,
                status: r.status().map_or("none", |s| s.as_str()).to_owned(),
                status_text: r.status_text().to_owned(),
                message: e.and_then(|e| e.message.clone()).unwrap_or_default(),
                last_sync: e.map(|e| when(e.last_sync_at)).unwrap_or_default(),
                last_success: e.map(|e| when(e.last_success_at)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(SyncMemberPage {
        label_name: state.app.settings().standings.label_name.clone(),
        add_scopes: jumpgate_app::standings::sync::ADD_SCOPES_LINK.to_owned(),
        lines,
        layout: viewer.layout,
    })
}

async fn enrol(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CharacterId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let r = state
        .app
        .enrol_in_sync(&viewer.caller, id)
        .await
        .map(|()| "Enrolled: its contacts are being written now.".to_owned());
    flash_result(&viewer, r).await
}

async fn sync_now(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CharacterId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let r = state
        .app
        .request_sync_now(&viewer.caller, id)
        .await
        .map(|()| "A sync is queued.".to_owned());
    flash_result(&viewer, r).await
}

async fn leave(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CharacterId>,
) -> WebResult<Redirect> {
    let r = state
        .app
        .leave_sync_of(&viewer.caller, id)
        .await
        .map(|r| r.message);
    flash_result(&viewer, r).await
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

async fn admin_page(State(state): State<WebState>, viewer: Viewer) -> WebResult<SyncAdminPage> {
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

async fn progress(
    State(state): State<WebState>,
    viewer: Viewer,
) -> WebResult<SyncProgressFragment> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    Ok(progress_fragment(
        &state.app.sync_progress(&viewer.caller).await?,
    ))
}

/// `character=1&character=2&action=sync|validate` (checkboxes repeat the name).
async fn selected(
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

async fn sync_all(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let queued = state.app.sync_all(&viewer.caller).await?;
    session::flash(
        &viewer.session,
        format!("{queued} sync(s) queued; progress below."),
    )
    .await;
    Ok(Redirect::to(ADMIN_PAGE))
}
