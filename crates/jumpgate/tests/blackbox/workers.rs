//! Several `jumpgate worker` processes on one PostgreSQL database: they share the queue, every
//! job runs exactly once, and a job of a worker killed in the middle of it is taken over once its
//! lease runs out. (A SQLite database belongs to one process, which refuses a second: `cli`;
//! a lease lost inside one process, on both databases: `jobs`.)

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::cli::configured_on;
use crate::support::new_character;
use jumpgate_domain::{CharacterId, CorporationId, JobId};
use jumpgate_evesim::{EveSim, SimConfig};
use jumpgate_store::testing::{TestStore, fresh_postgres};
use jumpgate_store::{JobRun, JobStatus, NewJob, RunFilter, RunOutcome};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A `jumpgate worker` process on `db`, named `name` (its instance id, in its leases and runs,
/// is `name-<8 hex>`), running `concurrency` jobs at once with leases of `lease`.
pub(crate) fn worker_process(
    name: &str,
    data_dir: &Path,
    db: &TestStore,
    sim: &EveSim,
    concurrency: usize,
    lease: &str,
) -> tokio::process::Child {
    process_on(db, sim, data_dir, name)
        .arg("worker")
        .env("JUMPGATE__JOBS__CONCURRENCY", concurrency.to_string())
        .env("JUMPGATE__JOBS__LEASE", lease)
        .spawn()
        .expect("the jumpgate binary starts")
}

/// A `jumpgate serve` process on `db` (web server, workers and scheduler), named `name`,
/// listening on `port` of the loopback address with `metrics_token` for `/metrics`. The
/// simulator knows it as the EVE application `cli-test`.
pub(crate) fn serve_process(
    name: &str,
    data_dir: &Path,
    db: &TestStore,
    sim: &EveSim,
    port: u16,
    metrics_token: &str,
) -> tokio::process::Child {
    let base = format!("http://127.0.0.1:{port}/");
    sim.register_client(
        "cli-test",
        crate::cli::CLIENT_SECRET,
        &format!("{base}sso/callback"),
    );
    process_on(db, sim, data_dir, name)
        .arg("serve")
        .env("JUMPGATE__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("JUMPGATE__SERVER__PUBLIC_URL", &base)
        .env("JUMPGATE__SERVER__METRICS_TOKEN", metrics_token)
        .spawn()
        .expect("the jumpgate binary starts")
}

/// The binary configured on `db` and `sim`, its instance named `name`, logging warnings.
fn process_on(
    db: &TestStore,
    sim: &EveSim,
    data_dir: &Path,
    name: &str,
) -> tokio::process::Command {
    let mut c = configured_on(data_dir, &db.url);
    c.env("HOSTNAME", name)
        .env("JUMPGATE__EVE__SSO_BASE_URL", sim.sso_base_url().as_str())
        .env("JUMPGATE__EVE__ESI_BASE_URL", sim.esi_base_url().as_str())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    c
}

/// A free port on the loopback address, for a process to listen on.
pub(crate) async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits until the server at `base` answers `/healthz`.
pub(crate) async fn wait_until_serving(base: &url::Url) {
    let client = reqwest::Client::new();
    wait_for(
        "the server to answer",
        Duration::from_secs(30),
        async || {
            let r = client.get(base.join("/healthz").unwrap()).send().await;
            r.ok().filter(|r| r.status().is_success()).map(drop)
        },
    )
    .await;
}

/// The process name in an instance id (`worker-a-1f2e3d4c` → `worker-a`).
fn process_of(instance: &str) -> &str {
    instance.rsplit_once('-').map_or(instance, |(name, _)| name)
}

/// A fresh PostgreSQL database where the schedulers find every periodic job far from due, so
/// that only the test's jobs run; and the simulator, with the first character enrolled.
pub(crate) async fn quiet_database() -> (TestStore, EveSim, jumpgate_evesim::SimCharacter) {
    let db = fresh_postgres().await;
    let sim = EveSim::start(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for kind in [
        "refresh-affiliations",
        "check-tokens",
        "cleanup-sessions",
        "verify-audit",
    ] {
        db.store
            .kv_set(&format!("periodic.{kind}.next_due"), "99999999999")
            .await
            .unwrap();
    }
    let someone = sim.characters()[0].clone();
    db.store
        .create_account(&new_character(&someone))
        .await
        .unwrap();
    (db, sim, someone)
}

pub(crate) async fn queue(db: &TestStore, kind: &str) -> JobId {
    db.store
        .enqueue_job(&NewJob {
            kind: kind.into(),
            payload: serde_json::Value::Null,
            run_at: db.store.clock().now(),
            dedupe_key: None,
            max_attempts: 3,
        })
        .await
        .unwrap()
        .unwrap()
}

/// Every run recorded, by job.
async fn runs_by_job(db: &TestStore) -> BTreeMap<JobId, Vec<JobRun>> {
    let mut by_job: BTreeMap<JobId, Vec<JobRun>> = BTreeMap::new();
    let runs = db
        .store
        .job_runs(&RunFilter {
            limit: 10_000,
            ..RunFilter::default()
        })
        .await
        .unwrap();
    for run in runs {
        by_job.entry(run.job).or_default().push(run);
    }
    by_job
}

pub(crate) async fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_share_the_queue_and_run_each_job_once() {
    let (db, sim, _) = quiet_database().await;
    // Sweeps that take a while (ESI answers after half a second), so that one worker alone
    // could not take every job before the other starts; and quick audit checks between them.
    sim.set_latency(Duration::from_millis(500));
    let mut queued = Vec::new();
    for _ in 0..10 {
        queued.push(queue(&db, "refresh-affiliations").await);
        queued.push(queue(&db, "verify-audit").await);
        queued.push(queue(&db, "verify-audit").await);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut a = worker_process("worker-a", dir.path(), &db, &sim, 1, "60s");
    let mut b = worker_process("worker-b", dir.path(), &db, &sim, 1, "60s");

    wait_for(
        "the workers to drain the queue",
        Duration::from_secs(90),
        async || {
            let counts = db.store.job_counts().await.unwrap();
            (counts.queued + counts.running == 0).then_some(())
        },
    )
    .await;
    let _ = a.kill().await;
    let _ = b.kill().await;
    assert_eq!(
        db.store.job_counts().await.unwrap().failed,
        0,
        "no job failed"
    );

    // Each job ran once, to success, in one of the two processes; and both did work. (The
    // schedulers may queue jobs of their own besides ours: those too ran once.)
    let runs = runs_by_job(&db).await;
    for (job, runs) in &runs {
        assert_eq!(
            runs.len(),
            1,
            "job {job} ran {} times: {runs:?}",
            runs.len()
        );
    }
    let mut ran_by: BTreeMap<&str, usize> = BTreeMap::new();
    for job in &queued {
        let [run] = runs.get(job).map(Vec::as_slice).unwrap_or_default() else {
            panic!("job {job} never ran");
        };
        assert_eq!((run.outcome, run.attempt), (RunOutcome::Succeeded, 1));
        *ran_by.entry(process_of(&run.worker)).or_default() += 1;
    }
    assert_eq!(
        ran_by.keys().copied().collect::<Vec<_>>(),
        ["worker-a", "worker-b"],
        "both processes ran jobs: {ran_by:?}"
    );
    // The audit checks each wrote their entry once, into one unbroken hash chain.
    let verified = db
        .store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("audit.verified".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(verified.len(), 20);
    let all = db.store.audit_after(0, 10_000).await.unwrap();
    jumpgate_domain::audit::verify_chain(db.store.audit_key(), &all).expect("intact chain");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_a_worker_killed_mid_run_is_taken_over_after_its_lease_and_done_once() {
    let (db, sim, someone) = quiet_database().await;
    let job = queue(&db, "refresh-affiliations").await;

    // ESI hangs, so the first worker is in the middle of the sweep when it dies. Leases of two
    // seconds (`[jobs] lease`) make the takeover quick.
    sim.set_latency(Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    let mut doomed = worker_process("worker-doomed", dir.path(), &db, &sim, 2, "2s");
    let held = wait_for(
        "the first worker to lease the job",
        Duration::from_secs(20),
        async || db.store.job(job).await.unwrap().and_then(|j| j.lease()),
    )
    .await;
    assert_eq!(process_of(&held.worker), "worker-doomed");
    // It keeps its lease while the sweep waits on ESI, past the lease's first length.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let still = db.store.job(job).await.unwrap().unwrap();
    assert_eq!(
        still.lease(),
        Some(held.clone()),
        "the running worker keeps its lease"
    );
    doomed.kill().await.unwrap(); // SIGKILL: no shutdown, no cleanup
    doomed.wait().await.unwrap();
    let killed_at = db.store.clock().now();

    let orphan = db.store.job(job).await.unwrap().unwrap();
    assert_eq!(
        orphan.status,
        JobStatus::Running,
        "the dead worker still holds it"
    );
    assert_eq!(orphan.lease(), Some(held.clone()));

    sim.set_latency(Duration::ZERO);
    let elsewhere = sim
        .corporations()
        .into_iter()
        .find(|c| c.corporation_id != someone.corporation_id)
        .unwrap();
    sim.move_character(someone.character_id, elsewhere.corporation_id);
    let mut rescuer = worker_process("worker-rescuer", dir.path(), &db, &sim, 2, "2s");
    wait_for(
        "the second worker to finish the job",
        Duration::from_secs(30),
        async || db.store.job(job).await.unwrap().is_none().then_some(()),
    )
    .await;
    let _ = rescuer.kill().await;

    assert_eq!(
        db.store
            .character(CharacterId(someone.character_id))
            .await
            .unwrap()
            .unwrap()
            .corporation,
        CorporationId(elsewhere.corporation_id),
        "the sweep ran to the end in the second worker"
    );
    // Done once: one run, the second attempt, by the rescuer, started once the lease was out.
    let runs = runs_by_job(&db).await;
    let [run] = runs.get(&job).map(Vec::as_slice).unwrap_or_default() else {
        panic!("one run of the job: {runs:?}");
    };
    assert_eq!(
        (process_of(&run.worker), run.outcome, run.attempt),
        ("worker-rescuer", RunOutcome::Succeeded, 2)
    );
    assert!(
        run.started_at >= orphan.locked_until.unwrap() && run.started_at >= killed_at,
        "taken over after the lease ran out: {run:?}, lease until {:?}",
        orphan.locked_until
    );
    assert_eq!(db.store.job_counts().await.unwrap().failed, 0);
    db.close().await;
}
