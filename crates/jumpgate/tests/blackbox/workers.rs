//! Several worker processes on one PostgreSQL database: every job runs exactly once.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use jumpgate_evesim::{EveSim, SimConfig};
use jumpgate_store::NewJob;
use jumpgate_store::testing::{TEST_AUDIT_KEY_BASE64, fresh_postgres};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_share_the_queue_and_never_run_a_job_twice() {
    let db = fresh_postgres().await;
    let sim = EveSim::start(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // Keep the schedulers from queueing their periodic jobs, so only ours run.
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
    const JOBS: usize = 40;
    for _ in 0..JOBS {
        db.store
            .enqueue_job(&NewJob {
                kind: "verify-audit".into(),
                payload: serde_json::Value::Null,
                run_at: db.store.clock().now(),
                dedupe_key: None,
                max_attempts: 3,
            })
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let spawn = |name: &str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_jumpgate"))
            .arg("worker")
            .env("HOSTNAME", name)
            .env("JUMPGATE__DATA_DIR", dir.path())
            .env("JUMPGATE__DATABASE__URL", &db.url)
            .env("JUMPGATE__EVE__CLIENT_ID", "workers-test")
            .env("JUMPGATE__EVE__CLIENT_SECRET", "secret")
            .env("JUMPGATE__EVE__CONTACT", "tests@jumpgate.invalid")
            .env("JUMPGATE__EVE__SSO_BASE_URL", sim.sso_base_url().as_str())
            .env("JUMPGATE__EVE__ESI_BASE_URL", sim.esi_base_url().as_str())
            .env(
                "JUMPGATE__SECRETS__TOKEN_KEY",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )
            .env("JUMPGATE__SECRETS__AUDIT_KEY", TEST_AUDIT_KEY_BASE64)
            .env("JUMPGATE__JOBS__CONCURRENCY", "3")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the jumpgate binary starts")
    };
    let mut a = spawn("worker-a");
    let mut b = spawn("worker-b");

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let counts = db.store.job_counts().await.unwrap();
        if counts.queued + counts.running == 0 {
            assert_eq!(counts.failed, 0, "no job failed");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the workers did not drain the queue: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = a.kill().await;
    let _ = b.kill().await;

    let runs = db
        .store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("audit.verified".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), JOBS, "each job ran exactly once");
    let workers: std::collections::BTreeSet<String> = runs
        .iter()
        .filter_map(|e| {
            e.details["worker"]
                .as_str()
                .map(|w| w.split('-').next().unwrap_or("").to_owned())
        })
        .collect();
    assert!(!workers.is_empty());
    // Both processes wrote into one unbroken hash chain.
    let all = db.store.audit_after(0, 10_000).await.unwrap();
    jumpgate_domain::audit::verify_chain(db.store.audit_key(), &all).expect("intact chain");
}
