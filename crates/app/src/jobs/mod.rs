//! Durable jobs: a worker that leases jobs from the store, keeps its leases alive while it runs
//! them, and retries failures with jittered exponential backoff; and a scheduler that queues
//! periodic jobs once across every instance (deduplicated by key in the database).
//! Why our own queue rather than apalis: see docs/adr/0003-job-queue.md. Set by the `[jobs]`
//! section (`JobSettings`).
//!
//! Beside it: `admin` (what administrators do with jobs) and `periodic` (the job registry and
//! the core's periodic jobs).

pub mod admin;
pub mod periodic;

use crate::App;
use crate::caller::Caller;
use jumpgate_store::{Job, JobLease, JobSummary, NewJob, RunReport, Store};
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, Semaphore, watch};

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// Why a job did not finish.
#[derive(Debug, Clone)]
pub enum JobError {
    /// Try again later with backoff.
    Retry(String),
    /// EVE is down or limits say wait: run again at `until`.
    Postpone {
        until: OffsetDateTime,
        reason: String,
    },
    /// Run again once `after` has passed (from when the runner records it).
    PostponeFor {
        after: std::time::Duration,
        reason: String,
    },
    /// Retrying cannot help (bad payload): fail for good.
    Fatal(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retry(m) | Self::Fatal(m) => f.write_str(m),
            Self::Postpone { until, reason } => write!(f, "postponed until {until}: {reason}"),
            Self::PostponeFor { after, reason } => write!(f, "postponed for {after:?}: {reason}"),
        }
    }
}

impl From<crate::AppError> for JobError {
    fn from(e: crate::AppError) -> Self {
        use jumpgate_eve::{EsiError, SsoError};
        match &e {
            crate::AppError::Esi(EsiError::Downtime { until_estimate }) => Self::Postpone {
                until: *until_estimate,
                reason: e.to_string(),
            },
            crate::AppError::Esi(EsiError::ErrorLimited { until }) => Self::Postpone {
                until: *until,
                reason: e.to_string(),
            },
            crate::AppError::Esi(EsiError::RateLimited { retry_after, .. }) => Self::PostponeFor {
                after: *retry_after,
                reason: e.to_string(),
            },
            // EVE's gateways and the network, not the job: an outage is waited out however
            // long it lasts. A plain 500 may be the request's own fault and spends an attempt.
            crate::AppError::Esi(
                EsiError::Server {
                    status: 502..=504, ..
                }
                | EsiError::Timeout
                | EsiError::Transport(_),
            ) => Self::PostponeFor {
                after: outage_wait(),
                reason: e.to_string(),
            },
            crate::AppError::Sso(SsoError::Unavailable { retry_after, .. }) => Self::PostponeFor {
                after: retry_after.unwrap_or_else(outage_wait),
                reason: e.to_string(),
            },
            _ => Self::Retry(e.to_string()),
        }
    }
}

/// What runs a job: the app, the job's caller (`Caller::system(<kind>)`: the job acts as
/// background work of its kind, and the audit log names it so) and the payload. It answers what
/// it did in numbers (kept with the run, shown on the jobs page).
pub type Handler = Arc<
    dyn Fn(App, Caller, serde_json::Value) -> BoxFuture<Result<JobSummary, JobError>> + Send + Sync,
>;

/// Job kinds and what runs them.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: BTreeMap<&'static str, Handler>,
}

impl JobRegistry {
    /// Registers what runs jobs of `kind`; it answers a summary (`()` for none).
    pub fn register<F, Fut, S>(&mut self, kind: &'static str, f: F)
    where
        F: Fn(App, Caller, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<S, JobError>> + Send + 'static,
        S: Into<JobSummary>,
    {
        let f = Arc::new(f);
        self.handlers.insert(
            kind,
            Arc::new(move |app, caller, payload| {
                let run = f(app, caller, payload);
                Box::pin(async move { run.await.map(Into::into) })
            }),
        );
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }

    fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Jobs run at once by this process, of the kinds no lane claims.
    pub concurrency: usize,
    pub lease: Duration,
    /// How long to sleep when the queue is empty (a finished job wakes the worker earlier).
    pub poll_interval: Duration,
    /// Kinds with slots of their own, so that thousands of small jobs of one kind (contact
    /// syncs, mostly waiting on ESI) neither starve the others nor wait behind them.
    pub lanes: Vec<Lane>,
}

/// Job kinds that share their own number of slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub kinds: Vec<&'static str>,
    pub concurrency: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(2),
            lanes: Vec::new(),
        }
    }
}

/// One lane as the worker runs it: its kinds and its free slots.
struct Slots {
    kinds: Vec<&'static str>,
    slots: Arc<Semaphore>,
    size: usize,
}

/// The lanes of `settings` restricted to registered kinds, plus the general lane (every other
/// kind, `settings.concurrency` slots).
fn lanes(registry: &JobRegistry, settings: &WorkerSettings) -> Vec<Slots> {
    let kinds = registry.kinds();
    let mut claimed = Vec::new();
    let mut out = Vec::new();
    for lane in &settings.lanes {
        let own: Vec<&'static str> = lane
            .kinds
            .iter()
            .copied()
            .filter(|k| kinds.contains(k) && !claimed.contains(k))
            .collect();
        claimed.extend(own.iter().copied());
        if !own.is_empty() {
            out.push(Slots {
                kinds: own,
                slots: Arc::new(Semaphore::new(lane.concurrency.max(1))),
                size: lane.concurrency.max(1),
            });
        }
    }
    let rest: Vec<&'static str> = kinds.into_iter().filter(|k| !claimed.contains(k)).collect();
    if !rest.is_empty() {
        out.push(Slots {
            kinds: rest,
            slots: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            size: settings.concurrency.max(1),
        });
    }
    out
}

/// Delay before retry `attempt` (1-based): 10 s · 2^(attempt-1), at most an hour, ±25 % jitter
/// so that a burst of failures does not come back as a burst.
pub fn backoff(attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let base = 10f64 * 2f64.powi(exp as i32);
    let capped = base.min(3600.0);
    let jitter = rand::rng().random_range(0.75..1.25);
    Duration::from_secs_f64(capped * jitter)
}

/// How long a job waits out an outage that did not say how long it lasts: a minute, ±25 %, so
/// that the jobs it stopped do not all come back at once.
pub fn outage_wait() -> Duration {
    Duration::from_secs_f64(60.0 * rand::rng().random_range(0.75..1.25))
}

/// Runs jobs until `shutdown` turns true.
pub async fn run_worker(
    app: App,
    registry: Arc<JobRegistry>,
    settings: WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let worker_id = app.settings().instance_id.clone();
    let lanes = lanes(&registry, &settings);
    // A finished job frees a slot: lease again at once instead of after the poll interval,
    // or a lane of short jobs would sit idle for most of each interval.
    let finished = Arc::new(Notify::new());
    tracing::info!(worker = %worker_id, kinds = ?registry.kinds(), "job worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        let mut started = 0;
        for lane in &lanes {
            let free = lane.slots.available_permits();
            if free == 0 {
                continue;
            }
            // The leases run out `settings.lease` after this at the latest: a handler is
            // stopped by then unless an extension got through (`keep_lease`).
            let asked = std::time::Instant::now();
            let leased = match app
                .store()
                .lease_jobs(
                    &worker_id,
                    &lane.kinds,
                    settings.lease,
                    i64::try_from(free).unwrap_or(1),
                )
                .await
            {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not lease jobs");
                    Vec::new()
                }
            };
            for job in leased {
                let Ok(permit) = lane.slots.clone().acquire_owned().await else {
                    break;
                };
                started += 1;
                let app = app.clone();
                let registry = registry.clone();
                let worker_id = worker_id.clone();
                let lease = settings.lease;
                let finished = finished.clone();
                tokio::spawn(async move {
                    run_one(&app, &registry, &worker_id, (asked, lease), job).await;
                    drop(permit);
                    finished.notify_one();
                });
            }
        }
        if started == 0 {
            tokio::select! {
                _ = tokio::time::sleep(settings.poll_interval) => {}
                _ = finished.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    // Let running jobs finish (their leases would expire otherwise and they would run again).
    for lane in &lanes {
        let _ = lane
            .slots
            .acquire_many(u32::try_from(lane.size).unwrap_or(1))
            .await;
    }
    tracing::info!(worker = %worker_id, "job worker stopped");
}

/// Runs one leased job: `lease` is when it was asked for and for how long.
async fn run_one(
    app: &App,
    registry: &JobRegistry,
    worker: &str,
    (asked, length): (std::time::Instant, Duration),
    job: Job,
) {
    let started = std::time::Instant::now();
    // The fencing token of this lease: every write that extends or ends the run carries it.
    let lease = JobLease {
        job: job.id,
        worker: worker.to_owned(),
        generation: job.lease_generation,
    };
    let started_at = app.now();
    let report = |summary: JobSummary| RunReport {
        started_at,
        duration: started.elapsed(),
        summary,
    };
    let Some(handler) = registry.get(&job.kind) else {
        let _ = app
            .store()
            .fail_job(
                &lease,
                &format!("no handler for job kind '{}'", job.kind),
                None,
                &report(JobSummary::new()),
            )
            .await;
        return;
    };
    // Keep the lease while the job runs, so no other worker takes it over; once it is lost, the
    // handler is stopped where it waits (dropped, as a crash would stop it), and nothing of its
    // end is written: the worker that holds the job now runs it (ADR 0003, amended).
    let (stop_beat, beat_stopped) = watch::channel(false);
    let mut beat = tokio::spawn(keep_lease(
        app.store().clone(),
        lease.clone(),
        asked + length,
        length,
        beat_stopped,
    ));
    let run = handler(app.clone(), Caller::system(&job.kind), job.payload.clone());
    let result = tokio::select! {
        result = run => result,
        _ = &mut beat => {
            tracing::warn!(job = job.id.get(), kind = %job.kind, "stopped a job whose lease was lost");
            metrics::counter!("jobs_finished_total", "kind" => job.kind.clone(), "outcome" => "lease_lost")
                .increment(1);
            return;
        }
    };
    let _ = stop_beat.send(true);
    let _ = beat.await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(JobError::Postpone { .. } | JobError::PostponeFor { .. }) => "postponed",
        Err(_) => "error",
    };
    metrics::counter!("jobs_finished_total", "kind" => job.kind.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("job_duration_seconds", "kind" => job.kind.clone())
        .record(started.elapsed().as_secs_f64());
    let store = app.store();
    let written = match result {
        Ok(summary) => store.complete_job(&lease, &report(summary)).await,
        Err(JobError::Fatal(msg)) => {
            store
                .fail_job(&lease, &msg, None, &report(JobSummary::new()))
                .await
        }
        // Waiting out downtime or a limit is not held against the job: no attempt is counted.
        Err(JobError::Postpone { until, reason }) => {
            store.postpone_job(&lease, &reason, until).await
        }
        Err(JobError::PostponeFor { after, reason }) => {
            store.postpone_job(&lease, &reason, app.now() + after).await
        }
        Err(JobError::Retry(msg)) if job.attempts >= job.max_attempts => {
            tracing::warn!(job = job.id.get(), kind = %job.kind, error = %msg, "job failed for good");
            store
                .fail_job(&lease, &msg, None, &report(JobSummary::new()))
                .await
        }
        Err(JobError::Retry(msg)) => {
            let at = app.now() + backoff(job.attempts);
            store
                .fail_job(&lease, &msg, Some(at), &report(JobSummary::new()))
                .await
        }
    };
    match written {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = job.id.get(), "job finished after its lease was lost"),
        Err(e) => {
            tracing::warn!(job = job.id.get(), error = %e, "could not record a job's outcome")
        }
    }
}

/// Extends `lease` every third of its `length` until `stop`; returns when the lease is lost:
/// another lease of the job replaced it (the store refuses the extension), or it ran out
/// (`held_until`, by this process's clock, counted from before the lease or extension was asked
/// for) before an extension got through, e.g. while the database could not be reached.
async fn keep_lease(
    store: std::sync::Arc<Store>,
    lease: JobLease,
    mut held_until: std::time::Instant,
    length: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let id = lease.job.get();
    loop {
        let left = held_until.saturating_duration_since(std::time::Instant::now());
        tokio::select! {
            _ = tokio::time::sleep((length / 3).min(left)) => {}
            _ = stop.changed() => return,
        }
        let asked = std::time::Instant::now();
        let left = held_until.saturating_duration_since(asked);
        if left.is_zero() {
            tracing::warn!(
                job = id,
                "the lease of a running job ran out before it could be extended"
            );
            return;
        }
        match tokio::time::timeout(left, store.heartbeat_job(&lease, length)).await {
            Ok(Ok(true)) => held_until = asked + length,
            Ok(Ok(false)) => {
                tracing::warn!(job = id, "lost the lease of a running job");
                return;
            }
            Ok(Err(e)) => tracing::warn!(job = id, error = %e, "job heartbeat failed"),
            Err(_) => {}
        }
    }
}

/// A job queued on a fixed interval.
#[derive(Debug, Clone)]
pub struct Periodic {
    pub kind: &'static str,
    pub interval: Duration,
    pub max_attempts: i32,
}

/// Queues every periodic job when it is due, until `shutdown`. Any number of instances may run
/// this: the dedupe key lets exactly one copy of each job wait in the queue.
pub async fn run_scheduler(
    app: App,
    periodic: Vec<Periodic>,
    tick: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        for p in &periodic {
            if let Err(e) = schedule_if_due(&app, p).await {
                tracing::warn!(kind = p.kind, error = %e, "could not schedule a periodic job");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// Where the scheduler keeps when periodic job `kind` is next queued (shared by instances).
pub(crate) fn next_due_key(kind: &str) -> String {
    format!("periodic.{kind}.next_due")
}

/// When the scheduler queues periodic job `kind` next; `None` before its first time.
pub async fn next_scheduled(
    app: &App,
    kind: &str,
) -> Result<Option<OffsetDateTime>, crate::AppError> {
    Ok(app
        .store()
        .kv_get(&next_due_key(kind))
        .await?
        .and_then(|s| parse_next_due(&s)))
}

/// A stored next due time (Unix seconds); `None` if unreadable.
pub(crate) fn parse_next_due(stored: &str) -> Option<OffsetDateTime> {
    stored
        .parse::<i64>()
        .ok()
        .and_then(|ts| OffsetDateTime::from_unix_timestamp(ts).ok())
}

/// The job a periodic job is queued as: due at `run_at`, deduplicated by its kind (one waits or
/// runs at a time, across instances).
pub fn periodic_job(p: &Periodic, run_at: OffsetDateTime) -> NewJob {
    NewJob {
        kind: p.kind.to_owned(),
        payload: serde_json::Value::Null,
        run_at,
        dedupe_key: Some(p.kind.to_owned()),
        max_attempts: p.max_attempts,
    }
}

/// Queues `p` if its next due time has come. Returns whether this call queued it.
pub async fn schedule_if_due(app: &App, p: &Periodic) -> Result<bool, crate::AppError> {
    let now = app.now();
    if next_scheduled(app, p.kind).await?.is_some_and(|d| d > now) {
        return Ok(false);
    }
    // Spread instances' and characters' work: start within the first tenth of the interval.
    let spread = p.interval.as_secs_f64() * 0.1;
    let jitter = Duration::from_secs_f64(rand::rng().random_range(0.0..=spread.min(30.0)));
    let queued = app
        .store()
        .enqueue_job(&periodic_job(p, now + jitter))
        .await?;
    let next = now + p.interval;
    app.store()
        .kv_set(&next_due_key(p.kind), &next.unix_timestamp().to_string())
        .await?;
    Ok(queued.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpgate_eve::{EsiError, SsoError};

    fn waits_without_an_attempt(e: crate::AppError) -> Option<Duration> {
        match JobError::from(e) {
            JobError::PostponeFor { after, .. } => Some(after),
            JobError::Postpone { .. } => Some(Duration::ZERO),
            JobError::Retry(_) | JobError::Fatal(_) => None,
        }
    }

    #[test]
    fn outages_are_waited_out_and_only_a_plain_server_error_spends_an_attempt() {
        let server = |status| EsiError::Server {
            status,
            message: String::new(),
        };
        for outage in [
            server(502),
            server(503),
            server(504),
            EsiError::Timeout,
            EsiError::Transport("connection refused".into()),
        ] {
            let wait = waits_without_an_attempt(outage.into()).expect("postponed");
            assert!((45..=75).contains(&wait.as_secs()), "{wait:?}");
        }
        assert_eq!(waits_without_an_attempt(server(500).into()), None);
        assert_eq!(
            waits_without_an_attempt(EsiError::NotFound("x".into()).into()),
            None
        );
        // The SSO's own Retry-After is kept; without one, the outage wait.
        let sso = |retry_after| SsoError::Unavailable {
            retry_after,
            description: "503".into(),
        };
        assert_eq!(
            waits_without_an_attempt(sso(Some(Duration::from_secs(300))).into()),
            Some(Duration::from_secs(300))
        );
        assert!(waits_without_an_attempt(sso(None).into()).is_some());
        let revoked = SsoError::TokenRevoked {
            description: "gone".into(),
        };
        assert_eq!(waits_without_an_attempt(revoked.into()), None);
    }

    #[test]
    fn lanes_claim_their_kinds_and_the_rest_share_the_general_slots() {
        let mut r = JobRegistry::default();
        for kind in ["a", "b", "sync"] {
            r.register(kind, |_, _, _| async { Ok::<_, JobError>(()) });
        }
        let settings = WorkerSettings {
            concurrency: 3,
            lanes: vec![
                Lane {
                    kinds: vec!["sync", "unknown"],
                    concurrency: 40,
                },
                // A kind claimed twice stays in the first lane.
                Lane {
                    kinds: vec!["sync"],
                    concurrency: 2,
                },
            ],
            ..WorkerSettings::default()
        };
        let got: Vec<(Vec<&str>, usize)> = lanes(&r, &settings)
            .into_iter()
            .map(|l| (l.kinds, l.slots.available_permits()))
            .collect();
        assert_eq!(got, vec![(vec!["sync"], 40), (vec!["a", "b"], 3)]);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            let first = backoff(1).as_secs_f64();
            assert!((7.5..=12.5).contains(&first), "{first}");
            let fifth = backoff(5).as_secs_f64();
            assert!((120.0..=200.0).contains(&fifth), "{fifth}");
            assert!(backoff(30).as_secs_f64() <= 4500.0);
        }
    }
}

/// The `[jobs]` section of the configuration: how often the periodic jobs run and how many jobs
/// one process runs at once.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// How often affiliations are re-read and states recomputed, e.g. "10m".
    #[serde(with = "humantime_serde")]
    pub affiliation_interval: Duration,
    /// How often every token is checked at the SSO, e.g. "1h".
    #[serde(with = "humantime_serde")]
    pub token_check_interval: Duration,
    /// Jobs one process runs at once.
    pub concurrency: usize,
    /// How long a worker holds a job it runs without extending its lease (it extends it every
    /// third of this while the job runs), e.g. "60s". A job whose worker died is taken over this
    /// long after its last extension; a worker that could not extend it for this long stops the
    /// job (ADR 0003, amended).
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// How long finished runs are kept for the jobs page (the cleanup job forgets older ones;
    /// the newest run of each kind stays), e.g. "7d".
    #[serde(with = "humantime_serde")]
    pub keep_finished: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            affiliation_interval: Duration::from_secs(10 * 60),
            token_check_interval: Duration::from_secs(60 * 60),
            concurrency: 4,
            lease: Duration::from_secs(60),
            keep_finished: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl JobSettings {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.affiliation_interval < Duration::from_secs(60) {
            problems.push("jobs.affiliation_interval must be at least 1m: ESI caches affiliations for an hour, and more often only costs error budget".to_owned());
        }
        if self.token_check_interval < Duration::from_secs(300) {
            problems.push("jobs.token_check_interval must be at least 5m: refreshing more often only loads EVE's SSO".to_owned());
        }
        if self.keep_finished < Duration::from_secs(3600)
            || self.keep_finished > Duration::from_secs(366 * 24 * 3600)
        {
            problems.push("jobs.keep_finished must be between 1h and 366d: the jobs page lists the runs of at least the last hour, and every run is a row".to_owned());
        }
        if self.lease < Duration::from_secs(1) || self.lease > Duration::from_secs(3600) {
            problems.push("jobs.lease must be between 1s and 1h: a worker extends it every third of it while a job runs, and a job whose worker died waits this long to be taken over".to_owned());
        }
        if self.concurrency == 0 || self.concurrency > 64 {
            problems.push("jobs.concurrency must be between 1 and 64".to_owned());
        }
    }
}
