//! The job registry (every feature's jobs, composed) and the schedule of the periodic jobs: the
//! core's, Alliance Auth's "API authentication" done as ESI intends (the affiliation sweep in
//! `accounts::affiliations`, token checks in `tokens`, the audit check in `audit`), and each
//! feature's.

use crate::App;
use crate::jobs::{JobError, JobRegistry, Periodic};
use jumpgate_store::JobSummary;
use std::time::Duration;

pub const REFRESH_AFFILIATIONS: &str = "refresh-affiliations";
pub const CHECK_TOKENS: &str = "check-tokens";
pub const CLEANUP_SESSIONS: &str = "cleanup-sessions";
pub const VERIFY_AUDIT: &str = "verify-audit";
/// The Directors' corporation roles re-read (`roles::eve`): hourly, as ESI caches them.
pub const REFRESH_CORPORATION_ROLES: &str = "refresh-corporation-roles";

pub fn registry() -> JobRegistry {
    let mut r = JobRegistry::default();
    r.register(REFRESH_AFFILIATIONS, |app, caller, _| async move {
        let s = app.refresh_affiliations(&caller).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("characters", s.characters)
                .with("changed", s.changed)
                .with("biomassed", s.biomassed)
                .with("corporations refreshed", s.corporations_refreshed)
                .with("alliances refreshed", s.alliances_refreshed),
        )
    });
    // Token checks, then deactivation judged on what they found and the episodes' mails sent
    // (ADR 0029).
    r.register(CHECK_TOKENS, |app, caller, _| async move {
        let check = app.check_tokens_now(&caller, None).await?;
        let mails = app.send_deactivation_mails(&caller).await?;
        let d = check.deactivation;
        let summary = JobSummary::new()
            .with("checked", check.checked())
            .with("deactivation pending", d.begun)
            .with("deactivated", d.deactivated)
            .with("reactivated or cleared", d.ended)
            .with("deactivation mails", mails.sent)
            .with("deactivation EVE mails", mails.eve_mailed)
            .with("deactivation mails failed", mails.failed);
        Ok::<_, JobError>(
            check
                .outcomes
                .iter()
                .fold(summary, |s, (outcome, n)| s.with(outcome, *n)),
        )
    });
    // Expired sessions, the verification mails the limits no longer look at (a day old), and
    // job runs older than `[jobs] keep_finished`.
    r.register(CLEANUP_SESSIONS, |app, _, _| async move {
        let retry = |e: jumpgate_store::StoreError| JobError::Retry(e.to_string());
        let now = app.now();
        let sessions = app
            .store()
            .delete_expired_sessions(now)
            .await
            .map_err(retry)?;
        let mails = app
            .store()
            .delete_verification_mails_before(now - time::Duration::days(1))
            .await
            .map_err(retry)?;
        let runs = app
            .store()
            .delete_job_runs_before(now - app.settings().jobs.keep_finished)
            .await
            .map_err(retry)?;
        Ok(JobSummary::new()
            .with("sessions", sessions)
            .with("verification mails", mails)
            .with("job runs", runs))
    });
    crate::standings::register_jobs(&mut r);
    r.register(REFRESH_CORPORATION_ROLES, |app, caller, _| async move {
        let read = app.refresh_corporation_roles(&caller).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("characters", read.characters)
                .with("directors", read.directors)
                .with("not read now", read.failed),
        )
    });
    crate::tracking::update::register_jobs(&mut r);
    crate::apps::webhook_delivery::register_jobs(&mut r);
    r.register(VERIFY_AUDIT, |app, caller, _| async move {
        let check = app.verify_audit_log(&caller).await?;
        Ok::<_, JobError>(JobSummary::new().with("entries", check.summary.entries))
    });
    r
}

pub fn schedule(app: &App) -> Vec<Periodic> {
    let mut periodic = vec![
        Periodic {
            kind: REFRESH_AFFILIATIONS,
            interval: app.settings().jobs.affiliation_interval,
            max_attempts: 5,
        },
        Periodic {
            kind: CHECK_TOKENS,
            interval: app.settings().jobs.token_check_interval,
            max_attempts: 5,
        },
        Periodic {
            kind: CLEANUP_SESSIONS,
            interval: Duration::from_secs(3600),
            max_attempts: 3,
        },
        Periodic {
            kind: REFRESH_CORPORATION_ROLES,
            interval: Duration::from_secs(3600),
            max_attempts: 3,
        },
        Periodic {
            kind: VERIFY_AUDIT,
            interval: Duration::from_secs(6 * 3600),
            max_attempts: 3,
        },
    ];
    periodic.extend(crate::standings::schedule(app));
    periodic.push(crate::tracking::update::periodic());
    periodic.push(crate::apps::webhook_delivery::periodic());
    periodic
}
