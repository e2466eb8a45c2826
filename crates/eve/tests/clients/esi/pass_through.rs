//! Requests passed on for others (the application API's ESI proxy): ESI's answer handed back
//! as it came, through the same cache, limiters and pauses as the client's own requests, with a
//! wider margin left for Jumpgate's own work and never a retry.

use crate::esi::harness::*;
use jumpgate_domain::CharacterId;
use jumpgate_eve::esi::operations;
use jumpgate_eve::esi::routes::Method;
use jumpgate_eve::{EsiError, PassThrough};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const TOKEN: &str = "access-token";

fn request(method: Method, at: &str) -> PassThrough<'static> {
    PassThrough {
        matched: operations::find(method, at).expect("a route of the spec"),
        query: Vec::new(),
        character: CharacterId(CHARACTER),
        token: TOKEN,
        body: None,
        compatibility_date: None,
        language: None,
        if_none_match: None,
    }
}

fn assets() -> PassThrough<'static> {
    request(Method::Get, "/characters/2112000001/assets")
}

#[tokio::test]
async fn an_answer_is_handed_back_as_it_came_and_served_from_the_cache_until_it_expires() {
    let esi = Esi::start().await;
    let expires = http_date(NOON + Duration::from_secs(3600));
    Mock::given(method("GET"))
        .and(path("/characters/2112000001/assets"))
        .and(query_param("page", "2"))
        .and(header("Authorization", "Bearer access-token"))
        .and(header("X-Compatibility-Date", "2025-01-01"))
        .and(header("Accept-Language", "de"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"item_id": 1}]))
                .insert_header("ETag", "\"v1\"")
                .insert_header("Expires", expires.as_str())
                .insert_header("X-Pages", "3")
                .insert_header("X-Ratelimit-Remaining", "1790")
                .insert_header("X-Ratelimit-Limit", "1800/15m"),
        )
        .expect(1)
        .mount(&esi.server)
        .await;
    let ask = || PassThrough {
        // `datasource` is not the spec's: it is not sent.
        query: vec![
            ("page".into(), "2".into()),
            ("datasource".into(), "tranquility".into()),
        ],
        compatibility_date: Some("2025-01-01".into()),
        language: Some("de".into()),
        ..assets()
    };
    let first = esi.client.pass_through(ask()).await.expect("answered");
    assert_eq!(first.status, 200);
    assert_eq!(first.body, br#"[{"item_id":1}]"#);
    assert_eq!(first.header("etag"), Some("\"v1\""));
    assert_eq!(first.header("x-pages"), Some("3"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1790"));
    let received = esi.server.received_requests().await.unwrap_or_default();
    assert_eq!(received[0].url.query(), Some("page=2"));

    // Fresh: from the cache, nothing sent (the mock expects one request).
    let again = esi.client.pass_through(ask()).await.expect("cached");
    assert_eq!(
        (again.status, again.body.clone()),
        (200, first.body.clone())
    );
    assert_eq!(again.header("expires"), Some(expires.as_str()));
    // The asker's own ETag gets a 304 without the body.
    let unchanged = esi
        .client
        .pass_through(PassThrough {
            if_none_match: Some("\"v1\"".into()),
            ..ask()
        })
        .await
        .expect("cached");
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(esi.requests().await, 1);
}

#[tokio::test]
async fn a_stale_answer_is_revalidated_with_its_etag_and_a_304_hands_back_the_body() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/assets"))
        .and(header("If-None-Match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"v1\""))
        .with_priority(1)
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001/assets"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([7]))
                .insert_header("ETag", "\"v1\"")
                .insert_header("Cache-Control", "max-age=60"),
        )
        .mount(&esi.server)
        .await;
    esi.client.pass_through(assets()).await.expect("first");
    esi.clock.advance(Duration::from_secs(61));
    let revalidated = esi.client.pass_through(assets()).await.expect("second");
    assert_eq!(revalidated.status, 200, "the asker did not send an ETag");
    assert_eq!(revalidated.body, b"[7]");
    assert_eq!(esi.requests().await, 2);
}

#[tokio::test]
async fn errors_are_handed_back_and_counted_a_420_stops_everything_after_it() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/assets"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"error": "token not valid for scope(s)"}))
                .insert_header("X-ESI-Error-Limit-Remain", "99")
                .insert_header("X-ESI-Error-Limit-Reset", "50"),
        )
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001/roles"))
        .respond_with(
            ResponseTemplate::new(420)
                .set_body_json(json!({"error": "error limited"}))
                .insert_header("X-ESI-Error-Limit-Remain", "0")
                .insert_header("X-ESI-Error-Limit-Reset", "30"),
        )
        .mount(&esi.server)
        .await;
    let refused = esi.client.pass_through(assets()).await.expect("an answer");
    assert_eq!(refused.status, 403);
    assert!(String::from_utf8_lossy(&refused.body).contains("scope"));
    assert_eq!(refused.header("x-esi-error-limit-remain"), Some("99"));

    let limited = esi
        .client
        .pass_through(request(Method::Get, "/characters/2112000001/roles"))
        .await
        .expect("an answer");
    assert_eq!(limited.status, 420, "ESI's own answer is handed back");
    assert!(!esi.gate.pauses().is_empty(), "every instance pauses");
    let e = esi.client.pass_through(assets()).await.expect_err("paused");
    assert!(matches!(e, EsiError::ErrorLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(NOON), Some(Duration::from_secs(30)));
    assert!(esi.client.admissible_for_others(None, None).await.is_err());
    assert_eq!(esi.requests().await, 2, "nothing sent while paused");
}

#[tokio::test]
async fn others_stop_at_twice_the_floor_while_jumpgates_own_work_goes_on() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(character_json())
                .insert_header("X-ESI-Error-Limit-Remain", "15")
                .insert_header("X-ESI-Error-Limit-Reset", "40"),
        )
        .mount(&esi.server)
        .await;
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("own work");
    let e = esi
        .client
        .admissible_for_others(None, None)
        .await
        .expect_err("15 left is below the applications' floor of 20");
    assert!(matches!(e, EsiError::ErrorLimited { .. }), "{e:?}");
    let e = esi
        .client
        .pass_through(assets())
        .await
        .expect_err("refused");
    assert!(matches!(e, EsiError::ErrorLimited { .. }), "{e:?}");
    assert_eq!(esi.requests().await, 1, "the refused request was not sent");
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("Jumpgate's own work still goes: 15 is above its floor of 10");
    assert_eq!(esi.requests().await, 2);
    assert!(esi.gate.pauses().is_empty(), "nobody else was stopped");
}

#[tokio::test]
async fn others_leave_a_fifth_of_each_bucket_to_jumpgate() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/assets"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .insert_header("X-Ratelimit-Group", "char-asset")
                .insert_header("X-Ratelimit-Limit", "1800/15m")
                .insert_header("X-Ratelimit-Remaining", "300")
                .insert_header("X-Ratelimit-Used", "2"),
        )
        .mount(&esi.server)
        .await;
    esi.client.pass_through(assets()).await.expect("first");
    let assets_bucket = operations::find(Method::Get, "/characters/2112000001/assets");
    let e = esi
        .client
        .admissible_for_others(assets_bucket.as_ref(), Some(CharacterId(CHARACTER)))
        .await
        .expect_err("300 left of 1800 is less than a fifth");
    assert!(
        matches!(&e, EsiError::RateLimited { group: Some(g), .. } if g == "char-asset"),
        "{e:?}"
    );
    // Another character's bucket and the global limits are untouched.
    assert!(
        esi.client
            .admissible_for_others(assets_bucket.as_ref(), Some(CharacterId(CHARACTER + 1)))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_gateway_error_is_handed_back_without_a_retry_and_a_post_carries_its_body() {
    let esi = Esi::start().await;
    Mock::given(method("POST"))
        .and(path("/characters/2112000001/assets/names"))
        .and(header("Content-Type", "application/json"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({"error": "bad gateway"})))
        .expect(1)
        .mount(&esi.server)
        .await;
    let answer = esi
        .client
        .pass_through(PassThrough {
            body: Some(b"[1,2]".to_vec()),
            ..request(Method::Post, "/characters/2112000001/assets/names")
        })
        .await
        .expect("an answer");
    assert_eq!(answer.status, 502);
    let received = esi.server.received_requests().await.unwrap_or_default();
    assert_eq!(received[0].body, b"[1,2]");
}
