//! The jobs page (`/admin/jobs`): the schedule of the periodic jobs (with "Run now"), what
//! waits, what runs, what failed (with retry), what finished lately, and the SSO safety valve.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::pager::{self, requested_page};
use crate::ui::{IdPath, Layout, Pager, took, when_relative};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Redirect;
use jumpgate_app::jobs::admin::{FINISHED_COUNTED, JobListing, RunNow, ScheduledJob};
use jumpgate_app::tokens::safety_valve::TrippedValve;
use jumpgate_domain::JobId;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{JobRun, JobStatus, RunOutcome};
use serde::Deserialize;
use time::OffsetDateTime;

/// Queued, running and failed jobs listed per page: a queue grows with the organisation (a
/// contact sync per enrolled character), so it is paged like the other long lists.
const JOBS_PAGE: i64 = 50;
/// Finished runs listed under the queue, and on the "Finished" tab.
const FINISHED_SHOWN: i64 = 20;
const FINISHED_TAB_SHOWN: i64 = 200;

/// One periodic job in the schedule.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    pub kind: String,
    pub interval: String,
    /// `never` when no run is kept.
    pub last_run: String,
    pub last_took: String,
    /// CSS class and word of the last run's outcome; empty when none.
    pub last_outcome: String,
    /// The last run's numbers, or its error.
    pub last_result: String,
    /// `running now`, or when it is due (UTC, and how far; in the past when overdue).
    pub next: String,
}

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

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub job: i64,
    pub kind: String,
    pub outcome: String,
    pub finished: String,
    pub took: String,
    pub attempt: i32,
    pub worker: String,
    /// Its numbers, or its error.
    pub result: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs/overview.html")]
pub struct JobsPage {
    pub layout: Layout,
    pub schedule: Vec<ScheduleRow>,
    pub filter: String,
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    /// One page of the tab's jobs; the pager counts them all.
    pub rows: Vec<JobRow>,
    pub pager: Pager,
    pub runs: Vec<RunRow>,
    pub runs_total: i64,
    /// `runs_total` for people: "10000+" when it reached the count's cap.
    pub runs_total_text: String,
    /// `[jobs] keep_finished` in words.
    pub keep_finished: String,
    /// The tripped SSO safety valve and its evidence; `None` when it is closed.
    pub valve: Option<ValveBanner>,
}

/// What the page shows of a tripped safety valve before an administrator clears it.
#[derive(Debug, Clone)]
pub struct ValveBanner {
    pub tripped: String,
    pub tripped_by: String,
    /// `invalid_grant: 12`, one per kind of answer.
    pub kinds: Vec<String>,
    pub failures: i64,
    pub first: String,
    pub last: String,
    pub accounts: i64,
    pub characters: i64,
    pub invalidated: i64,
}

fn valve_banner(v: &TrippedValve, now: OffsetDateTime) -> ValveBanner {
    let e = &v.evidence;
    ValveBanner {
        tripped: when_relative(Some(v.tripped_at), now),
        tripped_by: v.tripped_by.clone(),
        kinds: e.kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect(),
        failures: e.failures,
        first: when_relative(e.first_at, now),
        last: when_relative(e.last_at, now),
        accounts: e.accounts,
        characters: e.characters,
        invalidated: e.invalidated,
    }
}

#[derive(Deserialize, Default)]
pub struct JobsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

#[derive(Deserialize)]
pub struct RunNowForm {
    kind: String,
}

fn schedule_row(s: &ScheduledJob, now: OffsetDateTime) -> ScheduleRow {
    let last = s.last_run.as_ref();
    ScheduleRow {
        kind: s.kind.to_owned(),
        interval: took(s.interval),
        last_run: when_relative(last.map(|r| r.finished_at), now),
        last_took: last.map(|r| took(r.duration)).unwrap_or_default(),
        last_outcome: last
            .map(|r| r.outcome.as_str().to_owned())
            .unwrap_or_default(),
        last_result: last.map(result).unwrap_or_default(),
        next: match s.next_due() {
            _ if s.running() => "running now".to_owned(),
            // No scheduler has run yet (each queues its jobs when it starts).
            None => "when a scheduler starts".to_owned(),
            due => when_relative(due, now),
        },
    }
}

/// A run's numbers, or what went wrong.
fn result(r: &JobRun) -> String {
    match (&r.error, r.outcome) {
        (Some(e), RunOutcome::Retrying | RunOutcome::Failed) => e.clone(),
        _ => r.summary.to_string(),
    }
}

pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<JobsQuery>,
) -> WebResult<JobsPage> {
    viewer.require(Permission::ADMIN_JOBS)?;
    let finished_tab = q.status == "finished";
    let status = match q.status.as_str() {
        "" | "finished" => None,
        s => Some(JobStatus::parse(s).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{s}' is not a job status: use queued, running, failed or finished"
            ))
        })?),
    };
    let page = requested_page(&q.page)?;
    let listing = JobListing {
        status,
        jobs: if finished_tab { 0 } else { JOBS_PAGE },
        jobs_offset: pager::offset(page, JOBS_PAGE),
        finished: if finished_tab {
            FINISHED_TAB_SHOWN
        } else {
            FINISHED_SHOWN
        },
    };
    let overview = state.app.job_overview(&viewer.caller, listing).await?;
    let now = state.app.now();
    let counts = overview.counts;
    let rows_total = match status {
        None => counts.queued + counts.running + counts.failed,
        Some(JobStatus::Queued) => counts.queued,
        Some(JobStatus::Running) => counts.running,
        Some(JobStatus::Failed) => counts.failed,
    };
    Ok(JobsPage {
        pager: Pager::new(
            "/admin/jobs",
            &[("status", q.status.as_str())],
            page,
            JOBS_PAGE,
            rows_total,
        ),
        schedule: overview
            .schedule
            .iter()
            .map(|s| schedule_row(s, now))
            .collect(),
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
                run_at: when_relative(Some(j.run_at), now),
                attempts: format!("{} / {}", j.attempts, j.max_attempts),
                locked_by: j.locked_by.unwrap_or_default(),
                last_error: j.last_error.unwrap_or_default(),
                can_retry: j.status == JobStatus::Failed,
            })
            .collect(),
        runs: overview
            .finished
            .iter()
            .map(|r| RunRow {
                job: r.job.get(),
                kind: r.kind.clone(),
                outcome: r.outcome.as_str().to_owned(),
                finished: when_relative(Some(r.finished_at), now),
                took: took(r.duration),
                attempt: r.attempt,
                worker: r.worker.clone(),
                result: result(r),
            })
            .collect(),
        runs_total: overview.finished_total,
        runs_total_text: if overview.finished_total >= FINISHED_COUNTED {
            format!("{FINISHED_COUNTED}+")
        } else {
            overview.finished_total.to_string()
        },
        keep_finished: took(state.app.settings().jobs.keep_finished),
        valve: overview.valve.as_ref().map(|v| valve_banner(v, now)),
        layout: viewer.layout,
    })
}

pub async fn run_now(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<RunNowForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_JOBS)?;
    let message = match state
        .app
        .run_periodic_now(&viewer.caller, &form.kind)
        .await?
    {
        RunNow::Queued => format!(
            "{} is due now: a worker starts it within seconds.",
            form.kind
        ),
        RunNow::AlreadyDue => format!(
            "{} was already due: a worker starts it within seconds.",
            form.kind
        ),
        RunNow::Running => format!("{} is running now; nothing else was queued.", form.kind),
    };
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to("/admin/jobs"))
}

pub async fn retry(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<JobId>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_JOBS)?;
    state.app.retry_job(&viewer.caller, id).await?;
    session::flash(&viewer.session, format!("Job {id} is due again now.")).await;
    Ok(Redirect::to("/admin/jobs?status=failed"))
}

pub async fn reset_valve(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_JOBS)?;
    state.app.reset_safety_valve(&viewer.caller).await?;
    session::flash(&viewer.session, "The SSO safety valve was cleared on every instance; the tokens it held are checked again now.").await;
    Ok(Redirect::to("/admin/jobs"))
}
