//! The jobs page's one read (`Store::job_overview`): counts, the newest jobs without their
//! payloads, the newest finished runs and how many are kept, each periodic job's last run,
//! waiting copy and next due time, and the safety valve, all from one statement.

use crate::support::*;
use jumpgate_store::{JobOverviewQuery, JobStatus, store_test};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

fn page(status: Option<JobStatus>, jobs: i64, finished: i64) -> JobOverviewQuery {
    JobOverviewQuery {
        status,
        jobs,
        jobs_offset: 0,
        finished,
        finished_cap: 100,
        periodic: vec!["sweep".into(), "audit".into(), "never-ran".into()],
        next_due_keys: vec![
            "periodic.sweep.next_due".into(),
            "periodic.gone.next_due".into(),
        ],
    }
}

store_test!(
    an_empty_queue_reads_as_nothing_with_the_valve_closed,
    |store| async move {
        let read = store.job_overview(&page(None, 100, 20)).await.unwrap();
        assert_eq!(read.counts, Default::default());
        assert!(read.jobs.is_empty() && read.finished.is_empty());
        assert!(read.last_runs.is_empty() && read.pending.is_empty());
        assert!(read.next_due.is_empty());
        assert_eq!(read.finished_total, 0);
        assert!(!read.valve.is_tripped());
    }
);

store_test!(
    the_jobs_page_reads_its_counts_lists_schedule_and_valve_at_once,
    |store| async move {
        // Two runs of the periodic "sweep" (the newest is its last run), one of "audit".
        for kind in ["sweep", "audit", "sweep"] {
            run_once(&store, "w1", kind, Some(kind)).await;
        }
        // Waiting: the next sweep (periodic), two syncs; one sync runs, one failed for good.
        let next_sweep = store
            .enqueue_job(&job("sweep", now() + secs(600), Some("sweep")))
            .await
            .unwrap()
            .unwrap();
        let mut syncs = Vec::new();
        for n in 0..4 {
            let key = format!("sync:{n}");
            syncs.push(
                store
                    .enqueue_job(&job("sync", now() - secs(10 - n), Some(&key)))
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        let leased = store.lease_jobs("w2", &[], MINUTE, 2).await.unwrap();
        assert_eq!(leased.len(), 2);
        assert!(
            store
                .fail_job(&leased[0].lease().unwrap(), "gone", None, &ran())
                .await
                .unwrap()
        );
        store
            .kv_set("periodic.sweep.next_due", "1767225600")
            .await
            .unwrap();
        store.kv_set("unrelated", "x").await.unwrap();

        let read = store.job_overview(&page(None, 100, 2)).await.unwrap();
        assert_eq!(
            (read.counts.queued, read.counts.running, read.counts.failed),
            (3, 1, 1)
        );
        let listed: Vec<_> = read.jobs.iter().map(|j| j.id).collect();
        let mut newest_first = vec![next_sweep];
        newest_first.extend(&syncs);
        newest_first.sort_by_key(|id| std::cmp::Reverse(*id));
        assert_eq!(listed, newest_first, "by creation, newest first");
        // The next page starts where the first ended.
        let second = store
            .job_overview(&JobOverviewQuery {
                jobs: 2,
                jobs_offset: 2,
                ..page(None, 2, 2)
            })
            .await
            .unwrap();
        let second: Vec<_> = second.jobs.iter().map(|j| j.id).collect();
        assert_eq!(second, newest_first[2..4], "the second page of two");
        let running = read.jobs.iter().find(|j| j.status == JobStatus::Running);
        assert_eq!(running.unwrap().locked_by.as_deref(), Some("w2"));
        let failed = read.jobs.iter().find(|j| j.status == JobStatus::Failed);
        assert_eq!(failed.unwrap().last_error.as_deref(), Some("gone"));

        // The newest two of four runs (the failure is a run too), and all four counted.
        assert_eq!(read.finished.len(), 2);
        assert!(read.finished[0].id > read.finished[1].id, "newest first");
        assert_eq!(read.finished[0].kind, "sync");
        assert_eq!(read.finished_total, 4);
        let capped = JobOverviewQuery {
            finished_cap: 3,
            ..page(None, 100, 2)
        };
        assert_eq!(store.job_overview(&capped).await.unwrap().finished_total, 3);

        // The schedule: the last run of each periodic kind with one, whole.
        let mut last: Vec<_> = read
            .last_runs
            .iter()
            .map(|r| (r.kind.as_str(), r.dedupe_key.as_deref()))
            .collect();
        last.sort_unstable();
        assert_eq!(last, [("audit", Some("audit")), ("sweep", Some("sweep"))]);
        let sweep = read.last_runs.iter().find(|r| r.kind == "sweep").unwrap();
        let all_sweeps = store
            .job_runs(&jumpgate_store::RunFilter {
                kind: Some("sweep".into()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            sweep, &all_sweeps[0],
            "the newest sweep, as job_runs reads it"
        );
        // The periodic jobs' waiting copies, whole (payload included), and their due times.
        assert_eq!(
            read.pending,
            vec![store.job(next_sweep).await.unwrap().unwrap()]
        );
        assert_eq!(
            read.next_due.into_iter().collect::<Vec<_>>(),
            [(
                "periodic.sweep.next_due".to_owned(),
                "1767225600".to_owned()
            )]
        );

        // A status narrows the list, not the counts; a list of none reads none.
        let failed_only = store
            .job_overview(&page(Some(JobStatus::Failed), 100, 0))
            .await
            .unwrap();
        assert_eq!(failed_only.jobs.len(), 1);
        assert_eq!(failed_only.jobs[0].status, JobStatus::Failed);
        assert!(failed_only.finished.is_empty());
        assert_eq!(failed_only.counts, read.counts);
        let none = store.job_overview(&page(None, 0, 20)).await.unwrap();
        assert!(none.jobs.is_empty());
        assert_eq!(none.finished.len(), 4);
    }
);

store_test!(
    the_jobs_page_sees_the_valve_tripped_by_any_instance,
    |store| async move {
        let from = now() - secs(30);
        let mut tx = store.transaction().await.unwrap();
        tx.lock_safety_valve().await.unwrap();
        tx.trip_safety_valve("worker-1", from).await.unwrap();
        tx.commit().await.unwrap();
        let read = store.job_overview(&page(None, 100, 20)).await.unwrap();
        assert_eq!(read.valve, store.safety_valve().await.unwrap());
        assert_eq!(read.valve.tripped_by.as_deref(), Some("worker-1"));
        assert_eq!(read.valve.evidence_from, Some(from));
    }
);
