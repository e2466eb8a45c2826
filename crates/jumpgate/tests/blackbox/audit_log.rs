//! The audit log as an administrator reads it: people and things by name, linked to their
//! pages, details as lines, filters by name; the CSV keeps the ids and adds the names. And a
//! change is made with its entry or not at all.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Browser, TestApp, urlencode};
use reqwest::StatusCode;

/// The demo's superuser (the first to log in) and a member, both logged in; the member's
/// character.
async fn superuser_and_member(t: &TestApp) -> (Browser, Browser, i64) {
    let root = t.browser();
    root.login_ok(t.sim.characters()[0].character_id).await;
    let member_character = t.member_character();
    let member = t.browser();
    member.login_ok(member_character).await;
    (root, member, member_character)
}

on_both_backends!(
    the_log_names_people_and_things_and_links_them,
    |t: TestApp| async move {
        let (root, member, member_character) = superuser_and_member(&t).await;
        let member_account = t.account_of(member_character).await;
        let member_name = t.sim.character(member_character).unwrap().name;
        let root_name = t.sim.characters()[0].name.clone();

        // The superuser grants the member a permission: actor and target are both people.
        let r = root
            .post_form(
                &format!("/admin/users/{member_account}/permissions/grant"),
                &[("permission", "standings.audit")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        let (status, page) = root.get_text("/admin/audit?action=permission.").await;
        assert_eq!(status, StatusCode::OK);
        let html_name = |n: &str| n.replace('\'', "&#39;");
        assert!(
            page.contains(&html_name(&root_name)),
            "the actor by name: {page}"
        );
        assert!(
            page.contains(&html_name(&member_name)),
            "the target by name"
        );
        assert!(
            page.contains(&format!("href=\"/admin/users/{member_account}\"")),
            "linked to the account's page"
        );
        assert!(page.contains("/portrait?size=32"), "with a portrait");
        assert!(
            page.contains("<dt>permission</dt><dd>standings.audit</dd>"),
            "details as lines: {page}"
        );

        // Filters take a name as well as an id.
        let (status, by_name) = root
            .get_text(&format!(
                "/admin/audit?action=permission.&actor={}",
                urlencode(&root_name)
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(by_name.contains("permission.granted"), "{by_name}");
        let (_, nobody) = root
            .get_text(&format!(
                "/admin/audit?action=permission.&actor={}",
                urlencode(&member_name)
            ))
            .await;
        assert!(
            !nobody.contains("permission.granted"),
            "the member granted nothing"
        );
        let (status, unknown) = root.get_text("/admin/audit?target=Nobody%20Atall").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            unknown.contains(&html_name("no character is named 'Nobody Atall'")),
            "{unknown}"
        );

        // The CSV keeps ids and adds names.
        let csv = root
            .get("/admin/audit.csv?action=permission.granted")
            .await
            .text()
            .await
            .unwrap();
        let row = csv.lines().nth(1).expect("one entry");
        assert!(row.contains(&format!("account:{member_account}")), "{row}");
        assert!(
            row.contains(&member_name) && row.contains(&root_name),
            "{row}"
        );

        // A standings auditor reads names too, but gets no link to pages it may not open.
        let (status, auditor_view) = member.get_text("/admin/audit").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !auditor_view.contains("href=\"/admin/users/"),
            "{auditor_view}"
        );
    }
);

on_both_backends!(
    a_change_whose_audit_entry_cannot_be_written_is_not_made,
    |t: TestApp| async move {
        let (root, _, member_character) = superuser_and_member(&t).await;
        let member_account = t.account_of(member_character).await;
        t.refuse_audit_entries(&["permission.granted", "state.created"])
            .await;

        // A grant and a new state: the database refuses their audit entries, so neither is made.
        let r = root
            .post_form(
                &format!("/admin/users/{member_account}/permissions/grant"),
                &[("permission", "standings.audit")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let r = root
            .post_form("/admin/states", &[("name", "Unaudited"), ("priority", "5")])
            .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);

        let access = t.store.account_grants(member_account).await.unwrap();
        assert!(
            !access.unwrap().permissions.contains("standings.audit"),
            "no grant without its entry"
        );
        assert!(
            !t.store
                .states()
                .await
                .unwrap()
                .iter()
                .any(|s| s.name == "Unaudited"),
            "no state without its entry"
        );
    }
);

on_both_backends!(
    the_log_shows_a_hundred_entries_a_page_and_pages_to_older_ones,
    |t: TestApp| async move {
        let (root, _, _) = superuser_and_member(&t).await;
        for n in 0..130 {
            t.store
                .append_audit(&jumpgate_domain::audit::NewAuditEntry {
                    actor: jumpgate_domain::audit::Actor::System("paging-test".into()),
                    action: "test.paged".into(),
                    target: format!("thing:{n}"),
                    details: serde_json::json!({"n": n}),
                })
                .await
                .unwrap();
        }
        let rows = |page: &str| page.matches("<code>test.paged</code>").count();
        let (status, newest) = root.get_text("/admin/audit?action=test.paged").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rows(&newest), 100, "a page holds the newest hundred");
        assert!(newest.contains("thing:129") && !newest.contains("thing:29<"));
        assert!(!newest.contains("Newest entries"));
        let older = newest
            .split("href=\"/admin/audit?")
            .filter_map(|s| s.split('"').next())
            .find(|q| q.contains("before="))
            .expect("a link to older entries")
            // As a browser reads the attribute.
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let (status, page) = root.get_text(&format!("/admin/audit?{older}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rows(&page), 30, "the thirty older ones");
        assert!(page.contains("thing:29") && !page.contains("thing:30<"));
        assert!(page.contains("Newest entries") && !page.contains("data-action=\"older\""));

        let (status, page) = root.get_text("/admin/audit?before=abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("&#39;abc&#39; is not a log entry id"),
            "{page}"
        );
    }
);

on_both_backends!(
    names_shown_follow_a_new_main_and_a_new_state,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let root = t.browser();
        root.login_ok(ids[0]).await;
        root.login_ok(ids[1]).await;
        let name = |id: i64| t.sim.character(id).unwrap().name.replace('\'', "&#39;");
        let create = |state: &'static str| {
            let root = &root;
            async move {
                let r = root
                    .post_form("/admin/states", &[("name", state), ("priority", "5")])
                    .await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "{state}");
            }
        };
        create("Scouts").await;
        let (status, page) = root.get_text("/admin/audit?action=state.").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&name(ids[0])) && page.contains("Scouts"),
            "{page}"
        );

        // The names a view showed are kept; a state created since is not in them.
        create("Pathfinders").await;
        let pathfinders = t
            .store
            .states()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.name == "Pathfinders")
            .unwrap()
            .id;
        let (status, page) = root.get_text("/admin/audit?action=state.").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!(
                "<a href=\"/admin/states/{pathfinders}\">Pathfinders</a>"
            )),
            "the new state by name: {page}"
        );

        // Nor is the account's new main.
        let r = root
            .post_form("/account/main", &[("character_id", &ids[1].to_string())])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (status, page) = root.get_text("/admin/audit?action=state.").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !page.contains(&name(ids[0])),
            "the account is named by its new main: {page}"
        );
        assert!(
            page.matches(&name(ids[1])).count() >= 2,
            "both entries' actor by the new main: {page}"
        );
    }
);
