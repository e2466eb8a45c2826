//! Anonymous requests cost nothing lasting (security review M2): the EVE login and the pages of
//! people not signed in are limited per client address, which a trusted reverse proxy names.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, TestApp};
use reqwest::StatusCode;

const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eve_login_is_limited_per_address_and_says_when_to_try_again() {
    for backend in BACKENDS {
        let t = TestApp::spawn_with(backend, |s| s.server.sso_requests_per_minute = 3).await;
        let b = t.browser();
        for _ in 0..3 {
            assert_eq!(b.get("/sso/login").await.status(), StatusCode::SEE_OTHER);
        }
        let r = b.get("/sso/login").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&wait), "{wait}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains(&format!(
                "Wait {wait} seconds, then try again. Nothing was changed."
            )),
            "{page}"
        );
        // The callback counts too: a script cannot make Jumpgate call CCP's token endpoint.
        let r = b.get("/sso/callback?code=junk&state=junk").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

        // The test's requests come through a proxy on this machine (loopback is trusted by
        // default), which names another client: that client has its own allowance.
        let r = b
            .client
            .get(b.url("/sso/login"))
            .header("x-forwarded-for", "198.51.100.7")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cannot_escape_the_limit_by_naming_another_address_itself() {
    for backend in BACKENDS {
        let t = TestApp::spawn_with(backend, |s| {
            s.server.sso_requests_per_minute = 2;
            s.server.trusted_proxies = Vec::new();
        })
        .await;
        let b = t.browser();
        let statuses = logins_claiming_other_addresses(&b, 3).await;
        assert_eq!(
            statuses,
            [
                StatusCode::SEE_OTHER,
                StatusCode::SEE_OTHER,
                StatusCode::TOO_MANY_REQUESTS
            ],
            "{backend:?}: X-Forwarded-For from an untrusted peer is ignored"
        );
    }
}

/// `n` logins started one after the other, each claiming another forwarded address.
async fn logins_claiming_other_addresses(b: &crate::support::Browser, n: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for i in 0..n {
        let r = b
            .client
            .get(b.url("/sso/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_for_people_not_signed_in_are_limited_signed_in_ones_are_not() {
    for backend in BACKENDS {
        let t = TestApp::spawn_with(backend, |s| s.server.anonymous_requests_per_minute = 5).await;
        let signed_in = t.browser();
        signed_in.login_ok(t.sim.characters()[0].character_id).await;

        let anonymous = t.browser();
        for _ in 0..5 {
            assert_eq!(anonymous.get("/").await.status(), StatusCode::OK);
        }
        assert_eq!(
            anonymous.get("/").await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}"
        );
        // A made-up session cookie does not make anyone signed in.
        let r = anonymous
            .client
            .get(anonymous.url("/"))
            .header("cookie", "jumpgate_session=made-up")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Health probes and static files are not pages.
        assert_eq!(anonymous.get("/healthz").await.status(), StatusCode::OK);
        assert_eq!(
            anonymous.get("/static/app.css").await.status(),
            StatusCode::OK
        );

        // The signed-in person on the same address goes on.
        for _ in 0..10 {
            assert_eq!(signed_in.get("/account").await.status(), StatusCode::OK);
            assert_eq!(signed_in.get("/").await.status(), StatusCode::OK);
        }
    }
}
