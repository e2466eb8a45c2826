//! The SSO safety valve (ADR 0021): shared by every instance through the database, tripped by a
//! burst of "invalid" answers before more than a handful of tokens are lost, held until an
//! administrator clears it (audited), and the real `check-tokens` job that feeds it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{METRICS_TOKEN, TestApp, start_worker_of};
use jumpgate_app::Caller;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{CharacterId, JobId};
use jumpgate_evesim::sso::SsoFault;
use jumpgate_store::AuditFilter;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// `n` characters of `n` different EVE accounts, each logged in with a browser of its own (so
/// each has a Jumpgate account of its own; the first is the demo's superuser). Returns the
/// characters and the browsers.
async fn logged_in(t: &TestApp, n: usize) -> (Vec<i64>, Vec<crate::support::Browser>) {
    let mut owners = BTreeSet::new();
    let chars: Vec<i64> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| owners.insert(c.owner_hash.clone()))
        .take(n)
        .map(|c| c.character_id)
        .collect();
    assert_eq!(
        chars.len(),
        n,
        "the simulated universe has {n} EVE accounts"
    );
    let mut browsers = Vec::new();
    for id in &chars {
        let b = t.browser();
        b.login_ok(*id).await;
        browsers.push(b);
    }
    (chars, browsers)
}

async fn status_of(t: &TestApp, character: i64) -> TokenStatus {
    t.store
        .token(CharacterId(character), "core.default")
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn valid_count(t: &TestApp, chars: &[i64]) -> usize {
    let mut n = 0;
    for id in chars {
        if status_of(t, *id).await == TokenStatus::Valid {
            n += 1;
        }
    }
    n
}

/// Runs the real `check-tokens` job on `worker` and returns its numbers (`held` → 16, …).
async fn check_tokens_job(
    t: &TestApp,
    worker: &jumpgate_app::App,
) -> std::collections::BTreeMap<String, i64> {
    assert!(
        t.run_job_on(worker, "check-tokens", serde_json::Value::Null)
            .await
            .is_none(),
        "check-tokens succeeded"
    );
    t.last_run_numbers("check-tokens").await
}

fn number(numbers: &std::collections::BTreeMap<String, i64>, name: &str) -> i64 {
    numbers.get(name).copied().unwrap_or(0)
}

async fn scrape_valve_gauge(base: &url::Url) -> String {
    let metrics = reqwest::Client::new()
        .get(base.join("/metrics").unwrap())
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find(|l| l.starts_with("sso_safety_valve_open"))
        .unwrap_or_default()
        .to_owned()
}

on_both_backends!(
    an_sso_outage_after_800_successes_costs_at_most_three_tokens_and_every_instance_holds,
    |t: TestApp| async move {
        let (chars, browsers) = logged_in(&t, 20).await;
        let worker = t.worker_instance().await;
        let caller = Caller::system("check-tokens");

        // Hours of ordinary checks by the worker instance, with two genuine revocations among
        // them: each is acted on, and the valve stays closed.
        let (mut successes, mut round) = (0, 0);
        while successes < 800 {
            round += 1;
            let revoked = match round {
                5 => Some(chars[19]),
                20 => Some(chars[18]),
                _ => None,
            };
            if let Some(id) = revoked {
                t.sim.revoke_tokens(id);
            }
            t.expire_access_tokens().await;
            let counts = worker.check_tokens(&caller, 5_000).await.unwrap();
            successes += counts.get("refreshed").copied().unwrap_or(0);
            let invalidated = counts.get("invalidated").copied().unwrap_or(0);
            assert_eq!(invalidated, u64::from(revoked.is_some()), "round {round}");
        }
        assert_eq!(status_of(&t, chars[19]).await, TokenStatus::Invalid);
        assert_eq!(status_of(&t, chars[18]).await, TokenStatus::Invalid);
        assert!(!t.store.safety_valve().await.unwrap().is_tripped());
        let alive = &chars[..18];

        // EVE's SSO starts answering invalid_grant for everyone; the real job runs on the
        // worker instance.
        t.sim.set_sso_fault(Some(SsoFault::InvalidGrant));
        t.expire_access_tokens().await;
        let numbers = check_tokens_job(&t, &worker).await;
        let invalidated = number(&numbers, "invalidated");
        assert!(
            invalidated <= 3,
            "at most three tokens are lost: {numbers:?}"
        );
        assert_eq!(invalidated, 2, "{numbers:?}");
        assert_eq!(number(&numbers, "held"), 16, "{numbers:?}");
        assert_eq!(valid_count(&t, alive).await, 16, "held tokens stay valid");
        let valve = t.store.safety_valve().await.unwrap();
        assert_eq!(
            valve.tripped_by.as_deref(),
            Some(worker.settings().instance_id.as_str())
        );

        // The web instance (which refreshed nothing) shows it, with the evidence, and the
        // metric; and refuses nobody.
        let (code, page) = browsers[0].get_text("/admin/jobs").await;
        assert_eq!(code, 200);
        assert!(page.contains("The SSO safety valve is tripped"), "{page}");
        assert!(page.contains(&worker.settings().instance_id), "{page}");
        assert!(
            page.contains("18 refreshes failed as invalid (invalid_grant: 18)"),
            "{page}"
        );
        assert!(page.contains("for 18 characters of 18 accounts"), "{page}");
        assert!(page.contains("2 tokens were marked invalid"), "{page}");
        assert_eq!(scrape_valve_gauge(&t.base).await, "sso_safety_valve_open 1");
        for b in &browsers[1..18] {
            assert_eq!(b.get("/account").await.status(), 200);
        }

        // A restart of both: a new worker holds every token, a new web instance shows it.
        drop(worker);
        let restarted = t.worker_instance().await;
        t.expire_access_tokens().await;
        let counts = restarted.check_tokens(&caller, 5_000).await.unwrap();
        assert_eq!(counts.get("held"), Some(&16), "{counts:?}");
        assert_eq!(counts.get("invalidated"), None, "{counts:?}");
        let web = t.another_instance().await;
        let (_, page) = browsers[0].at(&web.base).get_text("/admin/jobs").await;
        assert!(page.contains("The SSO safety valve is tripped"), "{page}");
        assert_eq!(
            scrape_valve_gauge(&web.base).await,
            "sso_safety_valve_open 1"
        );
        assert_eq!(valid_count(&t, alive).await, 16);
    }
);

on_both_backends!(
    clearing_the_safety_valve_is_an_audited_admin_action_and_rechecks_the_held_tokens,
    |t: TestApp| async move {
        let (chars, browsers) = logged_in(&t, 6).await;
        let (admin, member) = (&browsers[0], &browsers[1]);
        let worker = t.worker_instance().await;
        t.sim.set_sso_fault(Some(SsoFault::InvalidGrant));
        t.expire_access_tokens().await;
        let numbers = check_tokens_job(&t, &worker).await;
        assert_eq!(
            (number(&numbers, "invalidated"), number(&numbers, "held")),
            (2, 4),
            "{numbers:?}"
        );

        // A member may not clear it; nothing changes.
        let r = member
            .post_form("/admin/jobs/safety-valve/reset", &[])
            .await;
        assert_eq!(r.status(), 403);
        assert!(t.store.safety_valve().await.unwrap().is_tripped());

        // The administrator sees the evidence, then clears it.
        let (_, page) = admin.get_text("/admin/jobs").await;
        assert!(
            page.contains("6 refreshes failed as invalid (invalid_grant: 6)"),
            "{page}"
        );
        t.sim.set_sso_fault(None);
        let r = admin.post_form("/admin/jobs/safety-valve/reset", &[]).await;
        assert_eq!(r.status(), 303);
        assert!(!t.store.safety_valve().await.unwrap().is_tripped());
        let (_, page) = admin.get_text("/admin/jobs").await;
        assert!(!page.contains("The SSO safety valve is tripped"), "{page}");
        assert!(page.contains("cleared on every instance"), "{page}");
        assert_eq!(scrape_valve_gauge(&t.base).await, "sso_safety_valve_open 0");

        let cleared = t
            .store
            .audit_entries(&AuditFilter {
                action_prefix: Some("sso.safety_valve_cleared".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(cleared.len(), 1);
        let entry = &cleared[0];
        let admin_account = t.account_of(chars[0]).await;
        assert_eq!(
            entry.actor,
            jumpgate_domain::audit::Actor::Account(admin_account.get()),
            "{entry:?}"
        );
        assert_eq!(entry.details["was_tripped"], true);
        assert_eq!(entry.details["evidence"]["failures"], 6);
        assert_eq!(entry.details["evidence"]["invalidated"], 2);
        assert_eq!(entry.details["evidence"]["accounts"], 6);

        // The held tokens are checked again at once, and live.
        let recheck = JobId(
            entry.details["recheck_job"]
                .as_i64()
                .expect("a re-check queued"),
        );
        let w = start_worker_of(&worker, Duration::from_millis(50));
        let deadline = Instant::now() + Duration::from_secs(20);
        while t.store.job(recheck).await.unwrap().is_some() {
            assert!(Instant::now() < deadline, "the re-check never ran");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        w.stop().await;
        let numbers = t.last_run_numbers("check-tokens").await;
        assert_eq!(number(&numbers, "refreshed"), 4, "{numbers:?}");
        assert_eq!(valid_count(&t, &chars).await, 4);
    }
);

on_both_backends!(
    check_tokens_defers_on_an_unavailable_sso_and_every_instance_pauses_when_it_refuses_the_client,
    |t: TestApp| async move {
        let (chars, _browsers) = logged_in(&t, 5).await;
        let worker = t.worker_instance().await;

        // 503: every refresh is deferred, nothing changes, the valve stays closed.
        t.sim.set_sso_fault(Some(SsoFault::Unavailable));
        t.expire_access_tokens().await;
        let numbers = check_tokens_job(&t, &worker).await;
        assert_eq!(
            (number(&numbers, "checked"), number(&numbers, "deferred")),
            (5, 5),
            "{numbers:?}"
        );
        let valve = t.store.safety_valve().await.unwrap();
        assert!(!valve.is_tripped());
        assert!(!valve.refreshing_paused(t.app.now()));

        // invalid_client: the job stops at the first answer, and no instance refreshes.
        t.sim.set_sso_fault(Some(SsoFault::InvalidClient));
        the_check_stops_at_the_first_answer(&t, &worker).await;
        assert!(
            t.store
                .safety_valve()
                .await
                .unwrap()
                .refreshing_paused(t.app.now())
        );
        another_instance_asks_nothing(&t).await;
        assert_eq!(valid_count(&t, &chars).await, 5);
        assert!(!t.store.safety_valve().await.unwrap().is_tripped());
    }
);

/// Token requests the simulated SSO received since its log was cleared.
fn token_requests(t: &TestApp) -> usize {
    t.sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v2/oauth/token")
        .count()
}

/// Runs the real `check-tokens` job on `worker`: it stops after the SSO's first answer (one
/// token request, one token checked and deferred).
async fn the_check_stops_at_the_first_answer(t: &TestApp, worker: &jumpgate_app::App) {
    t.sim.clear_requests();
    let numbers = check_tokens_job(t, worker).await;
    assert_eq!(
        (number(&numbers, "checked"), number(&numbers, "deferred")),
        (1, 1),
        "{numbers:?}"
    );
    assert_eq!(token_requests(t), 1);
}

/// A new instance's token check while refreshing is paused: it defers and asks the SSO nothing
/// (after [`the_check_stops_at_the_first_answer`]). Returns that instance.
async fn another_instance_asks_nothing(t: &TestApp) -> jumpgate_app::App {
    let other = t.worker_instance().await;
    let counts = other
        .check_tokens(&Caller::system("check-tokens"), 5_000)
        .await
        .unwrap();
    assert_eq!(counts.get("deferred"), Some(&1), "{counts:?}");
    assert_eq!(token_requests(t), 1, "the other instance asked nothing");
    other
}

/// What an outage must leave behind: every token of `chars` valid, the valve closed and no
/// answer recorded as invalid (outages are not judged, ADR 0021).
async fn nothing_lost_or_judged(t: &TestApp, chars: &[i64]) {
    assert_eq!(
        valid_count(t, chars).await,
        chars.len(),
        "every token valid"
    );
    let valve = t.store.safety_valve().await.unwrap();
    assert!(!valve.is_tripped(), "{valve:?}");
    let evidence = t
        .store
        .valve_evidence(time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    assert_eq!(
        evidence.failures, 0,
        "no invalid answer recorded: {evidence:?}"
    );
}

on_each_backend!(
    an_sso_answering_invalid_token_or_timing_out_costs_nobody_a_token_and_the_refresh_is_retried,
    |backend| async move {
        // Jumpgate waits 300 ms for the SSO here (20 s by default); the simulated SSO holds a
        // hung answer for a minute.
        let t = TestApp::spawn_with(backend, |s| {
            s.eve.sso_timeout = Duration::from_millis(300);
        })
        .await;
        let (chars, _browsers) = logged_in(&t, 5).await;
        let worker = t.worker_instance().await;

        for fault in [SsoFault::InvalidToken, SsoFault::Timeout] {
            t.sim.set_sso_fault(Some(fault));
            t.expire_access_tokens().await;
            let started = Instant::now();
            let numbers = check_tokens_job(&t, &worker).await;
            assert_eq!(
                (number(&numbers, "checked"), number(&numbers, "deferred")),
                (5, 5),
                "{fault:?}: {numbers:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{fault:?}: the client gave up after its timeout"
            );
            nothing_lost_or_judged(&t, &chars).await;
            assert!(
                !t.store
                    .safety_valve()
                    .await
                    .unwrap()
                    .refreshing_paused(t.app.now()),
                "{fault:?} gave no Retry-After: nothing pauses"
            );

            // The SSO answers again: the next check refreshes every token.
            t.sim.set_sso_fault(None);
            let numbers = check_tokens_job(&t, &worker).await;
            assert_eq!(number(&numbers, "refreshed"), 5, "{fault:?}: {numbers:?}");
            nothing_lost_or_judged(&t, &chars).await;
        }
    }
);

on_both_backends!(
    an_sso_429_pauses_refreshing_on_every_instance_until_its_retry_after_and_costs_nobody_a_token,
    |t: TestApp| async move {
        let (chars, _browsers) = logged_in(&t, 5).await;
        let worker = t.worker_instance().await;
        t.sim.set_sso_fault(Some(SsoFault::TooManyRequests {
            retry_after_secs: 2,
        }));
        t.expire_access_tokens().await;

        // The first refresh meets the 429; the job asks nothing more of the SSO.
        the_check_stops_at_the_first_answer(&t, &worker).await;
        nothing_lost_or_judged(&t, &chars).await;

        // Nor does any other instance, before the Retry-After has passed.
        let other = another_instance_asks_nothing(&t).await;

        // Once it has passed, the next check refreshes every token.
        t.sim.set_sso_fault(None);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let numbers = check_tokens_job(&t, &other).await;
        assert_eq!(number(&numbers, "refreshed"), 5, "{numbers:?}");
        nothing_lost_or_judged(&t, &chars).await;
    }
);

/// Sends `signal` (`-STOP`, `-CONT`) to a process this test started.
async fn signal(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("the process runs").to_string();
    let status = tokio::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// Queues the real `check-tokens` job, waits until a worker process has run it and returns its
/// numbers.
async fn check_tokens_in_a_process(
    db: &jumpgate_store::testing::TestStore,
) -> std::collections::BTreeMap<String, i64> {
    let job = crate::workers::queue(db, "check-tokens").await;
    crate::workers::wait_for("check-tokens to run", Duration::from_secs(30), async || {
        db.store.job(job).await.unwrap().is_none().then_some(())
    })
    .await;
    crate::support::last_run_numbers(&db.store, "check-tokens").await
}

/// The valve with real processes: a `jumpgate worker` and a `jumpgate serve` on one PostgreSQL
/// database, sharing nothing but it. PostgreSQL only: a SQLite database belongs to one process,
/// which refuses a second (the valve's sharing between instances of one process is tested on
/// both databases above). `serve` runs workers too, so it is stopped (SIGSTOP) while the
/// `check-tokens` job is queued: the worker process takes it, and the web process, running
/// before and after, learns of the trip from the database alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_trips_the_valve_and_a_web_process_shows_it_across_restarts_until_cleared()
{
    use crate::support::{Browser, expire_access_tokens};
    use crate::workers::{
        free_port, quiet_database, serve_process, wait_until_serving, worker_process,
    };

    let (db, sim, someone) = quiet_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().await;
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let mut web = serve_process("web-1", dir.path(), &db, &sim, port, METRICS_TOKEN);
    wait_until_serving(&base).await;

    // Six members of six EVE accounts log in through the web process; the first administers.
    let mut owners = BTreeSet::from([someone.owner_hash.clone()]);
    let chars: Vec<i64> = sim
        .characters()
        .into_iter()
        .filter(|c| owners.insert(c.owner_hash.clone()))
        .take(6)
        .map(|c| c.character_id)
        .collect();
    let mut browsers = Vec::new();
    for id in &chars {
        let b = Browser::new(&base, &sim);
        b.login_ok(*id).await;
        browsers.push(b);
    }
    let admin = db
        .store
        .character(CharacterId(chars[0]))
        .await
        .unwrap()
        .unwrap()
        .account;
    db.store.set_superuser(admin, true).await.unwrap();
    let valid = async || {
        let mut n = 0;
        for id in &chars {
            let t = db
                .store
                .token(CharacterId(*id), "core.default")
                .await
                .unwrap();
            n += usize::from(t.is_some_and(|t| t.status == TokenStatus::Valid));
        }
        n
    };
    assert_eq!(valid().await, 6);

    // EVE's SSO answers invalid_grant for everyone; the worker process runs the real job.
    let mut worker = worker_process("worker-1", dir.path(), &db, &sim, 2, "60s");
    sim.set_sso_fault(Some(SsoFault::InvalidGrant));
    expire_access_tokens(&db.store).await;
    signal(&web, "-STOP").await;
    let numbers = check_tokens_in_a_process(&db).await;
    signal(&web, "-CONT").await;
    assert_eq!(
        (number(&numbers, "invalidated"), number(&numbers, "held")),
        (2, 4),
        "{numbers:?}"
    );
    let valve = db.store.safety_valve().await.unwrap();
    let tripped_by = valve.tripped_by.clone().unwrap_or_default();
    assert!(tripped_by.starts_with("worker-1-"), "{valve:?}");
    assert_eq!(
        valid().await,
        4,
        "two tokens lost before it tripped, four held"
    );

    // The web process shows it, with the evidence and the metric, and refuses nobody.
    let shows_tripped = async |base: &url::Url| {
        let (code, page) = browsers[0].at(base).get_text("/admin/jobs").await;
        assert_eq!(code, 200);
        assert!(page.contains("The SSO safety valve is tripped"), "{page}");
        assert!(page.contains(&tripped_by), "{page}");
        assert!(
            page.contains("6 refreshes failed as invalid (invalid_grant: 6)"),
            "{page}"
        );
        assert_eq!(scrape_valve_gauge(base).await, "sso_safety_valve_open 1");
        for b in &browsers[1..] {
            assert_eq!(b.at(base).get("/account").await.status(), 200);
        }
    };
    shows_tripped(&base).await;

    // Both restart: the valve is still tripped, the new worker holds every token.
    let _ = web.kill().await;
    let _ = worker.kill().await;
    let port = free_port().await;
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let web = serve_process("web-2", dir.path(), &db, &sim, port, METRICS_TOKEN);
    let _worker = worker_process("worker-2", dir.path(), &db, &sim, 2, "60s");
    wait_until_serving(&base).await;
    shows_tripped(&base).await;
    expire_access_tokens(&db.store).await;
    signal(&web, "-STOP").await;
    let numbers = check_tokens_in_a_process(&db).await;
    signal(&web, "-CONT").await;
    assert_eq!(
        (number(&numbers, "invalidated"), number(&numbers, "held")),
        (0, 4),
        "held, not invalidated, after the restart: {numbers:?}"
    );
    assert_eq!(valid().await, 4);
    assert!(db.store.safety_valve().await.unwrap().is_tripped());

    // The administrator clears it on the web process: audited, and the held tokens are
    // checked again (by whichever process takes the job) and live.
    sim.set_sso_fault(None);
    let r = browsers[0]
        .at(&base)
        .post_form("/admin/jobs/safety-valve/reset", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(!db.store.safety_valve().await.unwrap().is_tripped());
    assert_eq!(scrape_valve_gauge(&base).await, "sso_safety_valve_open 0");
    let cleared = db
        .store
        .audit_entries(&AuditFilter {
            action_prefix: Some("sso.safety_valve_cleared".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(cleared.len(), 1);
    assert_eq!(
        cleared[0].actor,
        jumpgate_domain::audit::Actor::Account(admin.get())
    );
    // Six answers before the restart, four held after it.
    assert_eq!(cleared[0].details["evidence"]["failures"], 10);
    let recheck = JobId(
        cleared[0].details["recheck_job"]
            .as_i64()
            .expect("a re-check queued"),
    );
    crate::workers::wait_for("the re-check to run", Duration::from_secs(30), async || {
        db.store.job(recheck).await.unwrap().is_none().then_some(())
    })
    .await;
    let numbers = crate::support::last_run_numbers(&db.store, "check-tokens").await;
    assert_eq!(number(&numbers, "refreshed"), 4, "{numbers:?}");
    assert_eq!(valid().await, 4);
    drop(web);
    db.close().await;
}
