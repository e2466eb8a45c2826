//! When ESI misbehaves: server errors, the error limit, rate limits, unreadable answers and
//! downtime. Jumpgate retries what is worth retrying, stops when ESI says stop, sends nothing
//! while paused, and never writes anything from a failed answer.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::TestApp;
use jumpgate_app::AppError;
use jumpgate_app::Caller;
use jumpgate_app::jobs;
use jumpgate_app::jobs::periodic;
use jumpgate_app::testing::esi;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{AllianceId, CharacterId};
use jumpgate_eve::{EsiConfig, EsiError};
use jumpgate_evesim::LoggedRequest;
use jumpgate_store::JobStatus;
use std::time::Duration;

/// No entity in the simulated universe has this id: ESI answers 404 for it.
const UNKNOWN_ID: i64 = 1;

/// Requests ESI may see for one call: the first try and the client's retries.
fn tries_per_call() -> usize {
    let config = EsiConfig::new(url::Url::parse("http://esi.invalid/").unwrap(), "tests");
    1 + usize::try_from(config.max_retries).unwrap()
}

/// The error-limit remainder at which the client stops sending.
fn error_limit_floor() -> usize {
    let config = EsiConfig::new(url::Url::parse("http://esi.invalid/").unwrap(), "tests");
    usize::try_from(config.error_limit_floor).unwrap()
}

fn affiliation_requests(requests: &[LoggedRequest]) -> usize {
    requests
        .iter()
        .filter(|r| r.path == "/characters/affiliation")
        .count()
}

/// Makes alliance `alliance` the Member state's criterion.
async fn members_are_in(t: &TestApp, alliance: i64) {
    let mut member = t
        .store
        .states()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Member")
        .expect("Member state is seeded");
    member.criteria.alliances.insert(AllianceId(alliance));
    t.store.save_state(&member).await.unwrap();
}

/// Logs in three members of the first alliance, then moves the first of them out of it in EVE.
/// Returns (the one who left, the others, the alliance, the corporation they left for).
async fn members_one_of_whom_left(t: &TestApp) -> (i64, Vec<i64>, i64, i64) {
    let alliance = t.sim.alliances()[0].alliance_id;
    members_are_in(t, alliance).await;
    let members: Vec<i64> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| c.alliance_id == Some(alliance))
        .take(3)
        .map(|c| c.character_id)
        .collect();
    for id in &members {
        t.browser().login_ok(*id).await;
    }
    let outside = corporation_without_alliance(t);
    t.sim.move_character(members[0], outside);
    (members[0], members[1..].to_vec(), alliance, outside)
}

/// A player corporation in no alliance, to leave an alliance for.
fn corporation_without_alliance(t: &TestApp) -> i64 {
    t.sim
        .corporations()
        .into_iter()
        .find(|c| c.alliance_id.is_none() && !c.npc)
        .expect("a corporation without alliance")
        .corporation_id
}

/// What the database says about a character: (corporation, alliance, account state, token).
async fn recorded(t: &TestApp, id: i64) -> (i64, Option<i64>, String, TokenStatus) {
    let c = t.store.character(CharacterId(id)).await.unwrap().unwrap();
    let state = t.store.account(c.account).await.unwrap().unwrap().state;
    let token = t
        .store
        .token(CharacterId(id), "core.default")
        .await
        .unwrap()
        .unwrap();
    (
        c.corporation.get(),
        c.alliance.map(|a| a.get()),
        state,
        token.status,
    )
}

/// After a failed sweep the database is in one of two consistent states: untouched (the
/// affiliation lookup failed), or the leaver's new affiliation recorded *and* their access
/// already recomputed (a later lookup failed). Never a new affiliation with the old access.
async fn assert_in_line(
    t: &TestApp,
    leaver: i64,
    outside: i64,
    before: &(i64, Option<i64>, String, TokenStatus),
) {
    let now = recorded(t, leaver).await;
    if now.0 == outside {
        assert_eq!(now.2, jumpgate_domain::states::GUEST, "{now:?}");
        assert_eq!(now.3, TokenStatus::Valid, "{now:?}");
    } else {
        assert_eq!(
            &now, before,
            "a sweep that failed on affiliations changes nothing"
        );
    }
}

// ----- server errors -------------------------------------------------------------------------

on_both_backends!(
    a_sweep_through_flaky_esi_retries_and_fails_only_cleanly,
    |t: TestApp| async move {
        let (leaver, stayers, alliance, outside) = members_one_of_whom_left(&t).await;
        let before = recorded(&t, leaver).await;
        t.sim.set_fault_rate(0.3);
        let mut got_through = false;
        for _ in 0..5 {
            t.sim.clear_requests();
            let result = t
                .app
                .refresh_affiliations(&Caller::system("refresh-affiliations"))
                .await;
            let sent = affiliation_requests(&t.sim.requests());
            assert!(
                (1..=tries_per_call()).contains(&sent),
                "one call, retried at most {} times: {sent}",
                tries_per_call() - 1
            );
            match result {
                Ok(summary) => {
                    // One change, unless a sweep that failed later on already recorded it.
                    assert!(summary.changed <= 1, "{summary:?}");
                    got_through = true;
                    break;
                }
                Err(AppError::Esi(e)) => {
                    assert!(e.is_transient(), "{e:?}");
                    assert_in_line(&t, leaver, outside, &before).await;
                }
                Err(other) => panic!("a sweep fails only because of ESI: {other:?}"),
            }
        }
        t.sim.set_fault_rate(0.0);
        assert!(
            got_through,
            "70 % of answers are fine: a sweep gets through"
        );
        let (corporation, left_alliance, state, token) = recorded(&t, leaver).await;
        assert_eq!((corporation, left_alliance), (outside, None));
        assert_eq!(state, jumpgate_domain::states::GUEST);
        assert_eq!(token, TokenStatus::Valid);
        for id in stayers {
            let (_, a, state, token) = recorded(&t, id).await;
            assert_eq!(
                (a, state.as_str(), token),
                (Some(alliance), "Member", TokenStatus::Valid)
            );
        }
    }
);

on_both_backends!(
    when_every_esi_answer_is_a_server_error_the_sweep_fails_and_changes_nothing,
    |t: TestApp| async move {
        let (leaver, stayers, _, _) = members_one_of_whom_left(&t).await;
        let mut before = vec![recorded(&t, leaver).await];
        for id in &stayers {
            before.push(recorded(&t, *id).await);
        }
        let audit_before = t.store.audit_after(0, 10_000).await.unwrap().len();
        t.sim.set_fault_rate(1.0);

        // Sweep until one of them met a gateway error (502-504: worth retrying; a 500 is not).
        let mut retried = false;
        for _ in 0..6 {
            t.sim.clear_requests();
            let result = t
                .app
                .refresh_affiliations(&Caller::system("refresh-affiliations"))
                .await;
            assert!(
                matches!(
                    result,
                    Err(AppError::Esi(EsiError::Server {
                        status: 500..=504,
                        ..
                    }))
                ),
                "{result:?}"
            );
            let requests = t.sim.requests();
            assert!(
                (1..=tries_per_call()).contains(&requests.len()),
                "bounded by the retry limit: {requests:?}"
            );
            assert_eq!(
                affiliation_requests(&requests),
                requests.len(),
                "nothing is asked after the failed call"
            );
            assert!(requests.iter().all(|r| r.status >= 500), "{requests:?}");
            // Every answer but the last was a retried gateway error; the last one either was
            // not worth retrying (500) or used up the retries.
            let (last, before_last) = requests.split_last().unwrap();
            assert!(
                before_last.iter().all(|r| (502..=504).contains(&r.status)),
                "{requests:?}"
            );
            assert!(
                last.status == 500 || requests.len() == tries_per_call(),
                "{requests:?}"
            );
            if requests.len() > 1 {
                retried = true;
                break;
            }
        }
        assert!(retried, "gateway errors are retried");

        t.sim.set_fault_rate(0.0);
        let mut after = vec![recorded(&t, leaver).await];
        for id in &stayers {
            after.push(recorded(&t, *id).await);
        }
        assert_eq!(after, before, "no affiliation, state or token changed");
        assert!(after.iter().all(|r| r.3 == TokenStatus::Valid));
        assert_eq!(
            t.store.audit_after(0, 10_000).await.unwrap().len(),
            audit_before,
            "nothing happened that the audit log would show"
        );
    }
);

// ----- the error limit -----------------------------------------------------------------------

on_both_backends!(
    the_client_stops_short_of_esis_error_limit_and_sends_nothing_while_paused,
    |t: TestApp| async move {
        let someone = t.sim.characters()[0].character_id;
        t.browser().login_ok(someone).await;
        t.sim.clear_requests();

        // Every lookup of an unknown id is a 404, and every 404 spends the error limit (100 per
        // window in the simulator, as at CCP).
        let mut answered = 0;
        let until = loop {
            match esi(&t.app).universe_names(&[UNKNOWN_ID]).await {
                Ok(names) => {
                    assert!(names.is_empty());
                    answered += 1;
                }
                Err(EsiError::ErrorLimited { until }) => break until,
                Err(other) => panic!("unexpected: {other:?}"),
            }
            assert!(answered <= 100, "the client never stopped");
        };
        let requests = t.sim.requests();
        assert_eq!(requests.len(), answered, "the refused call sent nothing");
        assert!(
            requests.iter().all(|r| r.status == 404),
            "no 420 was ever risked"
        );
        assert_eq!(
            answered,
            100 - error_limit_floor(),
            "stopped with the floor's worth of errors left"
        );
        let wait = until - t.app.now();
        assert!(
            wait > time::Duration::ZERO && wait <= time::Duration::seconds(61),
            "paused until the window resets: {wait}"
        );

        // Paused: no route sends anything, and the sweep says why it did not run.
        t.sim.clear_requests();
        let sweep = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await;
        assert!(
            matches!(sweep, Err(AppError::Esi(EsiError::ErrorLimited { .. }))),
            "{sweep:?}"
        );
        assert!(matches!(
            esi(&t.app).status().await,
            Err(EsiError::ErrorLimited { .. })
        ));
        // (A character nobody asked about: what is cached and fresh is still served.)
        let stranger = t.sim.characters()[1].character_id;
        assert!(matches!(
            esi(&t.app).character(CharacterId(stranger)).await,
            Err(EsiError::ErrorLimited { .. })
        ));
        assert_eq!(t.sim.requests(), vec![], "nothing was sent while paused");
        assert!(esi(&t.app).snapshot().paused_until.is_some());
    }
);

on_both_backends!(
    a_420_from_esi_pauses_every_request_until_the_window_resets,
    |t: TestApp| async move {
        let someone = t.sim.characters()[0].character_id;
        t.browser().login_ok(someone).await;

        // Another program on this machine spends the whole error limit (it is counted per IP).
        let careless = reqwest::Client::new();
        for _ in 0..100 {
            let r = careless
                .get(t.sim.esi_base_url().join("no/such/route").unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
        }
        t.sim.clear_requests();

        let sweep = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await;
        assert!(
            matches!(sweep, Err(AppError::Esi(EsiError::ErrorLimited { .. }))),
            "{sweep:?}"
        );
        let requests = t.sim.requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert_eq!(requests[0].status, 420, "one request learnt of the limit");

        for _ in 0..3 {
            assert!(matches!(
                t.app
                    .refresh_affiliations(&Caller::system("refresh-affiliations"))
                    .await,
                Err(AppError::Esi(EsiError::ErrorLimited { .. }))
            ));
            assert!(matches!(
                esi(&t.app).universe_names(&[someone]).await,
                Err(EsiError::ErrorLimited { .. })
            ));
        }
        assert_eq!(t.sim.requests().len(), 1, "and no other was sent");
    }
);

// ----- rate limits ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_honoured_for_its_retry_after_and_only_for_its_own_bucket() {
    let t = TestApp::spawn(crate::support::Backend::Sqlite).await;
    // `/status` is bucket-limited (600 tokens per 15 minutes per IP, 2 per answer). Another
    // program on this machine empties the bucket; the simulator's limits are fixed, but small
    // enough to spend in a second.
    let careless = reqwest::Client::new();
    let status_url = t.sim.esi_base_url().join("status").unwrap();
    let retry_after = loop {
        let r = careless.get(status_url.clone()).send().await.unwrap();
        if r.status() == 429 {
            break r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap();
        }
        assert_eq!(r.status(), 200);
    };
    t.sim.clear_requests();

    let e = esi(&t.app).status().await.expect_err("rate limited");
    let EsiError::RateLimited {
        retry_after: wait,
        group,
    } = e
    else {
        panic!("expected RateLimited, got {e:?}");
    };
    assert_eq!(group.as_deref(), Some("status"));
    assert!(
        wait.as_secs().abs_diff(retry_after) <= 2,
        "waits what ESI said ({retry_after} s), not {wait:?}"
    );
    assert_eq!(t.sim.requests().len(), 1);

    // Until then nothing goes to that bucket …
    for _ in 0..3 {
        assert!(matches!(
            esi(&t.app).status().await,
            Err(EsiError::RateLimited { .. })
        ));
    }
    assert_eq!(
        t.sim.requests().len(),
        1,
        "nothing more was sent to /status"
    );
    // … while routes of other buckets are unaffected.
    let someone = t.sim.characters()[0].character_id;
    esi(&t.app)
        .affiliations(&[CharacterId(someone)])
        .await
        .expect("affiliations have no bucket of their own");
    assert_eq!(affiliation_requests(&t.sim.requests()), 1);

    // A job stopped by it would wait (not fail): `Retry-After` becomes its new start (the
    // runner adds it to the clock's now).
    let postponed = jobs::JobError::from(AppError::Esi(EsiError::RateLimited {
        retry_after: wait,
        group: Some("status".into()),
    }));
    assert!(
        matches!(postponed, jobs::JobError::PostponeFor { after, .. } if after == wait && after > Duration::from_secs(60)),
        "{postponed:?}"
    );
}

// ----- unreadable answers --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_answer_is_an_error_and_is_not_asked_again() {
    let t = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let someone = t.sim.characters()[0].character_id;
    t.sim.set_garbage(Some("/universe/names".into()));
    t.sim.clear_requests();
    let e = esi(&t.app)
        .universe_names(&[someone])
        .await
        .expect_err("garbage");
    assert!(matches!(e, EsiError::Decode(_)), "{e:?}");
    assert!(!e.is_transient(), "asking again would get the same garbage");
    assert_eq!(t.sim.requests().len(), 1, "not retried");
}

on_both_backends!(
    an_unreadable_name_lookup_writes_nothing_from_it_but_does_not_hold_back_access_changes,
    |t: TestApp| async move {
        let (leaver, _, _, outside) = members_one_of_whom_left(&t).await;
        assert!(
            t.store
                .corporation(jumpgate_domain::CorporationId(outside))
                .await
                .unwrap()
                .is_none(),
            "nobody was in that corporation yet"
        );
        t.sim.set_garbage(Some("/corporations/".into()));
        let sweep = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await;
        assert!(
            matches!(sweep, Err(AppError::Esi(EsiError::Decode(_)))),
            "{sweep:?}"
        );
        assert!(
            t.store
                .corporation(jumpgate_domain::CorporationId(outside))
                .await
                .unwrap()
                .is_none(),
            "nothing was written from the unreadable answer"
        );
        let (corporation, alliance, state, _) = recorded(&t, leaver).await;
        assert_eq!((corporation, alliance), (outside, None));
        assert_eq!(
            state,
            jumpgate_domain::states::GUEST,
            "left, so no longer Member"
        );

        // Once ESI answers properly again, the name arrives with the next sweep.
        t.sim.set_garbage(None);
        let summary = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await
            .unwrap();
        assert!(summary.corporations_refreshed >= 1, "{summary:?}");
        let corp = t
            .store
            .corporation(jumpgate_domain::CorporationId(outside))
            .await
            .unwrap()
            .expect("now known");
        assert_eq!(corp.name, t.sim.corporation(outside).unwrap().name);
    }
);

// ----- downtime ------------------------------------------------------------------------------

on_both_backends!(
    downtime_postpones_the_sweep_job_without_counting_an_attempt,
    |t: TestApp| async move {
        let (leaver, _, _, _) = members_one_of_whom_left(&t).await;
        let before = recorded(&t, leaver).await;
        t.sim.set_downtime(true);
        t.sim.clear_requests();

        let postponed = t
            .run_job(periodic::REFRESH_AFFILIATIONS, serde_json::Value::Null)
            .await
            .expect("the job is kept");

        assert_eq!(
            postponed.status,
            JobStatus::Queued,
            "waiting, not failed: {postponed:?}"
        );
        assert_eq!(
            postponed.attempts, 0,
            "downtime is not held against the job"
        );
        assert!(
            postponed.run_at > t.app.now() + Duration::from_secs(30),
            "queued for after the downtime: {postponed:?}"
        );
        assert!(
            postponed.last_error.as_deref().unwrap().contains("down"),
            "{postponed:?}"
        );
        assert_eq!(
            affiliation_requests(&t.sim.requests()),
            1,
            "downtime is not retried into the error limit"
        );

        // The sweep itself says so, and sends nothing more until the estimate.
        let sweep = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await;
        assert!(
            matches!(sweep, Err(AppError::Esi(EsiError::Downtime { .. }))),
            "{sweep:?}"
        );
        assert_eq!(t.sim.requests().len(), 1);
        assert_eq!(recorded(&t, leaver).await, before, "nothing changed");
        assert_eq!(t.store.job_counts().await.unwrap().failed, 0);
    }
);

// ----- a sweep larger than one affiliation call ------------------------------------------------

on_each_backend!(
    a_sweep_whose_second_batch_fails_has_taken_access_from_the_first_batchs_leavers_and_is_retried,
    large_sweep::run
);

/// A universe of 2,500 characters, each on an account of their own, is swept in three calls of
/// `/characters/affiliation` (1,000 ids each, in id order); the second fails with a 500.
mod large_sweep {
    use super::*;
    use crate::support::{Backend, new_character};
    use jumpgate_domain::clock::ManualClock;
    use jumpgate_domain::states::GUEST;
    use jumpgate_evesim::SimConfig;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// Every character's account state, by character.
    async fn states(t: &TestApp, ids: &[i64]) -> BTreeMap<i64, String> {
        let mut out = BTreeMap::new();
        for id in ids {
            let c = t.store.character(CharacterId(*id)).await.unwrap().unwrap();
            let state = t.store.account(c.account).await.unwrap().unwrap().state;
            out.insert(*id, state);
        }
        out
    }

    pub(super) async fn run(backend: Backend) {
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
        let universe = SimConfig {
            characters: 2_500,
            accounts: 1_000,
            ..SimConfig::default()
        };
        let t = TestApp::spawn_with_universe(backend, clock.clone(), universe).await;
        let alliance = t.sim.alliances()[0].alliance_id;
        members_are_in(&t, alliance).await;
        let mut everyone = t.sim.characters();
        everyone.sort_by_key(|c| c.character_id);
        assert_eq!(everyone.len(), 2_500);
        for c in &everyone {
            t.store.create_account(&new_character(c)).await.unwrap();
        }
        let ids: Vec<i64> = everyone.iter().map(|c| c.character_id).collect();
        // A first sweep gives everyone their access.
        assert!(
            t.run_job("refresh-affiliations", serde_json::Value::Null)
                .await
                .is_none()
        );
        // Three members leave the alliance in the first batch, three in the second.
        let leavers_in_batch = |n: usize| -> Vec<i64> {
            everyone[n * 1000..(n + 1) * 1000]
                .iter()
                .filter(|c| c.alliance_id == Some(alliance))
                .take(3)
                .map(|c| c.character_id)
                .collect()
        };
        let (first, second) = (leavers_in_batch(0), leavers_in_batch(1));
        assert_eq!((first.len(), second.len()), (3, 3));
        let before = states(&t, &ids).await;
        for id in first.iter().chain(&second) {
            assert_eq!(before[id], "Member");
        }
        let outside = corporation_without_alliance(&t);
        for id in first.iter().chain(&second) {
            t.sim.move_character(*id, outside);
        }

        t.sim.clear_requests();
        t.sim.force_answer("/characters/affiliation", 1, 500, 0);
        let left = t
            .run_job("refresh-affiliations", serde_json::Value::Null)
            .await
            .expect("the sweep failed");
        assert_eq!(
            affiliation_requests(&t.sim.requests()),
            2,
            "the sweep stopped at the failed second batch"
        );
        // The first batch's leavers lost their access; nobody else lost (or gained) anything.
        let after = states(&t, &ids).await;
        for (id, state) in &after {
            let expected = if first.contains(id) {
                GUEST
            } else {
                &before[id]
            };
            assert_eq!(state, expected, "character {id}");
        }
        // The sweep is tried again later, and then the second batch's leavers lose theirs.
        assert_eq!(
            (left.status, left.attempts),
            (JobStatus::Queued, 1),
            "{left:?}"
        );
        assert!(
            left.last_error
                .as_deref()
                .is_some_and(|e| e.contains("500")),
            "{left:?}"
        );
        clock.advance(Duration::from_secs(3600));
        let worker = t.start_worker(Duration::from_millis(50));
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while t.store.job(left.id).await.unwrap().is_some() {
            assert!(std::time::Instant::now() < deadline, "the retry never ran");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        worker.stop().await;
        let retried = states(&t, &ids).await;
        for (id, state) in &retried {
            let expected = if first.contains(id) || second.contains(id) {
                GUEST
            } else {
                &before[id]
            };
            assert_eq!(state, expected, "character {id}");
        }
    }
}

// ESI keeps a bucket per application and character (`applicationID:characterID`): another
// application spending a character's bucket to the last token leaves Jumpgate's untouched, and
// Jumpgate's client, which keeps its buckets per group and character, sees exactly the
// simulator's count for its own.
on_both_backends!(
    another_applications_calls_for_a_character_do_not_spend_jumpgates_bucket,
    |t: TestApp| async move {
        let read = "esi-characters.read_contacts.v1";
        t.sim.set_bucket_max("char-social", Some(12));
        let (a, b) = (
            t.sim.characters()[0].character_id,
            t.sim.characters()[1].character_id,
        );
        let theirs = t
            .sim
            .access_token_for_test("another-app", a, &[read])
            .unwrap();
        let http = reqwest::Client::new();
        let url = t
            .sim
            .esi_base_url()
            .join(&format!("characters/{a}/contacts"))
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..7 {
            let r = http
                .get(url.clone())
                .bearer_auth(&theirs)
                .header(
                    "X-Compatibility-Date",
                    jumpgate_eve::esi::COMPATIBILITY_DATE,
                )
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
        }
        assert_eq!(
            statuses,
            [200, 200, 200, 200, 200, 200, 429],
            "their bucket is spent"
        );

        let client = esi(&t.app);
        for id in [a, b] {
            let ours = t
                .sim
                .access_token_for_test(crate::support::CLIENT_ID, id, &[read])
                .unwrap();
            client
                .character_contacts(CharacterId(id), &ours)
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            let bucket = client
                .snapshot()
                .buckets
                .into_iter()
                .find(|k| k.group == "char-social" && k.character == Some(CharacterId(id)))
                .unwrap();
            assert_eq!(
                bucket.remaining,
                Some(10),
                "{id}: our own bucket, one call spent"
            );
            assert_eq!(bucket.blocked_until, None, "{id}");
        }
    }
);
