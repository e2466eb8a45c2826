//! Contact sync for a member (`/standings/sync`): their characters, enrolling one, syncing it
//! now, leaving.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::{IdPath, Layout, when, when_relative};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use jumpgate_app::AppError;
use jumpgate_domain::CharacterId;
use jumpgate_domain::permissions::Permission;

const PAGE: &str = "/standings/sync";

/// One of the member's characters.
#[derive(Debug, Clone)]
pub struct MemberSyncLine {
    pub character: i64,
    pub name: String,
    pub portrait: String,
    pub enrolled: bool,
    pub has_token: bool,
    /// CSS class of the status badge, e.g. `in_sync`.
    pub status: String,
    pub status_text: String,
    pub message: String,
    pub last_sync: String,
    pub last_success: String,
    /// When its next sync is queued for (UTC, and how far), if later than now.
    pub next_sync: String,
    /// Its last sync failed for good and waits for a retry.
    pub failed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/sync.html")]
pub struct SyncMemberPage {
    pub layout: Layout,
    pub label_name: String,
    pub add_scopes: String,
    pub lines: Vec<MemberSyncLine>,
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

pub async fn page(State(state): State<WebState>, viewer: Viewer) -> WebResult<SyncMemberPage> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let rows = state.app.member_sync_rows(&viewer.caller).await?;
    let now = state.app.now();
    let lines = rows
        .iter()
        .map(|r| {
            let e = r.enrolment.as_ref();
            let mut line = MemberSyncLine {
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
                next_sync: r
                    .next_sync
                    .map(|at| when_relative(Some(at), now))
                    .unwrap_or_default(),
                failed: false,
            };
            // Failed for good: say so, instead of the status's "tried again later".
            if line.enrolled
                && !r.syncing
                && let Some((attempts, error)) = &r.failed
            {
                line.failed = true;
                line.status = "error".to_owned();
                line.status_text = "sync failed".to_owned();
                line.message = format!(
                    "The sync stopped after {attempts} failed attempt(s): {}. Retry it, or the \
                     next periodic sync tries again.",
                    error.trim_end_matches('.')
                );
            }
            line
        })
        .collect();
    Ok(SyncMemberPage {
        label_name: state.app.settings().standings.label_name.clone(),
        add_scopes: jumpgate_app::standings::sync::ADD_SCOPES_LINK.to_owned(),
        lines,
        layout: viewer.layout,
    })
}

pub async fn enrol(
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

pub async fn sync_now(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CharacterId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let r = state
        .app
        .request_sync_now(&viewer.caller, id)
        .await
        .map(|()| "A sync starts now.".to_owned());
    flash_result(&viewer, r).await
}

pub async fn leave(
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
