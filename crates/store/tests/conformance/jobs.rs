//! The durable job queue: dedupe, exclusive leases, expiry, completion, failure and retry.

use crate::support::*;
use jumpgate_domain::JobId;
use jumpgate_store::{ConnectOptions, JobCounts, JobStatus, connect, store_test, testing};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

store_test!(
    a_dedupe_key_queues_a_job_once_while_pending,
    |store| async move {
        let first = store
            .enqueue_job(&job("sweep", now(), Some("sweep")))
            .await
            .unwrap();
        assert!(first.is_some());
        assert_eq!(
            store
                .enqueue_job(&job("sweep", now(), Some("sweep")))
                .await
                .unwrap(),
            None
        );
        // Without a key nothing is deduplicated.
        assert!(
            store
                .enqueue_job(&job("sweep", now(), None))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .enqueue_job(&job("sweep", now(), None))
                .await
                .unwrap()
                .is_some()
        );

        // Still deduplicated while running …
        let leased = store.lease_jobs("w", &["sweep"], MINUTE, 10).await.unwrap();
        assert_eq!(leased.len(), 3);
        assert_eq!(
            store
                .enqueue_job(&job("sweep", now(), Some("sweep")))
                .await
                .unwrap(),
            None
        );
        // … but not once it finished or failed for good.
        assert!(
            store
                .complete_job(&held(&store, first.unwrap()).await, &ran())
                .await
                .unwrap()
        );
        let second = store
            .enqueue_job(&job("sweep", now(), Some("sweep")))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w", &[], MINUTE, 10).await.unwrap();
        assert!(
            store
                .fail_job(&held(&store, second).await, "boom", None, &ran())
                .await
                .unwrap()
        );
        assert!(
            store
                .enqueue_job(&job("sweep", now(), Some("sweep")))
                .await
                .unwrap()
                .is_some()
        );
    }
);

store_test!(
    a_deduplicated_job_keeps_the_earliest_due_time,
    |store| async move {
        let run_at = |id| {
            let store = store.clone();
            async move { store.job(id).await.unwrap().unwrap().run_at }
        };
        // A periodic sync waits for ten minutes from now …
        let in_ten = now() + secs(600);
        let id = store
            .enqueue_job(&job("sync", in_ten, Some("sync:1")))
            .await
            .unwrap()
            .unwrap();
        // … a later trigger leaves it as it is …
        let later = store
            .enqueue_job(&job("sync", now() + secs(1200), Some("sync:1")))
            .await
            .unwrap();
        assert_eq!(later, None);
        assert_eq!(run_at(id).await, in_ten);
        // … and "sync now" makes that same job due now: no second copy, no wait.
        let at = now();
        assert_eq!(
            store
                .enqueue_job(&job("sync", at, Some("sync:1")))
                .await
                .unwrap(),
            Some(id)
        );
        assert_eq!(run_at(id).await, at);
        assert_eq!(store.jobs(None, 10).await.unwrap().len(), 1);
        let leased = store.lease_jobs("w", &[], MINUTE, 10).await.unwrap();
        assert_eq!(leased.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);

        // A running copy is not touched, whatever the time asked for.
        assert_eq!(
            store
                .enqueue_job(&job("sync", now() - secs(60), Some("sync:1")))
                .await
                .unwrap(),
            None
        );
        let running = store.job(id).await.unwrap().unwrap();
        assert_eq!((running.status, running.run_at), (JobStatus::Running, at));
    }
);

store_test!(
    leasing_takes_due_jobs_of_the_asked_kinds_oldest_first,
    |store| async move {
        let t = now();
        let late = store
            .enqueue_job(&job("a", t - secs(10), None))
            .await
            .unwrap()
            .unwrap();
        let early = store
            .enqueue_job(&job("a", t - secs(20), None))
            .await
            .unwrap()
            .unwrap();
        let other = store
            .enqueue_job(&job("b", t - secs(30), None))
            .await
            .unwrap()
            .unwrap();
        let future = store
            .enqueue_job(&job("a", t + secs(3600), None))
            .await
            .unwrap()
            .unwrap();

        let leased = store.lease_jobs("w1", &["a"], MINUTE, 10).await.unwrap();
        assert_eq!(
            leased.iter().map(|j| j.id).collect::<Vec<_>>(),
            [early, late]
        );
        let j = &leased[0];
        assert_eq!(j.status, JobStatus::Running);
        assert_eq!(j.attempts, 1);
        assert_eq!(j.locked_by.as_deref(), Some("w1"));
        assert!(j.locked_until.unwrap() > now());
        assert_eq!(j.payload, serde_json::json!({"kind": "a", "n": 1}));
        assert_eq!(store.job(early).await.unwrap().as_ref(), Some(j));

        // An empty kind list means any kind; the future job is not due.
        let rest = store.lease_jobs("w2", &[], MINUTE, 10).await.unwrap();
        assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [other]);
        assert!(
            store
                .lease_jobs("w2", &["a", "b"], MINUTE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.job(future).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
        assert_eq!(
            store.job_counts().await.unwrap(),
            JobCounts {
                queued: 1,
                running: 3,
                failed: 0
            }
        );
    }
);

store_test!(
    concurrent_workers_never_lease_the_same_job,
    |store| async move {
        for _ in 0..40 {
            store
                .enqueue_job(&job("work", now() - secs(1), None))
                .await
                .unwrap();
        }
        let mut workers = tokio::task::JoinSet::new();
        for w in 0..8 {
            let store = store.clone();
            workers.spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .lease_jobs(&format!("w{w}"), &["work"], MINUTE, 3)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|j| j.id));
                }
            });
        }
        let all: Vec<JobId> = workers.join_all().await.into_iter().flatten().collect();
        let unique: BTreeSet<_> = all.iter().copied().collect();
        assert_eq!(all.len(), 40, "every job leased exactly once");
        assert_eq!(unique.len(), 40);
    }
);

store_test!(
    an_expired_lease_is_taken_over_and_the_old_worker_loses_it,
    |store| async move {
        let (id, old, new) = taken_over(&store, "old", "new").await;
        assert_eq!(store.job(id).await.unwrap().unwrap().attempts, 2);
        assert_old_lease_is_refused(&store, &old).await;
        assert!(store.heartbeat_job(&new, MINUTE).await.unwrap());
        // A live lease is not taken over.
        assert!(
            store
                .lease_jobs("third", &[], MINUTE, 1)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(store.complete_job(&new, &ran()).await.unwrap());
        assert_eq!(store.job(id).await.unwrap(), None);
        assert!(!store.complete_job(&new, &ran()).await.unwrap());
    }
);

store_test!(
    a_lease_taken_over_by_the_same_instance_fences_its_first_run,
    |store| async move {
        // One process runs the job in two of its slots: the first run stalled past its lease,
        // and the process leased the job again. Only the second run may extend or end it.
        let (id, stalled, current) = taken_over(&store, "instance-1", "instance-1").await;
        assert_eq!(current.worker, stalled.worker);
        assert_eq!(current.generation, stalled.generation + 1);

        assert_old_lease_is_refused(&store, &stalled).await;
        let j = store.job(id).await.unwrap().unwrap();
        assert_eq!(
            (j.status, j.lease()),
            (JobStatus::Running, Some(current.clone())),
            "the second run still holds the job"
        );
        assert_eq!(kept_runs(&store, 100).await, 0, "no run was recorded");

        assert!(store.heartbeat_job(&current, MINUTE).await.unwrap());
        assert!(store.complete_job(&current, &ran()).await.unwrap());
        let runs = store
            .job_runs(&jumpgate_store::RunFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            runs.iter().map(|r| (r.job, r.attempt)).collect::<Vec<_>>(),
            [(id, 2)],
            "one run, the second"
        );
    }
);

/// A job leased by `first` for a millisecond, then (its lease run out) by `second` for a minute:
/// the job and both leases.
async fn taken_over(
    store: &jumpgate_store::Store,
    first: &str,
    second: &str,
) -> (JobId, jumpgate_store::JobLease, jumpgate_store::JobLease) {
    let id = store
        .enqueue_job(&job("slow", now(), None))
        .await
        .expect("queue")
        .expect("a new job");
    let leased = store
        .lease_jobs(first, &[], Duration::from_millis(1), 1)
        .await
        .expect("lease");
    let old = leased[0].lease().expect("leased");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let leased = store
        .lease_jobs(second, &[], MINUTE, 1)
        .await
        .expect("lease again");
    assert_eq!(leased.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    (id, old, leased[0].lease().expect("leased"))
}

/// `old` can neither extend, complete, fail nor postpone the job it lost.
async fn assert_old_lease_is_refused(
    store: &jumpgate_store::Store,
    old: &jumpgate_store::JobLease,
) {
    assert!(
        !store
            .heartbeat_job(old, MINUTE)
            .await
            .expect("the store answers"),
        "extend"
    );
    assert!(
        !store
            .complete_job(old, &ran())
            .await
            .expect("the store answers"),
        "complete"
    );
    assert!(
        !store
            .fail_job(old, "late", None, &ran())
            .await
            .expect("the store answers"),
        "fail for good"
    );
    assert!(
        !store
            .fail_job(old, "late", Some(now()), &ran())
            .await
            .expect("the store answers"),
        "fail and retry"
    );
    assert!(
        !store
            .postpone_job(old, "downtime", now() + secs(60))
            .await
            .expect("the store answers"),
        "postpone"
    );
}

store_test!(
    a_postponed_job_waits_without_losing_an_attempt,
    |store| async move {
        let id = store
            .enqueue_job(&job("sweep", now(), None))
            .await
            .unwrap()
            .unwrap();
        let leased = store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        assert_eq!(leased[0].attempts, 1);
        let until = now() + secs(900);
        assert!(
            !store
                .postpone_job(
                    &jumpgate_store::JobLease {
                        worker: "other".into(),
                        ..held(&store, id).await
                    },
                    "downtime",
                    until
                )
                .await
                .unwrap(),
            "only the holder may postpone"
        );
        assert!(
            store
                .postpone_job(&held(&store, id).await, "downtime", until)
                .await
                .unwrap()
        );
        let j = store.job(id).await.unwrap().unwrap();
        assert_eq!(j.status, JobStatus::Queued);
        assert_eq!(j.run_at, until);
        assert_eq!(j.attempts, 0, "the attempt is given back");
        assert_eq!(j.last_error.as_deref(), Some("downtime"));
        assert!(
            store
                .lease_jobs("w", &[], MINUTE, 1)
                .await
                .unwrap()
                .is_empty(),
            "not due before the end of downtime"
        );
    }
);

store_test!(
    failures_retry_later_or_stop_until_retried_by_hand,
    |store| async move {
        let id = store
            .enqueue_job(&job("flaky", now(), None))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        let retry_at = now() + secs(30);
        assert!(
            store
                .fail_job(&held(&store, id).await, "timeout", Some(retry_at), &ran())
                .await
                .unwrap()
        );
        let j = store.job(id).await.unwrap().unwrap();
        assert_eq!(j.status, JobStatus::Queued);
        assert_eq!(j.run_at, retry_at);
        assert_eq!(j.attempts, 1);
        assert_eq!(j.last_error.as_deref(), Some("timeout"));
        assert_eq!((j.locked_by, j.locked_until), (None, None));
        // Backed off: not due yet.
        assert!(
            store
                .lease_jobs("w", &[], MINUTE, 1)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            !store.retry_job(id).await.unwrap(),
            "only failed jobs are retried by hand"
        );

        let other = store
            .enqueue_job(&job("broken", now(), None))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w", &["broken"], MINUTE, 1).await.unwrap();
        assert!(
            store
                .fail_job(&held(&store, other).await, "bad payload", None, &ran())
                .await
                .unwrap()
        );
        let failed = store.jobs(Some(JobStatus::Failed), 10).await.unwrap();
        assert_eq!(failed.iter().map(|j| j.id).collect::<Vec<_>>(), [other]);
        assert_eq!(failed[0].last_error.as_deref(), Some("bad payload"));
        assert_eq!(
            store.job_counts().await.unwrap(),
            JobCounts {
                queued: 1,
                running: 0,
                failed: 1
            }
        );

        assert!(store.retry_job(other).await.unwrap());
        let j = store.job(other).await.unwrap().unwrap();
        assert_eq!((j.status, j.attempts), (JobStatus::Queued, 0));
        assert!(j.run_at <= now());
        assert_eq!(
            store
                .lease_jobs("w", &["broken"], MINUTE, 1)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(!store.retry_job(JobId(9999)).await.unwrap());
    }
);

/// Queues a job of `key` due now, leases it and fails it for good; its id.
async fn failed_for_good(store: &jumpgate_store::Store, key: &str) -> JobId {
    let id = store
        .enqueue_job(&job("sync", now(), Some(key)))
        .await
        .expect("queued")
        .expect("a new job");
    let leased = store
        .lease_jobs("w", &[], MINUTE, 10)
        .await
        .expect("leased");
    assert_eq!(leased.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    let failed = store
        .fail_job(&held(store, id).await, "EVE's API failed", None, &ran())
        .await
        .expect("failed");
    assert!(failed);
    id
}

fn ids(jobs: &[jumpgate_store::Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

store_test!(
    one_failure_of_a_key_is_kept_until_its_work_succeeds,
    |store| async move {
        let first = failed_for_good(&store, "sync:1").await;
        // The periodic sync tried again and failed again: the newer failure replaces it.
        let second = failed_for_good(&store, "sync:1").await;
        assert_eq!(ids(&store.jobs_with_key("sync:1").await.unwrap()), [second]);
        assert_eq!(store.job(first).await.unwrap(), None);
        // Jobs without a key, and other keys, are not touched.
        let other = failed_for_good(&store, "sync:2").await;
        for _ in 0..2 {
            let id = store
                .enqueue_job(&job("once", now(), None))
                .await
                .unwrap()
                .unwrap();
            store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
            assert!(
                store
                    .fail_job(&held(&store, id).await, "bad", None, &ran())
                    .await
                    .unwrap()
            );
        }
        assert_eq!(store.job_counts().await.unwrap().failed, 4);

        // The next try succeeds: the failure is over.
        let third = store
            .enqueue_job(&job("sync", now(), Some("sync:1")))
            .await
            .unwrap()
            .unwrap();
        let pending = store.pending_job("sync:1").await.unwrap().unwrap();
        assert_eq!(pending.id, third);
        store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        assert!(
            store
                .complete_job(&held(&store, third).await, &ran())
                .await
                .unwrap()
        );
        assert!(store.jobs_with_key("sync:1").await.unwrap().is_empty());
        assert_eq!(ids(&store.jobs_with_key("sync:2").await.unwrap()), [other]);
        assert_eq!(store.job_counts().await.unwrap().failed, 3);
    }
);

store_test!(
    retrying_a_failed_job_whose_copy_waits_makes_that_copy_due_now,
    |store| async move {
        let failed = failed_for_good(&store, "sync:1").await;
        // The periodic sync queued it again, for ten minutes from now.
        let waiting = store
            .enqueue_job(&job("sync", now() + secs(600), Some("sync:1")))
            .await
            .unwrap()
            .unwrap();
        let mut tx = store.transaction().await.unwrap();
        assert!(tx.retry_job(failed).await.unwrap());
        tx.commit().await.unwrap();
        let left = store.jobs_with_key("sync:1").await.unwrap();
        assert_eq!(ids(&left), [waiting]);
        assert!(left[0].run_at <= now(), "due now: {:?}", left[0]);

        // A running copy is left to run; the failed job is still superseded.
        store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        let again = store
            .enqueue_job(&job("sync", now(), Some("sync:2")))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        assert!(
            store
                .fail_job(&held(&store, again).await, "boom", None, &ran())
                .await
                .unwrap()
        );
        let copy = store
            .enqueue_job(&job("sync", now(), Some("sync:2")))
            .await
            .unwrap()
            .unwrap();
        store.lease_jobs("w", &[], MINUTE, 1).await.unwrap();
        assert!(store.retry_job(again).await.unwrap());
        let left = store.jobs_with_key("sync:2").await.unwrap();
        assert_eq!(
            left.iter().map(|j| (j.id, j.status)).collect::<Vec<_>>(),
            [(copy, JobStatus::Running)]
        );
    }
);

store_test!(jobs_are_listed_newest_first, |store| async move {
    let a = store
        .enqueue_job(&job("a", now(), None))
        .await
        .unwrap()
        .unwrap();
    let b = store
        .enqueue_job(&job("b", now(), None))
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<_> = store
        .jobs(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, [b, a]);
    assert_eq!(
        store.jobs(Some(JobStatus::Queued), 1).await.unwrap().len(),
        1
    );
    assert!(
        store
            .jobs(Some(JobStatus::Running), 10)
            .await
            .unwrap()
            .is_empty()
    );
});

/// Several instances (separate pools) on one PostgreSQL database share one queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_instances_share_one_queue_without_double_leases() {
    let t = testing::fresh_postgres().await;
    let other = connect(
        &t.url,
        &ConnectOptions {
            max_connections: Some(3),
        },
        testing::TEST_AUDIT_KEY,
    )
    .await
    .unwrap();
    for _ in 0..20 {
        t.store
            .enqueue_job(&job("work", now() - secs(1), None))
            .await
            .unwrap();
    }
    assert!(
        other
            .enqueue_job(&job("x", now(), Some("k")))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        t.store
            .enqueue_job(&job("x", now(), Some("k")))
            .await
            .unwrap(),
        None
    );

    let mut workers = tokio::task::JoinSet::new();
    for (w, store) in [t.store.clone(), other.clone(), t.store.clone(), other]
        .into_iter()
        .enumerate()
    {
        let store = Arc::clone(&store);
        workers.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .lease_jobs(&format!("i{w}"), &["work"], MINUTE, 2)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        });
    }
    let all: Vec<JobId> = workers.join_all().await.into_iter().flatten().collect();
    assert_eq!(all.len(), 20);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 20);
    t.close().await;
}

store_test!(
    a_lease_and_its_heartbeat_are_not_writes_a_kept_read_depends_on,
    |store| async move {
        store.enqueue_job(&job("sweep", now(), None)).await.unwrap();
        let writes = store.local_writes();

        let leased = store.lease_jobs("w", &[], MINUTE, 10).await.unwrap();
        let lease = leased[0].lease().expect("a leased job is held");
        assert!(store.heartbeat_job(&lease, MINUTE).await.unwrap());

        // Only the jobs table changed, which no change counter follows: a request that read the
        // counters before keeps them (a lease every two seconds made every request read them
        // again).
        assert_eq!(store.local_writes(), writes);
        store.enqueue_job(&job("other", now(), None)).await.unwrap();
        assert!(store.local_writes() > writes, "any other write counts");
    }
);
