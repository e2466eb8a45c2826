//! The durable job queue: dedupe while queued or running, leases with expiry, retries.

use super::{PgDb, read, tm};
use crate::rows::job_cols;
use crate::support::{self, conflict};
use crate::{Job, JobCounts, JobStatus, NewJob, Result};
use std::time::Duration;
use time::OffsetDateTime;

pub(crate) async fn enqueue_job(s: &PgDb, job: &NewJob) -> Result<Option<i64>> {
    // The partial unique index on dedupe_key only covers queued and running jobs, so a second
    // copy is silently skipped while one is pending, and allowed again once it finished.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, status, run_at, dedupe_key, attempts, max_attempts, created_at)
         VALUES ($1, $2::jsonb, 'queued', $3, $4, 0, $5, $6)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(tm(job.run_at))
    .bind(&job.dedupe_key)
    .bind(job.max_attempts)
    .bind(tm(support::now()))
    .fetch_optional(&s.pool)
    .await?;
    Ok(id)
}

pub(crate) async fn lease_jobs(
    s: &PgDb,
    worker: &str,
    kinds: &[&str],
    lease: Duration,
    limit: i64,
) -> Result<Vec<Job>> {
    let now = support::now();
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    // SKIP LOCKED: concurrent leasers each lock different rows instead of waiting for (and then
    // re-checking) the same ones, so every due job goes to exactly one worker.
    let rows = sqlx::query(concat!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs \
             WHERE ((status = 'queued' AND run_at <= $3) \
                 OR (status = 'running' AND locked_until <= $3)) \
               AND (cardinality($4::text[]) = 0 OR kind = ANY($4)) \
             ORDER BY run_at, id LIMIT $5 \
             FOR UPDATE SKIP LOCKED) \
         RETURNING ",
        job_cols!()
    ))
    .bind(worker)
    .bind(tm(support::after(now, lease)))
    .bind(tm(now))
    .bind(kinds)
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    let mut jobs = read::all(&rows, read::job)?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

pub(crate) async fn heartbeat_job(
    s: &PgDb,
    job_id: i64,
    worker: &str,
    lease: Duration,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'",
    )
    .bind(tm(support::after(support::now(), lease)))
    .bind(job_id)
    .bind(worker)
    .execute(&s.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn complete_job(s: &PgDb, job_id: i64, worker: &str) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2 AND status = 'running'")
            .bind(job_id)
            .bind(worker)
            .execute(&s.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn fail_job(
    s: &PgDb,
    job_id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> Result<bool> {
    let done = match retry_at {
        Some(at) => {
            sqlx::query(
                "UPDATE jobs SET status = 'queued', run_at = $1, locked_by = NULL,
                     locked_until = NULL, last_error = $2
                 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
            )
            .bind(tm(at))
            .bind(error)
            .bind(job_id)
            .bind(worker)
            .execute(&s.pool)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE jobs SET status = 'failed', locked_by = NULL, locked_until = NULL,
                     last_error = $1
                 WHERE id = $2 AND locked_by = $3 AND status = 'running'",
            )
            .bind(error)
            .bind(job_id)
            .bind(worker)
            .execute(&s.pool)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn postpone_job(
    s: &PgDb,
    job_id: i64,
    worker: &str,
    reason: &str,
    at: OffsetDateTime,
) -> Result<bool> {
    // Leasing counted an attempt; a postponement gives it back.
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = $1, locked_by = NULL, locked_until = NULL,
             last_error = $2, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
         WHERE id = $3 AND locked_by = $4 AND status = 'running'",
    )
    .bind(tm(at))
    .bind(reason)
    .bind(job_id)
    .bind(worker)
    .execute(&s.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn jobs(s: &PgDb, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        job_cols!(),
        " FROM jobs WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(status.map(JobStatus::as_str))
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::job)
}

pub(crate) async fn job(s: &PgDb, id: i64) -> Result<Option<Job>> {
    let row = sqlx::query(concat!("SELECT ", job_cols!(), " FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&s.pool)
        .await?;
    row.as_ref().map(read::job).transpose()
}

pub(crate) async fn retry_job(s: &PgDb, job_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = $1, attempts = 0, locked_by = NULL,
             locked_until = NULL
         WHERE id = $2 AND status = 'failed'",
    )
    .bind(tm(support::now()))
    .bind(job_id)
    .execute(&s.pool)
    .await
    .map_err(|e| {
        conflict(e, || {
            format!("job {job_id}: an identical job is already queued")
        })
    })?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn job_counts(s: &PgDb) -> Result<JobCounts> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status")
            .fetch_all(&s.pool)
            .await?;
    let mut counts = JobCounts::default();
    for (status, n) in rows {
        match support::job_status(&status)? {
            JobStatus::Queued => counts.queued = n,
            JobStatus::Running => counts.running = n,
            JobStatus::Failed => counts.failed = n,
        }
    }
    Ok(counts)
}
