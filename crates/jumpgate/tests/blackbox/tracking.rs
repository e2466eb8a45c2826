//! Member tracking, end to end against the simulator: a Director logs in with the tracking
//! login, the update job lists the corporation's members, the groups an administrator chose
//! see the page (filters, order, CSV) and nobody else does, a non-Director's login is refused,
//! and an ESI failure keeps the last list.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, Browser, TestApp, plain_client};
use jumpgate_app::tracking::UPDATE_MEMBER_TRACKING;
use jumpgate_domain::clock::ManualClock;
use jumpgate_domain::groups::{Group, MembershipSource};
use jumpgate_domain::tracking::TRACKING_LOGIN;
use jumpgate_domain::{CharacterId, CorporationId, GroupId};
use jumpgate_evesim::SimCharacter;
use jumpgate_store::{AuditFilter, NewMembership};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// A corporation of the simulated universe with a Director and at least three members
/// without the role: (director, others).
pub(crate) fn corporation_with_a_director(t: &TestApp) -> (SimCharacter, Vec<SimCharacter>) {
    let everyone = t.sim.characters();
    everyone
        .iter()
        .filter(|c| c.roles.iter().any(|r| r == "Director") && !c.biomassed)
        .find_map(|d| {
            let others: Vec<SimCharacter> = everyone
                .iter()
                .filter(|c| {
                    c.corporation_id == d.corporation_id
                        && !c.roles.iter().any(|r| r == "Director")
                        && !c.biomassed
                })
                .cloned()
                .collect();
            (others.len() >= 3).then(|| (d.clone(), others))
        })
        .expect("the simulated universe has a corporation with a Director and three members")
}

/// A character of another corporation than `corporation`.
fn outside(t: &TestApp, corporation: i64) -> SimCharacter {
    t.sim
        .characters()
        .into_iter()
        .find(|c| c.corporation_id != corporation && !c.biomassed)
        .unwrap()
}

/// Makes `character` last log off `days` ago, through the simulator's control API.
pub(crate) async fn last_logoff(t: &TestApp, character: i64, days: i64) {
    let off = t.app.now() - time::Duration::days(days);
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let r = plain_client()
        .post(
            t.sim
                .base_url()
                .join(&format!("_sim/characters/{character}/logon"))
                .unwrap(),
        )
        .json(&json!({
            "logon_date": fmt(off - time::Duration::hours(3)),
            "logoff_date": fmt(off),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

/// A group `viewer`'s account is in, chosen on the admin page to see `corporation`.
async fn viewers_of(t: &TestApp, admin: &Browser, corporation: i64, viewer: i64) -> GroupId {
    let group = t
        .store
        .save_group(&Group::new("Officers"))
        .await
        .unwrap()
        .id;
    t.store
        .add_group_member(&NewMembership {
            group,
            account: t.account_of(viewer).await,
            source: MembershipSource::Manual,
            source_ref: None,
            added_by: None,
        })
        .await
        .unwrap();
    let r = admin
        .post_form(
            &format!("/admin/tracking/{corporation}/groups"),
            &[("group", &group.to_string())],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the admin saves the groups"
    );
    group
}

/// The update job, run now; it succeeds.
pub(crate) async fn update(t: &TestApp) {
    assert!(
        t.run_job(UPDATE_MEMBER_TRACKING, json!({})).await.is_none(),
        "the update job succeeds"
    );
}

/// `character` joins `corporation` in game; the affiliation sweep sees it, then the update runs.
async fn moves_then_updates(t: &TestApp, character: i64, corporation: i64) {
    t.sim.move_character(character, corporation);
    t.app
        .refresh_affiliations(&jumpgate_app::Caller::system("refresh-affiliations"))
        .await
        .unwrap();
    update(t).await;
}

/// The characters a tracking page (or CSV) lists, by the `data-character` of its rows.
fn listed(page: &str) -> Vec<i64> {
    page.split("data-character=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

on_both_backends!(
    a_directors_login_tracks_the_corporation_and_its_viewers_find_unregistered_and_inactive_members,
    |t: TestApp| async move {
        let (director, others) = corporation_with_a_director(&t);
        let corp = director.corporation_id;
        let (registered, inactive) = (&others[0], &others[1]);
        // The first login of the demo is its superuser: the administrator and the viewer.
        let admin_character = outside(&t, corp);
        let admin = t.browser();
        admin.login_ok(admin_character.character_id).await;
        let member = t.browser();
        member.login_ok(registered.character_id).await;
        last_logoff(&t, inactive.character_id, 45).await;

        let d = t.browser();
        let r = d.login_with(TRACKING_LOGIN, director.character_id).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "the Director's login is taken"
        );
        update(&t).await;

        viewers_of(&t, &admin, corp, admin_character.character_id).await;
        let (status, list) = admin.get_text("/tracking").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains(&format!("/tracking/{corp}")), "{list}");

        let (status, page) = admin.get_text(&format!("/tracking/{corp}")).await;
        assert_eq!(status, StatusCode::OK);
        let everyone = listed(&page);
        let in_corp = t
            .sim
            .characters()
            .iter()
            .filter(|c| c.corporation_id == corp)
            .count();
        assert_eq!(everyone.len(), in_corp, "every member is listed");
        assert_eq!(
            everyone.first(),
            Some(&inactive.character_id),
            "the longest gone first"
        );
        assert!(page.contains(&inactive.name), "names are resolved");
        assert!(
            page.contains(&format!(
                "href=\"/admin/users/{}\"",
                t.account_of(registered.character_id).await
            )),
            "the superuser may open the registered member's account from the page"
        );
        assert!(page.contains("Jita IV - Moon 4"), "stations are named");
        assert!(page.contains("Capsule"), "ships are named");
        // The simulator docks one member in four in the corporation's own structure, which
        // the Director may see.
        if everyone.iter().any(|id| id % 4 == 0) {
            assert!(page.contains("Keepstar"), "structures are named: {page}");
        }

        let (_, unregistered) = admin
            .get_text(&format!("/tracking/{corp}?unregistered=on"))
            .await;
        let unregistered = listed(&unregistered);
        assert!(unregistered.contains(&inactive.character_id));
        assert!(!unregistered.contains(&registered.character_id));
        assert!(!unregistered.contains(&director.character_id));

        let (_, gone) = admin
            .get_text(&format!("/tracking/{corp}?inactive_days=30"))
            .await;
        assert_eq!(
            listed(&gone),
            [inactive.character_id],
            "only the inactive member"
        );

        // The registered member's login token dies in EVE; the next check marks it invalid.
        t.sim.revoke_tokens(registered.character_id);
        let token = t
            .store
            .token(CharacterId(registered.character_id), "core.default")
            .await
            .unwrap()
            .unwrap();
        t.app
            .refresh_token(&jumpgate_app::Caller::system("check-tokens"), &token, true)
            .await
            .unwrap();
        let (_, invalid) = admin
            .get_text(&format!("/tracking/{corp}?invalid_token=on"))
            .await;
        let mut invalid = listed(&invalid);
        invalid.sort_unstable();
        let mut expected = vec![registered.character_id, director.character_id];
        expected.sort_unstable();
        assert_eq!(
            invalid, expected,
            "the dead token, and the Director, who never logged in with the login token"
        );

        let (status, bad) = admin
            .get_text(&format!("/tracking/{corp}?inactive_days=soon"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(bad.contains("is not a number of days"), "{bad}");

        let r = admin
            .get(&format!("/tracking/{corp}/members.csv?inactive_days=30"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "a header and the inactive member: {csv}");
        assert!(lines[1].starts_with(&format!("{},", inactive.character_id)));
        assert!(lines[1].contains(",no,"), "not registered: {}", lines[1]);

        // A member outside the chosen group: not found, as a corporation nobody tracks.
        for path in [
            format!("/tracking/{corp}"),
            format!("/tracking/{corp}/members.csv"),
            "/tracking/98999999".to_owned(),
        ] {
            let (status, _) = member.get_text(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (_, members_list) = member.get_text("/tracking").await;
        assert!(!members_list.contains(&format!("/tracking/{corp}")));
        let (status, _) = member.get_text("/admin/tracking").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The admin page shows the Director's token in use.
        let (status, admin_page) = admin.get_text("/admin/tracking").await;
        assert_eq!(status, StatusCode::OK);
        assert!(admin_page.contains(&director.name), "{admin_page}");
        let updated = t
            .store
            .audit_entries(&AuditFilter {
                action_prefix: Some("tracking.updated".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(!updated.is_empty(), "the update is in the audit log");

        // The administrator stops tracking it: its page is gone for its viewers too.
        let r = admin
            .post_form(&format!("/admin/tracking/{corp}/stop"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (status, _) = admin.get_text(&format!("/tracking/{corp}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

on_both_backends!(
    a_tracking_login_of_a_character_who_is_not_a_director_is_refused_and_stores_nothing,
    |t: TestApp| async move {
        let (_, others) = corporation_with_a_director(&t);
        let line_member = &others[0];
        let b = t.browser();
        let r = b.login_with(TRACKING_LOGIN, line_member.character_id).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("is not a Director of their corporation"),
            "{page}"
        );
        assert!(
            t.store
                .token(CharacterId(line_member.character_id), TRACKING_LOGIN)
                .await
                .unwrap()
                .is_none(),
            "no token is stored"
        );
        assert!(t.store.tracked_corporations().await.unwrap().is_empty());
    }
);

on_each_backend!(
    an_esi_failure_keeps_the_last_list_and_the_page_says_so,
    |backend: Backend| async move {
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
        let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
        let (director, _) = corporation_with_a_director(&t);
        let corp = director.corporation_id;
        let admin_character = outside(&t, corp);
        let admin = t.browser();
        admin.login_ok(admin_character.character_id).await;
        let d = t.browser();
        let r = d.login_with(TRACKING_LOGIN, director.character_id).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        update(&t).await;
        viewers_of(&t, &admin, corp, admin_character.character_id).await;
        let before = listed(&admin.get_text(&format!("/tracking/{corp}")).await.1);
        assert!(!before.is_empty());

        // An hour later (every cached answer stale) EVE answers nothing but errors.
        clock.advance(Duration::from_secs(2 * 3600));
        t.sim.set_time(t.app.now(), 1.0);
        t.sim.expire_esi_cache();
        t.sim.set_fault_rate(1.0);
        let done = t
            .app
            .update_member_tracking(
                &jumpgate_app::Caller::system(UPDATE_MEMBER_TRACKING),
                Some(CorporationId(corp)),
            )
            .await
            .unwrap();
        assert_eq!((done.updated(), done.failed()), (0, 1));
        t.sim.set_fault_rate(0.0);

        let (status, page) = admin.get_text(&format!("/tracking/{corp}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed(&page), before, "the last good list is kept");
        assert!(page.contains("The last update failed"), "{page}");
        assert!(page.contains("EVE did not answer"), "{page}");
        assert!(
            page.contains("server error"),
            "an ESI failure, not a token's: {page}"
        );
    }
);

on_both_backends!(
    a_director_who_left_the_corporation_is_not_used_until_back_and_the_page_says_so,
    |t: TestApp| async move {
        let (director, _) = corporation_with_a_director(&t);
        let corp = director.corporation_id;
        let admin_character = outside(&t, corp);
        let admin = t.browser();
        admin.login_ok(admin_character.character_id).await;
        let r = t
            .browser()
            .login_with(TRACKING_LOGIN, director.character_id)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        update(&t).await;
        viewers_of(&t, &admin, corp, admin_character.character_id).await;
        let before = listed(&admin.get_text(&format!("/tracking/{corp}")).await.1);

        // The Director joins another corporation; the affiliation sweep sees it.
        moves_then_updates(&t, director.character_id, admin_character.corporation_id).await;

        let (_, page) = admin.get_text(&format!("/tracking/{corp}")).await;
        assert_eq!(listed(&page), before, "the last list is kept");
        assert!(
            page.contains("No Director's tracking token is in use"),
            "{page}"
        );
        assert!(page.contains(&director.name), "{page}");
        assert!(
            page.contains("has left the corporation it tracked"),
            "{page}"
        );
        let (_, admin_page) = admin.get_text("/admin/tracking").await;
        assert!(
            admin_page.contains("has left the corporation it tracked"),
            "{admin_page}"
        );

        // Back in the corporation, the same token is used again without a new login.
        moves_then_updates(&t, director.character_id, corp).await;
        let (_, page) = admin.get_text(&format!("/tracking/{corp}")).await;
        assert!(
            !page.contains("No Director's tracking token is in use"),
            "{page}"
        );
        assert!(!page.contains("The last update failed"), "{page}");
    }
);
