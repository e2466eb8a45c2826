//! The history of job runs: every end of a run (succeeded, failed and to be retried, failed for
//! good) with its worker, start, end, duration and what it did in numbers. Written by the queue
//! in the transaction that finishes the job (`jobs.rs`), kept for `[jobs] keep_finished`.

use crate::db::{Cols, Conn, DbTime, on_conn, on_db};
use crate::jobs::BindHeld;
use crate::support::json;
use crate::{JobLease, Result, Store, StoreError};
use jumpgate_domain::JobId;
use std::time::Duration;
use time::OffsetDateTime;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunOutcome {
    Succeeded,
    /// It failed and the job is queued again (back-off).
    Retrying,
    /// It failed for good: the job stays `failed` until retried.
    Failed,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Succeeded, Self::Retrying, Self::Failed]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// What a run did, in numbers, in the order its handler gave them: `812 characters, 3 changed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct JobSummary(Vec<(String, i64)>);

impl JobSummary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` `name` (a count that does not fit is shown as the largest number).
    #[must_use]
    pub fn with(mut self, name: &str, n: impl TryInto<i64>) -> Self {
        self.0
            .push((name.to_owned(), n.try_into().unwrap_or(i64::MAX)));
        self
    }

    pub fn entries(&self) -> &[(String, i64)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A handler that counts nothing.
impl From<()> for JobSummary {
    fn from((): ()) -> Self {
        Self::default()
    }
}

impl std::fmt::Display for JobSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, n)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n} {name}")?;
        }
        Ok(())
    }
}

/// What the runner knows of a run when it ends; the rest comes from the job's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub started_at: OffsetDateTime,
    pub duration: Duration,
    pub summary: JobSummary,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub id: i64,
    pub job: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub dedupe_key: Option<String>,
    pub outcome: RunOutcome,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// The instance that ran it.
    pub worker: String,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
    pub duration: Duration,
    pub summary: JobSummary,
    pub error: Option<String>,
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub kind: Option<String>,
    pub dedupe_key: Option<String>,
    pub limit: i64,
}

const RUN_COLS: &str = "id, job_id, kind, CAST(payload AS TEXT) AS payload, dedupe_key, outcome, \
     attempt, worker, started_at, finished_at, duration_ms, summary, error";

fn read_run<R: Cols>(r: &R) -> Result<JobRun> {
    let outcome = r.str("outcome")?;
    Ok(JobRun {
        id: r.get("id")?,
        job: JobId(r.get("job_id")?),
        kind: r.get("kind")?,
        payload: json(r.str("payload")?, "job run payload")?,
        dedupe_key: r.get("dedupe_key")?,
        outcome: RunOutcome::parse(outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown run outcome '{outcome}'")))?,
        attempt: r.get("attempt")?,
        worker: r.get("worker")?,
        started_at: r.time("started_at")?,
        finished_at: r.time("finished_at")?,
        duration: Duration::from_millis(u64::try_from(r.get::<i64>("duration_ms")?).unwrap_or(0)),
        summary: serde_json::from_str(r.str("summary")?)
            .map_err(|e| StoreError::Corrupt(format!("job run summary: {e}")))?,
        error: r.get("error")?,
    })
}

impl Store {
    /// Finished runs, newest first.
    pub async fn job_runs(&self, filter: &RunFilter) -> Result<Vec<JobRun>> {
        // A statement per combination of filters, not `($1 IS NULL OR kind = $1)`: with that
        // form neither backend can use the (kind, id) or (dedupe_key, id) index, and the last
        // run of an hourly job meant walking back through every sync run since.
        const RUNS: &str = const_format::concatcp!("SELECT ", RUN_COLS, " FROM job_runs");
        const NEWEST: &str = " ORDER BY id DESC LIMIT $3";
        let sql = match (&filter.kind, &filter.dedupe_key) {
            (None, None) => const_format::concatcp!(
                RUNS,
                " WHERE CAST($1 AS TEXT) IS NULL AND CAST($2 AS TEXT) IS NULL",
                NEWEST
            ),
            (Some(_), None) => const_format::concatcp!(
                RUNS,
                " WHERE kind = $1 AND CAST($2 AS TEXT) IS NULL",
                NEWEST
            ),
            (None, Some(_)) => {
                const_format::concatcp!(
                    RUNS,
                    " WHERE CAST($1 AS TEXT) IS NULL AND dedupe_key = $2",
                    NEWEST
                )
            }
            (Some(_), Some(_)) => {
                const_format::concatcp!(RUNS, " WHERE kind = $1 AND dedupe_key = $2", NEWEST)
            }
        };
        on_db!(self, |db| sqlx::query(sql)
            .bind(filter.kind.as_deref())
            .bind(filter.dedupe_key.as_deref())
            .bind(filter.limit.max(0))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_run)
            .collect())
    }

    /// Forgets runs that finished before `before`, except the newest of each kind (the
    /// schedule's "last run" of a job that runs less often than runs are kept). Returns how many.
    pub async fn delete_job_runs_before(&self, before: OffsetDateTime) -> Result<u64> {
        Ok(on_db!(self, |db| sqlx::query(
            "DELETE FROM job_runs WHERE finished_at < $1
               AND id NOT IN (SELECT MAX(id) FROM job_runs GROUP BY kind)"
        )
        .bind(DbTime(before))
        .execute(db.writer())
        .await?
        .rows_affected()))
    }
}

/// Records how the run held by `lease` ended, from the job's row, if the lease still holds it;
/// whether it did. Called in the transaction that then finishes the job.
pub(crate) async fn record_run<'c>(
    conn: impl Into<Conn<'c>>,
    lease: &JobLease,
    outcome: RunOutcome,
    error: Option<&str>,
    run: &RunReport,
    now: OffsetDateTime,
) -> Result<bool> {
    let summary = serde_json::to_string(&run.summary)
        .map_err(|e| StoreError::Invalid(format!("job summary: {e}")))?;
    let millis = i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX);
    crate::jobs::held_at!(HELD_AT_7, 7, 8, 9);
    let done = on_conn!(conn, |c| sqlx::query(const_format::concatcp!(
        "INSERT INTO job_runs (job_id, kind, payload, dedupe_key, outcome, attempt, worker,
             started_at, finished_at, duration_ms, summary, error)
         SELECT id, kind, payload, dedupe_key, $1, attempts, locked_by, $2, $3, $4, $5, $6
         FROM jobs WHERE ",
        HELD_AT_7
    ))
    .bind(outcome.as_str())
    .bind(DbTime(run.started_at))
    .bind(DbTime(now))
    .bind(millis)
    .bind(summary)
    .bind(error)
    .bind_held(lease)
    .execute(c)
    .await?
    .rows_affected());
    Ok(done == 1)
}
