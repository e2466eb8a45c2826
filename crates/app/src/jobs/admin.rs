//! What administrators do with background jobs (`admin.jobs`): see the schedule and the queue,
//! run a periodic job now, retry a failed job, clear the SSO safety valve after checking EVE's
//! SSO.

use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::{next_due_key, parse_next_due, periodic, periodic_job};
use crate::tokens::safety_valve::{TrippedValve, evidence_json};
use jumpgate_domain::JobId;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{
    Job, JobCounts, JobOverviewQuery, JobOverviewRows, JobRun, JobStatus, ListedJob,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// One periodic job as the schedule shows it.
#[derive(Debug, Clone)]
pub struct ScheduledJob {
    pub kind: &'static str,
    pub interval: Duration,
    /// How its newest kept run ended.
    pub last_run: Option<JobRun>,
    /// Its copy waiting or running now.
    pub pending: Option<Job>,
    /// When the scheduler queues it next (when none waits); `None` before the first time.
    pub next_scheduled: Option<OffsetDateTime>,
}

impl ScheduledJob {
    pub fn running(&self) -> bool {
        self.pending
            .as_ref()
            .is_some_and(|j| j.status == JobStatus::Running)
    }

    /// When it runs next: its waiting copy's due time, else when the scheduler queues it.
    pub fn next_due(&self) -> Option<OffsetDateTime> {
        match &self.pending {
            Some(job) => Some(job.run_at),
            None => self.next_scheduled,
        }
    }
}

/// How many jobs and runs the jobs page lists.
#[derive(Debug, Clone, Copy)]
pub struct JobListing {
    /// Queued, running and failed jobs of this status (all three when `None`).
    pub status: Option<JobStatus>,
    pub jobs: i64,
    /// How many of the newest jobs to skip (the pages after the first).
    pub jobs_offset: i64,
    /// Finished runs, newest first.
    pub finished: i64,
}

/// The jobs page: the schedule, the queue and the newest finished runs.
#[derive(Debug, Clone)]
pub struct JobOverview {
    pub counts: JobCounts,
    /// Every periodic job, in the order they are scheduled.
    pub schedule: Vec<ScheduledJob>,
    /// At most the number asked for, of the status asked for, newest first.
    pub jobs: Vec<ListedJob>,
    /// The newest finished runs, at most the number asked for.
    pub finished: Vec<JobRun>,
    /// The runs kept (`[jobs] keep_finished`), counted up to [`FINISHED_COUNTED`].
    pub finished_total: i64,
    /// The SSO safety valve when it is tripped (by any instance), with its evidence.
    pub valve: Option<TrippedValve>,
}

/// The jobs page counts kept runs up to this many ("10000+" beyond).
pub const FINISHED_COUNTED: i64 = 10_000;

/// How old the jobs page's data may be. Jobs change with every lease and run of every worker
/// on every instance, so no change counter follows them (one would be a row every worker writes
/// all the time); the page is instead read again once a second, and at once after this process
/// began a write ("run now", "retry" are seen on the next view). A write in flight while the
/// page was read can show up to a second late (ADR 0023).
pub const JOB_OVERVIEW_MAX_AGE: Duration = Duration::from_secs(1);

/// How many different views of the jobs page (status filter × page) are kept.
pub const JOB_OVERVIEWS_KEPT: usize = 16;

/// The jobs page's reads by what they list, kept for [`JOB_OVERVIEW_MAX_AGE`] while this
/// process began no write (`Store::local_writes`).
pub type JobOverviewCache = crate::versioned::VersionedByKey<JobListingKey, JobOverviewRows>;

/// What one read of the jobs page lists: [`JobListing`]'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobListingKey {
    status: Option<JobStatus>,
    jobs: i64,
    jobs_offset: i64,
    finished: i64,
}

impl From<JobListing> for JobListingKey {
    fn from(l: JobListing) -> Self {
        Self {
            status: l.status,
            jobs: l.jobs,
            jobs_offset: l.jobs_offset,
            finished: l.finished,
        }
    }
}

/// What "run now" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunNow {
    /// Queued due now, or its copy waiting for later made due now.
    Queued,
    /// Its copy was already due (a worker takes it at its next look).
    AlreadyDue,
    /// It is running (or has just finished): nothing else was queued.
    Running,
}

impl App {
    /// The schedule, counts, jobs and finished runs as `listing` asks, and the safety valve:
    /// one read (`Store::job_overview`), at most once a second per view and process
    /// ([`JOB_OVERVIEW_MAX_AGE`]), and one more for the valve's evidence while it is tripped.
    /// Needs `admin.jobs`.
    pub async fn job_overview(
        &self,
        caller: &Caller,
        listing: JobListing,
    ) -> AppResult<JobOverview> {
        caller.require(Permission::ADMIN_JOBS)?;
        let schedule = periodic::schedule(self);
        // Taken before the read: a write this process begins meanwhile makes the next view read.
        let local_writes = i64::try_from(self.store().local_writes()).unwrap_or(i64::MAX);
        let read = self
            .job_overview_cache()
            .get_or_read(local_writes, &listing.into(), || async {
                // A periodic job's dedupe key is its kind.
                let periodic: Vec<String> = schedule.iter().map(|p| p.kind.to_owned()).collect();
                let next_due_keys = periodic.iter().map(|k| next_due_key(k)).collect();
                Ok(self
                    .store()
                    .job_overview(&JobOverviewQuery {
                        status: listing.status,
                        jobs: listing.jobs,
                        jobs_offset: listing.jobs_offset,
                        finished: listing.finished,
                        finished_cap: FINISHED_COUNTED,
                        periodic,
                        next_due_keys,
                    })
                    .await?)
            })
            .await?;
        let mut last_runs: BTreeMap<&str, &JobRun> = read
            .last_runs
            .iter()
            .map(|r| (r.kind.as_str(), r))
            .collect();
        let mut pending: BTreeMap<&str, &Job> = read
            .pending
            .iter()
            .filter_map(|j| Some((j.dedupe_key.as_deref()?, j)))
            .collect();
        Ok(JobOverview {
            counts: read.counts,
            schedule: schedule
                .iter()
                .map(|p| ScheduledJob {
                    kind: p.kind,
                    interval: p.interval,
                    last_run: last_runs.remove(p.kind).cloned(),
                    pending: pending.remove(p.kind).cloned(),
                    next_scheduled: read
                        .next_due
                        .get(&next_due_key(p.kind))
                        .and_then(|v| parse_next_due(v)),
                })
                .collect(),
            jobs: read.jobs.clone(),
            finished: read.finished.clone(),
            finished_total: read.finished_total,
            valve: self.tripped_valve_of(read.valve.clone()).await?,
        })
    }

    /// Runs periodic job `kind` now (recorded): queued due now, or its copy waiting for later
    /// made due now; one already running is left to finish. The schedule goes on as before.
    /// Needs `admin.jobs`.
    pub async fn run_periodic_now(&self, caller: &Caller, kind: &str) -> AppResult<RunNow> {
        caller.require(Permission::ADMIN_JOBS)?;
        let schedule = periodic::schedule(self);
        let Some(p) = schedule.iter().find(|p| p.kind == kind) else {
            let known: Vec<&str> = schedule.iter().map(|p| p.kind).collect();
            return Err(AppError::Invalid(format!(
                "'{kind}' is not a periodic job (they are {}); nothing was queued",
                known.join(", ")
            )));
        };
        let mut tx = self.store().transaction().await?;
        let queued = tx.enqueue_job(&periodic_job(p, self.now())).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "job.run_now",
            "jobs",
            json!({ "kind": p.kind, "job": queued.map(JobId::get) }),
        )
        .await?;
        tx.commit().await?;
        if queued.is_some() {
            return Ok(RunNow::Queued);
        }
        // Nothing was queued: a copy waits, due already, or runs (or has just finished).
        Ok(match self.store().pending_job(p.kind).await? {
            Some(job) if job.status == JobStatus::Queued => RunNow::AlreadyDue,
            _ => RunNow::Running,
        })
    }

    /// Puts a failed job back in the queue (recorded). Needs `admin.jobs`.
    pub async fn retry_job(&self, caller: &Caller, job: JobId) -> AppResult<()> {
        caller.require(Permission::ADMIN_JOBS)?;
        let mut tx = self.store().transaction().await?;
        if !tx.retry_job(job).await? {
            return Err(AppError::Invalid(format!(
                "job {job} is not a failed job (it may have been retried already)"
            )));
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "job.retried",
            format!("job:{job}"),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator checked EVE's SSO and Jumpgate's client and clears the safety valve
    /// on every instance (recorded, with the evidence it showed). The tokens it held are
    /// checked again at once: `check-tokens` is queued due now. Needs `admin.jobs`.
    pub async fn reset_safety_valve(&self, caller: &Caller) -> AppResult<()> {
        caller.require(Permission::ADMIN_JOBS)?;
        let tripped = self.tripped_valve().await?;
        let now = self.now();
        let mut tx = self.store().transaction().await?;
        // The answers the rule may still count stay: an outage that goes on trips it again
        // before a token is lost.
        tx.clear_safety_valve(now - self.settings().safety_valve.rule.window)
            .await?;
        let recheck = match periodic::schedule(self)
            .iter()
            .find(|p| p.kind == periodic::CHECK_TOKENS)
        {
            Some(p) => tx.enqueue_job(&periodic_job(p, now)).await?,
            None => None,
        };
        audit_in(
            &mut tx,
            caller.actor(),
            "sso.safety_valve_cleared",
            "sso",
            json!({
                "was_tripped": tripped.is_some(),
                "evidence": tripped.as_ref().map(evidence_json),
                "recheck_job": recheck.map(JobId::get),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
