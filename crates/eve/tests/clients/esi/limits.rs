//! The error limiter, rate-limit buckets, retries, timeouts and the daily downtime.

use crate::esi::harness::*;
use jumpgate_domain::CharacterId;
use jumpgate_eve::EsiError;
use serde_json::json;
use std::time::Duration;
use time::macros::datetime;
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

fn roles_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"roles": []}))
}

#[tokio::test]
async fn at_the_error_limit_floor_nothing_is_sent_until_the_reset() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(character_json())
                .insert_header("X-ESI-Error-Limit-Remain", "10")
                .insert_header("X-ESI-Error-Limit-Reset", "30"),
        )
        .mount(&esi.server)
        .await;
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("first");
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("refused");
    assert!(
        matches!(e, EsiError::ErrorLimited { until } if until == NOON + Duration::from_secs(30)),
        "{e:?}"
    );
    assert_eq!(esi.requests().await, 1, "refused without sending");
    assert_eq!(esi.client.snapshot().error_limit_remaining, Some(10));
    assert!(
        !esi.gate.pauses().is_empty(),
        "other instances are told to pause"
    );
    esi.clock.advance(Duration::from_secs(31));
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("after the reset");
    assert_eq!(esi.requests().await, 2);
}

#[tokio::test]
async fn a_420_pauses_every_route_for_the_reset_window_and_tells_the_shared_gate() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(420)
                .set_body_json(
                    json!({"error": "This software has exceeded the error limit for ESI."}),
                )
                .insert_header("X-ESI-Error-Limit-Remain", "0")
                .insert_header("X-ESI-Error-Limit-Reset", "42"),
        )
        .expect(1)
        .mount(&esi.server)
        .await;
    let until = NOON + Duration::from_secs(42);
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("420");
    assert!(
        matches!(e, EsiError::ErrorLimited { until: u } if u == until),
        "{e:?}"
    );
    let other = esi.client.status().await.expect_err("paused too");
    assert!(matches!(other, EsiError::ErrorLimited { .. }), "{other:?}");
    assert_eq!(esi.client.snapshot().paused_until, Some(until));
    assert!(esi.gate.pauses().iter().any(|(u, _)| *u == until));
}

#[tokio::test]
async fn a_pause_set_by_another_instance_stops_this_one() {
    let esi = Esi::start().await;
    jumpgate_eve::SharedGate::pause_until(
        &*esi.gate,
        NOON + Duration::from_secs(20),
        "420 elsewhere",
    )
    .await;
    let e = esi.client.status().await.expect_err("paused");
    assert!(matches!(e, EsiError::ErrorLimited { .. }), "{e:?}");
    assert_eq!(esi.requests().await, 0);
}

#[tokio::test]
async fn a_429_blocks_only_its_group_and_character_until_retry_after() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/roles"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "20")
                .insert_header("X-Ratelimit-Group", "char-detail")
                .insert_header("X-Ratelimit-Limit", "600/15m")
                .insert_header("X-Ratelimit-Remaining", "0")
                .insert_header("X-Ratelimit-Used", "600"),
        )
        .up_to_n_times(1)
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001/roles"))
        .respond_with(roles_ok())
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000002/roles"))
        .respond_with(roles_ok())
        .mount(&esi.server)
        .await;
    let me = CharacterId(CHARACTER);
    let e = esi.client.character_roles(me, "t").await.expect_err("429");
    match e {
        EsiError::RateLimited { retry_after, group } => {
            assert_eq!(retry_after, Duration::from_secs(20));
            assert_eq!(group.as_deref(), Some("char-detail"));
        }
        other => panic!("{other:?}"),
    }
    let again = esi
        .client
        .character_roles(me, "t")
        .await
        .expect_err("still blocked");
    assert!(matches!(again, EsiError::RateLimited { .. }), "{again:?}");
    assert_eq!(esi.requests().await, 1, "no request to the blocked bucket");
    esi.client
        .character_roles(CharacterId(2_112_000_002), "t2")
        .await
        .expect("another character's bucket is fine");
    esi.clock.advance(Duration::from_secs(21));
    esi.client
        .character_roles(me, "t")
        .await
        .expect("after retry-after");
    let bucket = esi
        .client
        .snapshot()
        .buckets
        .into_iter()
        .find(|b| b.character == Some(me))
        .expect("bucket");
    assert_eq!(bucket.group, "char-detail");
    assert_eq!(bucket.limit.as_deref(), Some("600/15m"));
}

#[tokio::test]
async fn rate_limit_headers_are_tracked_per_group_and_character() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/roles"))
        .respond_with(
            roles_ok()
                .insert_header("X-Ratelimit-Group", "char-detail")
                .insert_header("X-Ratelimit-Limit", "600/15m")
                .insert_header("X-Ratelimit-Remaining", "598")
                .insert_header("X-Ratelimit-Used", "2"),
        )
        .mount(&esi.server)
        .await;
    esi.client
        .character_roles(CharacterId(CHARACTER), "t")
        .await
        .expect("roles");
    let snap = esi.client.snapshot();
    assert_eq!(snap.buckets.len(), 1);
    let b = &snap.buckets[0];
    assert_eq!(
        (b.group.as_str(), b.character),
        ("char-detail", Some(CharacterId(CHARACTER)))
    );
    assert_eq!((b.remaining, b.used), (Some(598), Some(2)));
}

#[tokio::test]
async fn gateway_errors_are_retried_with_growing_jittered_backoff_then_given_up() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({"error": "Bad gateway"})))
        .expect(4)
        .mount(&esi.server)
        .await;
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("502");
    assert!(matches!(e, EsiError::Server { status: 502, .. }), "{e:?}");
    let sleeps = esi.clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    for (i, s) in sleeps.iter().enumerate() {
        let full = Duration::from_secs(1 << i);
        assert!(*s >= full / 2 && *s <= full, "retry {i} waited {s:?}");
    }
}

#[tokio::test]
async fn a_503_followed_by_success_succeeds() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(character_json()))
        .mount(&esi.server)
        .await;
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("second try");
    assert_eq!(esi.requests().await, 2);
}

#[tokio::test]
async fn retries_stop_as_soon_as_the_error_limit_floor_is_reached() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("X-ESI-Error-Limit-Remain", "9")
                .insert_header("X-ESI-Error-Limit-Reset", "50"),
        )
        .mount(&esi.server)
        .await;
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("stopped");
    assert!(matches!(e, EsiError::ErrorLimited { .. }), "{e:?}");
    assert_eq!(esi.requests().await, 1);
}

#[tokio::test]
async fn errors_on_routes_that_report_only_their_bucket_are_counted_against_the_error_limit() {
    let esi = Esi::start().await;
    // A route under a bucket answers errors with the bucket's headers, none of the error
    // limit's; ESI counts them against it all the same (a 420 would stop every route).
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": "Character not found"}))
                .insert_header("X-Ratelimit-Group", "char-detail")
                .insert_header("X-Ratelimit-Limit", "600/15m")
                .insert_header("X-Ratelimit-Remaining", "600")
                .insert_header("X-Ratelimit-Used", "0"),
        )
        .mount(&esi.server)
        .await;
    for i in 0..90 {
        let e = esi
            .client
            .character(CharacterId(CHARACTER))
            .await
            .expect_err("404");
        assert!(matches!(e, EsiError::NotFound(_)), "error {i}: {e:?}");
    }
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("refused");
    assert!(
        matches!(e, EsiError::ErrorLimited { until } if until == NOON + Duration::from_secs(60)),
        "{e:?}"
    );
    assert_eq!(
        esi.requests().await,
        90,
        "refused at the floor, without sending"
    );
    assert!(
        !esi.gate.pauses().is_empty(),
        "other instances are told to pause"
    );
}

#[tokio::test]
async fn server_errors_in_a_row_are_an_outage_every_instance_waits_out() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "Internal error"})))
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(character_json()))
        .mount(&esi.server)
        .await;
    let fail = || esi.client.character(CharacterId(CHARACTER));
    // Seven server errors, then any other answer: the run is broken, nothing pauses.
    for _ in 0..7 {
        assert!(matches!(
            fail().await,
            Err(EsiError::Server { status: 500, .. })
        ));
    }
    esi.client
        .character(CharacterId(2112000002))
        .await
        .expect("a good answer");
    for _ in 0..7 {
        assert!(matches!(
            fail().await,
            Err(EsiError::Server { status: 500, .. })
        ));
    }
    assert!(esi.gate.pauses().is_empty(), "{:?}", esi.gate.pauses());
    // The eighth in a row: ESI is down though it did not say so. Every instance pauses as
    // for a downtime, and nothing is sent until then.
    let e = fail().await.expect_err("down");
    assert!(
        matches!(e, EsiError::Downtime { until_estimate } if until_estimate == NOON + Duration::from_secs(60)),
        "{e:?}"
    );
    assert_eq!(
        esi.gate.pauses().len(),
        1,
        "other instances are told to pause"
    );
    let sent = esi.requests().await;
    assert!(matches!(
        esi.client.character(CharacterId(2112000002)).await,
        Err(EsiError::Downtime { .. })
    ));
    assert_eq!(
        esi.requests().await,
        sent,
        "nothing is sent during the pause"
    );
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/1"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "Character not found"})),
        )
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "bad"})))
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001/roles"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"error": "token is not valid", "sso_status": 401})),
        )
        .mount(&esi.server)
        .await;
    let e = esi.client.character(CharacterId(1)).await.expect_err("404");
    assert!(
        matches!(&e, EsiError::NotFound(m) if m == "Character not found"),
        "{e:?}"
    );
    let e = esi.client.character(CharacterId(2)).await.expect_err("400");
    assert!(matches!(e, EsiError::BadRequest(_)), "{e:?}");
    let e = esi
        .client
        .character_roles(CharacterId(CHARACTER), "refresh-token-by-mistake")
        .await
        .expect_err("403");
    assert!(
        matches!(
            e,
            EsiError::Forbidden {
                sso_status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(esi.requests().await, 3);
    assert!(esi.clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let esi = Esi::start_at(NOON, |c| c.max_retries = 1).await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(character_json())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&esi.server)
        .await;
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("slow");
    assert!(matches!(e, EsiError::Timeout), "{e:?}");
    assert_eq!(esi.requests().await, 2, "one retry, then give up");
}

#[tokio::test]
async fn errors_during_daily_downtime_pause_everything_without_retrying() {
    let esi = Esi::start_at(datetime!(2026-08-18 11:05 UTC), |_| {}).await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(503).set_body_json(
            json!({"error": "The datasource tranquility is temporarily unavailable"}),
        ))
        .expect(1)
        .mount(&esi.server)
        .await;
    let back = datetime!(2026-08-18 11:15 UTC);
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("down");
    assert!(
        matches!(e, EsiError::Downtime { until_estimate } if until_estimate == back),
        "{e:?}"
    );
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("still down");
    assert!(matches!(e, EsiError::Downtime { .. }), "{e:?}");
    assert_eq!(esi.client.snapshot().paused_until, Some(back));
    assert!(esi.gate.pauses().iter().any(|(u, _)| *u == back));
    assert!(esi.clock.sleeps().is_empty(), "no retries");
}

#[tokio::test]
async fn a_failing_status_outside_the_window_is_an_unscheduled_downtime() {
    let esi = Esi::start().await;
    Mock::given(path("/status"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&esi.server)
        .await;
    let e = esi.client.status().await.expect_err("down");
    assert!(
        matches!(e, EsiError::Downtime { until_estimate } if until_estimate > NOON),
        "{e:?}"
    );
}

/// ESI's error schema (`error`, `status`, `details`): a refused request says which part of it
/// was refused, e.g. a compatibility date ESI does not know yet.
#[tokio::test]
async fn a_refused_request_names_the_part_esi_refused() {
    let esi = Esi::start_at(NOON, |c| c.compatibility_date = "2999-01-01".to_owned()).await;
    Mock::given(path("/characters/1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "Invalid compatibility date",
            "status": 400,
            "details": [{
                "location": "header.X-Compatibility-Date",
                "message": "2999-01-01 is in the future: the latest date is 2026-08-18",
                "value": "2999-01-01"
            }]
        })))
        .mount(&esi.server)
        .await;
    let e = esi.client.character(CharacterId(1)).await.expect_err("400");
    match e {
        EsiError::BadRequest(m) => assert_eq!(
            m,
            "Invalid compatibility date (header.X-Compatibility-Date: 2999-01-01 is in the \
             future: the latest date is 2026-08-18)"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(esi.requests().await, 1, "a 400 is never retried");
}
