//! The EVE login's pending state: kept in a sealed cookie of its own, not in the database
//! (security review M2), shared by every instance of a deployment, refused when changed or from
//! elsewhere, and good for one callback only, whatever that callback answered (I1). Its PKCE
//! verifier makes a code worthless in any other browser's login (L2).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{TestApp, callback_at, cookie_pair, location, plain_client};
use reqwest::StatusCode;
use secrecy::SecretString;

const NOT_THIS_BROWSER: &str = "already used or does not belong to this browser";

on_both_backends!(
    anonymous_login_starts_leave_the_sessions_table_as_it_was,
    |t: TestApp| async move {
        let before = t.session_rows().await;
        let script = plain_client();
        for _ in 0..50 {
            let r = script.get(t.base.join("/sso/login").unwrap()).send().await;
            assert_eq!(r.unwrap().status(), StatusCode::SEE_OTHER);
        }
        assert_eq!(t.session_rows().await, before, "no session row per hit");

        // A login still completes, and only then is there a session.
        t.browser()
            .login_ok(t.sim.characters()[0].character_id)
            .await;
        assert_eq!(t.session_rows().await, before + 1);
    }
);

on_both_backends!(
    a_login_begun_on_one_instance_finishes_on_another,
    |t: TestApp| async move {
        let other = t.another_instance().await;
        let b = t.browser();
        let authorize = b.start_login().await;
        let id = t.sim.characters()[0].character_id;
        let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        let r = b
            .client
            .get(callback_at(&other.base, &callback))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        assert_eq!(t.store.count_accounts().await.unwrap(), 1);
    }
);

on_both_backends!(
    a_changed_pending_login_cookie_is_refused,
    |t: TestApp| async move {
        let browser = plain_client();
        let id = t.sim.characters()[0].character_id;
        let (given, callback) = t.login_by_hand(&browser, "jumpgate_sso", id).await;
        let genuine = cookie_pair(&given).to_owned();

        // One character of the sealed value changed.
        let mut changed = genuine.clone().into_bytes();
        let middle = changed.len() / 2;
        changed[middle] = if changed[middle] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        let refused = browser
            .get(callback.clone())
            .header("cookie", &changed)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let page = refused.text().await.unwrap();
        assert!(page.contains(NOT_THIS_BROWSER), "{page}");
        assert_eq!(t.store.count_accounts().await.unwrap(), 0);

        // The very same callback with the cookie as it was given works: the change was refused.
        let r = browser
            .get(callback)
            .header("cookie", &genuine)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(t.store.count_accounts().await.unwrap(), 1);
    }
);

on_both_backends!(
    a_pending_login_from_another_deployment_is_refused,
    |t: TestApp| async move {
        // Another Jumpgate (another token key) on the same database, EVE application and URL.
        let elsewhere = t
            .another_instance_with(|s| {
                s.secrets.token_key = Some(SecretString::from(
                    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
                ));
            })
            .await;
        let b = t.browser();
        let authorize = b.at(&elsewhere.base).start_login().await;
        let id = t.sim.characters()[0].character_id;
        let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        assert_eq!(callback.port(), t.base.port(), "EVE sends it back here");
        let r = b.client.get(callback).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(page.contains(NOT_THIS_BROWSER), "{page}");
        assert_eq!(t.store.count_accounts().await.unwrap(), 0);
    }
);

on_both_backends!(
    a_callback_after_a_failed_one_cannot_use_the_pending_login_again,
    |t: TestApp| async move {
        let b = t.browser();
        let authorize = b.start_login().await;
        let id = t.sim.characters()[0].character_id;

        // ESI is down while the login completes: a 5xx, which does not save the session.
        t.sim.set_downtime(true);
        let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        let failed = b.client.get(callback).send().await.unwrap();
        assert!(failed.status().is_server_error(), "{}", failed.status());
        t.sim.set_downtime(false);

        // EVE would hand out another code for the same login; the pending login is gone.
        let again = t.sim.authorize_for_test(&authorize, id).await.unwrap();
        let r = b.client.get(again).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(page.contains(NOT_THIS_BROWSER), "{page}");
        assert_eq!(t.store.count_accounts().await.unwrap(), 0);
    }
);

/// The value of the query parameter `name`.
fn param(url: &url::Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

on_both_backends!(
    a_code_injected_into_another_browsers_login_is_refused,
    |t: TestApp| async move {
        let id = t.sim.characters()[0].character_id;
        // The victim logs in; the callback URL with its code leaks (a proxy's access log).
        let victim = t.browser();
        let authorize = victim.start_login().await;
        let leaked = t.sim.authorize_for_test(&authorize, id).await.unwrap();

        // The attacker starts a login of their own and brings the victim's code back to it, with
        // their own state: the state check passes, the code is genuine and unused.
        let attacker = t.browser();
        let own = attacker.start_login().await;
        let mut injected = t.base.join("/sso/callback").unwrap();
        injected
            .query_pairs_mut()
            .append_pair("code", &param(&leaked, "code"))
            .append_pair("state", &param(&own, "state"));
        let r = attacker.client.get(injected).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(page.contains("login did not complete"), "{page}");
        assert_eq!(t.store.count_accounts().await.unwrap(), 0);
        let r = attacker.get("/account").await;
        assert_eq!(
            location(&r).path(),
            "/login",
            "the attacker is not signed in"
        );
    }
);

on_both_backends!(
    the_simulated_application_is_registered_with_exactly_the_scopes_jumpgate_asks_for,
    |t: TestApp| async move {
        let asked = t
            .app
            .logins()
            .iter()
            .fold(jumpgate_domain::ScopeSet::default(), |all, l| {
                all.union(&l.scopes)
            });
        assert_eq!(
            asked,
            jumpgate_domain::ScopeSet::new(
                jumpgate_evesim::sso::scopes::JUMPGATE_SCOPES
                    .iter()
                    .copied()
            ),
            "the simulator's default registration is what Jumpgate asks for (docs/operations.md §1)"
        );
        // Every login Jumpgate offers passes EVE's ceiling (a Director, whom the tracking login
        // also takes).
        let character = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.roles.iter().any(|r| r == "Director"))
            .expect("a Director in the simulated universe")
            .character_id;
        let b = t.browser();
        b.login_ok(character).await;
        for login in t.app.logins() {
            let r = b.login_with(&login.name, character).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", login.name);
        }
    }
);

/// An operator adds a state scope but forgets to register it at CCP: EVE refuses the sync login
/// (the member sees EVE's error page and never comes back), the core login keeps working, and
/// registering the scope mends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_scope_the_application_did_not_register_is_refused_by_eve() {
    for backend in [
        crate::support::Backend::Sqlite,
        crate::support::Backend::Postgres,
    ] {
        let assets = "esi-assets.read_assets.v1";
        let t = TestApp::spawn_with(backend, |s| {
            s.standings.state_scopes = vec![jumpgate::config::StateScopes {
                state: "Member".into(),
                scopes: vec![assets.into()],
            }];
        })
        .await;
        let character = t.sim.characters()[0].character_id;
        let b = t.browser();
        b.login_ok(character).await;
        let r = b.get("/sso/login?login=standings.sync").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let authorize = location(&r);
        let refused = t
            .sim
            .authorize_for_test(&authorize, character)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("invalid_scope") && refused.contains(assets),
            "{backend:?}: {refused}"
        );
        let answer = plain_client().get(authorize.clone()).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "EVE's refusal");
        assert!(
            answer
                .text()
                .await
                .unwrap()
                .contains(&format!("The requested '{assets}' scope is not valid.")),
            "{backend:?}"
        );

        let mut registered: Vec<&str> = jumpgate_evesim::sso::scopes::JUMPGATE_SCOPES.to_vec();
        registered.push(assets);
        t.sim.register_client_with_scopes(
            crate::support::CLIENT_ID,
            crate::support::CLIENT_SECRET,
            t.settings.callback_url().as_str(),
            &registered,
        );
        let r = b.login_with("standings.sync", character).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
    }
}
