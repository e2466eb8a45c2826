//! The history of job runs: every end of a run is kept with its worker, times, outcome and
//! numbers, written with the job's own change, and forgotten after the retention except the
//! newest run of each kind.

use crate::support::*;
use jumpgate_store::{JobSummary, RunFilter, RunOutcome, RunReport, store_test};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

fn all() -> RunFilter {
    RunFilter {
        limit: 100,
        ..RunFilter::default()
    }
}

store_test!(
    finishing_a_job_records_its_run_with_worker_times_outcome_and_numbers,
    |store| async move {
        let a = store
            .enqueue_job(&job("sweep", now(), Some("sweep")))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w1", &[], MINUTE, 1).await.unwrap();
        let started_at = now();
        let report = RunReport {
            started_at,
            duration: Duration::from_millis(1500),
            summary: JobSummary::new()
                .with("characters", 812_usize)
                .with("changed", 3_u64),
        };
        // A worker that lost the lease records nothing.
        let other = jumpgate_store::JobLease {
            worker: "w2".into(),
            ..held(&store, a).await
        };
        assert!(!store.complete_job(&other, &report).await.unwrap());
        assert_eq!(kept_runs(&store, 100).await, 0);
        assert!(
            store
                .complete_job(&held(&store, a).await, &report)
                .await
                .unwrap()
        );
        assert_eq!(store.job(a).await.unwrap(), None);

        let runs = store.job_runs(&all()).await.unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(
            (run.job, run.kind.as_str(), run.dedupe_key.as_deref()),
            (a, "sweep", Some("sweep"))
        );
        assert_eq!(run.payload, serde_json::json!({"kind": "sweep", "n": 1}));
        assert_eq!((run.outcome, run.attempt), (RunOutcome::Succeeded, 1));
        assert_eq!(run.worker, "w1");
        assert_eq!(run.started_at, started_at);
        assert!(run.finished_at >= started_at && run.finished_at <= now());
        assert_eq!(run.duration, Duration::from_millis(1500));
        assert_eq!(run.summary.to_string(), "812 characters, 3 changed");
        assert_eq!(run.error, None);

        // A failure to be retried, then a failure for good: one run each, with the error.
        let b = store
            .enqueue_job(&job("flaky", now(), None))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w1", &[], MINUTE, 1).await.unwrap();
        assert!(
            store
                .fail_job(
                    &held(&store, b).await,
                    "timeout",
                    Some(now() - secs(1)),
                    &ran()
                )
                .await
                .unwrap()
        );
        store.lease_jobs("w2", &[], MINUTE, 1).await.unwrap();
        assert!(
            store
                .fail_job(&held(&store, b).await, "bad payload", None, &ran())
                .await
                .unwrap()
        );
        let runs = store.job_runs(&all()).await.unwrap();
        let seen: Vec<_> = runs
            .iter()
            .map(|r| (r.kind.as_str(), r.outcome, r.attempt, r.error.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("flaky", RunOutcome::Failed, 2, Some("bad payload")),
                ("flaky", RunOutcome::Retrying, 1, Some("timeout")),
                ("sweep", RunOutcome::Succeeded, 1, None),
            ]
        );
        assert_eq!(kept_runs(&store, 100).await, 3);
        assert_eq!(kept_runs(&store, 2).await, 2, "counted up to the cap");
        let of = |kind: Option<&str>, key: Option<&str>| RunFilter {
            kind: kind.map(str::to_owned),
            dedupe_key: key.map(str::to_owned),
            limit: 1,
        };
        let newest_flaky = store.job_runs(&of(Some("flaky"), None)).await.unwrap();
        assert_eq!(newest_flaky[0].outcome, RunOutcome::Failed);
        let by_key = store.job_runs(&of(None, Some("sweep"))).await.unwrap();
        assert_eq!(by_key[0].job, a);
    }
);

store_test!(
    old_runs_are_forgotten_but_the_newest_of_each_kind_stays,
    |store| async move {
        for kind in ["often", "often", "rare"] {
            run_once(&store, "w", kind, None).await;
        }
        assert_eq!(
            store
                .delete_job_runs_before(now() - secs(3600))
                .await
                .unwrap(),
            0,
            "all are recent"
        );
        assert_eq!(
            store
                .delete_job_runs_before(now() + secs(3600))
                .await
                .unwrap(),
            1
        );
        let kinds: Vec<String> = store
            .job_runs(&all())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["rare", "often"]);
    }
);
