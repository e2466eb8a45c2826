//! What orchestrators and Prometheus may ask without signing in: whether the database answers,
//! and the gauges read at scrape time. Nothing here reveals or changes anyone's data.

use crate::App;
use crate::error::AppResult;
use jumpgate_store::JobCounts;

/// How long a database that answered counts as ready without asking again.
pub const READINESS_TTL: time::Duration = time::Duration::seconds(1);

/// The gauges that are cheaper to read on scrape than to keep up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Jobs queued, running and failed; `None` when the database did not answer.
    pub jobs: Option<JobCounts>,
    /// What ESI's error limit allows before it blocks us, as last seen.
    pub esi_error_limit_remaining: Option<u32>,
    /// Whether the SSO safety valve is tripped (by any instance); `false` when the database
    /// did not answer.
    pub safety_valve_tripped: bool,
}

impl App {
    /// `Ok` when the database answers (the readiness probe). Anyone may ask: an answer is reused
    /// for [`READINESS_TTL`], so probes, however many, cost at most one trivial query a second.
    pub async fn readiness(&self) -> AppResult<()> {
        let now = self.now();
        let answered = *self
            .readiness_seen()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if answered.is_some_and(|at| now - at < READINESS_TTL) {
            return Ok(());
        }
        self.store().ping().await?;
        *self
            .readiness_seen()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(now);
        Ok(())
    }

    /// The scrape-time gauges. Anyone who may scrape the metrics may ask.
    pub async fn gauges(&self) -> Gauges {
        let jobs = match self.store().job_counts().await {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "could not count jobs for the metrics");
                None
            }
        };
        Gauges {
            jobs,
            esi_error_limit_remaining: self.esi().snapshot().error_limit_remaining,
            safety_valve_tripped: match self.store().safety_valve().await {
                Ok(v) => v.is_tripped(),
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the safety valve for the metrics");
                    false
                }
            },
        }
    }
}
