//! Applications from the pages, as an alliance's administrator and an application's manager
//! use them: the administrator creates one and chooses its roles, groups, EVE logins and
//! manager; the manager, told by a notification, makes its secret, shown once, which the API
//! then takes; nobody else sees or changes it; bad input is refused with nothing changed.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{TestApp, location, plain_client};
use base64::Engine;
use reqwest::StatusCode;

/// The secret shown on the page that made it.
fn shown_secret(page: &str) -> String {
    let at = page.find("data-secret").expect("the page shows the secret");
    let before = &page[..at];
    let value = before.rfind("value=\"").expect("a value") + 7;
    before[value..].split('"').next().unwrap().to_owned()
}

on_both_backends!(
    an_administrator_sets_an_application_up_and_its_manager_makes_the_secret_it_calls_with,
    |t: TestApp| async move {
        let admin = t.browser();
        let admin_character = t.sim.characters()[0].character_id;
        admin.login_ok(admin_character).await; // the demo's first login: superuser
        let manager_character = t.member_character();
        let manager = t.browser();
        manager.login_ok(manager_character).await;
        let outsider_character = t
            .sim
            .characters()
            .iter()
            .find(|c| {
                t.sim.characters()[0].owner_hash != c.owner_hash
                    && c.character_id != manager_character
                    && !c.biomassed
                    && t.sim
                        .characters_of_account(&c.owner_hash)
                        .iter()
                        .all(|o| o.character_id != manager_character)
            })
            .unwrap()
            .character_id;
        let outsider = t.browser();
        outsider.login_ok(outsider_character).await;
        let group = t
            .store
            .save_group(&jumpgate_domain::groups::Group::new("Pilots"))
            .await
            .unwrap()
            .id;

        let r = admin.post_form("/apps", &[("name", "  Pingboard ")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = location(&r).path().to_owned();
        let id: i64 = page.trim_start_matches("/apps/").parse().unwrap();
        for (path, form) in [
            ("roles", vec![("role", "app-groups"), ("role", "app-chars")]),
            ("groups", vec![("group", &*group.to_string())]),
            ("logins", vec![("login", "core.default")]),
            (
                "managers",
                vec![("character", &*manager_character.to_string())],
            ),
        ] {
            let r = admin.post_form(&format!("{page}/{path}"), &form).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        }
        let (status, shown) = admin.get_text(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains("Pingboard"));
        assert!(shown.contains("value=\"app-groups\" checked"), "{shown}");
        assert!(shown.contains("value=\"core.default\" checked"));
        let (_, list) = admin.get_text("/apps").await;
        assert!(list.contains(&format!("data-app=\"{id}\"")));

        // Bad input: refused, nothing changed.
        for (path, form, status) in [
            (
                "roles",
                vec![("role", "app-admin")],
                StatusCode::BAD_REQUEST,
            ),
            ("groups", vec![("group", "424242")], StatusCode::NOT_FOUND),
            (
                "logins",
                vec![("login", "no.such.login")],
                StatusCode::BAD_REQUEST,
            ),
            (
                "managers",
                vec![("character", "Nobody Known")],
                StatusCode::NOT_FOUND,
            ),
            ("rename", vec![("name", "   ")], StatusCode::BAD_REQUEST),
        ] {
            let r = admin.post_form(&format!("{page}/{path}"), &form).await;
            assert_eq!(r.status(), status, "{path}");
        }
        let (_, unchanged) = admin.get_text(&page).await;
        assert!(unchanged.contains("value=\"app-groups\" checked"));
        assert!(unchanged.contains("value=\"core.default\" checked"));
        assert!(unchanged.contains("<h1>Pingboard"));

        // The manager was told, finds it, and makes the secret; it works on the API.
        let (_, notes) = manager.get_text("/notifications").await;
        assert!(notes.contains(&format!("/apps/{id}")), "{notes}");
        let (status, mine) = manager.get_text("/apps").await;
        assert_eq!(status, StatusCode::OK);
        assert!(mine.contains("Pingboard"));
        let (_, as_manager) = manager.get_text(&page).await;
        assert!(as_manager.contains("Make a new secret"));
        assert!(
            !as_manager.contains("Add manager"),
            "a manager does not edit"
        );
        let r = manager.post_form(&format!("{page}/roles"), &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "nor by hand");
        let r = admin.post_form(&format!("{page}/secret"), &[]).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "only managers make secrets"
        );
        let r = manager.post_form(&format!("{page}/secret"), &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let secret = shown_secret(&r.text().await.unwrap());
        assert_eq!(secret.len(), 64);
        let (_, again) = manager.get_text(&page).await;
        assert!(!again.contains(&secret), "shown once");
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let shows = || async {
            plain_client()
                .get(t.base.join("/api/app/v1/show").unwrap())
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap()
                .status()
        };
        assert_eq!(shows().await, StatusCode::OK);

        // Somebody else neither sees nor changes it.
        let (status, _) = outsider.get_text(&page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let r = outsider.post_form(&format!("{page}/delete"), &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (_, theirs) = outsider.get_text("/apps").await;
        assert!(theirs.contains("You manage no application."));

        // The administrator deletes it: the secret stops working.
        let r = admin.post_form(&format!("{page}/delete"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(shows().await, StatusCode::FORBIDDEN);
        let actions: Vec<String> = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("app.".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for action in [
            "app.created",
            "app.roles_set",
            "app.groups_set",
            "app.eve_logins_set",
            "app.manager_added",
            "app.secret_made",
            "app.deleted",
        ] {
            assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
        }
    }
);
