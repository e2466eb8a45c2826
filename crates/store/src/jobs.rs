//! The durable job queue: dedupe while queued or running, leases with expiry, retries.

use crate::db::{Cols, Conn, Db, DbTime, Dialects, ValueList, on_conn, on_db, where_in_ids};
use crate::job_runs::{RunOutcome, RunReport, record_run};
use crate::support::{self, conflict, json};
use crate::{Job, JobCounts, JobLease, JobStatus, NewJob, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::JobId;
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

const JOB_COLS: &str = "id, kind, CAST(payload AS TEXT) AS payload, status, run_at, dedupe_key, \
     attempts, max_attempts, locked_by, locked_until, lease_generation, last_error, created_at";

fn read_job<R: Cols>(r: &R) -> Result<Job> {
    Ok(Job {
        id: JobId(r.get("id")?),
        kind: r.get("kind")?,
        payload: json(r.str("payload")?, "job payload")?,
        status: job_status(r.str("status")?)?,
        run_at: r.time("run_at")?,
        dedupe_key: r.get("dedupe_key")?,
        attempts: r.get("attempts")?,
        max_attempts: r.get("max_attempts")?,
        locked_by: r.get("locked_by")?,
        locked_until: r.time_opt("locked_until")?,
        lease_generation: r.get("lease_generation")?,
        last_error: r.get("last_error")?,
        created_at: r.time("created_at")?,
    })
}

/// The condition "this lease still holds the job", on the job's id, worker and generation bound
/// from the parameter number in the name on: the fence of every write that extends or ends a run.
macro_rules! held_at {
    ($name:ident, $a:literal, $b:literal, $c:literal) => {
        const $name: &str = const_format::concatcp!(
            "id = $",
            stringify!($a),
            " AND locked_by = $",
            stringify!($b),
            " AND lease_generation = $",
            stringify!($c),
            " AND status = 'running'"
        );
    };
}
held_at!(HELD_AT_1, 1, 2, 3);
held_at!(HELD_AT_2, 2, 3, 4);
held_at!(HELD_AT_3, 3, 4, 5);
held_at!(HELD_AT_4, 4, 5, 6);
pub(crate) use held_at;

/// Binds a lease to the parameters of a `HELD_AT_n` condition (they come last in the statement).
pub(crate) trait BindHeld {
    fn bind_held(self, lease: &JobLease) -> Self;
}

impl<DB: sqlx::Database> BindHeld for sqlx::query::Query<'_, DB, DB::Arguments>
where
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    fn bind_held(self, lease: &JobLease) -> Self {
        self.bind(lease.job.get())
            .bind(lease.worker.clone())
            .bind(lease.generation)
    }
}

fn job_status(s: &str) -> Result<JobStatus> {
    JobStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown job status '{s}'")))
}

impl Store {
    /// Queues a job and returns its id. With a `dedupe_key`, while a queued or running job has
    /// the same key no second one is queued (N instances scheduling a periodic job queue it
    /// once), and the earliest due time wins: a queued copy due later is moved to this job's
    /// `run_at` (its id is returned); `None` when the pending copy is running or due no later.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<Option<JobId>> {
        let now = self.now();
        on_db!(self, |db| insert_job(
            &mut *db.writer().acquire().await?,
            job,
            now
        )
        .await)
    }

    /// Leases up to `limit` due jobs (queued with `run_at <= now`, or running with an expired
    /// lease) to `worker` until `now + lease`, oldest `run_at` first; increments `attempts`
    /// and `lease_generation` (each job's [`Job::lease`] is the fencing token of this lease).
    /// Never hands one job to two workers.
    pub async fn lease_jobs(
        &self,
        worker: &str,
        kinds: &[&str],
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let now = self.now();
        let mut jobs: Vec<Job> = match &self.db {
            // SQLite: the single writer's BEGIN IMMEDIATE serializes leasers. The kinds travel
            // as one JSON array parameter (SQLite has no arrays): the SQL stays fixed whatever
            // the list.
            Db::Sqlite(db) => {
                let kinds = serde_json::to_string(kinds).unwrap_or_else(|_| "[]".to_owned());
                let mut tx = db.begin_unfollowed().await?;
                let rows = sqlx::query(concatcp!(
                    "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
                     attempts = attempts + 1, lease_generation = lease_generation + 1 \
                     WHERE id IN (SELECT id FROM jobs \
                         WHERE ((status = 'queued' AND run_at <= $3) \
                             OR (status = 'running' AND locked_until <= $3)) \
                           AND ($4 = '[]' OR kind IN (SELECT value FROM json_each($4))) \
                         ORDER BY run_at, id LIMIT $5) \
                     RETURNING ",
                    JOB_COLS
                ))
                .bind(worker)
                .bind(DbTime(support::after(now, lease)))
                .bind(DbTime(now))
                .bind(kinds)
                .bind(limit.max(0))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.iter().map(read_job).collect::<Result<_>>()?
            }
            // PostgreSQL: several instances lease at once. SKIP LOCKED: concurrent leasers each
            // lock different rows instead of waiting for (and then re-checking) the same ones,
            // so every due job goes to exactly one worker. The kinds are an array.
            Db::Postgres(db) => {
                let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
                sqlx::query(concatcp!(
                    "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
                     attempts = attempts + 1, lease_generation = lease_generation + 1 \
                     WHERE id IN (SELECT id FROM jobs \
                         WHERE ((status = 'queued' AND run_at <= $3) \
                             OR (status = 'running' AND locked_until <= $3)) \
                           AND (cardinality($4::text[]) = 0 OR kind = ANY($4)) \
                         ORDER BY run_at, id LIMIT $5 \
                         FOR UPDATE SKIP LOCKED) \
                     RETURNING ",
                    JOB_COLS
                ))
                .bind(worker)
                .bind(DbTime(support::after(now, lease)))
                .bind(DbTime(now))
                .bind(kinds)
                .bind(limit.max(0))
                .fetch_all(db.writer_unfollowed())
                .await?
                .iter()
                .map(read_job)
                .collect::<Result<_>>()?
            }
        };
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Extends a lease the worker still holds to `now + length`; false if it lost it (the job
    /// was leased again since, by anyone, or finished).
    pub async fn heartbeat_job(&self, lease: &JobLease, length: Duration) -> Result<bool> {
        let done = on_db!(self, |db| {
            sqlx::query(concatcp!(
                "UPDATE jobs SET locked_until = $1 WHERE ",
                HELD_AT_2
            ))
            .bind(DbTime(support::after(self.now(), length)))
            .bind_held(lease)
            .execute(db.writer_unfollowed())
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Deletes a finished job the worker holds and records its run (`run`); a failed job of
    /// its dedupe key is gone too (its work is done now). False if the worker lost the lease
    /// (nothing is written then).
    pub async fn complete_job(&self, lease: &JobLease, run: &RunReport) -> Result<bool> {
        let Some(mut tx) = self
            .record_end(lease, RunOutcome::Succeeded, None, run)
            .await?
        else {
            return Ok(false);
        };
        supersede_failed(tx.conn(), lease.job).await?;
        on_conn!(tx.conn(), |c| sqlx::query(concatcp!(
            "DELETE FROM jobs WHERE ",
            HELD_AT_1
        ))
        .bind_held(lease)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(true)
    }

    /// Records a failure and its run (`run`): queued again at `retry_at`, or `failed` for good
    /// when `None` (replacing an older failed job of its dedupe key: one failure of a piece of
    /// work is shown, not one per periodic try). False if the worker lost the lease (nothing is
    /// written then).
    pub async fn fail_job(
        &self,
        lease: &JobLease,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        run: &RunReport,
    ) -> Result<bool> {
        let outcome = match retry_at {
            Some(_) => RunOutcome::Retrying,
            None => RunOutcome::Failed,
        };
        let Some(mut tx) = self.record_end(lease, outcome, Some(error), run).await? else {
            return Ok(false);
        };
        if outcome == RunOutcome::Failed {
            supersede_failed(tx.conn(), lease.job).await?;
        }
        // Failed for good, it keeps its `run_at` (when it was due).
        on_conn!(tx.conn(), |c| sqlx::query(concatcp!(
            "UPDATE jobs SET status = CASE WHEN CAST($1 AS TEXT) = 'retrying' THEN 'queued'
                     ELSE 'failed' END,
                 run_at = COALESCE($2, run_at), locked_by = NULL, locked_until = NULL,
                 last_error = $3
             WHERE ",
            HELD_AT_4
        ))
        .bind(outcome.as_str())
        .bind(retry_at.map(DbTime))
        .bind(error)
        .bind_held(lease)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(true)
    }

    /// Opens the transaction that ends a run and records the run in it; `None` (nothing
    /// written) when `lease` no longer holds the job.
    async fn record_end(
        &self,
        lease: &JobLease,
        outcome: RunOutcome,
        error: Option<&str>,
        run: &RunReport,
    ) -> Result<Option<Transaction>> {
        let mut tx = self.transaction().await?;
        let now = tx.now();
        let recorded = record_run(tx.conn(), lease, outcome, error, run, now).await?;
        Ok(recorded.then_some(tx))
    }

    /// Puts a job back in the queue at `run_at` without counting the attempt: EVE's downtime,
    /// the error limit or a `Retry-After` are waited out, not held against the job.
    pub async fn postpone_job(
        &self,
        lease: &JobLease,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        // Leasing counted an attempt; a postponement gives it back.
        let done = on_db!(self, |db| {
            sqlx::query(concatcp!(
            "UPDATE jobs SET status = 'queued', run_at = $1, locked_by = NULL, locked_until = NULL,
                 last_error = $2, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
             WHERE ",
            HELD_AT_3
        ))
            .bind(DbTime(at))
            .bind(reason)
            .bind_held(lease)
            .execute(db.writer())
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Jobs by status (all when `None`), newest first.
    pub async fn jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            JOB_COLS,
            " FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(status.map(JobStatus::as_str))
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_job)
        .collect())
    }

    pub async fn job(&self, id: JobId) -> Result<Option<Job>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            JOB_COLS,
            " FROM jobs WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_job)
        .transpose())
    }

    /// The jobs with `dedupe_key`: at most one queued or running, and at most one failed (the
    /// newest failure of that work, until it is retried or succeeds).
    pub async fn jobs_with_key(&self, dedupe_key: &str) -> Result<Vec<Job>> {
        self.jobs_with_keys(&[dedupe_key.to_owned()]).await
    }

    /// [`Store::jobs_with_key`] of several keys in one query, by id.
    pub async fn jobs_with_keys(&self, dedupe_keys: &[String]) -> Result<Vec<Job>> {
        if dedupe_keys.is_empty() {
            return Ok(Vec::new());
        }
        const WITH_KEYS: Dialects =
            where_in_ids!("SELECT ", JOB_COLS, " FROM jobs WHERE dedupe_key");
        let keys = ValueList::new(dedupe_keys.iter().cloned());
        let mut jobs: Vec<Job> = on_db!(self, |db| sqlx::query(db.sql(&WITH_KEYS))
            .bind(keys)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_job)
            .collect::<Result<_>>())?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// The queued or running job with `dedupe_key`, if any (there is at most one).
    pub async fn pending_job(&self, dedupe_key: &str) -> Result<Option<Job>> {
        Ok(self
            .jobs_with_key(dedupe_key)
            .await?
            .into_iter()
            .find(|j| j.status != JobStatus::Failed))
    }

    /// Puts a failed job back in the queue, due now, with attempts reset.
    pub async fn retry_job(&self, job_id: JobId) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let out = tx.retry_job(job_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn job_counts(&self) -> Result<JobCounts> {
        Ok(self.job_counts_by_kind().await?.into_values().fold(
            JobCounts::default(),
            |all, of_kind| JobCounts {
                queued: all.queued + of_kind.queued,
                running: all.running + of_kind.running,
                failed: all.failed + of_kind.failed,
            },
        ))
    }

    /// [`Store::job_counts`] for each kind of job: one grouped count, so a page showing how
    /// many syncs wait never reads the jobs themselves. Kept on SQLite until the next commit
    /// (ADR 0034).
    pub async fn job_counts_by_kind(&self) -> Result<BTreeMap<String, JobCounts>> {
        self.kept_until_commit(
            |kept| &kept.job_counts,
            &(),
            |_| true,
            || self.read_job_counts_by_kind(),
        )
        .await
    }

    /// The read of `job_counts_by_kind`, from the database.
    async fn read_job_counts_by_kind(&self) -> Result<BTreeMap<String, JobCounts>> {
        let rows: Vec<(String, String, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status"
        )
        .fetch_all(db.reader())
        .await?);
        let mut counts: BTreeMap<String, JobCounts> = BTreeMap::new();
        for (kind, status, n) in rows {
            let of_kind = counts.entry(kind).or_default();
            match job_status(&status)? {
                JobStatus::Queued => of_kind.queued = n,
                JobStatus::Running => of_kind.running = n,
                JobStatus::Failed => of_kind.failed = n,
            }
        }
        Ok(counts)
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Queues a job, as [`Store::enqueue_job`].
    pub async fn enqueue_job(&mut self, job: &NewJob) -> Result<Option<JobId>> {
        let now = self.now();
        insert_job(self.conn(), job, now).await
    }

    /// Puts a failed job back in the queue, due now, with attempts reset. When a copy of it (by
    /// dedupe key) waits or runs already, that copy is made due now instead (earliest due time
    /// wins) and the failed job is gone. False when it is not a failed job.
    pub async fn retry_job(&mut self, job_id: JobId) -> Result<bool> {
        let now = self.now();
        let superseded = on_conn!(self.conn(), |tx| {
            sqlx::query(
                "UPDATE jobs SET run_at = $1
                 WHERE status = 'queued' AND run_at > $1
                   AND dedupe_key = (SELECT dedupe_key FROM jobs WHERE id = $2 AND status = 'failed')",
            )
            .bind(DbTime(now))
            .bind(job_id.get())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM jobs WHERE id = $1 AND status = 'failed' AND EXISTS (
                     SELECT 1 FROM jobs p
                     WHERE p.dedupe_key = jobs.dedupe_key AND p.status IN ('queued', 'running'))",
            )
            .bind(job_id.get())
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        if superseded == 1 {
            return Ok(true);
        }
        let done = on_conn!(self.conn(), |tx| sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $1, attempts = 0, locked_by = NULL,
                 locked_until = NULL
             WHERE id = $2 AND status = 'failed'",
        )
        .bind(DbTime(now))
        .bind(job_id.get())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("job {job_id}: an identical job was queued meanwhile; try again")
            })
        })?
        .rows_affected());
        Ok(done == 1)
    }
}

/// Deletes the other failed jobs of `job`'s dedupe key (none without a key): `job` did their
/// work, or failed it again more recently.
async fn supersede_failed<'c>(conn: impl Into<Conn<'c>>, job: JobId) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "DELETE FROM jobs WHERE status = 'failed' AND id <> $1
           AND dedupe_key = (SELECT dedupe_key FROM jobs WHERE id = $1)"
    )
    .bind(job.get())
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// The one body of `enqueue_job`, on a pool connection (jobs are queued often, one at a time)
/// or a transaction's.
async fn insert_job<'c>(
    conn: impl Into<Conn<'c>>,
    job: &NewJob,
    now: OffsetDateTime,
) -> Result<Option<JobId>> {
    // The partial unique index on dedupe_key only covers queued and running jobs, so a second
    // copy is not queued while one is pending, and allowed again once it finished. One
    // statement, so that two instances queueing at once cannot both miss the pending copy:
    // "run now" (or any trigger due sooner) pulls a queued copy forward instead of leaving it
    // due at the later time (issue 10); a running copy, or one due sooner, stays as it is.
    // The payload is bound as JSON: text on SQLite, JSONB on PostgreSQL.
    let id: Option<i64> = on_conn!(conn, |c| {
        sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, status, run_at, dedupe_key, attempts, max_attempts, created_at)
         VALUES ($1, $2, 'queued', $3, $4, 0, $5, $6)
         ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running')
         DO UPDATE SET run_at = excluded.run_at
             WHERE jobs.status = 'queued' AND jobs.run_at > excluded.run_at
         RETURNING id",
    )
    .bind(&job.kind)
    .bind(sqlx::types::Json(&job.payload))
    .bind(DbTime(job.run_at))
    .bind(&job.dedupe_key)
    .bind(job.max_attempts)
    .bind(DbTime(now))
    .fetch_optional(c)
    .await?
    });
    Ok(id.map(JobId))
}
