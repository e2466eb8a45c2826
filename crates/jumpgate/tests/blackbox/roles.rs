//! Leadership roles over HTTP: the CEO of a leading corporation holds the CEO role by itself
//! (from EVE's `ceo_id`) and appoints a General FC among its members, who then holds what the
//! role carries; every role's delegation rule refuses what it must (outside the corporation,
//! EVE's own roles, Administrator, another division); a CEO change in EVE moves the role with
//! the refresh that sees it; Directors follow their in-game roles; every change is audited.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::groups::{post_ok, post_refused};
use crate::support::{Backend, Browser, TestApp};
use jumpgate_domain::clock::ManualClock;
use jumpgate_domain::roles::Role;
use jumpgate_domain::{AccountId, CorporationId};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// A corporation with a CEO-to-be and a member (of different EVE accounts), and someone of
/// another corporation; the administrator is a fourth EVE account, logged in first.
struct Cast {
    admin: Browser,
    corporation: i64,
    ceo: (i64, String),
    member: (i64, String),
    outsider: (i64, String),
}

async fn cast(t: &TestApp) -> Cast {
    let characters = t.sim.characters();
    let mut by_corp: std::collections::BTreeMap<i64, Vec<_>> = Default::default();
    for c in &characters {
        by_corp.entry(c.corporation_id).or_default().push(c.clone());
    }
    let (corporation, members) = by_corp
        .iter()
        .find(|(_, cs)| {
            cs.iter()
                .map(|c| c.owner_hash.clone())
                .collect::<BTreeSet<_>>()
                .len()
                >= 2
        })
        .expect("a corporation with two players");
    let ceo = members[0].clone();
    let member = members
        .iter()
        .find(|c| c.owner_hash != ceo.owner_hash)
        .unwrap()
        .clone();
    let taken = [ceo.owner_hash.clone(), member.owner_hash.clone()];
    let outsider = characters
        .iter()
        .find(|c| c.corporation_id != *corporation && !taken.contains(&c.owner_hash))
        .unwrap()
        .clone();
    let admin_character = characters
        .iter()
        .find(|c| {
            c.corporation_id != *corporation
                && !taken.contains(&c.owner_hash)
                && c.owner_hash != outsider.owner_hash
        })
        .unwrap()
        .clone();
    assert!(t.sim.set_ceo(ceo.character_id));
    let admin = t.browser();
    admin.login_ok(admin_character.character_id).await;
    Cast {
        admin,
        corporation: *corporation,
        ceo: (ceo.character_id, ceo.name),
        member: (member.character_id, member.name),
        outsider: (outsider.character_id, outsider.name),
    }
}

async fn signed_in(t: &TestApp, character: i64) -> Browser {
    let b = t.browser();
    b.login_ok(character).await;
    b
}

async fn roles_of(t: &TestApp, account: AccountId) -> Vec<Role> {
    t.store
        .roles_of(account)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.role)
        .collect()
}

async fn lead_with(admin: &Browser, corporation: i64) {
    post_ok(
        admin,
        "/admin/roles/leading",
        &[
            ("corporations", &corporation.to_string()),
            ("alliances", ""),
        ],
    )
    .await;
}

on_both_backends!(
    a_ceo_appoints_a_general_fc_among_its_members_who_then_holds_what_the_role_carries,
    |t: TestApp| async move {
        let c = cast(&t).await;
        lead_with(&c.admin, c.corporation).await;
        post_ok(
            &c.admin,
            "/admin/roles/permissions",
            &[("role", "general_fc"), ("permission", "standings.approve")],
        )
        .await;
        let ceo = signed_in(&t, c.ceo.0).await;
        let member = signed_in(&t, c.member.0).await;
        let _outsider = signed_in(&t, c.outsider.0).await;
        let ceo_account = t.account_of(c.ceo.0).await;
        let member_account = t.account_of(c.member.0).await;
        assert_eq!(
            roles_of(&t, ceo_account).await,
            [Role::Ceo(CorporationId(c.corporation))],
            "EVE's CEO holds the CEO role from the login"
        );

        let (_, dashboard) = ceo.get_text("/roles").await;
        assert!(dashboard.contains("CEO"), "{dashboard}");
        assert!(
            dashboard.contains(r#"data-role="general_fc""#),
            "may appoint General FCs"
        );
        assert!(
            !dashboard.contains(r#"data-role="administrator""#),
            "not Administrators"
        );
        let (_, members_view) = member.get_text("/roles").await;
        assert!(members_view.contains("You hold no role"));
        assert!(!members_view.contains("Roles you appoint"));

        let page = post_ok(
            &ceo,
            "/roles/appoint",
            &[("role", "general_fc"), ("character", &c.member.1)],
        )
        .await;
        assert!(
            page.contains(&format!("{} is now General FC", c.member.1)),
            "{page}"
        );
        assert_eq!(roles_of(&t, member_account).await, [Role::GeneralFc]);
        let grants = t
            .store
            .account_grants(member_account)
            .await
            .unwrap()
            .unwrap();
        assert!(
            grants.permissions.contains("standings.approve"),
            "the role's rights"
        );
        let (_, members_view) = member.get_text("/roles").await;
        assert!(members_view.contains("General FC") && members_view.contains("standings.approve"));
        assert_eq!(t.audit_count("role.appointed", member_account).await, 1);
        // Administrators of users see it on the account's page.
        let (_, account_page) = c
            .admin
            .get_text(&format!("/admin/users/{member_account}"))
            .await;
        let roles_card = account_page.split(r#"id="roles""#).nth(1).unwrap();
        assert!(roles_card.contains("General FC") && roles_card.contains("appointed"));

        // Refused: someone outside the corporation, EVE's roles, Administrator, themself.
        let outside = post_refused(
            &ceo,
            "/roles/appoint",
            &[("role", "general_fc"), ("character", &c.outsider.1)],
            403,
        )
        .await;
        assert!(
            outside.contains("only for members of your corporation"),
            "{outside}"
        );
        let eve = post_refused(
            &ceo,
            "/roles/appoint",
            &[
                ("role", &format!("director:{}", c.corporation)),
                ("character", &c.member.1),
            ],
            403,
        )
        .await;
        assert!(eve.contains("follows EVE"), "{eve}");
        post_refused(
            &ceo,
            "/roles/appoint",
            &[("role", "administrator"), ("character", &c.member.1)],
            403,
        )
        .await;
        let own = post_refused(
            &ceo,
            "/roles/appoint",
            &[("role", "head_fc"), ("character", &c.ceo.1)],
            403,
        )
        .await;
        assert!(own.contains("nobody gives themself a role"), "{own}");
        // The General FC appoints nobody.
        post_refused(
            &member,
            "/roles/appoint",
            &[("role", "general_fc"), ("character", &c.outsider.1)],
            403,
        )
        .await;
        // Bad input changes nothing.
        post_refused(
            &ceo,
            "/roles/appoint",
            &[("role", "grand_admiral"), ("character", &c.member.1)],
            400,
        )
        .await;

        post_ok(
            &ceo,
            "/roles/dismiss",
            &[
                ("role", "general_fc"),
                ("account", &member_account.to_string()),
            ],
        )
        .await;
        assert!(roles_of(&t, member_account).await.is_empty());
        let grants = t
            .store
            .account_grants(member_account)
            .await
            .unwrap()
            .unwrap();
        assert!(!grants.permissions.contains("standings.approve"));
    }
);

on_both_backends!(
    the_head_fc_moves_only_with_a_confirmation_and_a_division_head_leads_only_its_division,
    |t: TestApp| async move {
        let c = cast(&t).await;
        for name in ["Capitals", "Frigates"] {
            post_ok(&c.admin, "/admin/roles/divisions", &[("name", name)]).await;
        }
        let divisions = t.store.role_catalogue().await.unwrap().divisions;
        let (capitals, frigates) = (divisions[0].id, divisions[1].id);
        let head = signed_in(&t, c.ceo.0).await;
        let _member = signed_in(&t, c.member.0).await;
        let _outsider = signed_in(&t, c.outsider.0).await;
        let (head_account, member_account, outsider_account) = (
            t.account_of(c.ceo.0).await,
            t.account_of(c.member.0).await,
            t.account_of(c.outsider.0).await,
        );
        post_ok(
            &c.admin,
            "/roles/appoint",
            &[("role", "head_fc"), ("character", &c.ceo.1)],
        )
        .await;
        // A second Head FC needs the confirmation, then the role moves.
        let refused = post_refused(
            &c.admin,
            "/roles/appoint",
            &[("role", "head_fc"), ("character", &c.member.1)],
            409,
        )
        .await;
        assert!(refused.contains("confirm to move it"), "{refused}");
        assert_eq!(roles_of(&t, head_account).await, [Role::HeadFc]);

        // The Head FC appoints a Division Head FC, who leads only their division.
        post_ok(
            &head,
            "/roles/appoint",
            &[
                ("role", &format!("division_head_fc:{capitals}")),
                ("character", &c.member.1),
            ],
        )
        .await;
        let division_head = signed_in(&t, c.member.0).await;
        post_ok(
            &division_head,
            "/roles/appoint",
            &[
                ("role", &format!("division_fc:{capitals}")),
                ("character", &c.outsider.1),
            ],
        )
        .await;
        let other = post_refused(
            &division_head,
            "/roles/appoint",
            &[
                ("role", &format!("division_fc:{frigates}")),
                ("character", &c.outsider.1),
            ],
            403,
        )
        .await;
        assert!(other.contains("do not allow"), "{other}");
        assert_eq!(
            roles_of(&t, outsider_account).await,
            [Role::DivisionFc(capitals)]
        );

        post_ok(
            &c.admin,
            "/roles/appoint",
            &[
                ("role", "head_fc"),
                ("character", &c.member.1),
                ("confirm_move", "on"),
            ],
        )
        .await;
        assert!(roles_of(&t, head_account).await.is_empty(), "moved away");
        assert!(roles_of(&t, member_account).await.contains(&Role::HeadFc));
        assert_eq!(t.audit_count("role.dismissed", head_account).await, 1);

        // Deleting a division takes its roles.
        post_ok(
            &c.admin,
            &format!("/admin/roles/divisions/{capitals}/delete"),
            &[],
        )
        .await;
        assert!(roles_of(&t, outsider_account).await.is_empty());
    }
);

on_each_backend!(
    a_ceo_change_in_eve_moves_the_role_and_directors_follow_their_in_game_roles,
    |backend: Backend| async move {
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
        let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
        let c = cast(&t).await;
        lead_with(&c.admin, c.corporation).await;
        let ceo = signed_in(&t, c.ceo.0).await;
        let member = t.browser();
        member.login_ok(c.member.0).await;
        let (ceo_account, member_account) =
            (t.account_of(c.ceo.0).await, t.account_of(c.member.0).await);
        let corp = CorporationId(c.corporation);
        assert_eq!(roles_of(&t, ceo_account).await, [Role::Ceo(corp)]);

        // A Director grants the leadership login; the hourly read of roles gives the role.
        assert!(t.sim.set_roles(c.ceo.0, vec!["Director".to_owned()]));
        let r = ceo.login_with("core.leadership", c.ceo.0).await;
        let status = r.status();
        assert!(
            status.is_redirection(),
            "{status}: {}",
            r.text().await.unwrap()
        );
        assert!(
            t.run_job("refresh-corporation-roles", serde_json::Value::Null)
                .await
                .is_none()
        );
        assert_eq!(
            roles_of(&t, ceo_account).await,
            [Role::Ceo(corp), Role::Director(corp)]
        );

        // EVE names a new CEO; the names refresh after the corporation's cache expired sees it.
        assert!(t.sim.set_ceo(c.member.0));
        clock.advance(Duration::from_secs(2 * 3600));
        t.sim.expire_esi_cache();
        assert!(
            t.run_job("refresh-affiliations", serde_json::Value::Null)
                .await
                .is_none()
        );
        assert_eq!(
            roles_of(&t, ceo_account).await,
            [Role::Director(corp)],
            "the old CEO lost the CEO role, not the Director's"
        );
        assert_eq!(roles_of(&t, member_account).await, [Role::Ceo(corp)]);
        assert_eq!(t.audit_count("role.dismissed", ceo_account).await, 1);

        // A Director who leaves the corporation is no longer one, at the sweep that sees it.
        let elsewhere = t
            .sim
            .characters()
            .into_iter()
            .find(|x| x.corporation_id != c.corporation)
            .unwrap()
            .corporation_id;
        t.sim.move_character(c.ceo.0, elsewhere);
        t.sim.expire_esi_cache();
        assert!(
            t.run_job("refresh-affiliations", serde_json::Value::Null)
                .await
                .is_none()
        );
        assert!(
            roles_of(&t, ceo_account).await.is_empty(),
            "no longer a Director"
        );
    }
);
