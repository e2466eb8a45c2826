//! What administrators do with background jobs (`admin.jobs`): see the queue, retry a failed
//! job, clear the SSO safety valve after checking EVE's SSO.

use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::JobId;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{Job, JobCounts, JobStatus};
use serde_json::json;

/// The job queue as the admin page shows it.
#[derive(Debug, Clone)]
pub struct JobOverview {
    pub counts: JobCounts,
    /// At most the number asked for, of the status asked for.
    pub jobs: Vec<Job>,
    /// Whether token invalidation is suspended here or by another instance.
    pub valve_open: bool,
}

impl App {
    /// Counts, the jobs of `status` (every status when `None`), at most `limit`, and the safety
    /// valve. Needs `admin.jobs`.
    pub async fn job_overview(
        &self,
        caller: &Caller,
        status: Option<JobStatus>,
        limit: i64,
    ) -> AppResult<JobOverview> {
        caller.require(Permission::ADMIN_JOBS)?;
        Ok(JobOverview {
            counts: self.store().job_counts().await?,
            jobs: self.store().jobs(status, limit).await?,
            valve_open: self.safety_valve_open().await?,
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

    /// An administrator checked the SSO and clears the safety valve (recorded). Needs
    /// `admin.jobs`.
    pub async fn reset_safety_valve(&self, caller: &Caller) -> AppResult<()> {
        caller.require(Permission::ADMIN_JOBS)?;
        let mut tx = self.store().transaction().await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "sso.safety_valve_cleared",
            "sso",
            json!({}),
        )
        .await?;
        self.clear_safety_valve(tx).await
    }
}
