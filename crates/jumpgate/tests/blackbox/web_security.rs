//! What the web edge refuses: forged requests, replayed logins, people without permission.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{
    Backend, METRICS_TOKEN, TestApp, cookie_pair, location, plain_client, set_cookie,
};
use jumpgate_domain::clock::ManualClock;
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;

on_both_backends!(
    a_cross_site_or_same_site_post_is_refused_and_changes_nothing,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let b = t.browser();
        b.login_ok(ids[0]).await;
        b.login_ok(ids[1]).await;
        let own_origin = t.base.origin().ascii_serialization();
        // `same-site` is a sibling subdomain (evil.auth.example.org for auth.example.org): the
        // realistic attack, since SameSite=Lax cookies go along with it.
        let refused: [&[(&str, &str)]; 4] = [
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[
                ("sec-fetch-site", "same-site"),
                ("origin", own_origin.as_str()),
            ],
            &[("origin", "https://evil.example")],
        ];
        for headers in refused {
            let mut request = b
                .client
                .post(b.url("/account/main"))
                .form(&[("character_id", ids[1].to_string())]);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{headers:?}");
            assert!(
                r.text().await.unwrap().contains("came from another site"),
                "{headers:?}"
            );
        }
        let main = || async {
            let acc = t
                .store
                .character(jumpgate_domain::CharacterId(ids[0]))
                .await
                .unwrap()
                .unwrap()
                .account;
            t.store.account(acc).await.unwrap().unwrap().main_character
        };
        assert_eq!(main().await, Some(jumpgate_domain::CharacterId(ids[0])));

        // Jumpgate's own pages (`same-origin`), a typed address or bookmark (`none`) and a
        // client that is not a browser (neither header) are let through: each makes the change.
        let allowed: [&[(&str, &str)]; 4] = [
            &[("sec-fetch-site", "same-origin")],
            &[("sec-fetch-site", "none")],
            &[("origin", own_origin.as_str())],
            &[],
        ];
        for (i, headers) in allowed.into_iter().enumerate() {
            let to = ids[(i + 1) % 2];
            let mut request = b
                .client
                .post(b.url("/account/main"))
                .form(&[("character_id", to.to_string())]);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{headers:?}");
            assert_eq!(
                main().await,
                Some(jumpgate_domain::CharacterId(to)),
                "{headers:?}"
            );
        }
    }
);

on_both_backends!(
    a_callback_with_a_foreign_state_is_refused,
    |t: TestApp| async move {
        let id = t.sim.characters()[0].character_id;
        let b = t.browser();
        let authorize = b.start_login().await;
        let mut callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        let code = callback
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        callback
            .query_pairs_mut()
            .clear()
            .append_pair("code", &code)
            .append_pair("state", "forged");
        let r = b.client.get(callback).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("does not match"));
        assert_eq!(
            t.store.count_accounts().await.unwrap(),
            0,
            "nothing was created"
        );
    }
);

on_both_backends!(a_replayed_callback_is_refused, |t: TestApp| async move {
    let id = t.sim.characters()[0].character_id;
    let b = t.browser();
    let authorize = b.start_login().await;
    let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
    let first = b.client.get(callback.clone()).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let again = b.client.get(callback).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(t.store.count_accounts().await.unwrap(), 1);
});

on_both_backends!(
    a_callback_in_another_browser_is_refused,
    |t: TestApp| async move {
        let id = t.sim.characters()[0].character_id;
        let victim = t.browser();
        let authorize = victim.start_login().await;
        let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        let attacker = t.browser();
        let r = attacker.client.get(callback).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(t.store.count_accounts().await.unwrap(), 0);
    }
);

on_both_backends!(a_cancelled_login_says_so, |t: TestApp| async move {
    let b = t.browser();
    let authorize = b.start_login().await;
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let r = b
        .get(&format!("/sso/callback?error=access_denied&state={state}"))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("cancelled"));
});

on_both_backends!(
    a_callback_error_shows_none_of_the_text_the_link_carried,
    |t: TestApp| async move {
        let b = t.browser();
        b.start_login().await;
        let r = b
            .get(
                "/sso/callback?error=Your+account+was+compromised&error_description=\
                 contact+Director+X+on+Discord",
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(!page.contains("compromised"), "{page}");
        assert!(!page.contains("Director X"), "{page}");
        assert!(page.contains("Nothing was changed"), "{page}");
    }
);

on_both_backends!(
    anonymous_visitors_are_sent_to_login,
    |t: TestApp| async move {
        let b = t.browser();
        for path in ["/account", "/admin/users", "/admin/jobs", "/admin/audit"] {
            let r = b.get(path).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
            assert_eq!(location(&r).path(), "/login", "{path}");
        }
    }
);

on_both_backends!(
    members_without_permission_get_a_403_page,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        t.browser().login_ok(chars[0].character_id).await; // the demo's superuser
        let member = t.browser();
        member.login_ok(chars[300].character_id).await;
        for path in [
            "/admin/users",
            "/admin/jobs",
            "/admin/audit",
            "/admin/audit.csv",
            "/admin/characters",
        ] {
            let (status, body) = member.get_text(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(
                body.contains("permission"),
                "{path} explains what is missing"
            );
        }
    }
);

/// The security headers every answer carries, whatever kind of page it is.
fn assert_security_headers(t: &TestApp, kind: &str, r: &reqwest::Response) {
    let images = t.sim.image_base_url().origin().ascii_serialization();
    let h = r.headers();
    let expected = [
        (
            "content-security-policy",
            format!(
                "default-src 'self'; img-src 'self' {images} data:; style-src 'self'; \
                 script-src 'self'; connect-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
            ),
        ),
        ("x-content-type-options", "nosniff".to_owned()),
        ("x-frame-options", "DENY".to_owned()),
        ("referrer-policy", "same-origin".to_owned()),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()".to_owned(),
        ),
        ("cross-origin-opener-policy", "same-origin".to_owned()),
    ];
    for (name, value) in expected {
        assert_eq!(
            h.get(name).and_then(|v| v.to_str().ok()),
            Some(value.as_str()),
            "{kind}: {name}"
        );
    }
    // Only the static files may be kept by a cache; everything else may show personal data.
    let cache = if kind == "static file" {
        "public, max-age=3600"
    } else {
        "no-store"
    };
    assert_eq!(h["cache-control"], cache, "{kind}");
    assert!(
        h.get("strict-transport-security").is_none(),
        "{kind}: no HSTS over plain http"
    );
}

on_both_backends!(
    every_kind_of_page_carries_every_security_header,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        let admin = t.browser();
        admin.login_ok(chars[0].character_id).await; // the demo's superuser
        let member = t.browser();
        member.login_ok(chars[300].character_id).await;
        let anonymous = t.browser();
        let hx = |path: &str| {
            admin
                .client
                .get(admin.url(path))
                .header("hx-request", "true")
                .send()
        };
        let cross_site = member
            .client
            .post(member.url("/account/timezone"))
            .header("sec-fetch-site", "cross-site")
            .form(&[("timezone", "Europe/Berlin")])
            .send();
        let metrics = anonymous
            .client
            .get(anonymous.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send();
        let name = &chars[300].name[..4];
        // No route answers JSON yet: the application API (`web::api`) has its error type but no
        // route. Its first route belongs in this list.
        let pages: Vec<(&str, StatusCode, reqwest::Response)> = vec![
            ("page signed out", StatusCode::OK, anonymous.get("/").await),
            (
                "page signed in",
                StatusCode::OK,
                member.get("/account").await,
            ),
            (
                "admin page",
                StatusCode::OK,
                admin.get("/admin/users").await,
            ),
            (
                "htmx fragment",
                StatusCode::OK,
                hx(&format!("/admin/users/rows?q={name}")).await.unwrap(),
            ),
            (
                "404 page",
                StatusCode::NOT_FOUND,
                member.get("/no/such/page").await,
            ),
            (
                "403 page",
                StatusCode::FORBIDDEN,
                member.get("/admin/users").await,
            ),
            (
                "CSRF refusal",
                StatusCode::FORBIDDEN,
                cross_site.await.unwrap(),
            ),
            (
                "400 page",
                StatusCode::BAD_REQUEST,
                admin.get("/admin/audit?since=yesterday").await,
            ),
            (
                "redirect to the login",
                StatusCode::SEE_OTHER,
                anonymous.get("/account").await,
            ),
            (
                "redirect to EVE",
                StatusCode::SEE_OTHER,
                anonymous.get("/sso/login").await,
            ),
            (
                "static file",
                StatusCode::OK,
                anonymous.get("/static/app.css").await,
            ),
            ("liveness", StatusCode::OK, anonymous.get("/healthz").await),
            ("readiness", StatusCode::OK, anonymous.get("/readyz").await),
            ("metrics", StatusCode::OK, metrics.await.unwrap()),
            (
                "metrics without the token",
                StatusCode::UNAUTHORIZED,
                anonymous.get("/metrics").await,
            ),
        ];
        for (kind, status, r) in &pages {
            assert_eq!(r.status(), *status, "{kind}");
            assert_security_headers(&t, kind, r);
        }
    }
);

on_both_backends!(
    the_session_cookie_is_http_only_and_lax_and_renewed_at_login,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let b = t.browser();
        let first = b.login(ids[0]).await;
        let before = set_cookie(&first, "jumpgate_session").expect("a session at login");
        assert!(
            before.contains("HttpOnly") && before.contains("SameSite=Lax"),
            "{before}"
        );
        // The same browser logs in again (an alt): the session it had gets a new id.
        let second = b.login(ids[1]).await;
        let after = set_cookie(&second, "jumpgate_session").expect("a session at login");
        assert_ne!(
            cookie_pair(&before),
            cookie_pair(&after),
            "a new session id at login"
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookies_are_host_prefixed_so_no_sibling_site_can_set_them() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let t = TestApp::spawn_with(backend, |s| {
            s.server.public_url = url::Url::parse("https://auth.example.org/").unwrap();
        })
        .await;
        // Behind the TLS proxy the test is not: a browser would send these Secure cookies only
        // over HTTPS, so they go by hand.
        let client = plain_client();
        let id = t.sim.characters()[0].character_id;
        let (pending, callback) = t.login_by_hand(&client, "__Host-jumpgate_sso", id).await;
        let r = client
            .get(callback)
            .header("cookie", cookie_pair(&pending))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{backend:?}: the login works"
        );
        let session = set_cookie(&r, "__Host-jumpgate_session").expect("a session at login");
        for cookie in [&pending, &session] {
            assert!(
                cookie.contains("Secure")
                    && cookie.contains("Path=/")
                    && cookie.contains("HttpOnly")
                    && cookie.contains("SameSite=Lax")
                    && !cookie.contains("Domain"),
                "{backend:?}: {cookie}"
            );
        }
        assert!(pending.contains("Max-Age=600"), "{pending}");
    }
}

on_both_backends!(
    admins_see_users_jobs_and_the_audit_log,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        let admin = t.browser();
        admin.login_ok(chars[0].character_id).await;
        t.browser().login_ok(chars[300].character_id).await;
        let (s, users) = admin.get_text("/admin/users").await;
        assert_eq!(s, StatusCode::OK);
        assert!(users.contains(&chars[300].name));
        let (s, rows) = admin
            .get_text(&format!("/admin/users/rows?q={}", &chars[300].name[..4]))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(rows.contains(&chars[300].name) && !rows.contains("<html"));
        let (s, _) = admin.get_text("/admin/jobs").await;
        assert_eq!(s, StatusCode::OK);
        let (s, audit) = admin.get_text("/admin/audit?action=account.").await;
        assert_eq!(s, StatusCode::OK);
        assert!(audit.contains("account.created"));
        let r = admin.get("/admin/audit.csv?action=account.created").await;
        assert_eq!(r.status(), StatusCode::OK);
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with(
            "id,at,actor,actor_name,action,target,target_name,details,prev_hash,hash"
        ));
        assert_eq!(
            csv.lines().count(),
            3,
            "header and two account.created rows"
        );
        let (s, body) = admin.get_text("/admin/audit?since=yesterday").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("YYYY-MM-DD"));
    }
);

on_both_backends!(
    health_readiness_and_metrics_answer,
    |t: TestApp| async move {
        let b = t.browser();
        assert_eq!(
            b.get_text("/healthz").await,
            (StatusCode::OK, "ok".to_owned())
        );
        assert_eq!(b.get("/readyz").await.status(), StatusCode::OK);
        let scrape = |token: Option<&str>| {
            let mut request = b.client.get(t.base.join("/metrics").unwrap());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let r = scrape(Some(METRICS_TOKEN)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let metrics = r.text().await.unwrap();
        assert!(metrics.contains("http_requests_total"), "{metrics}");
        // Only for the holder of the token.
        for token in [None, Some("test-metrics-token-wrong-one")] {
            let r = scrape(token).await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{token:?}");
            assert_eq!(r.headers()["www-authenticate"], "Bearer");
            assert!(!r.text().await.unwrap().contains("http_requests_total"));
        }
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_asks_the_database_at_most_once_a_second() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
        let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
        let b = t.browser();
        assert_eq!(b.get("/readyz").await.status(), StatusCode::OK);
        // The database goes away; within the second the answer stands …
        t.store.close().await;
        assert_eq!(
            b.get("/readyz").await.status(),
            StatusCode::OK,
            "{backend:?}"
        );
        // … and the next probe after it asks again.
        clock.advance(Duration::from_secs(2));
        assert_eq!(
            b.get("/readyz").await.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{backend:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_metrics_token_metrics_are_off() {
    let t = TestApp::spawn_with(Backend::Sqlite, |s| s.server.metrics_token = None).await;
    let (status, body) = t.browser().get_text("/metrics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("server.metrics_token"), "{body}");
}

/// The same app as seen through a TLS-terminating proxy: only the public URL differs. Headers
/// do not depend on the database, so one backend is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let t = TestApp::spawn_with(crate::support::Backend::Sqlite, |s| {
        s.server.public_url = url::Url::parse("https://auth.example.org/").unwrap();
    })
    .await;
    let r = t.browser().get("/sso/login").await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

on_both_backends!(
    page_views_do_not_rewrite_the_session_but_flash_messages_show_once,
    |t: TestApp| async move {
        let b = t.browser();
        b.login_ok(t.sim.characters()[0].character_id).await;
        let (_, first) = b.get_text("/account").await;
        assert!(first.contains("Welcome"), "the login's flash message shows");
        let r = b.get("/account").await;
        assert!(
            r.headers().get("set-cookie").is_none(),
            "a plain page view does not write the session"
        );
        let second = r.text().await.unwrap();
        assert!(!second.contains("Welcome"), "a flash message shows once");
    }
);

on_both_backends!(
    a_flash_message_or_a_sign_out_from_another_instance_shows_at_once,
    |t: TestApp| async move {
        let character = t.sim.characters()[0].character_id;
        let here = t.browser();
        here.login_ok(character).await;
        let (_, first) = here.get_text("/account").await;
        assert!(first.contains("Welcome"), "the login's flash message shows");
        let (status, _) = here.get_text("/account").await;
        assert_eq!(status, StatusCode::OK, "a plain page view");

        let other = t.another_instance().await;
        let there = here.at(&other.base);
        let r = there
            .post_form("/account/timezone", &[("timezone", "Europe/Berlin")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = here.get_text("/account").await;
        assert!(
            page.contains("Your time zone is now Europe/Berlin."),
            "the other instance's flash message shows on the next page here: {page}"
        );
        let (_, page) = here.get_text("/account").await;
        assert!(!page.contains("Your time zone is now"), "and only once");

        let account = t
            .store
            .character(jumpgate_domain::CharacterId(character))
            .await
            .unwrap()
            .unwrap()
            .account;
        t.store.delete_sessions_of(account).await.unwrap();
        let r = here.get("/account").await;
        assert_ne!(r.status(), StatusCode::OK, "signed out everywhere at once");
        let (_, home) = here.get_text("/").await;
        assert!(home.contains("Log in"), "{home}");
    }
);
