//! The jobs page as one read: how many jobs wait, run and failed, the newest jobs (without
//! their payloads, which the page does not show), the newest finished runs and how many are
//! kept, each periodic job's last run, queued copy and next due time, and the SSO safety valve.
//!
//! The page is ten independent things, and on SQLite every statement is a hand-off to the
//! connection's thread (ADR 0023): read one by one they cost nine queries per view. Jobs change
//! with every lease and every run while workers work, so a cache behind a change counter would
//! be read again on nearly every view (and its counter would be one more row every worker
//! writes). So the database answers the whole page in one statement: counts and the valve as
//! columns, each list as one JSON array (as the approver queue, ADR 0010), every part found
//! through an index. The backends differ only in the JSON functions' names, how a time becomes
//! microseconds, how a JSON column is embedded and how a bound list is read: each backend's
//! statement is composed from the same parts by `overview_statement!`.

use crate::db::{Cols, Dialects, ValueList, from_micros, on_db};
use crate::job_runs::{JobRun, RunOutcome};
use crate::safety_valve::{ValveState, read_state};
use crate::{Job, JobCounts, JobStatus, Result, Store, StoreError};
use jumpgate_domain::JobId;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// What the jobs page asks for.
#[derive(Debug, Clone, Default)]
pub struct JobOverviewQuery {
    /// Jobs of this status only (queued, running and failed when `None`).
    pub status: Option<JobStatus>,
    /// How many jobs, newest first.
    pub jobs: i64,
    /// How many of the newest jobs to skip first (the pages after the first).
    pub jobs_offset: i64,
    /// How many finished runs, newest first.
    pub finished: i64,
    /// Kept runs are counted up to this many.
    pub finished_cap: i64,
    /// The periodic jobs' kinds, which are also their dedupe keys: their last runs and their
    /// queued or running copies.
    pub periodic: Vec<String>,
    /// The `kv` keys of their next due times.
    pub next_due_keys: Vec<String>,
}

/// A job as a list shows it: everything but its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedJob {
    pub id: JobId,
    pub kind: String,
    pub status: JobStatus,
    pub run_at: OffsetDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

/// The jobs page's data, as [`Store::job_overview`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOverviewRows {
    pub counts: JobCounts,
    /// At most `jobs` of the status asked for, newest first.
    pub jobs: Vec<ListedJob>,
    /// At most `finished`, newest first.
    pub finished: Vec<JobRun>,
    /// The runs kept, counted up to `finished_cap`.
    pub finished_total: i64,
    /// The newest run of each periodic kind that has one.
    pub last_runs: Vec<JobRun>,
    /// The queued or running copy of each periodic job that has one, by id.
    pub pending: Vec<Job>,
    /// The next due times that are set, by `kv` key.
    pub next_due: BTreeMap<String, String>,
    pub valve: ValveState,
}

/// A job's fields as the lists show them (`j`: the job), up to its due time, which each
/// backend turns into microseconds its own way.
const LISTED_HEAD: &str = "'id', j.id, 'kind', j.kind, 'status', j.status, \
     'attempts', j.attempts, 'max_attempts', j.max_attempts, 'locked_by', j.locked_by, \
     'last_error', j.last_error, 'run_at', ";

/// A run's fields up to its payload (`r`: the run).
const RUN_HEAD: &str = "'id', r.id, 'job_id', r.job_id, 'kind', r.kind, \
     'dedupe_key', r.dedupe_key, 'outcome', r.outcome, 'attempt', r.attempt, \
     'worker', r.worker, 'duration_ms', r.duration_ms, 'summary', r.summary, \
     'error', r.error, 'payload', ";

/// The statement of one backend, from its spelling of the parts that differ: how it counts the
/// kept runs up to `$4` (`$kept`), the JSON object and array functions and the empty array, how
/// a time column becomes microseconds (`$t0` column `$t1`), how a JSON column is embedded (`$j0`
/// column `$j1`), and `$in_kinds` / `$in_keys`, "is in the list bound as `$5` / `$6`", and
/// `$each_kind`, that list as rows `k` whose value is `$kind`.
macro_rules! overview_statement {
    (
        kept: $kept:literal,
        object: $obj:literal, array: $agg:literal, empty: $empty:literal,
        time: ($t0:literal, $t1:literal), json: ($j0:literal, $j1:literal),
        in_kinds: $in_kinds:literal, in_keys: $in_keys:literal,
        each_kind: $each_kind:literal, kind: $kind:literal $(,)?
    ) => {{
        use ::const_format::concatcp;
        // A listed job (`j`), a run (`r`) and a periodic job's copy (`j`, whole).
        const LISTED: &str = concatcp!(
            LISTED_HEAD,
            $t0,
            "j.run_at",
            $t1,
            ", 'created_at', ",
            $t0,
            "j.created_at",
            $t1
        );
        const RUN: &str = concatcp!(
            RUN_HEAD,
            $j0,
            "r.payload",
            $j1,
            ", 'started_at', ",
            $t0,
            "r.started_at",
            $t1,
            ", 'finished_at', ",
            $t0,
            "r.finished_at",
            $t1
        );
        const COPY: &str = concatcp!(
            LISTED,
            ", 'payload', ",
            $j0,
            "j.payload",
            $j1,
            ", 'dedupe_key', j.dedupe_key, 'lease_generation', j.lease_generation, \
             'locked_until', ",
            $t0,
            "j.locked_until",
            $t1
        );
        // `OPEN` fields `CLOSE` rows `)`: the rows' objects as one JSON array, as text.
        const OPEN: &str = concatcp!("(SELECT CAST(COALESCE(", $agg, "(", $obj, "(");
        const CLOSE: &str = concatcp!(")), ", $empty, ") AS TEXT) FROM ");
        concatcp!(
            "SELECT successes, tripped_at, tripped_by, evidence_from, paused_until,
               (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued,
               (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running,
               (SELECT COUNT(*) FROM jobs WHERE status = 'failed') AS failed, ",
            $kept,
            " AS finished_total, ",
            OPEN,
            LISTED,
            CLOSE,
            "(SELECT * FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1)
              ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $7) j) AS jobs, ",
            OPEN,
            RUN,
            CLOSE,
            "(SELECT * FROM job_runs ORDER BY id DESC LIMIT $3) r) AS finished, ",
            OPEN,
            RUN,
            CLOSE,
            "job_runs r WHERE r.id IN (SELECT (SELECT MAX(x.id) FROM job_runs x WHERE x.kind = ",
            $kind,
            ") FROM ",
            $each_kind,
            ")) AS last_runs, ",
            OPEN,
            COPY,
            CLOSE,
            "jobs j WHERE j.dedupe_key ",
            $in_kinds,
            " AND j.status <> 'failed') AS pending, ",
            OPEN,
            "'key', v.key, 'value', v.value",
            CLOSE,
            "kv v WHERE v.key ",
            $in_keys,
            ") AS next_due
             FROM sso_safety_valve WHERE id = 1"
        )
    }};
}

const OVERVIEW: Dialects = Dialects {
    sqlite: SQLITE,
    postgres: POSTGRES,
};

// SQLite counts a whole table without a `WHERE` from its smallest b-tree's pages, without
// stepping through its rows (60 times faster than counting the first 10,000 rows through a
// `LIMIT`); PostgreSQL visits every row it counts, so it stops at the cap.
const SQLITE: &str = overview_statement!(
    kept: "MIN((SELECT COUNT(*) FROM job_runs), $4)",
    object: "json_object", array: "json_group_array", empty: "'[]'",
    time: ("", ""), json: ("json(", ")"),
    in_kinds: "IN (SELECT value FROM json_each($5))",
    in_keys: "IN (SELECT value FROM json_each($6))",
    each_kind: "json_each($5) k", kind: "k.value",
);

const POSTGRES: &str = overview_statement!(
    kept: "(SELECT COUNT(*) FROM (SELECT 1 FROM job_runs LIMIT $4) kept)",
    object: "json_build_object", array: "json_agg", empty: "'[]'::json",
    time: ("(EXTRACT(EPOCH FROM ", ") * 1000000)::bigint"), json: ("", ""),
    in_kinds: "= ANY($5)",
    in_keys: "= ANY($6)",
    each_kind: "unnest($5::text[]) k", kind: "k",
);

impl Store {
    /// Everything the jobs page shows, in one statement.
    pub async fn job_overview(&self, q: &JobOverviewQuery) -> Result<JobOverviewRows> {
        on_db!(self, |db| {
            let row = sqlx::query(db.sql(&OVERVIEW))
                .bind(q.status.map(JobStatus::as_str))
                .bind(q.jobs.max(0))
                .bind(q.finished.max(0))
                .bind(q.finished_cap.max(0))
                .bind(ValueList::new(q.periodic.iter().cloned()))
                .bind(ValueList::new(q.next_due_keys.iter().cloned()))
                .bind(q.jobs_offset.max(0))
                .fetch_one(db.reader())
                .await?;
            read_overview(&row)
        })
    }
}

fn read_overview<R: Cols>(r: &R) -> Result<JobOverviewRows> {
    let mut jobs = parse::<JsonJob>(r.str("jobs")?, "jobs")?
        .into_iter()
        .map(JsonJob::listed)
        .collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| std::cmp::Reverse((j.created_at, j.id)));
    let mut finished = runs(r.str("finished")?)?;
    finished.sort_by_key(|run| std::cmp::Reverse(run.id));
    let mut pending = parse::<JsonJob>(r.str("pending")?, "pending jobs")?
        .into_iter()
        .map(JsonJob::full)
        .collect::<Result<Vec<_>>>()?;
    pending.sort_by_key(|j| j.id);
    let next_due = parse::<JsonKv>(r.str("next_due")?, "next due times")?
        .into_iter()
        .map(|kv| (kv.key, kv.value))
        .collect();
    Ok(JobOverviewRows {
        counts: JobCounts {
            queued: r.get("queued")?,
            running: r.get("running")?,
            failed: r.get("failed")?,
        },
        jobs,
        finished,
        finished_total: r.get("finished_total")?,
        last_runs: runs(r.str("last_runs")?)?,
        pending,
        next_due,
        valve: read_state(r)?,
    })
}

fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<Vec<T>> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("the jobs page's {what} (JSON): {e}")))
}

fn runs(json: &str) -> Result<Vec<JobRun>> {
    parse::<JsonRun>(json, "runs")?
        .into_iter()
        .map(JsonRun::into_run)
        .collect()
}

/// One job as the statement writes it; the fields after `created_at` only for the periodic
/// jobs' copies.
#[derive(Deserialize)]
struct JsonJob {
    id: i64,
    kind: String,
    status: String,
    attempts: i32,
    max_attempts: i32,
    locked_by: Option<String>,
    last_error: Option<String>,
    run_at: i64,
    created_at: i64,
    #[serde(default)]
    payload: serde_json::Value,
    #[serde(default)]
    dedupe_key: Option<String>,
    #[serde(default)]
    lease_generation: i64,
    #[serde(default)]
    locked_until: Option<i64>,
}

impl JsonJob {
    fn listed(self) -> Result<ListedJob> {
        Ok(ListedJob {
            id: JobId(self.id),
            status: JobStatus::parse(&self.status).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown job status '{}'", self.status))
            })?,
            kind: self.kind,
            run_at: from_micros(self.run_at)?,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            locked_by: self.locked_by,
            last_error: self.last_error,
            created_at: from_micros(self.created_at)?,
        })
    }

    fn full(mut self) -> Result<Job> {
        let locked_until = self.locked_until.map(from_micros).transpose()?;
        let payload = std::mem::take(&mut self.payload);
        let dedupe_key = self.dedupe_key.take();
        let lease_generation = self.lease_generation;
        let j = self.listed()?;
        Ok(Job {
            id: j.id,
            kind: j.kind,
            payload,
            status: j.status,
            run_at: j.run_at,
            dedupe_key,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            locked_by: j.locked_by,
            locked_until,
            lease_generation,
            last_error: j.last_error,
            created_at: j.created_at,
        })
    }
}

#[derive(Deserialize)]
struct JsonRun {
    id: i64,
    job_id: i64,
    kind: String,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
    outcome: String,
    attempt: i32,
    worker: String,
    started_at: i64,
    finished_at: i64,
    duration_ms: i64,
    summary: String,
    error: Option<String>,
}

impl JsonRun {
    fn into_run(self) -> Result<JobRun> {
        Ok(JobRun {
            id: self.id,
            job: JobId(self.job_id),
            kind: self.kind,
            payload: self.payload,
            dedupe_key: self.dedupe_key,
            outcome: RunOutcome::parse(&self.outcome).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown run outcome '{}'", self.outcome))
            })?,
            attempt: self.attempt,
            worker: self.worker,
            started_at: from_micros(self.started_at)?,
            finished_at: from_micros(self.finished_at)?,
            duration: Duration::from_millis(u64::try_from(self.duration_ms).unwrap_or(0)),
            summary: serde_json::from_str(&self.summary)
                .map_err(|e| StoreError::Corrupt(format!("job run summary: {e}")))?,
            error: self.error,
        })
    }
}

#[derive(Deserialize)]
struct JsonKv {
    key: String,
    value: String,
}
