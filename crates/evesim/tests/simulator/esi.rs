//! The simulated ESI answers like esi.evetech.net: shapes, limits, caching, limiters, auth.

// Test helpers outside #[test] fns unwrap too (allowed in tests by the workspace rules).
#![allow(clippy::unwrap_used)]

use crate::support::*;
use jumpgate_evesim::{ContactType, EveSim, SimContact};
use serde_json::{Value, json};

const READ: &str = "esi-characters.read_contacts.v1";
const WRITE: &str = "esi-characters.write_contacts.v1";

async fn post_json(sim: &EveSim, path: &str, body: &Value) -> reqwest::Response {
    http()
        .post(sim.esi_base_url().join(path).unwrap())
        .json(body)
        .send()
        .await
        .unwrap()
}

fn token(sim: &EveSim, id: i64, scopes: &[&str]) -> String {
    sim.access_token_for_test(CLIENT_ID, id, scopes).unwrap()
}

// --- identity ---------------------------------------------------------------------------

#[tokio::test]
async fn identity_routes_return_ccp_shapes() {
    let sim = start().await;
    let ch = sim
        .characters()
        .into_iter()
        .find(|c| c.alliance_id.is_some())
        .unwrap();
    let body: Value = esi_get(&sim, &format!("/characters/{}", ch.character_id), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["name"], ch.name);
    assert_eq!(body["corporation_id"], ch.corporation_id);
    assert_eq!(body["alliance_id"], ch.alliance_id.unwrap());
    for field in ["birthday", "bloodline_id", "race_id", "gender"] {
        assert!(body.get(field).is_some(), "{field}");
    }
    let corp: Value = esi_get(&sim, &format!("/corporations/{}", ch.corporation_id), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(corp["ticker"].is_string() && corp["member_count"].as_i64().unwrap() >= 1);
    let alliances: Vec<i64> = esi_get(&sim, "/alliances", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alliances.len(), 3);
    let members: Vec<i64> = esi_get(
        &sim,
        &format!("/alliances/{}/corporations", alliances[0]),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(!members.is_empty());
    let status: Value = esi_get(&sim, "/status", None).await.json().await.unwrap();
    assert!(status["players"].is_i64() && status["start_time"].is_string());
    assert_eq!(esi_get(&sim, "/characters/1", None).await.status(), 404);
}

/// The ids of the first `n` characters of the simulated universe.
fn first_characters(sim: &EveSim, n: usize) -> Vec<i64> {
    sim.characters()
        .iter()
        .take(n)
        .map(|c| c.character_id)
        .collect()
}

#[tokio::test]
async fn a_forced_server_error_answers_the_nth_matching_request_only() {
    let sim = start().await;
    let ids = first_characters(&sim, 5);
    // Through the control API, as `jumpgate evesim` is driven: the second affiliation call fails.
    let status = http()
        .post(sim.base_url().join("_sim/controls").unwrap())
        .json(&json!({"force": {"route_contains": "/characters/affiliation", "skip": 1, "status": 500}}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let resp = post_json(&sim, "characters/affiliation", &json!(ids)).await;
        answers.push(resp.status().as_u16());
    }
    assert_eq!(answers, [200, 500, 200]);
}

#[tokio::test]
async fn affiliation_takes_1_to_1000_unique_ids() {
    let sim = start().await;
    let ids = first_characters(&sim, 5);
    let resp = post_json(&sim, "characters/affiliation", &json!(ids)).await;
    assert_eq!(resp.status(), 200);
    let rows: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r["character_id"].is_i64() && r["corporation_id"].is_i64())
    );

    assert_eq!(
        post_json(&sim, "characters/affiliation", &json!([]))
            .await
            .status(),
        400
    );
    let too_many: Vec<i64> = (0..1001).map(|i| 90_000_000 + i).collect();
    assert_eq!(
        post_json(&sim, "characters/affiliation", &json!(too_many))
            .await
            .status(),
        400
    );
    let dup = [ids[0], ids[0]];
    assert_eq!(
        post_json(&sim, "characters/affiliation", &json!(dup))
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn names_resolve_everything_or_fail_the_whole_batch() {
    let sim = start().await;
    let ch = sim.characters()[0].clone();
    let corp = ch.corporation_id;
    let resp = post_json(&sim, "universe/names", &json!([ch.character_id, corp])).await;
    let rows: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(rows[0]["category"], "character");
    assert_eq!(rows[0]["name"], ch.name);
    assert_eq!(rows[1]["category"], "corporation");

    let resp = post_json(&sim, "universe/names", &json!([ch.character_id, 12345])).await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "Ensure all IDs are valid before resolving.");

    let ids: Value = post_json(
        &sim,
        "universe/ids",
        &json!([ch.name.to_uppercase(), "Nobody Here"]),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids["characters"][0]["id"], ch.character_id);
    assert!(ids.get("alliances").is_none());
}

// --- caching and paging -----------------------------------------------------------------

#[tokio::test]
async fn etag_and_if_none_match_give_304_with_cache_headers() {
    let sim = start().await;
    let path = format!("/characters/{}", sim.characters()[0].character_id);
    let first = esi_get(&sim, &path, None).await;
    let etag = header(&first, "etag").unwrap();
    assert!(header(&first, "expires").is_some());
    assert!(header(&first, "last-modified").is_some());
    let again = http()
        .get(sim.esi_base_url().join(&path[1..]).unwrap())
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag").unwrap(), etag);
    let logged = sim.requests();
    let last = logged.last().unwrap();
    assert_eq!(last.if_none_match.as_deref(), Some(etag.as_str()));
    assert_eq!(last.status, 304);
    assert_eq!(logged[0].user_agent.as_deref(), Some(USER_AGENT));
    assert_eq!(logged[0].compatibility_date.as_deref(), Some("2026-08-18"));
}

#[tokio::test]
async fn cache_stamps_are_on_the_simulated_eves_own_date() {
    let sim = start().await;
    // Not the wall clock's date, as a test's clock is not when it steps around the downtime.
    let date = time::OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("a date");
    sim.set_time(date, 1.0);
    let path = format!("/characters/{}", sim.characters()[0].character_id);
    let first = esi_get(&sim, &path, None).await;
    let stamp = |name: &str| {
        let text = header(&first, name).expect(name);
        time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc2822)
            .expect(name)
    };
    let (last_modified, expires) = (stamp("last-modified"), stamp("expires"));
    assert!((last_modified - date).abs() < time::Duration::minutes(1));
    assert!(expires > date && expires - date <= time::Duration::days(1));
}

#[tokio::test]
async fn a_cached_route_answers_the_same_until_it_expires_even_after_a_write() {
    let sim = start().await;
    let chars = sim.characters();
    let (me, other) = (chars[0].character_id, chars[1].character_id);
    let path = format!("/characters/{me}/contacts");
    let t = token(&sim, me, &[READ, WRITE]);
    let first = esi_get(&sim, &path, Some(&t)).await;
    let headers: Vec<Option<String>> = ["etag", "last-modified", "expires"]
        .iter()
        .map(|h| header(&first, h))
        .collect();
    assert_eq!(
        first.json::<Vec<Value>>().await.unwrap(),
        Vec::<Value>::new()
    );

    // A contact is added; the list ESI serves is the one it cached, headers and all.
    let added = write(
        &sim,
        reqwest::Method::POST,
        me,
        &t,
        "standing=5",
        Some(json!([other])),
    );
    assert_eq!(added.await.status(), 201);
    assert_eq!(sim.contacts(me).len(), 1, "the game has it");
    let stale = esi_get(&sim, &path, Some(&t)).await;
    let again: Vec<Option<String>> = ["etag", "last-modified", "expires"]
        .iter()
        .map(|h| header(&stale, h))
        .collect();
    assert_eq!(again, headers);
    assert_eq!(
        stale.json::<Vec<Value>>().await.unwrap(),
        Vec::<Value>::new()
    );
    let conditional = http()
        .get(sim.esi_base_url().join(&path[1..]).unwrap())
        .bearer_auth(&t)
        .header("If-None-Match", headers[0].as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(conditional.status(), 304, "against the cached ETag");

    // Once the answer expires, the list shows the write, with new validators.
    sim.expire_esi_cache();
    let fresh = esi_get(&sim, &path, Some(&t)).await;
    assert_ne!(header(&fresh, "etag"), headers[0]);
    assert_ne!(header(&fresh, "last-modified"), None);
    let listed: Vec<Value> = fresh.json().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["contact_id"], other);
}

#[tokio::test]
async fn contacts_are_paged_with_x_pages_and_a_shared_last_modified() {
    let sim = start().await;
    let id = sim.characters()[0].character_id;
    let others: Vec<SimContact> = sim
        .characters()
        .iter()
        .skip(1)
        .take(25)
        .map(|c| SimContact {
            contact_id: c.character_id,
            contact_type: ContactType::Character,
            standing: 5.0,
            label_ids: vec![],
            is_watched: false,
            is_blocked: false,
        })
        .collect();
    sim.set_contacts(id, others);
    sim.set_page_size(10);
    let t = token(&sim, id, &[READ]);
    let p1 = esi_get(&sim, &format!("/characters/{id}/contacts"), Some(&t)).await;
    assert_eq!(header(&p1, "x-pages").as_deref(), Some("3"));
    let lm = header(&p1, "last-modified");
    let p3 = esi_get(&sim, &format!("/characters/{id}/contacts?page=3"), Some(&t)).await;
    assert_eq!(header(&p3, "last-modified"), lm);
    let rows: Vec<Value> = p3.json().await.unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        esi_get(&sim, &format!("/characters/{id}/contacts?page=4"), Some(&t))
            .await
            .status(),
        404
    );
}

// --- limiters -----------------------------------------------------------------------------

#[tokio::test]
async fn bucket_costs_follow_ccp_and_exhaustion_gives_429_with_retry_after() {
    let sim = start().await;
    let id = sim.characters()[0].character_id;
    let t = token(&sim, id, &["esi-characters.read_notifications.v1"]);
    let path = format!("/characters/{id}/notifications");
    // char-notification: 15 tokens per 15 minutes, 2 per 200.
    let first = esi_get(&sim, &path, Some(&t)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        header(&first, "x-ratelimit-group").as_deref(),
        Some("char-notification")
    );
    assert_eq!(
        header(&first, "x-ratelimit-limit").as_deref(),
        Some("15/15m")
    );
    assert_eq!(header(&first, "x-ratelimit-used").as_deref(), Some("2"));
    assert_eq!(
        header(&first, "x-ratelimit-remaining").as_deref(),
        Some("13")
    );
    assert!(
        header(&first, "x-esi-error-limit-remain").is_none(),
        "one header family only"
    );
    // A 304 costs 1.
    let etag = header(&first, "etag").unwrap();
    let cond = http()
        .get(sim.esi_base_url().join(&path[1..]).unwrap())
        .bearer_auth(&t)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cond.status(), 304);
    assert_eq!(
        header(&cond, "x-ratelimit-remaining").as_deref(),
        Some("12")
    );
    let mut last = cond;
    while last.status() != 429 {
        last = esi_get(&sim, &path, Some(&t)).await;
    }
    let retry: u64 = header(&last, "retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
}

#[tokio::test]
async fn a_4xx_costs_five_tokens() {
    let sim = start().await;
    let ch = sim.characters()[0].clone();
    let t = token(&sim, ch.character_id, &[READ, WRITE]);
    let resp = http()
        .delete(
            sim.esi_base_url()
                .join(&format!("characters/{}/contacts", ch.character_id))
                .unwrap(),
        )
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(header(&resp, "x-ratelimit-used").as_deref(), Some("5"));
    assert_eq!(
        header(&resp, "x-ratelimit-remaining").as_deref(),
        Some("595")
    );
}

#[tokio::test]
async fn the_error_limiter_answers_420_after_100_errors() {
    let sim = start().await;
    let first = esi_get(&sim, "/characters/1", None).await;
    assert_eq!(
        header(&first, "x-esi-error-limit-remain").as_deref(),
        Some("99")
    );
    for _ in 0..99 {
        esi_get(&sim, "/characters/1", None).await;
    }
    let limited = esi_get(
        &sim,
        &format!("/characters/{}", sim.characters()[0].character_id),
        None,
    )
    .await;
    assert_eq!(limited.status().as_u16(), 420);
    assert_eq!(
        header(&limited, "x-esi-error-limit-remain").as_deref(),
        Some("0")
    );
    assert!(header(&limited, "x-esi-error-limit-reset").is_some());
}

#[tokio::test]
async fn on_a_fast_clock_the_error_limit_resets_after_a_minute_of_that_clock() {
    let sim = start().await;
    // After the compatibility date the requests send: on the simulated EVE's own date, a later
    // one would be refused as a date in the future.
    let date = time::OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("a date");
    // 20 times as fast: the error window's minute is three wall seconds.
    sim.set_time(date, 20.0);
    let mut limited = None;
    for _ in 0..300 {
        let r = esi_get(&sim, "/characters/1", None).await;
        if r.status().as_u16() == 420 {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("a 420 after 100 errors in a minute of the fast clock");
    let reset: u64 = header(&limited, "x-esi-error-limit-reset")
        .and_then(|r| r.parse().ok())
        .expect("a reset");
    assert!(
        (1..=60).contains(&reset),
        "{reset} seconds of the fast clock"
    );
    let wall = std::time::Duration::from_secs(reset).div_f64(20.0);
    tokio::time::sleep(wall + std::time::Duration::from_millis(200)).await;
    let after = esi_get(&sim, "/characters/1", None).await;
    assert_eq!(after.status().as_u16(), 404);
    // The log is kept by the same clock.
    let logged = sim.requests();
    assert!(
        logged
            .iter()
            .all(|r| r.at >= date && r.at < date + time::Duration::minutes(10))
    );
}

// --- modes ---------------------------------------------------------------------------------

#[tokio::test]
async fn downtime_answers_503_everywhere_including_status() {
    let sim = start().await;
    sim.set_downtime(true);
    let resp = esi_get(&sim, "/status", None).await;
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].is_string());
    let resp = post_json(
        &sim,
        "universe/names",
        &json!([sim.characters()[0].character_id]),
    )
    .await;
    assert_eq!(resp.status(), 503);
    sim.set_downtime(false);
    assert_eq!(esi_get(&sim, "/status", None).await.status(), 200);
}

#[tokio::test]
async fn faults_and_garbage_can_be_switched_on() {
    let sim = start().await;
    sim.set_fault_rate(1.0);
    assert!(
        esi_get(&sim, "/alliances", None)
            .await
            .status()
            .is_server_error()
    );
    sim.set_fault_rate(0.0);
    sim.set_garbage(Some("/alliances".into()));
    let resp = esi_get(&sim, "/alliances", None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<Value>().await.is_err());
    sim.set_garbage(None);
    assert!(
        esi_get(&sim, "/alliances", None)
            .await
            .json::<Value>()
            .await
            .is_ok()
    );
}

// --- auth ---------------------------------------------------------------------------------

#[tokio::test]
async fn authenticated_routes_need_a_token_for_that_character_with_the_scope() {
    let sim = start().await;
    let me = sim.characters()[0].character_id;
    let other = sim.characters()[1].character_id;
    let path = format!("/characters/{me}/contacts");
    assert_eq!(esi_get(&sim, &path, None).await.status(), 403);
    let wrong_scope = token(&sim, me, &["esi-mail.send_mail.v1"]);
    let resp = esi_get(&sim, &path, Some(&wrong_scope)).await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "token not valid for scope");
    let others = token(&sim, other, &[READ]);
    assert_eq!(esi_get(&sim, &path, Some(&others)).await.status(), 403);
    let resp = esi_get(&sim, &path, Some("not-a-jwt")).await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert!(body["sso_status"].is_number());

    // A real login works, and the log records whose token it was.
    let tokens = login(&sim, me, &[READ]).await;
    assert_eq!(
        esi_get(&sim, &path, Some(&tokens.access_token))
            .await
            .status(),
        200
    );
    assert_eq!(sim.requests().last().unwrap().character_id, Some(me));
}

#[tokio::test]
async fn membertracking_needs_the_director_role_and_members_need_membership() {
    let sim = start().await;
    let corp = sim.corporations()[0].clone();
    let members: Vec<_> = sim
        .characters()
        .into_iter()
        .filter(|c| c.corporation_id == corp.corporation_id)
        .collect();
    let ceo = corp.ceo_id;
    let plain = members
        .iter()
        .find(|c| c.roles.is_empty())
        .unwrap()
        .character_id;
    let track = "esi-corporations.track_members.v1";
    let path = format!("/corporations/{}/membertracking", corp.corporation_id);
    assert_eq!(
        esi_get(&sim, &path, Some(&token(&sim, ceo, &[track])))
            .await
            .status(),
        200
    );
    assert_eq!(
        esi_get(&sim, &path, Some(&token(&sim, plain, &[track])))
            .await
            .status(),
        403
    );

    let membership = "esi-corporations.read_corporation_membership.v1";
    let path = format!("/corporations/{}/members", corp.corporation_id);
    let ids: Vec<i64> = esi_get(&sim, &path, Some(&token(&sim, plain, &[membership])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids.len(), members.len());
    let outsider = outside_of(&sim, corp.corporation_id);
    assert_eq!(
        esi_get(&sim, &path, Some(&token(&sim, outsider, &[membership])))
            .await
            .status(),
        403
    );

    let roles: Value = esi_get(
        &sim,
        &format!("/characters/{ceo}/roles"),
        Some(&token(
            &sim,
            ceo,
            &["esi-characters.read_corporation_roles.v1"],
        )),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(roles["roles"][0], "Director");
}

// --- contacts -------------------------------------------------------------------------------

async fn write(
    sim: &EveSim,
    method: reqwest::Method,
    id: i64,
    t: &str,
    query: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let url = sim
        .esi_base_url()
        .join(&format!("characters/{id}/contacts?{query}"))
        .unwrap();
    let mut req = http().request(method, url).bearer_auth(t);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn contacts_can_be_added_edited_and_deleted_within_ccp_limits() {
    let sim = start().await;
    let chars = sim.characters();
    let me = chars[0].character_id;
    let t = token(&sim, me, &[READ, WRITE]);
    let targets: Vec<i64> = chars[1..4].iter().map(|c| c.character_id).collect();

    let resp = write(
        &sim,
        reqwest::Method::POST,
        me,
        &t,
        "standing=-10&label_ids=4&watched=true",
        Some(json!(targets)),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let created: Vec<i64> = resp.json().await.unwrap();
    assert_eq!(created, targets);
    // Existing ones are not created twice.
    let again: Vec<i64> = write(
        &sim,
        reqwest::Method::POST,
        me,
        &t,
        "standing=-10",
        Some(json!(targets)),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(again.is_empty());

    let resp = write(
        &sim,
        reqwest::Method::PUT,
        me,
        &t,
        "standing=5",
        Some(json!([targets[0]])),
    )
    .await;
    assert_eq!(resp.status(), 204);
    let listed: Vec<Value> = esi_get(&sim, &format!("/characters/{me}/contacts"), Some(&t))
        .await
        .json()
        .await
        .unwrap();
    let first = listed
        .iter()
        .find(|c| c["contact_id"] == targets[0])
        .unwrap();
    assert_eq!(first["standing"], 5.0);
    let second = listed
        .iter()
        .find(|c| c["contact_id"] == targets[1])
        .unwrap();
    assert_eq!(second["label_ids"], json!([4]));
    assert_eq!(second["is_watched"], true);

    let q = format!("contact_ids={}&contact_ids={}", targets[0], targets[1]);
    assert_eq!(
        write(&sim, reqwest::Method::DELETE, me, &t, &q, None)
            .await
            .status(),
        204
    );
    assert_eq!(sim.contacts(me).len(), 1);

    // The other side hears about it, as in game.
    let notes: Vec<Value> = esi_get(
        &sim,
        &format!("/characters/{}/notifications", targets[2]),
        Some(&token(
            &sim,
            targets[2],
            &["esi-characters.read_notifications.v1"],
        )),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(notes.iter().any(|n| n["type"] == "ContactAdd"));
}

#[tokio::test]
async fn contact_writes_refuse_101_ids_21_deletes_and_the_1025th_contact() {
    let sim = start().await;
    let chars = sim.characters();
    let me = chars[0].character_id;
    let t = token(&sim, me, &[WRITE]);
    let ids: Vec<i64> = chars[1..102].iter().map(|c| c.character_id).collect();
    let resp = write(
        &sim,
        reqwest::Method::POST,
        me,
        &t,
        "standing=0",
        Some(json!(ids)),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = write(
        &sim,
        reqwest::Method::PUT,
        me,
        &t,
        "standing=0",
        Some(json!(ids)),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let q: Vec<String> = ids[..21]
        .iter()
        .map(|i| format!("contact_ids={i}"))
        .collect();
    assert_eq!(
        write(&sim, reqwest::Method::DELETE, me, &t, &q.join("&"), None)
            .await
            .status(),
        400
    );

    // Fill the list to 1024 through the game, then one more through ESI is refused.
    let full: Vec<SimContact> = (0..1024)
        .map(|i| SimContact {
            contact_id: 3_000_000 + i,
            contact_type: ContactType::Character,
            standing: 0.0,
            label_ids: vec![],
            is_watched: false,
            is_blocked: false,
        })
        .collect();
    sim.set_contacts(me, full);
    let resp = write(
        &sim,
        reqwest::Method::POST,
        me,
        &t,
        "standing=10",
        Some(json!([chars[1].character_id])),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 520);
    assert_eq!(sim.contacts(me).len(), 1024);
}

#[tokio::test]
async fn alliance_contacts_and_labels_are_readable_by_members() {
    let sim = start().await;
    let member = sim
        .characters()
        .into_iter()
        .find(|c| c.alliance_id.is_some())
        .unwrap();
    let alliance = member.alliance_id.unwrap();
    let t = token(
        &sim,
        member.character_id,
        &["esi-alliances.read_contacts.v1"],
    );
    let contacts: Vec<Value> = esi_get(&sim, &format!("/alliances/{alliance}/contacts"), Some(&t))
        .await
        .json()
        .await
        .unwrap();
    assert!(!contacts.is_empty());
    assert!(contacts.iter().all(|c| c.get("is_blocked").is_none()));
    let labels: Vec<Value> = esi_get(
        &sim,
        &format!("/alliances/{alliance}/contacts/labels"),
        Some(&t),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(labels.iter().any(|l| l["label_name"] == "WT"));
}

#[tokio::test]
async fn mail_can_be_sent() {
    let sim = start().await;
    let me = sim.characters()[0].character_id;
    let to = sim.characters()[1].character_id;
    let resp = http()
        .post(sim.esi_base_url().join(&format!("characters/{me}/mail")).unwrap())
        .bearer_auth(token(&sim, me, &["esi-mail.send_mail.v1"]))
        .json(&json!({"recipients": [{"recipient_id": to, "recipient_type": "character"}], "subject": "Hi", "body": "o7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let mail_id: i64 = resp.json().await.unwrap();
    assert_eq!(sim.mails()[0].mail_id, mail_id);
}

// --- CCP's keys, dates and error bodies ------------------------------------------------------

#[tokio::test]
async fn buckets_are_kept_per_application_and_character_and_per_address_on_public_routes() {
    let sim = start().await;
    let (a, b) = (
        sim.characters()[0].character_id,
        sim.characters()[1].character_id,
    );
    let path = |id: i64| format!("/characters/{id}/notifications");
    let scope = ["esi-characters.read_notifications.v1"];
    let remaining = |r: &reqwest::Response| header(r, "x-ratelimit-remaining");
    // char-notification holds 15 tokens: one application's calls for one character share it …
    let ours_a = sim.access_token_for_test(CLIENT_ID, a, &scope).unwrap();
    esi_get(&sim, &path(a), Some(&ours_a)).await;
    let r = esi_get(&sim, &path(a), Some(&ours_a)).await;
    assert_eq!(remaining(&r).as_deref(), Some("11"));
    // … another character of the same application has its own bucket …
    let ours_b = sim.access_token_for_test(CLIENT_ID, b, &scope).unwrap();
    let r = esi_get(&sim, &path(b), Some(&ours_b)).await;
    assert_eq!(remaining(&r).as_deref(), Some("13"));
    // … and so has another application for the same character.
    let theirs_a = sim.access_token_for_test("another-app", a, &scope).unwrap();
    let r = esi_get(&sim, &path(a), Some(&theirs_a)).await;
    assert_eq!(remaining(&r).as_deref(), Some("13"));

    // A public route counts per address; a token sent along makes it address and application.
    let public = "/status";
    let bare = esi_get(&sim, public, None).await;
    let max: u32 = header(&bare, "x-ratelimit-limit")
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let left = |r: &reqwest::Response| -> u32 { remaining(r).unwrap().parse().unwrap() };
    assert_eq!(left(&bare), max - 2);
    assert_eq!(left(&esi_get(&sim, public, None).await), max - 4);
    assert_eq!(left(&esi_get(&sim, public, Some(&ours_a)).await), max - 2);
    assert_eq!(
        left(&esi_get(&sim, public, Some(&ours_b)).await),
        max - 4,
        "one application"
    );
    assert_eq!(left(&esi_get(&sim, public, Some(&theirs_a)).await), max - 2);
}

async fn status_with_date(sim: &EveSim, date: Option<&str>) -> reqwest::Response {
    let mut req = http().get(sim.esi_base_url().join("status").unwrap());
    if let Some(d) = date {
        req = req.header("X-Compatibility-Date", d);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn compatibility_dates_in_the_future_before_2020_or_malformed_are_refused() {
    let sim = start().await;
    // ESI's day starts at 11:00 UTC: "today" is 11 hours behind. The simulator keeps the wall
    // clock, as CCP's servers do.
    #[allow(clippy::disallowed_methods)]
    let today = (time::OffsetDateTime::now_utc() - time::Duration::hours(11)).date();
    let tomorrow = (today + time::Duration::days(1)).to_string();
    for (sent, why) in [
        (tomorrow.as_str(), "is in the future"),
        ("2999-01-01", "is in the future"),
        ("2019-12-31", "is before the first date, 2020-01-01"),
        ("2026-8-18", "expected a date as YYYY-MM-DD"),
        ("latest", "expected a date as YYYY-MM-DD"),
    ] {
        let r = status_with_date(&sim, Some(sent)).await;
        assert_eq!(r.status(), 400, "{sent}");
        assert!(header(&r, "x-compatibility-date").is_none(), "{sent}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "Invalid compatibility date", "{sent}");
        assert_eq!(body["status"], 400);
        let detail = &body["details"][0];
        assert_eq!(detail["location"], "header.X-Compatibility-Date");
        assert_eq!(detail["value"], sent);
        assert!(
            detail["message"].as_str().unwrap().contains(why),
            "{sent}: {detail}"
        );
    }
    // Today, the spec's date and no date at all are served; a date after the spec's echoes
    // the spec's, none echoes the oldest.
    for (sent, echoed) in [
        (Some(today.to_string()), "2026-08-18"),
        (Some("2026-08-18".to_owned()), "2026-08-18"),
        (Some("2020-01-01".to_owned()), "2020-01-01"),
        (None, "2020-01-01"),
    ] {
        let r = status_with_date(&sim, sent.as_deref()).await;
        assert_eq!(r.status(), 200, "{sent:?}");
        assert_eq!(header(&r, "x-compatibility-date").as_deref(), Some(echoed));
    }
}

#[tokio::test]
async fn errors_carry_the_specs_fields_and_server_errors_only_the_message() {
    let sim = start().await;
    let id = sim.characters()[0].character_id;
    let t = token(&sim, id, &[READ]);
    let r = esi_get(&sim, &format!("/characters/{id}/contacts?page=0"), Some(&t)).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "error": "Invalid page",
            "status": 400,
            "details": [{"location": "query.page", "message": "page must be a positive integer", "value": "0"}],
        })
    );
    let r = esi_get(&sim, "/characters/1", None).await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert!(body["error"].is_string());
    let r = esi_get(&sim, "/no/such/route", None).await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Not found", "status": 404})
    );
    let r = esi_get(&sim, &format!("/characters/{id}/contacts"), None).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 403);

    sim.set_downtime(true);
    let r = esi_get(&sim, "/status", None).await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "The datasource tranquility is temporarily unavailable"})
    );
}

#[tokio::test]
async fn membertracking_reports_the_logon_times_the_control_api_set_and_names_its_places() {
    let sim = start().await;
    let corp = sim.corporations()[0].clone();
    let member = sim
        .characters()
        .into_iter()
        // One member in four sits in the corporation's structure; this one in the station.
        .find(|c| {
            c.corporation_id == corp.corporation_id
                && c.character_id != corp.ceo_id
                && c.character_id % 4 != 0
        })
        .unwrap()
        .character_id;
    let r = http()
        .post(
            sim.base_url()
                .join(&format!("_sim/characters/{member}/logon"))
                .unwrap(),
        )
        .json(&json!({
            "logon_date": "2026-01-02T03:04:05Z",
            "logoff_date": "2026-01-02T06:04:05Z",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    let track = token(&sim, corp.ceo_id, &["esi-corporations.track_members.v1"]);
    let path = format!("/corporations/{}/membertracking", corp.corporation_id);
    let rows: Vec<Value> = esi_get(&sim, &path, Some(&track))
        .await
        .json()
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r["character_id"] == json!(member))
        .unwrap();
    assert_eq!(row["logon_date"], "2026-01-02T03:04:05Z");
    assert_eq!(row["logoff_date"], "2026-01-02T06:04:05Z");

    // The station and ship every member is reported in have names, as in game.
    let names: Vec<Value> = http()
        .post(sim.base_url().join("universe/names").unwrap())
        .json(&json!([row["location_id"], row["ship_type_id"]]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let categories: Vec<&str> = names
        .iter()
        .map(|n| n["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["station", "inventory_type"]);
}

#[tokio::test]
async fn a_corporations_structure_is_described_to_its_members_and_forbidden_to_others() {
    let sim = start().await;
    let corp = sim.corporations()[0].clone();
    let structure = jumpgate_evesim::world::structure_of(corp.corporation_id);
    let scope = "esi-universe.read_structures.v1";
    let path = format!("/universe/structures/{structure}");
    let found: Value = esi_get(&sim, &path, Some(&token(&sim, corp.ceo_id, &[scope])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["owner_id"], json!(corp.corporation_id));
    assert!(found["name"].as_str().unwrap().contains(&corp.ticker));
    let outsider = outside_of(&sim, corp.corporation_id);
    assert_eq!(
        esi_get(&sim, &path, Some(&token(&sim, outsider, &[scope])))
            .await
            .status(),
        403
    );
    assert_eq!(
        esi_get(
            &sim,
            "/universe/structures/1000000000001",
            Some(&token(&sim, corp.ceo_id, &[scope]))
        )
        .await
        .status(),
        403,
        "an id that is no structure is forbidden too, as at CCP"
    );
}

/// A character of another corporation than `corporation`.
fn outside_of(sim: &EveSim, corporation: i64) -> i64 {
    sim.characters()
        .into_iter()
        .find(|c| c.corporation_id != corporation)
        .unwrap()
        .character_id
}
