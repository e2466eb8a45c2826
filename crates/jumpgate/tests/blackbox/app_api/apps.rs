//! Applications prove who they are on every call: the right secret answers, anything else is
//! 403 "Not authorized." with nothing read; a new secret replaces the old at once; `show`
//! tells an application its own settings; the request limit answers 429 with Neucore's
//! headers and message.

use super::*;

on_both_backends!(
    an_application_with_its_secret_reads_its_own_settings_and_anything_else_is_not_authorized,
    |t: TestApp| async move {
        let member = t.member_character();
        t.browser().login_ok(member).await;
        let pilots = group_with(&t, "Pilots", &[member]).await;
        let api = ApiClient::new(
            &t,
            "Pingboard",
            &[AppRole::Groups],
            &[pilots],
            &["core.default"],
        )
        .await;

        let shown = api.get_json("/api/app/v1/show").await;
        assert_eq!(shown["id"], api.id.get());
        assert_eq!(shown["name"], "Pingboard");
        assert_eq!(shown["roles"], serde_json::json!(["app", "app-groups"]));
        assert_eq!(shown["groups"][0]["name"], "Pilots");
        assert_eq!(shown["groups"][0]["visibility"], "private");
        assert_eq!(shown["eveLogins"][0]["name"], "core.default");
        assert_eq!(shown["eveLogins"][0]["id"], 1);

        let wrong = [
            None,
            Some("Basic dXNlcjpwYXNz".to_owned()),
            Some(bearer(&format!("{}:{}", api.id, "0".repeat(64)))),
            Some(bearer(&format!("{}:{}", api.id.get() + 1, api.secret))),
            Some(bearer("not-an-id:secret")),
            Some("Bearer ???".to_owned()),
        ];
        for authorization in wrong {
            let r = get_as(&t, "/api/app/v1/show", authorization.as_deref()).await;
            let (status, message) = error_of(r).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{authorization:?}");
            assert!(message.starts_with("Not authorized"), "{message}");
        }

        // A new secret: the old one stops working at once, the new one works.
        let old = api.authorization();
        let new_secret = t
            .app
            .make_app_secret(&Caller::cli("test"), api.id)
            .await
            .unwrap();
        let r = get_as(&t, "/api/app/v1/show", Some(&old)).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "the old secret is refused"
        );
        let renewed = bearer(&format!("{}:{new_secret}", api.id));
        let r = get_as(&t, "/api/app/v1/show", Some(&renewed)).await;
        assert_eq!(r.status(), StatusCode::OK, "the new secret answers");

        // Deleted: refused.
        t.app
            .delete_app(&Caller::cli("test"), api.id)
            .await
            .unwrap();
        let r = get_as(&t, "/api/app/v1/show", Some(&renewed)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            t.store
                .audit_entries(&jumpgate_store::AuditFilter {
                    action_prefix: Some("app.".into()),
                    target: Some(format!("app:{}", api.id)),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .len(),
            7,
            "the creation, its roles, groups and logins, two secrets and the deletion are audited"
        );
    }
);

on_each_backend!(
    an_application_over_its_limit_is_answered_429_with_neucores_headers,
    |backend| async move {
        let t = TestApp::spawn_with(backend, |s| {
            s.apps.rate_limit_requests = 2;
            s.apps.rate_limit_seconds = 60;
        })
        .await;
        let api = ApiClient::new(&t, "Busy", &[], &[], &[]).await;
        for remain in ["1", "0"] {
            let r = api.get("/api/app/v1/show").await;
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()["X-Neucore-Rate-Limit-Remain"], remain);
            let reset: f64 = r.headers()["X-Neucore-Rate-Limit-Reset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(reset > 0.0 && reset <= 60.0, "{reset}");
        }
        let r = api.get("/api/app/v1/show").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("Retry-After"));
        assert_eq!(
            r.text().await.unwrap(),
            "Application rate limit exceeded with 2 requests in 60 seconds."
        );

        // Every call counted, saved to the database for the statistics.
        t.app.save_app_requests().await.unwrap();
        let details = t
            .app
            .app_details(&Caller::cli("test"), api.id, t.app.now())
            .await
            .unwrap();
        assert_eq!(
            details
                .statistics
                .hourly
                .iter()
                .map(|(_, n)| n)
                .sum::<u64>(),
            3
        );
    }
);

on_both_backends!(
    a_not_found_answer_carries_neucores_reason_phrase_in_the_status_line,
    |t: TestApp| async move {
        let api = ApiClient::new(&t, "Reader", &[AppRole::Groups], &[], &[]).await;
        assert_eq!(
            status_line(&t, &api, "/api/app/v2/groups/1").await,
            "HTTP/1.1 404 Character not found."
        );
    }
);
