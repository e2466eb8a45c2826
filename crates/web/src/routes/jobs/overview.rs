//! The jobs page (`/admin/jobs`): what waits, what runs, what failed (with retry), and the SSO
//! safety valve.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::{IdPath, Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Redirect;
use jumpgate_domain::JobId;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::JobStatus;
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub run_at: String,
    pub attempts: String,
    pub locked_by: String,
    pub last_error: String,
    pub can_retry: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs/overview.html")]
pub struct JobsPage {
    pub layout: Layout,
    pub filter: String,
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    pub rows: Vec<JobRow>,
    pub valve_tripped: bool,
}

#[derive(Deserialize, Default)]
pub struct JobsQuery {
    #[serde(default)]
    status: String,
}

pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<JobsQuery>,
) -> WebResult<JobsPage> {
    viewer.require(Permission::ADMIN_JOBS)?;
    let status = match q.status.as_str() {
        "" => None,
        s => Some(JobStatus::parse(s).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{s}' is not a job status: use queued, running or failed"
            ))
        })?),
    };
    let overview = state.app.job_overview(&viewer.caller, status, 200).await?;
    let counts = overview.counts;
    Ok(JobsPage {
        filter: q.status,
        queued: counts.queued,
        running: counts.running,
        failed: counts.failed,
        rows: overview
            .jobs
            .into_iter()
            .map(|j| JobRow {
                id: j.id.get(),
                kind: j.kind,
                status: j.status.as_str().to_owned(),
                run_at: when(Some(j.run_at)),
                attempts: format!("{} / {}", j.attempts, j.max_attempts),
                locked_by: j.locked_by.unwrap_or_default(),
                last_error: j.last_error.unwrap_or_default(),
                can_retry: j.status == JobStatus::Failed,
            })
            .collect(),
        valve_tripped: overview.valve_open,
        layout: viewer.layout,
    })
}

pub async fn retry(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<JobId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_JOBS)?;
    state.app.retry_job(&viewer.caller, id).await?;
    session::flash(&viewer.session, format!("Job {id} is queued again.")).await;
    Ok(Redirect::to("/admin/jobs?status=failed"))
}

pub async fn reset_valve(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_JOBS)?;
    state.app.reset_safety_valve(&viewer.caller).await?;
    session::flash(&viewer.session, "The SSO safety valve was cleared.").await;
    Ok(Redirect::to("/admin/jobs"))
}
