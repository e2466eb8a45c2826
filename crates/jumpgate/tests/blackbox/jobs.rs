//! Background jobs as people meet them, on both databases: what ran is kept, with its numbers,
//! for `[jobs] keep_finished`; "run now" (a member's "Sync now", an administrator's "Run now" or
//! "Retry") means now, whatever was already queued for later.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::standings_sync::{contact, member, other_characters, stand};
use crate::support::{Backend, TestApp};
use jumpgate_app::standings::sync::SYNC_CHARACTER;
use jumpgate_domain::clock::{Clock, ManualClock, SystemClock};
use jumpgate_domain::standings::EntityKind;
use jumpgate_store::{NewJob, RunFilter, RunOutcome};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Polls `done` every 50 ms for up to `within`; whether it came true.
async fn eventually<F, Fut>(within: Duration, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

on_both_backends!(
    sync_now_makes_a_sync_queued_for_later_due_now_and_the_next_poll_runs_it,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 5).await;
        // The periodic reconcile queued this character's sync for ten minutes from now.
        let periodic = t
            .store
            .enqueue_job(&NewJob {
                kind: SYNC_CHARACTER.into(),
                payload: serde_json::json!({ "character_id": m.id }),
                run_at: t.app.now() + time::Duration::minutes(10),
                dedupe_key: Some(format!("standings-sync:{}", m.id)),
                max_attempts: 5,
            })
            .await
            .unwrap()
            .unwrap();
        let worker = t.start_worker(Duration::from_millis(200));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(contact(&t, &m, x).is_none(), "not due yet");

        let b = t.browser();
        b.login_ok(m.id).await;
        let r = b
            .post_form(&format!("/standings/sync/{}/now", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);

        // The queued job itself became due: the worker's next poll runs it, not in ten minutes.
        assert!(
            eventually(Duration::from_secs(5), || async {
                t.store.job(periodic).await.unwrap().is_none()
            })
            .await,
            "the sync still waits: {:?}",
            t.store.job(periodic).await.unwrap()
        );
        assert!(contact(&t, &m, x).is_some());
        let (_, page) = b.get_text("/standings/sync").await;
        assert!(
            page.contains("in sync") && !page.contains("syncing"),
            "{page}"
        );
        worker.stop().await;
    }
);

/// The newest runs of any job, newest first.
async fn recent_runs(t: &TestApp) -> Vec<jumpgate_store::JobRun> {
    t.store
        .job_runs(&RunFilter {
            limit: 10,
            ..RunFilter::default()
        })
        .await
        .unwrap()
}

/// Time is a parameter: the retention passes on a manual clock, without waiting a week.
mod finished_runs_are_kept_with_their_numbers_for_keep_finished {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Backend::Postgres).await;
    }

    async fn run(backend: Backend) {
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
        t.browser()
            .login_ok(t.sim.characters()[0].character_id)
            .await;
        for _ in 0..2 {
            assert!(
                t.run_job("refresh-affiliations", serde_json::Value::Null)
                    .await
                    .is_none()
            );
        }
        let runs = recent_runs(&t).await;
        assert_eq!(runs.len(), 2);
        let last = &runs[0];
        assert_eq!(
            (last.kind.as_str(), last.outcome, last.attempt),
            ("refresh-affiliations", RunOutcome::Succeeded, 1)
        );
        assert_eq!(last.worker, t.app.settings().instance_id);
        assert_eq!(last.started_at, last.finished_at, "the clock stood still");
        assert!(
            last.summary
                .to_string()
                .starts_with("1 characters, 0 changed"),
            "{}",
            last.summary
        );

        // A week (the default keep_finished) and an hour later, the cleanup forgets the older
        // run; the newest of its kind stays for the schedule's "last run".
        clock.advance(Duration::from_secs(7 * 24 * 3600 + 3600));
        assert!(
            t.run_job("cleanup-sessions", serde_json::Value::Null)
                .await
                .is_none()
        );
        let runs = recent_runs(&t).await;
        let kept: Vec<_> = runs.iter().map(|r| (r.kind.as_str(), r.job)).collect();
        assert_eq!(
            kept,
            [
                ("cleanup-sessions", runs[0].job),
                ("refresh-affiliations", last.job)
            ]
        );
        assert!(
            runs[0].summary.to_string().ends_with("1 job runs"),
            "{}",
            runs[0].summary
        );
    }
}
