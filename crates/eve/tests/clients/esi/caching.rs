//! Headers on every request, ETag/Expires caching, paging and decoding.

use crate::esi::harness::*;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_eve::EsiError;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn every_request_carries_compatibility_date_user_agent_and_accept() {
    let esi = Esi::start().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .and(header("X-Compatibility-Date", "2026-08-18"))
        .and(header("User-Agent", USER_AGENT))
        .and(header("Accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "players": 23016, "server_version": "2990419",
            "start_time": "2026-08-18T11:05:03Z", "vip": false
        })))
        .expect(1)
        .mount(&esi.server)
        .await;
    let status = esi.client.status().await.expect("status");
    assert_eq!(status.players, 23016);
}

#[tokio::test]
async fn public_records_decode_with_ccp_field_names() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(character_json()))
        .mount(&esi.server)
        .await;
    Mock::given(path("/corporations/98000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "Corp", "ticker": "CRP", "member_count": 10, "alliance_id": 99000001,
            "ceo_id": 2112000001, "description": "", "friendly_fire": "illegal",
            "home_station_id": 60003760, "shares": 1000, "state": "active",
            "tax_rates": {"isk": 0.1, "loyalty_point": 0.0}, "type": "player_owned",
            "war_eligible": false
        })))
        .mount(&esi.server)
        .await;
    Mock::given(path("/alliances/99000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "Alliance", "ticker": "ALL", "creator_corporation_id": 98000001,
            "creator_id": 2112000001, "date_founded": "2016-01-01T00:00:00Z",
            "executor_corporation_id": 98000001
        })))
        .mount(&esi.server)
        .await;
    let ch = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect("character");
    assert_eq!(ch.value.corporation_id, CorporationId(98_000_001));
    assert_eq!(ch.value.alliance_id, Some(AllianceId(99_000_001)));
    let corp = esi
        .client
        .corporation(CorporationId(98_000_001))
        .await
        .expect("corp");
    assert_eq!(corp.value.ceo_id, Some(CharacterId(CHARACTER)));
    let alliance = esi
        .client
        .alliance(AllianceId(99_000_001))
        .await
        .expect("alliance");
    assert_eq!(
        alliance.value.executor_corporation_id,
        Some(CorporationId(98_000_001))
    );
}

#[tokio::test]
async fn a_cached_answer_is_returned_without_asking_until_it_expires() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(character_json())
                .insert_header("ETag", "\"v1\"")
                .insert_header(
                    "Expires",
                    http_date(NOON + Duration::from_secs(3600)).as_str(),
                ),
        )
        .expect(1)
        .mount(&esi.server)
        .await;
    let first = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect("first");
    assert!(!first.not_modified);
    assert_eq!(first.expires_at, Some(NOON + Duration::from_secs(3600)));
    esi.clock.advance(Duration::from_secs(3599));
    let second = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect("second");
    assert!(second.not_modified);
    assert_eq!(second.value, first.value);
}

#[tokio::test]
async fn an_expired_entry_is_revalidated_with_its_etag_and_a_304_reuses_the_body() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(character_json())
                .insert_header("ETag", "\"v1\"")
                .insert_header(
                    "Expires",
                    http_date(NOON + Duration::from_secs(60)).as_str(),
                ),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&esi.server)
        .await;
    Mock::given(path("/characters/2112000001"))
        .and(header("If-None-Match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header(
            "Expires",
            http_date(NOON + Duration::from_secs(3600)).as_str(),
        ))
        .expect(1)
        .mount(&esi.server)
        .await;
    let first = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect("first");
    esi.clock.advance(Duration::from_secs(61));
    let again = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect("304");
    assert!(again.not_modified);
    assert_eq!(again.value, first.value);
    assert_eq!(again.expires_at, Some(NOON + Duration::from_secs(3600)));
    // The 304's new expiry is remembered: no third request yet.
    esi.clock.advance(Duration::from_secs(60));
    esi.client
        .character(CharacterId(CHARACTER))
        .await
        .expect("cached");
    assert_eq!(esi.requests().await, 2);
}

/// A character record ESI answers with `body` (200, cacheable for an hour), which the client
/// must refuse; the error, and the client to look at afterwards.
async fn refused_character_answer(body: String) -> (EsiError, Esi) {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(body)
                .insert_header(
                    "Expires",
                    http_date(NOON + Duration::from_secs(3600)).as_str(),
                ),
        )
        .mount(&esi.server)
        .await;
    let e = esi
        .client
        .character(CharacterId(CHARACTER))
        .await
        .expect_err("refused");
    (e, esi)
}

#[tokio::test]
async fn garbage_json_is_a_decode_error_and_nothing_is_cached() {
    let (e, esi) = refused_character_answer("{\"name\": \"Some Bl".to_owned()).await;
    assert!(matches!(e, EsiError::Decode(_)), "{e:?}");
    assert!(esi.cache.is_empty());
}

#[tokio::test]
async fn an_answer_longer_than_any_esi_sends_is_refused_unread_and_not_cached() {
    // 9 MiB of a JSON string: valid, but longer than the 8 MiB cap.
    let endless = format!("{{\"name\": \"{}\"}}", "x".repeat(9 * 1024 * 1024));
    let (e, esi) = refused_character_answer(endless).await;
    assert!(
        matches!(&e, EsiError::Decode(m) if m.contains("longer than 8192 KiB")),
        "{e:?}"
    );
    assert!(esi.cache.is_empty());
}

#[tokio::test]
async fn paged_resources_are_walked_from_page_one_to_x_pages() {
    let esi = Esi::start().await;
    for page in 1..=3 {
        Mock::given(method("GET"))
            .and(path("/characters/2112000001/contacts"))
            .and(query_param("page", page.to_string()))
            .and(header("Authorization", "Bearer access-token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([{
                        "contact_id": 1000 + page, "contact_type": "character", "standing": 5.0
                    }]))
                    .insert_header("X-Pages", "3")
                    .insert_header("Last-Modified", "Tue, 18 Aug 2026 11:55:00 GMT")
                    .insert_header(
                        "Expires",
                        http_date(NOON + Duration::from_secs(300)).as_str(),
                    ),
            )
            .expect(1)
            .mount(&esi.server)
            .await;
    }
    let contacts = esi
        .client
        .character_contacts(CharacterId(CHARACTER), "access-token")
        .await
        .expect("contacts");
    let ids: Vec<i64> = contacts.value.iter().map(|c| c.contact_id).collect();
    assert_eq!(ids, vec![1001, 1002, 1003]);
    // All three pages are cached: asking again sends nothing.
    let again = esi
        .client
        .character_contacts(CharacterId(CHARACTER), "access-token")
        .await
        .expect("cached");
    assert!(again.not_modified);
    assert_eq!(esi.requests().await, 3);
}

#[tokio::test]
async fn authenticated_requests_send_the_bearer_token() {
    let esi = Esi::start().await;
    Mock::given(path("/characters/2112000001/roles"))
        .and(header("Authorization", "Bearer tok"))
        .and(header_exists("X-Compatibility-Date"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"roles": ["Director"]})))
        .expect(1)
        .mount(&esi.server)
        .await;
    let roles = esi
        .client
        .character_roles(CharacterId(CHARACTER), "tok")
        .await
        .expect("roles");
    assert_eq!(roles.value.roles, vec!["Director".to_owned()]);
    assert!(roles.value.roles_at_hq.is_empty());
}

#[tokio::test]
async fn a_walk_that_sees_last_modified_change_starts_over_once() {
    let esi = Esi::start().await;
    let page = |n: i64, modified: &str| {
        ResponseTemplate::new(200)
            .set_body_json(
                json!([{"contact_id": n, "contact_type": "alliance", "standing": -10.0}]),
            )
            .insert_header("X-Pages", "2")
            .insert_header("Last-Modified", modified)
    };
    const OLD: &str = "Tue, 18 Aug 2026 11:50:00 GMT";
    const NEW: &str = "Tue, 18 Aug 2026 11:55:00 GMT";
    // ESI's cache flips between our page 1 and page 2.
    Mock::given(path("/alliances/99000001/contacts"))
        .and(query_param("page", "1"))
        .respond_with(page(1, OLD))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&esi.server)
        .await;
    Mock::given(path("/alliances/99000001/contacts"))
        .and(query_param("page", "1"))
        .respond_with(page(10, NEW))
        .mount(&esi.server)
        .await;
    Mock::given(path("/alliances/99000001/contacts"))
        .and(query_param("page", "2"))
        .respond_with(page(20, NEW))
        .mount(&esi.server)
        .await;
    let contacts = esi
        .client
        .alliance_contacts(AllianceId(99_000_001), CharacterId(CHARACTER), "t")
        .await
        .expect("contacts");
    let ids: Vec<i64> = contacts.value.iter().map(|c| c.contact_id).collect();
    assert_eq!(ids, vec![10, 20], "only the consistent walk is returned");
    assert_eq!(esi.requests().await, 4);
}
