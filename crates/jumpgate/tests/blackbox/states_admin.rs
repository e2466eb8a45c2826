//! Administering states over HTTP: criteria by name through ESI, permissions, and access that
//! follows every change at once.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Browser, TestApp, location};
use jumpgate_domain::CharacterId;
use jumpgate_domain::states::{GUEST, State};
use jumpgate_store::AuditFilter;
use reqwest::StatusCode;

/// A character whose alliance is `alliance`, and one outside it (who logs in first and so is
/// the demo's superuser).
fn admin_and_member(t: &TestApp, alliance: i64) -> (i64, i64) {
    let chars = t.sim.characters();
    let member = chars
        .iter()
        .find(|c| c.alliance_id == Some(alliance))
        .expect("a character in the alliance")
        .character_id;
    let admin = chars
        .iter()
        .find(|c| c.alliance_id != Some(alliance))
        .expect("a character elsewhere")
        .character_id;
    (admin, member)
}

async fn state_of(t: &TestApp, character: i64) -> String {
    let c = t
        .store
        .character(CharacterId(character))
        .await
        .unwrap()
        .unwrap();
    t.store.account(c.account).await.unwrap().unwrap().state
}

async fn state_named(t: &TestApp, name: &str) -> Option<State> {
    t.store
        .states()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
}

/// Creates a state and returns its id, checking the POST-redirect-GET.
async fn create_state(b: &Browser, name: &str, priority: &str) -> i64 {
    let r = b
        .post_form("/admin/states", &[("name", name), ("priority", priority)])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let loc = location(&r);
    let id: i64 = loc
        .path()
        .trim_start_matches("/admin/states/")
        .parse()
        .unwrap();
    let (status, page) = b.get_text(loc.path()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("State {name} created")),
        "flash shown"
    );
    id
}

/// A path, its form and a phrase the 400 page must contain.
type BadPost<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

async fn audit_actions(t: &TestApp, prefix: &str) -> Vec<jumpgate_domain::audit::AuditEntry> {
    t.store
        .audit_entries(&AuditFilter {
            action_prefix: Some(prefix.into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

on_both_backends!(
    a_state_with_an_alliance_criterion_by_name_applies_at_once,
    |t: TestApp| async move {
        let alliance = t.sim.alliances()[2].clone();
        let (admin_id, member_id) = admin_and_member(&t, alliance.alliance_id);
        let admin = t.browser();
        admin.login_ok(admin_id).await;
        let member = t.browser();
        member.login_ok(member_id).await;
        assert_eq!(state_of(&t, member_id).await, GUEST);

        let (status, page) = admin.get_text("/admin/states").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Member") && page.contains("Blue"));
        assert!(page.contains("href=\"/admin/states\""), "nav link shown");

        let id = create_state(&admin, "Allies", "200").await;
        let r = admin
            .post_form(
                &format!("/admin/states/{id}/criteria/add"),
                &[("kind", "alliance"), ("entity", &alliance.name)],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        assert_eq!(
            location(&r).path(),
            format!("/admin/states/{id}"),
            "back to the state"
        );

        // The member, already signed in, is in the new state without logging in again.
        assert_eq!(state_of(&t, member_id).await, "Allies");
        let state = state_named(&t, "Allies").await.unwrap();
        assert!(
            state
                .criteria
                .alliances
                .contains(&jumpgate_domain::AllianceId(alliance.alliance_id))
        );
        let (_, page) = admin.get_text(&format!("/admin/states/{id}")).await;
        assert!(
            page.contains(&alliance.name),
            "the criterion is shown by name"
        );
        let (_, page) = member.get_text("/account").await;
        assert!(page.contains("Allies"), "the member's page shows the state");

        // Removing the criterion takes the state away again.
        let r = admin
            .post_form(
                &format!("/admin/states/{id}/criteria/remove"),
                &[
                    ("kind", "alliance"),
                    ("entity_id", &alliance.alliance_id.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(state_of(&t, member_id).await, GUEST);

        // By id works too; a second character logging in later gets the state as well.
        let r = admin
            .post_form(
                &format!("/admin/states/{id}/criteria/add"),
                &[
                    ("kind", "alliance"),
                    ("entity", &alliance.alliance_id.to_string()),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        assert_eq!(state_of(&t, member_id).await, "Allies");
        let other = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.alliance_id == Some(alliance.alliance_id) && c.character_id != member_id)
            .unwrap();
        t.browser().login_ok(other.character_id).await;
        assert_eq!(state_of(&t, other.character_id).await, "Allies");

        // Deleting the state sends its accounts back to Guest.
        let r = admin
            .post_form(&format!("/admin/states/{id}/delete"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r).path(), "/admin/states");
        assert!(state_named(&t, "Allies").await.is_none());
        assert_eq!(state_of(&t, member_id).await, GUEST);

        let created = audit_actions(&t, "state.created").await;
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].details["name"], "Allies");
        assert_eq!(created[0].target, format!("state:{id}"));
        let updated = audit_actions(&t, "state.updated").await;
        assert_eq!(updated.len(), 3, "two criteria added, one removed");
        assert!(updated.iter().any(|e| {
            e.details["criterion_added"]["name"] == alliance.name.as_str()
                && e.details["criterion_added"]["id"] == alliance.alliance_id
        }));
        let deleted = audit_actions(&t, "state.deleted").await;
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].details["name"], "Allies");
        assert!(
            !audit_actions(&t, "account.state_changed").await.is_empty(),
            "state changes of accounts are recorded"
        );
    }
);

on_both_backends!(
    permissions_of_a_state_decide_what_its_members_may_do,
    |t: TestApp| async move {
        let alliance = t.sim.alliances()[0].clone();
        let (admin_id, member_id) = admin_and_member(&t, alliance.alliance_id);
        let admin = t.browser();
        admin.login_ok(admin_id).await;
        let member_state = state_named(&t, "Member").await.unwrap();
        let r = admin
            .post_form(
                &format!("/admin/states/{}/criteria/add", member_state.id),
                &[("kind", "alliance"), ("entity", &alliance.name)],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        let member = t.browser();
        member.login_ok(member_id).await;
        assert_eq!(state_of(&t, member_id).await, "Member");

        let (status, _) = member.get_text("/admin/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = member.get_text("/admin/states").await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a member without admin.states"
        );
        let r = member
            .post_form("/admin/states", &[("name", "Mine"), ("priority", "1")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(state_named(&t, "Mine").await.is_none());

        let r = admin
            .post_form(
                &format!("/admin/states/{}", member_state.id),
                &[
                    ("priority", "120"),
                    ("permission", "standings.request"),
                    ("permission", "admin.users"),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        let saved = state_named(&t, "Member").await.unwrap();
        assert_eq!(saved.priority, 120);
        assert!(saved.permissions.contains("admin.users"));
        let (status, _) = member.get_text("/admin/users").await;
        assert_eq!(status, StatusCode::OK, "the state's new permission applies");
        let (_, page) = member.get_text("/account").await;
        assert!(page.contains("href=\"/admin/users\""), "nav follows grants");
        assert!(!page.contains("href=\"/admin/states\""));

        let updated = audit_actions(&t, "state.updated").await;
        let change = updated
            .iter()
            .find(|e| e.details.get("permissions_added").is_some())
            .unwrap();
        assert_eq!(change.details["permissions_added"][0], "admin.users");
        assert_eq!(change.details["priority"]["to"], 120);

        // Unticking every box takes the permission away again.
        let r = admin
            .post_form(
                &format!("/admin/states/{}", member_state.id),
                &[("priority", "120")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (status, _) = member.get_text("/admin/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    bad_input_is_refused_with_a_reason_and_changes_nothing,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let member = state_named(&t, "Member").await.unwrap();
        let guest = state_named(&t, GUEST).await.unwrap();
        let before = t.store.states().await.unwrap();
        let audit_before = audit_actions(&t, "state.").await.len();
        let long_name = "x".repeat(33);
        let alliance_id = t.sim.alliances()[0].alliance_id.to_string();

        let cases: Vec<BadPost> = vec![
            (
                "/admin/states".into(),
                vec![("name", "  "), ("priority", "10")],
                "needs a name",
            ),
            (
                "/admin/states".into(),
                vec![("name", "member"), ("priority", "10")],
                "already exists",
            ),
            (
                "/admin/states".into(),
                vec![("name", &long_name), ("priority", "10")],
                "at most 32",
            ),
            (
                "/admin/states".into(),
                vec![("name", "Allies"), ("priority", "high")],
                "whole number",
            ),
            (
                format!("/admin/states/{}", member.id),
                vec![("priority", "ten")],
                "whole number",
            ),
            (
                format!("/admin/states/{}", member.id),
                vec![("priority", "10"), ("permission", "admin.everything")],
                "not a permission",
            ),
            (
                format!("/admin/states/{}/criteria/add", member.id),
                vec![
                    ("kind", "alliance"),
                    ("entity", "No Such Alliance Anywhere"),
                ],
                "EVE knows no alliance named",
            ),
            (
                format!("/admin/states/{}/criteria/add", member.id),
                vec![("kind", "region"), ("entity", "1")],
                "not a kind of criterion",
            ),
            (
                format!("/admin/states/{}/criteria/add", member.id),
                vec![("kind", "alliance"), ("entity", "")],
                "id or the exact name",
            ),
            (
                format!("/admin/states/{}/criteria/add", guest.id),
                vec![("kind", "alliance"), ("entity", &alliance_id)],
                "takes no criteria",
            ),
            (
                format!("/admin/states/{}/criteria/remove", member.id),
                vec![("kind", "alliance"), ("entity_id", "12345")],
                "is not a criterion",
            ),
            (
                format!("/admin/states/{}/delete", guest.id),
                vec![],
                "cannot be deleted",
            ),
        ];
        for (path, form, reason) in &cases {
            let r = admin.post_form(path, form).await;
            let status = r.status();
            let body = r.text().await.unwrap();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {form:?}: {body}");
            assert!(
                body.contains(reason),
                "{path} {form:?}: '{reason}' missing from {body}"
            );
        }
        // An entity that is of another kind than asked.
        let corp = t.sim.characters()[0].corporation_id.to_string();
        let r = admin
            .post_form(
                &format!("/admin/states/{}/criteria/add", member.id),
                &[("kind", "alliance"), ("entity", &corp)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("not an alliance"));

        let (status, _) = admin.get_text("/admin/states/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = admin.get_text("/admin/states/abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        assert_eq!(t.store.states().await.unwrap(), before, "nothing changed");
        assert_eq!(audit_actions(&t, "state.").await.len(), audit_before);
    }
);

on_both_backends!(
    only_a_superuser_gives_or_takes_admin_permissions_directly_or_through_a_state,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        let superuser = t.browser();
        superuser.login_ok(chars[0].character_id).await; // the demo's superuser
        let states_admin = t.browser();
        states_admin.login_ok(chars[1].character_id).await;
        let other = t.browser();
        other.login_ok(chars[2].character_id).await;
        let account = |i: usize| {
            let store = t.store.clone();
            let id = chars[i].character_id;
            async move {
                store
                    .character(CharacterId(id))
                    .await
                    .unwrap()
                    .unwrap()
                    .account
            }
        };
        let (admin_account, other_account) = (account(1).await, account(2).await);
        t.store
            .grant_permission(admin_account, "admin.states")
            .await
            .unwrap();
        t.store
            .grant_permission(other_account, "admin.users")
            .await
            .unwrap();
        let direct = |id| {
            let store = t.store.clone();
            async move { store.account_permissions(id).await.unwrap() }
        };

        // admin.states alone: other permissions yes, admin.* no (not even for itself).
        let grant = format!("/admin/users/{other_account}/permissions/grant");
        let revoke = format!("/admin/users/{other_account}/permissions/revoke");
        let own = format!("/admin/users/{admin_account}/permissions/grant");
        for (path, permission) in [
            (&grant, "admin.states"),
            (&own, "admin.users"),
            (&revoke, "admin.users"),
        ] {
            let r = states_admin
                .post_form(path, &[("permission", permission)])
                .await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} {permission}");
            let page = r.text().await.unwrap();
            assert!(page.contains("only a superuser"), "{page}");
        }
        assert_eq!(
            direct(other_account).await.into_iter().collect::<Vec<_>>(),
            ["admin.users"]
        );
        assert_eq!(
            direct(admin_account).await.into_iter().collect::<Vec<_>>(),
            ["admin.states"]
        );
        let r = states_admin
            .post_form(&grant, &[("permission", "standings.audit")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Nor through a state, which gives its permissions to everyone in it.
        let member = state_named(&t, "Member").await.unwrap();
        let state_page = format!("/admin/states/{}", member.id);
        let r = states_admin
            .post_form(
                &state_page,
                &[("priority", "100"), ("permission", "admin.users")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(state_named(&t, "Member").await.unwrap(), member);

        // A superuser may.
        let r = superuser
            .post_form(&grant, &[("permission", "admin.states")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(direct(other_account).await.contains("admin.states"));
    }
);
