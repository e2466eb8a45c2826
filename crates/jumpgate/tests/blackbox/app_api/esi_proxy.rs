//! The ESI proxy (`app-esi-proxy`): an application's ESI request sent with a character's token
//! of one of its EVE logins, through both URL styles and both ways of naming the character;
//! refusals in Neucore's order and words, with nothing sent to ESI; and under ESI's 420, 429,
//! downtime and a nearly spent error limit, a 429 with `Retry-After` and nothing sent, so an
//! application never spends the error limit that Jumpgate's own work needs.

use super::*;
use crate::support::urlencode;
use jumpgate_domain::EveLogin;
use jumpgate_evesim::{ContactType, SimContact};
use reqwest::Method;
use serde_json::{Value, json};

/// The login whose token carries the roles scope (`/characters/{id}/roles`).
const LEADERSHIP: &str = "core.leadership";
/// The login whose token reads and writes a character's contacts.
const SYNC: &str = "standings.sync";

/// A member who granted `core.leadership` and `standings.sync` and is a Director in EVE, and a
/// fleet tool with the proxy role and both logins.
async fn director_and_tool(t: &TestApp) -> (i64, ApiClient) {
    let director = t.member_character();
    assert!(t.sim.set_roles(director, vec!["Director".to_owned()]));
    let b = t.browser();
    b.login_ok(director).await;
    for login in [LEADERSHIP, SYNC] {
        let r = b.login_with(login, director).await;
        assert!(r.status().is_redirection(), "{login}: {}", r.status());
    }
    let api = ApiClient::new(
        t,
        "Fleet tool",
        &[AppRole::EsiProxy],
        &[],
        &[LEADERSHIP, SYNC],
    )
    .await;
    (director, api)
}

/// ESI requests the simulator saw on paths containing `part`.
fn sent(t: &TestApp, part: &str) -> usize {
    t.sim
        .requests()
        .iter()
        .filter(|r| r.path.contains(part))
        .count()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `/api/app/{version}/esi?esi-path-query=…&datasource=…`
fn query_style(version: &str, esi: &str, datasource: &str) -> String {
    format!(
        "/api/app/{version}/esi?esi-path-query={}&datasource={}",
        urlencode(esi),
        urlencode(datasource)
    )
}

/// The status and JSON string body of a v2 refusal, and the seconds of its `Retry-After`.
async fn refusal(r: reqwest::Response) -> (StatusCode, String, Option<u64>) {
    let retry = header(&r, "retry-after").map(|v| v.parse::<u64>().unwrap());
    let (status, message) = error_of(r).await;
    (status, message, retry)
}

on_both_backends!(
    an_authenticated_route_answers_through_both_url_styles_and_both_ways_of_naming_the_character,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let roles = format!("/characters/{director}/roles");
        t.sim.clear_requests();

        // The path style, the character in the headers.
        let r = api
            .request(Method::GET, &format!("/api/app/v2/esi{roles}"))
            .header("Neucore-EveCharacter", director.to_string())
            .header("Neucore-EveLogin", LEADERSHIP)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // ESI's headers are passed on; others (its Cache-Control) are not.
        assert!(
            header(&r, "content-type")
                .unwrap()
                .starts_with("application/json")
        );
        for name in ["expires", "etag", "last-modified", "x-compatibility-date"] {
            assert!(header(&r, name).is_some(), "{name}");
        }
        assert_eq!(header(&r, "x-ratelimit-group"), Some("char-detail"));
        assert_eq!(header(&r, "x-ratelimit-limit"), Some("600/15m"));
        assert_eq!(header(&r, "x-ratelimit-used"), Some("2"));
        assert!(header(&r, "x-ratelimit-remaining").is_some());
        assert_eq!(header(&r, "cache-control"), Some("no-store"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["roles"], json!(["Director"]));

        // Every other way of asking gets the same answer: the query style, `datasource`, v1,
        // an old client's version prefix and trailing slash; the header wins over `datasource`.
        let datasource = format!("{director}:{LEADERSHIP}");
        let asks = [
            (query_style("v2", &roles, &datasource), None),
            (query_style("v1", &roles, &datasource), None),
            (
                format!(
                    "/api/app/v1/esi{roles}?datasource={}",
                    urlencode(&datasource)
                ),
                None,
            ),
            (
                format!(
                    "/api/app/v2/esi/latest{roles}/?datasource={}",
                    urlencode(&datasource)
                ),
                None,
            ),
            (
                format!("/api/app/v2/esi{roles}?datasource=1"),
                Some(director),
            ),
        ];
        for (path, header_character) in asks {
            let mut request = api.request(Method::GET, &path);
            if let Some(c) = header_character {
                request = request
                    .header("Neucore-EveCharacter", c.to_string())
                    .header("Neucore-EveLogin", LEADERSHIP);
            }
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            let again: Value = r.json().await.unwrap();
            assert_eq!(again, body, "{path}");
        }
        // ESI's answer lives for an hour: it was asked once, the cache answered the rest.
        assert_eq!(sent(&t, &roles), 1);
    }
);

on_both_backends!(
    the_query_is_forwarded_but_datasource_and_a_post_carries_its_body,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let contacts = format!("/characters/{director}/contacts");
        let others: Vec<i64> = t
            .sim
            .characters()
            .iter()
            .map(|c| c.character_id)
            .filter(|c| *c != director)
            .take(3)
            .collect();
        t.sim.set_contacts(director, Vec::new());

        let r = api
            .request(
                Method::POST,
                &query_style(
                    "v2",
                    &format!("{contacts}?standing=5"),
                    &format!("{director}:{SYNC}"),
                ),
            )
            .header("Content-Type", "text/plain")
            .body(serde_json::to_vec(&others).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let added: Vec<SimContact> = t.sim.contacts(director);
        assert_eq!(added.len(), 3);
        assert!(
            added
                .iter()
                .all(|c| c.standing == 5.0 && c.contact_type == ContactType::Character)
        );

        t.sim.set_page_size(2);
        t.sim.clear_requests();
        let r = api
            .get(&format!(
                "/api/app/v2/esi{contacts}?page=2&datasource={director}:{SYNC}&unknown=1"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "x-pages"), Some("2"));
        let page: Vec<Value> = r.json().await.unwrap();
        assert_eq!(page.len(), 1);
        let asked = t.sim.requests();
        assert_eq!(
            asked.iter().map(|r| r.query.as_deref()).collect::<Vec<_>>(),
            [Some("page=2")],
            "page forwarded; datasource and what the spec does not declare left out"
        );

        // A body that is not JSON is refused before ESI sees it (ESI would count an error).
        let r = api
            .request(
                Method::POST,
                &format!("/api/app/v2/esi{contacts}?standing=5"),
            )
            .header("Neucore-EveCharacter", director.to_string())
            .header("Neucore-EveLogin", SYNC)
            .body("not json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(r).await,
            (StatusCode::BAD_REQUEST, "Invalid body.".to_owned())
        );
        assert_eq!(t.sim.requests().len(), 1, "nothing more was sent");
    }
);

on_both_backends!(
    refusals_come_in_neucores_order_and_words_and_send_nothing,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let member_only = t.characters_of_one_owner(1)[0];
        t.browser().login_ok(member_only).await;
        let roles = |c: i64| format!("/characters/{c}/roles");
        t.sim.clear_requests();

        let no_character = "The Neucore-EveCharacter header and datasource parameter cannot both be empty, one of them must contain an EVE character ID";
        let cases: Vec<(String, StatusCode, &str)> = vec![
            (
                "/api/app/v2/esi".to_owned(),
                StatusCode::BAD_REQUEST,
                "Path cannot be empty.",
            ),
            (
                query_style("v2", "/alliances", &director.to_string()),
                StatusCode::BAD_REQUEST,
                "Public ESI routes are not allowed.",
            ),
            (
                format!("/api/app/v2/esi{}", roles(director)),
                StatusCode::BAD_REQUEST,
                no_character,
            ),
            (
                query_style("v2", &roles(1), &format!("1:{LEADERSHIP}")),
                StatusCode::BAD_REQUEST,
                "Character not found.",
            ),
            (
                query_style(
                    "v2",
                    &roles(member_only),
                    &format!("{member_only}:{LEADERSHIP}"),
                ),
                StatusCode::BAD_REQUEST,
                "Character has no valid token.",
            ),
        ];
        for (path, status, message) in cases {
            assert_eq!(
                error_of(api.get(&path).await).await,
                (status, message.to_owned()),
                "{path}"
            );
        }
        // A route ESI does not have is refused too (ESI would answer 404 and count an error).
        let (status, message) = error_of(
            api.get(&query_style("v2", "/nowhere/1", &director.to_string()))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            message.starts_with("ESI has no route GET /nowhere/1"),
            "{message}"
        );

        // v1: the same, as a reason phrase without a body.
        let r = api
            .get(&query_style("v1", "/alliances", &director.to_string()))
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.bytes().await.unwrap().is_empty());

        // The application must hold the login: 403.
        let wiki =
            ApiClient::new(&t, "Wiki", &[AppRole::EsiProxy], &[], &[EveLogin::DEFAULT]).await;
        let directors_roles =
            query_style("v2", &roles(director), &format!("{director}:{LEADERSHIP}"));
        let r = wiki.get(&directors_roles).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Its `core.default` token lacks the roles scope: refused as ESI would refuse it.
        let r = wiki
            .get(&query_style("v2", &roles(director), &director.to_string()))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().starts_with(
                "token not valid for scope(s): esi-characters.read_corporation_roles.v1"
            ),
            "{body}"
        );
        // Without the role: 403 whatever the request.
        let groups_only =
            ApiClient::new(&t, "Pingboard", &[AppRole::Groups], &[], &[LEADERSHIP]).await;
        let r = groups_only.get(&directors_roles).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A body longer than any ESI request: 413.
        let r = api
            .request(
                Method::POST,
                &format!("/api/app/v2/esi/characters/{director}/contacts"),
            )
            .header("Neucore-EveCharacter", director.to_string())
            .header("Neucore-EveLogin", SYNC)
            .body(vec![b' '; 300 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

        assert!(t.sim.requests().is_empty(), "{:?}", t.sim.requests());
    }
);

on_both_backends!(
    after_esis_420_every_instance_answers_429_and_sends_nothing,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let roles = format!("/characters/{director}/roles");
        let ask = |api: &ApiClient| {
            api.request(Method::GET, &format!("/api/app/v2/esi{roles}"))
                .header("Neucore-EveCharacter", director.to_string())
                .header("Neucore-EveLogin", LEADERSHIP)
                .send()
        };
        t.sim.force_420(&roles, 30);
        t.sim.clear_requests();
        let r = ask(&api).await.unwrap();
        assert_eq!(r.status().as_u16(), 420, "ESI's own answer is passed on");
        assert_eq!(header(&r, "x-esi-error-limit-remain"), Some("0"));

        let (status, message, retry) = refusal(ask(&api).await.unwrap()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            message,
            "Maximum permissible ESI error limit reached (X-Esi-Error-Limit-Remain <= 20)."
        );
        assert!((1..=30).contains(&retry.unwrap()), "{retry:?}");
        // Another instance learned of the pause through the database.
        let other = t.another_instance().await;
        let (status, _, retry) = refusal(ask(&api.at(&other.base)).await.unwrap()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!((1..=30).contains(&retry.unwrap()), "{retry:?}");
        // v1 says it with a reason phrase.
        let r = api
            .get(&query_style(
                "v1",
                &roles,
                &format!("{director}:{LEADERSHIP}"),
            ))
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(header(&r, "retry-after").is_some());
        assert!(r.bytes().await.unwrap().is_empty());
        assert_eq!(
            sent(&t, "/"),
            1,
            "only the request ESI answered 420 was sent"
        );
    }
);

on_both_backends!(
    after_esis_429_the_bucket_is_closed_to_the_proxy_until_retry_after,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let roles = format!("/characters/{director}/roles");
        let path = query_style("v2", &roles, &format!("{director}:{LEADERSHIP}"));
        t.sim.force_429(&roles, 40);
        t.sim.clear_requests();
        let r = api.get(&path).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(header(&r, "retry-after"), Some("40"), "ESI's own answer");

        let (status, message, retry) = refusal(api.get(&path).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            message,
            "Maximum permissible ESI rate limit reached for group 'char-detail'."
        );
        assert!((1..=40).contains(&retry.unwrap()), "{retry:?}");
        assert_eq!(sent(&t, "/"), 1);
    }
);

on_both_backends!(
    while_esi_is_down_the_proxy_answers_429_and_sends_nothing,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        let path = query_style(
            "v2",
            &format!("/characters/{director}/roles"),
            &format!("{director}:{LEADERSHIP}"),
        );
        t.sim.set_downtime(true);
        t.sim.clear_requests();
        let r = api.get(&path).await;
        assert_eq!(
            r.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "ESI's own answer"
        );
        let (status, message, retry) = refusal(api.get(&path).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(message.starts_with("ESI is down"), "{message}");
        assert!((1..=60 * 15).contains(&retry.unwrap()), "{retry:?}");
        assert_eq!(sent(&t, "/"), 1, "ESI's 503 was the last request");
    }
);

on_both_backends!(
    the_proxy_stops_at_twenty_errors_left_while_jumpgates_own_work_goes_on,
    |t: TestApp| async move {
        let (director, api) = director_and_tool(&t).await;
        // Another character's roles with the director's token: ESI refuses each with a 403,
        // which counts against the error limit of Jumpgate's whole deployment.
        let stranger = t.characters_of_one_owner(1)[0];
        let path = query_style(
            "v2",
            &format!("/characters/{stranger}/roles"),
            &format!("{director}:{LEADERSHIP}"),
        );
        t.sim.clear_requests();
        let mut refused = None;
        for _ in 0..100 {
            let r = api.get(&path).await;
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(refusal(r).await);
                break;
            }
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "ESI's answer");
        }
        let (_, message, retry) = refused.expect("the proxy stops before ESI's limit");
        assert!(
            message.starts_with("Maximum permissible ESI error limit reached"),
            "{message}"
        );
        assert!((1..=60).contains(&retry.unwrap()), "{retry:?}");
        assert_eq!(sent(&t, "/roles"), 80, "ESI's limit is 100: 20 are left");
        // Jumpgate's own work stops at 10 left, so it goes on.
        let own = jumpgate_app::testing::esi(&t.app)
            .character(jumpgate_domain::CharacterId(director))
            .await;
        assert!(own.is_ok(), "{own:?}");
    }
);
