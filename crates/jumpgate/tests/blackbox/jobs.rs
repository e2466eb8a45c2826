//! Background jobs as people meet them, on both databases: what ran is kept, with its numbers,
//! for `[jobs] keep_finished`; "run now" (a member's "Sync now", an administrator's "Run now" or
//! "Retry") means now, whatever was already queued for later.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::standings_sync::{contact, member, other_characters, stand};
use crate::support::{Backend, TestApp};
use jumpgate_app::jobs::{periodic, periodic_job};
use jumpgate_app::standings::sync::SYNC_CHARACTER;
use jumpgate_domain::JobId;
use jumpgate_domain::clock::ManualClock;
use jumpgate_domain::standings::EntityKind;
use jumpgate_store::{AuditFilter, JobSummary, NewJob, RunFilter, RunOutcome, RunReport};
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

on_both_backends!(
    a_sync_that_failed_for_good_says_so_and_retry_runs_it_now,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 5).await;
        // ESI answers its first contacts call with a plain 500, which may be the request's own
        // fault and spends an attempt (a gateway error would be waited out).
        t.sim.force_answer("/contacts", 0, 500, 0);
        let sync = |run_at, max_attempts| NewJob {
            kind: SYNC_CHARACTER.into(),
            payload: serde_json::json!({ "character_id": m.id }),
            run_at,
            dedupe_key: Some(format!("standings-sync:{}", m.id)),
            max_attempts,
        };
        // Its one attempt meets that error: failed for good.
        t.store
            .enqueue_job(&sync(t.app.now(), 1))
            .await
            .unwrap()
            .unwrap();
        let worker = t.start_worker(Duration::from_millis(100));
        let key = format!("standings-sync:{}", m.id);
        assert!(
            eventually(Duration::from_secs(20), || async {
                t.store.job_counts().await.unwrap().failed == 1
            })
            .await,
            "the sync never failed: {:?}",
            t.store.jobs_with_key(&key).await.unwrap()
        );
        // The periodic sync queued it again, for ten minutes from now.
        t.store
            .enqueue_job(&sync(t.app.now() + time::Duration::minutes(10), 5))
            .await
            .unwrap()
            .unwrap();

        let b = t.browser();
        b.login_ok(m.id).await;
        let (_, page) = b.get_text("/standings/sync").await;
        assert!(page.contains("sync failed"), "{page}");
        assert!(page.contains("stopped after 1 failed attempt(s)"), "{page}");
        assert!(!page.contains("tried again later"), "{page}");
        assert!(page.contains(">Retry</button>"), "{page}");
        assert!(
            page.contains("UTC (in 9 min)"),
            "the next periodic sync: {page}"
        );

        let r = b
            .post_form(&format!("/standings/sync/{}/now", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert!(
            eventually(Duration::from_secs(10), || async {
                t.store.jobs_with_key(&key).await.unwrap().is_empty()
            })
            .await,
            "the retry did not run now, or its success left the failure: {:?}",
            t.store.jobs_with_key(&key).await.unwrap()
        );
        worker.stop().await;
        assert!(contact(&t, &m, x).is_some());
        let (_, page) = b.get_text("/standings/sync").await;
        assert!(
            page.contains("in sync") && !page.contains("sync failed"),
            "{page}"
        );
        assert!(page.contains(">Sync now</button>"), "{page}");
    }
);

on_both_backends!(
    retrying_a_failed_job_whose_copy_waits_for_later_makes_that_copy_due_now,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let schedule = periodic::schedule(&t.app);
        let audit = schedule.iter().find(|p| p.kind == "verify-audit").unwrap();
        let failed = run_elsewhere(
            &t,
            &periodic_job(audit, t.app.now()),
            Err("anchor file unwritable"),
        )
        .await;
        // The scheduler queued the next check for six hours from now.
        let waiting = t
            .store
            .enqueue_job(&periodic_job(audit, t.app.now() + time::Duration::hours(6)))
            .await
            .unwrap()
            .unwrap();
        let (_, page) = admin.get_text("/admin/jobs?status=failed").await;
        assert!(page.contains("anchor file unwritable"), "{page}");

        let r = admin
            .post_form(&format!("/admin/jobs/{failed}/retry"), &[])
            .await;
        assert_eq!(r.status(), 303);
        let left = t.store.jobs_with_key("verify-audit").await.unwrap();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].id, waiting);
        assert!(left[0].run_at <= t.app.now(), "due now: {:?}", left[0]);
    }
);

/// Queues `job` and has another instance ("elsewhere") run it for 1.2 s: it succeeds with the
/// numbers, or fails for good with the error. Its id.
async fn run_elsewhere(t: &TestApp, job: &NewJob, end: Result<JobSummary, &str>) -> JobId {
    let id = t.store.enqueue_job(job).await.unwrap().unwrap();
    let leased = t
        .store
        .lease_jobs("elsewhere", &[], Duration::from_secs(60), 1)
        .await
        .unwrap();
    assert_eq!(leased[0].id, id);
    let lease = leased[0].lease().unwrap();
    let report = |summary| RunReport {
        started_at: t.app.now(),
        duration: Duration::from_millis(1200),
        summary,
    };
    let recorded = match end {
        Ok(summary) => t.store.complete_job(&lease, &report(summary)).await,
        Err(error) => {
            let ran = report(JobSummary::new());
            t.store.fail_job(&lease, error, None, &ran).await
        }
    };
    assert!(recorded.unwrap());
    id
}

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
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
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

on_both_backends!(
    the_jobs_page_shows_the_schedule_and_run_now_runs_a_periodic_job_now,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await; // the demo's superuser
        assert!(
            t.run_job("refresh-affiliations", serde_json::Value::Null)
                .await
                .is_none()
        );
        // The scheduler queued the next affiliation refresh for ten minutes from now.
        let schedule = periodic::schedule(&t.app);
        let refresh = schedule
            .iter()
            .find(|p| p.kind == "refresh-affiliations")
            .unwrap();
        let queued = t
            .store
            .enqueue_job(&periodic_job(
                refresh,
                t.app.now() + time::Duration::minutes(10),
            ))
            .await
            .unwrap()
            .unwrap();

        let (code, page) = admin.get_text("/admin/jobs").await;
        assert_eq!(code, 200);
        assert!(!page.contains("No jobs here"), "{page}");
        for p in &schedule {
            assert!(
                page.contains(&format!("<code>{}</code>", p.kind)),
                "{}",
                p.kind
            );
        }
        let row = schedule_row(&page, "refresh-affiliations");
        assert!(row.contains("10 min"), "its interval: {row}");
        assert!(
            row.contains("now)") && row.contains("succeeded"),
            "last run: {row}"
        );
        assert!(
            row.contains("1 characters, 0 changed"),
            "its numbers: {row}"
        );
        assert!(row.contains("UTC (in 9 min)"), "next due: {row}");
        assert!(row.contains("Run now"), "{row}");
        let never = schedule_row(&page, "verify-audit");
        assert!(never.contains("never"), "{never}");
        // Recently finished, with the instance that ran it.
        assert!(page.contains("Recently finished"), "{page}");
        assert!(page.contains(&t.app.settings().instance_id), "{page}");

        let r = admin
            .post_form("/admin/jobs/run-now", &[("kind", "refresh-affiliations")])
            .await;
        assert_eq!(r.status(), 303);
        let job = t.store.job(queued).await.unwrap().unwrap();
        assert!(
            job.run_at <= t.app.now(),
            "the queued copy is due now: {job:?}"
        );
        let (_, page) = admin.get_text("/admin/jobs").await;
        assert!(page.contains("refresh-affiliations is due now"), "{page}");
        // The page viewed a moment ago is not shown again: this process wrote since.
        let row = schedule_row(&page, "refresh-affiliations");
        assert!(!row.contains("(in 9 min)"), "next due, now: {row}");
        let recorded = t
            .store
            .audit_entries(&AuditFilter {
                action_prefix: Some("job.run_now".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].details["kind"], "refresh-affiliations");

        let worker = t.start_worker(Duration::from_millis(200));
        assert!(
            eventually(Duration::from_secs(5), || async {
                t.store.job(queued).await.unwrap().is_none()
            })
            .await,
            "run now did not run it"
        );
        worker.stop().await;
        let runs = t
            .store
            .job_runs(&RunFilter {
                kind: Some("refresh-affiliations".into()),
                limit: 10,
                ..RunFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(runs.len(), 2);

        let r = admin
            .post_form("/admin/jobs/run-now", &[("kind", "no-such-job")])
            .await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("is not a periodic job"));
    }
);

on_both_backends!(
    finished_runs_are_listed_newest_first_capped_with_their_count,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        for n in 0..25_i64 {
            let check = NewJob {
                kind: "verify-audit".into(),
                payload: serde_json::Value::Null,
                run_at: t.app.now(),
                dedupe_key: None,
                max_attempts: 3,
            };
            run_elsewhere(&t, &check, Ok(JobSummary::new().with("entries", 1000 + n))).await;
        }
        let (_, page) = admin.get_text("/admin/jobs").await;
        assert!(page.contains("Showing the newest 20 of 25"), "{page}");
        assert!(page.contains("1024 entries") && !page.contains("1004 entries"));
        assert!(page.contains("1.2 s") && page.contains("elsewhere"));
        let (code, all) = admin.get_text("/admin/jobs?status=finished").await;
        assert_eq!(code, 200);
        assert!(all.contains("1000 entries") && all.contains("1024 entries"));
        assert!(!all.contains("Showing the newest"), "all 25 are shown");
    }
);

on_both_backends!(
    a_long_queue_is_listed_newest_first_fifty_to_a_page,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let (_, before) = admin.get_text("/admin/jobs?status=queued").await;
        let already = before.matches("<span class=\"badge queued\">").count();
        // 60 waiting jobs (for later, so no worker takes them), oldest first.
        for n in 0..60_i64 {
            t.store
                .enqueue_job(&NewJob {
                    kind: format!("paged-{n:02}"),
                    payload: serde_json::Value::Null,
                    run_at: t.app.now() + time::Duration::hours(1),
                    dedupe_key: None,
                    max_attempts: 3,
                })
                .await
                .unwrap();
        }
        let total = 60 + already;
        let (code, first) = admin.get_text("/admin/jobs?status=queued").await;
        assert_eq!(code, 200);
        assert_eq!(first.matches("<span class=\"badge queued\">").count(), 50);
        assert!(first.contains("<code>paged-59</code>") && first.contains("<code>paged-10</code>"));
        assert!(
            !first.contains("<code>paged-09</code>"),
            "the older ones are on page 2"
        );
        assert!(first.contains(&format!("1–50 of {total}")), "{first}");
        assert!(
            first.contains("href=\"/admin/jobs?status=queued&#38;page=2\" rel=\"next\""),
            "{first}"
        );

        let (code, second) = admin.get_text("/admin/jobs?status=queued&page=2").await;
        assert_eq!(code, 200);
        assert!(
            second.contains("<code>paged-09</code>") && second.contains("<code>paged-00</code>")
        );
        assert!(!second.contains("<code>paged-10</code>"));
        assert!(
            second.contains(&format!("51–{total} of {total}")),
            "{second}"
        );

        let (code, bad) = admin.get_text("/admin/jobs?page=zero").await;
        assert_eq!(code, 400);
        assert!(
            bad.contains("&#39;zero&#39; is not a page number: use a whole number from 1"),
            "{bad}"
        );
    }
);

/// The schedule's row of periodic job `kind` in the jobs page.
fn schedule_row<'p>(page: &'p str, kind: &str) -> &'p str {
    let start = page
        .find(&format!("<td><code>{kind}</code></td>"))
        .unwrap_or_else(|| panic!("no schedule row for {kind}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

on_both_backends!(
    a_job_whose_lease_was_taken_over_is_stopped_and_writes_nothing_more,
    |t: TestApp| async move {
        // A job that works for a second, then writes what it did.
        let mut registry = jumpgate_app::jobs::JobRegistry::default();
        let store = t.store.clone();
        registry.register("slow-write", move |_, _, _| {
            let store = store.clone();
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                store.kv_set("slow-write", "written").await.unwrap();
                Ok::<_, jumpgate_app::jobs::JobError>(())
            }
        });
        let id = t
            .store
            .enqueue_job(&NewJob {
                kind: "slow-write".into(),
                payload: serde_json::Value::Null,
                run_at: t.app.now(),
                dedupe_key: None,
                max_attempts: 3,
            })
            .await
            .unwrap()
            .unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(jumpgate_app::jobs::run_worker(
            t.app.clone(),
            Arc::new(registry),
            jumpgate_app::jobs::WorkerSettings {
                lease: Duration::from_millis(600),
                poll_interval: Duration::from_millis(50),
                ..Default::default()
            },
            stopped,
        ));
        assert!(
            eventually(Duration::from_secs(5), || async {
                t.store
                    .job(id)
                    .await
                    .unwrap()
                    .and_then(|j| j.lease())
                    .is_some()
            })
            .await,
            "the worker leased the job"
        );

        // Another instance takes the job over while it runs (as after a stall longer than the
        // lease): its lease is made to run out now, and the other instance leases it at once.
        let mut thief = None;
        for _ in 0..50 {
            let held = t.store.job(id).await.unwrap().unwrap().lease().unwrap();
            // The worker may lease the job again between the read and this write (its lease
            // ran out a moment ago): then read the new lease and try again.
            if !t.store.heartbeat_job(&held, Duration::ZERO).await.unwrap() {
                continue;
            }
            let taken = t
                .store
                .lease_jobs("elsewhere", &["slow-write"], Duration::from_secs(60), 1)
                .await
                .unwrap();
            if let Some(j) = taken.first() {
                thief = j.lease();
                break;
            }
        }
        let thief = thief.expect("the other instance took the job over");

        // The first worker stops the job: its write never comes, it records no end, and the
        // job stays with the instance that holds it now.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            t.store.kv_get("slow-write").await.unwrap(),
            None,
            "the stopped job wrote nothing more"
        );
        assert_eq!(
            t.store.job(id).await.unwrap().and_then(|j| j.lease()),
            Some(thief.clone())
        );
        assert!(recent_runs(&t).await.is_empty(), "no run was recorded");
        let _ = stop.send(true);
        worker.await.unwrap();
        assert!(
            t.store
                .complete_job(
                    &thief,
                    &jumpgate_store::RunReport {
                        started_at: t.app.now(),
                        duration: Duration::ZERO,
                        summary: JobSummary::new(),
                    }
                )
                .await
                .unwrap()
        );
    }
);
