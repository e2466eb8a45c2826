//! Managed accounts (ADR 0029) over HTTP: an administrator makes an account managed on its
//! admin page; every group it held goes, each recorded with its cause; the groups' rules give
//! it no automatic or default group while required groups still judge it; made standard again,
//! the rules give their groups back. And the administrators' search finds accounts by a
//! group they are in and by a corporation one of their characters is in.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::group_rules::groups_of;
use crate::groups::{audit_details, post_ok};
use crate::support::{Browser, TestApp};
use jumpgate_app::Caller;
use jumpgate_domain::groups::{Group, MembershipSource};
use jumpgate_domain::{AccountId, CorporationId, GroupId};
use jumpgate_store::NewMembership;
use reqwest::StatusCode;

/// `account` added to `group` by hand (a manager's membership).
pub(crate) async fn add_by_hand(t: &TestApp, group: GroupId, account: AccountId) {
    t.store
        .add_group_member(&NewMembership {
            group,
            account,
            source: MembershipSource::Manual,
            source_ref: None,
            added_by: None,
        })
        .await
        .unwrap();
}

async fn save(t: &TestApp, group: Group) -> GroupId {
    t.store.save_group(&group).await.unwrap().id
}

/// A character of a third EVE account: neither the superuser's nor the member's.
fn third_person(t: &TestApp) -> i64 {
    let first = t.sim.characters()[0].owner_hash.clone();
    let member = t.sim.character(t.member_character()).unwrap().owner_hash;
    t.sim
        .characters()
        .into_iter()
        .find(|c| c.owner_hash != first && c.owner_hash != member)
        .unwrap()
        .character_id
}

/// The superuser (the demo's first login) and a member of another EVE account, signed in.
async fn admin_and_member(t: &TestApp) -> (Browser, i64, AccountId) {
    let admin = t.browser();
    admin.login_ok(t.sim.characters()[0].character_id).await;
    let member = t.member_character();
    t.browser().login_ok(member).await;
    (admin, member, t.account_of(member).await)
}

on_both_backends!(
    a_managed_account_loses_its_groups_gets_no_automatic_ones_and_still_meets_required_groups,
    |t: TestApp| async move {
        let (admin, member, account) = admin_and_member(&t).await;
        let corporation = CorporationId(t.sim.character(member).unwrap().corporation_id);
        let everyone = save(&t, {
            let mut g = Group::new("Everyone");
            g.rules.default = true;
            g
        })
        .await;
        let miners = save(&t, {
            let mut g = Group::new("Miners");
            g.rules.corporations = [corporation].into();
            g
        })
        .await;
        let verified = save(&t, Group::new("Verified")).await;
        let pilots = save(&t, {
            let mut g = Group::new("Pilots");
            g.rules.required = [verified].into();
            g
        })
        .await;
        add_by_hand(&t, verified, account).await;
        add_by_hand(&t, pilots, account).await;
        let recompute = |t: &TestApp| {
            let app = t.app.clone();
            async move {
                app.recompute_groups(&Caller::cli("test"), Some(account))
                    .await
                    .unwrap()
            }
        };
        recompute(&t).await;
        assert_eq!(groups_of(&t, account).await.len(), 4);

        let page = post_ok(
            &admin,
            &format!("/admin/users/{account}/status"),
            &[("status", "managed")],
        )
        .await;
        assert!(
            page.contains("The account is managed now; it left its 4 groups."),
            "{page}"
        );
        assert!(page.contains(r#"data-status="managed""#), "{page}");
        assert!(
            groups_of(&t, account).await.is_empty(),
            "no default or corporation group comes back"
        );
        let removed = audit_details(&t, "group.member_removed", account).await;
        assert_eq!(removed.len(), 4);
        assert!(removed.iter().all(|d| d["cause"] == "status_changed"));
        let changed = audit_details(&t, "account.status_changed", account).await;
        assert_eq!(changed[0]["from"], "standard");
        assert_eq!(changed[0]["to"], "managed");

        // Required groups still judge it: Pilots without Verified goes at the next recompute.
        add_by_hand(&t, pilots, account).await;
        recompute(&t).await;
        assert!(groups_of(&t, account).await.is_empty());
        add_by_hand(&t, verified, account).await;
        add_by_hand(&t, pilots, account).await;
        recompute(&t).await;
        assert_eq!(
            groups_of(&t, account).await.len(),
            2,
            "both by hand, both kept"
        );

        // Standard again: the hand-given groups go with the change, the rules' come back.
        let page = post_ok(
            &admin,
            &format!("/admin/users/{account}/status"),
            &[("status", "standard")],
        )
        .await;
        assert!(page.contains("it left its 2 groups"), "{page}");
        let back = groups_of(&t, account).await;
        assert_eq!(back.len(), 2, "{back:?}");
        for group in [everyone, miners] {
            assert!(
                back.contains(&(group, MembershipSource::Automatic)),
                "{back:?}"
            );
        }

        // Nothing to change, and a status that does not exist, are refused and change nothing.
        for (status, says) in [
            ("standard", "is standard already"),
            ("retired", "choose standard or managed"),
        ] {
            let r = admin
                .post_form(
                    &format!("/admin/users/{account}/status"),
                    &[("status", status)],
                )
                .await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let page = r.text().await.unwrap();
            assert!(page.contains(says), "{page}");
        }
        assert_eq!(t.audit_count("account.status_changed", account).await, 2);
    }
);

on_both_backends!(
    a_member_without_admin_users_cannot_change_a_status,
    |t: TestApp| async move {
        let (_, _, account) = admin_and_member(&t).await;
        let other = third_person(&t);
        let b = t.browser();
        b.login_ok(other).await;
        let r = b
            .post_form(
                &format!("/admin/users/{account}/status"),
                &[("status", "managed")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(t.audit_count("account.status_changed", account).await, 0);
    }
);

on_both_backends!(
    the_search_finds_accounts_by_a_group_they_are_in_and_by_a_corporation_of_any_character,
    |t: TestApp| async move {
        let (admin, member, account) = admin_and_member(&t).await;
        let group = save(&t, Group::new("Hidden Scouts")).await;
        add_by_hand(&t, group, account).await;
        let (status, page) = admin.get_text("/admin/search?q=hidden%20sc").await;
        assert_eq!(status, StatusCode::OK);
        let section = &page[page.find(r#"id="found-groups""#).expect(&page)..];
        assert!(
            section.contains(&format!(r#"data-group-accounts="{group}""#)),
            "{section}"
        );
        assert!(
            section.contains(&format!(r#"href="/admin/users/{account}""#)),
            "{section}"
        );

        // The users list filtered by the group: every member, not only the first found.
        let (status, page) = admin.get_text(&format!("/admin/users?group={group}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("Accounts in the group Hidden Scouts"),
            "{page}"
        );
        assert!(
            page.contains(&format!(r#"href="/admin/users/{account}""#)),
            "{page}"
        );
        let (status, page) = admin.get_text("/admin/users?group=scouts").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("is not a group id"), "{page}");
        let (status, _) = admin.get_text("/admin/users?group=999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let corporation = t
            .sim
            .corporation(t.sim.character(member).unwrap().corporation_id)
            .unwrap();
        let (status, page) = admin
            .get_text(&format!(
                "/admin/users?corporation={}",
                corporation.corporation_id
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!(r#"href="/admin/users/{account}""#)),
            "{page}"
        );
        let (_, page) = admin
            .get_text(&format!(
                "/admin/search?q={}",
                crate::support::urlencode(&corporation.name)
            ))
            .await;
        let section = &page[page
            .find(&format!(
                r#"data-corporation-accounts="{}""#,
                corporation.corporation_id
            ))
            .expect(&page)..];
        assert!(
            section.contains(&format!(r#"href="/admin/users/{account}""#)),
            "{section}"
        );
    }
);

on_each_backend!(
    the_login_without_esi_scopes_is_for_managed_accounts_characters_only,
    |backend| async move {
        let t = TestApp::spawn_with(backend, |s| s.accounts.no_scopes_login = true).await;
        let (admin, member, account) = admin_and_member(&t).await;
        let (_, home) = t.browser().get_text("/").await;
        assert!(home.contains("/sso/login?login=core.no-scopes"), "{home}");

        // A standard account's character, or one Jumpgate does not know, is refused.
        let stranger = third_person(&t);
        for character in [member, stranger] {
            let r = t.browser().login_with("core.no-scopes", character).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{character}");
            let page = r.text().await.unwrap();
            assert!(
                page.contains("only for the characters of managed accounts"),
                "{page}"
            );
        }
        assert!(
            t.store
                .character(jumpgate_domain::CharacterId(stranger))
                .await
                .unwrap()
                .is_none()
        );

        // Managed, its character signs in without scopes; its stored token is left as it was.
        post_ok(
            &admin,
            &format!("/admin/users/{account}/status"),
            &[("status", "managed")],
        )
        .await;
        let before = t
            .store
            .token(jumpgate_domain::CharacterId(member), "core.default")
            .await
            .unwrap()
            .unwrap();
        let b = t.browser();
        let r = b.login_with("core.no-scopes", member).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (status, page) = b.get_text("/account").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("account #{account}")), "{page}");
        let after = t
            .store
            .token(jumpgate_domain::CharacterId(member), "core.default")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.refresh_token, before.refresh_token);
    }
);
