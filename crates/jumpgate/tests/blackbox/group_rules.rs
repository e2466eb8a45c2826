//! Groups given and taken by their rules, over HTTP and the affiliation sweep: a corporation's
//! group follows any character of an account (an alt as well as the main), comes with the sweep
//! that sees the character join and goes with the sweep that sees it leave; the default group,
//! required and forbidden groups hold to a fixed point after every change, by hand or by rule;
//! every change is in the audit log with the rule that made it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::groups::{audit_details, post_ok};
use crate::support::{Browser, TestApp};
use jumpgate_domain::groups::MembershipSource;
use jumpgate_domain::{AccountId, GroupId};

async fn create_group(t: &TestApp, admin: &Browser, name: &str) -> GroupId {
    crate::groups::create_group(t, admin, name, "private")
        .await
        .id
}

/// A POST refused as bad input (400); returns the error page.
async fn post_refused(b: &Browser, path: &str, form: &[(&str, &str)]) -> String {
    crate::groups::post_refused(b, path, form, 400).await
}

pub(crate) async fn groups_of(t: &TestApp, account: AccountId) -> Vec<(GroupId, MembershipSource)> {
    t.store
        .account_groups(account)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.group, m.source))
        .collect()
}

async fn rule_changes(t: &TestApp, account: AccountId) -> Vec<serde_json::Value> {
    audit_details(t, "group.member_", account).await
}

/// The first character's account (the superuser) and a member of another EVE account, signed
/// in; the member's account and name.
async fn admin_and_member(t: &TestApp) -> (Browser, Browser, AccountId, String) {
    let people = t.sim.characters();
    let member_character = people
        .iter()
        .find(|c| c.owner_hash != people[0].owner_hash)
        .unwrap();
    let admin = t.browser();
    admin.login_ok(people[0].character_id).await;
    let member = t.browser();
    member.login_ok(member_character.character_id).await;
    let account = t.account_of(member_character.character_id).await;
    (admin, member, account, member_character.name.clone())
}

async fn sweep(t: &TestApp) {
    assert!(
        t.run_job("refresh-affiliations", serde_json::Value::Null)
            .await
            .is_none(),
        "the affiliation sweep succeeds"
    );
}

on_both_backends!(
    a_corporations_group_follows_any_character_and_goes_with_the_sweep_that_sees_it_leave,
    |t: TestApp| async move {
        let family = t.characters_of_one_owner(2);
        let (main, alt) = (family[0], family[1]);
        let owner = t.sim.character(main).unwrap().owner_hash;
        let admin_character = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.owner_hash != owner)
            .unwrap();
        let admin = t.browser();
        admin.login_ok(admin_character.character_id).await;
        let member = t.browser();
        member.login_ok(main).await;
        member.login_ok(alt).await;
        let account = t.account_of(main).await;

        // A corporation none of the member's characters is in yet.
        let mine = [
            t.sim.character(main).unwrap().corporation_id,
            t.sim.character(alt).unwrap().corporation_id,
        ];
        let corporations = t.sim.corporations();
        let target = corporations
            .iter()
            .find(|c| !c.npc && !mine.contains(&c.corporation_id))
            .unwrap();
        let elsewhere = corporations
            .iter()
            .find(|c| {
                !c.npc
                    && !mine.contains(&c.corporation_id)
                    && c.corporation_id != target.corporation_id
            })
            .unwrap();

        let miners = create_group(&t, &admin, "Miners").await;
        let page = post_ok(
            &admin,
            &format!("/admin/groups/{miners}/rules/add"),
            &[
                ("kind", "corporation"),
                ("entity", &target.corporation_id.to_string()),
            ],
        )
        .await;
        assert!(
            page.contains(&format!("Members of {} now get this group", target.name)),
            "{page}"
        );
        assert!(page.contains(&target.name), "the rule is shown by name");
        assert!(groups_of(&t, account).await.is_empty());

        // The alt (not the main) joins the corporation: the next sweep gives the group.
        t.sim.move_character(alt, target.corporation_id);
        sweep(&t).await;
        assert_eq!(
            groups_of(&t, account).await,
            [(miners, MembershipSource::Automatic)]
        );
        let (_, account_page) = member.get_text("/account").await;
        assert!(
            account_page.contains(&format!(
                "a character is in corporation #{}",
                target.corporation_id
            )),
            "{account_page}"
        );
        let added = rule_changes(&t, account).await;
        assert_eq!(added[0]["source"], "automatic");
        assert_eq!(
            added[0]["rule"],
            format!("corporation:{}", target.corporation_id)
        );

        // Its rules own it: the member cannot leave it, nor a manager remove it by hand.
        let page = post_refused(&member, &format!("/groups/{miners}/leave"), &[]).await;
        assert!(page.contains("given by its rules"), "{page}");
        post_refused(
            &admin,
            &format!("/groups/{miners}/members/remove"),
            &[("account", &account.to_string())],
        )
        .await;

        // The alt leaves: the next sweep takes the group, saying why.
        t.sim.move_character(alt, elsewhere.corporation_id);
        sweep(&t).await;
        assert!(groups_of(&t, account).await.is_empty());
        let removed = rule_changes(&t, account).await;
        assert_eq!(removed[0]["cause"], "rule");
        assert_eq!(removed[0]["rule"], "no_longer_matches");

        // Removing the rule is refused for a rule that is not there, and applies at once.
        let page = post_ok(
            &admin,
            &format!("/admin/groups/{miners}/rules/remove"),
            &[
                ("kind", "corporation"),
                ("entity_id", &target.corporation_id.to_string()),
            ],
        )
        .await;
        assert!(page.contains("Rule removed"), "{page}");
        post_refused(
            &admin,
            &format!("/admin/groups/{miners}/rules/remove"),
            &[
                ("kind", "corporation"),
                ("entity_id", &target.corporation_id.to_string()),
            ],
        )
        .await;
    }
);

on_both_backends!(
    default_required_and_forbidden_groups_hold_after_every_change,
    |t: TestApp| async move {
        let (admin, _member, account, name) = admin_and_member(&t).await;

        let everyone = create_group(&t, &admin, "Everyone").await;
        let fc = create_group(&t, &admin, "FC").await;
        let banned = create_group(&t, &admin, "Banned").await;

        // The default group reaches every account at once.
        let page = post_ok(
            &admin,
            &format!("/admin/groups/{everyone}/rules"),
            &[("default", "on"), ("forbidden", &banned.to_string())],
        )
        .await;
        assert!(page.contains("2 accounts joined or left a group"), "{page}");
        assert_eq!(
            groups_of(&t, account).await,
            [(everyone, MembershipSource::Automatic)]
        );
        // FC requires Everyone; the member is added by hand.
        post_ok(
            &admin,
            &format!("/admin/groups/{fc}/rules"),
            &[("required", &everyone.to_string())],
        )
        .await;
        post_ok(
            &admin,
            &format!("/groups/{fc}/members/add"),
            &[("character", &name)],
        )
        .await;
        assert_eq!(groups_of(&t, account).await.len(), 2);

        // Banned is forbidden with Everyone: joining it costs Everyone, and so FC.
        post_ok(
            &admin,
            &format!("/groups/{banned}/members/add"),
            &[("character", &name)],
        )
        .await;
        assert_eq!(
            groups_of(&t, account).await,
            [(banned, MembershipSource::Manual)]
        );
        let causes: Vec<String> = rule_changes(&t, account)
            .await
            .iter()
            .filter(|d| d["cause"] == "rule")
            .map(|d| format!("{} {}", d["group_name"], d["rule"]))
            .collect();
        assert_eq!(
            causes,
            [
                "\"FC\" \"requires_one_of\"".to_owned(),
                format!("\"Everyone\" \"forbidden_with:{banned}\""),
            ],
            "newest first"
        );

        // Leaving Banned gives Everyone back; FC, given by hand, does not come back.
        post_ok(
            &admin,
            &format!("/groups/{banned}/members/remove"),
            &[("account", &account.to_string())],
        )
        .await;
        assert_eq!(
            groups_of(&t, account).await,
            [(everyone, MembershipSource::Automatic)]
        );

        // Rules that cannot hold are refused whole.
        let page = post_refused(
            &admin,
            &format!("/admin/groups/{fc}/rules"),
            &[
                ("required", &everyone.to_string()),
                ("forbidden", &everyone.to_string()),
            ],
        )
        .await;
        assert!(
            page.contains("cannot be both required and forbidden"),
            "{page}"
        );
        let page = post_refused(
            &admin,
            &format!("/admin/groups/{fc}/rules"),
            &[("required", &fc.to_string())],
        )
        .await;
        assert!(page.contains("cannot require or forbid itself"), "{page}");
        let page = post_refused(
            &admin,
            &format!("/admin/groups/{fc}/rules"),
            &[("required", "abc")],
        )
        .await;
        assert!(page.contains("not a group id"), "{page}");
        post_ok(
            &admin,
            &format!("/admin/groups/{banned}"),
            &[
                ("name", "Banned"),
                ("visibility", "private"),
                ("permission", "admin.audit"),
            ],
        )
        .await;
        let page = post_refused(
            &admin,
            &format!("/admin/groups/{banned}/rules"),
            &[("default", "on")],
        )
        .await;
        assert!(page.contains("cannot be a default group"), "{page}");
        let fc_rules = t.store.group(fc).await.unwrap().unwrap().rules;
        assert_eq!(
            fc_rules.required.into_iter().collect::<Vec<_>>(),
            [everyone]
        );
        assert!(fc_rules.forbidden.is_empty());
    }
);

// A group held only in some states (Alliance Auth's group states): the default group reaches
// only the accounts in those states, a manager cannot add someone in another, and a member whose
// state is no longer allowed loses it at the recompute, with the reason in the audit log.
on_both_backends!(
    a_group_held_only_in_some_states_is_given_added_and_kept_only_in_them,
    |t: TestApp| async move {
        let (admin, _member, account, name) = admin_and_member(&t).await;
        let state = t.store.account(account).await.unwrap().unwrap().state;
        let other = if state == "Blue" { "Member" } else { "Blue" };

        let lounge = create_group(&t, &admin, "Lounge").await;
        let rules = format!("/admin/groups/{lounge}/rules");
        let refused = post_refused(&admin, &rules, &[("states", "Nowhere")]).await;
        assert!(
            refused.contains("there is no state") && refused.contains("Nowhere"),
            "{refused}"
        );
        post_ok(&admin, &rules, &[("default", "on"), ("states", other)]).await;
        assert!(
            groups_of(&t, account).await.is_empty(),
            "not given in the {state} state"
        );
        let page = post_refused(
            &admin,
            &format!("/groups/{lounge}/members/add"),
            &[("character", &name)],
        )
        .await;
        assert!(
            page.contains(&format!("held only in the states {other}")),
            "{page}"
        );

        // Allowed in the member's state too: the default group comes.
        post_ok(
            &admin,
            &rules,
            &[("default", "on"), ("states", &format!("{other}, {state}"))],
        )
        .await;
        assert_eq!(
            groups_of(&t, account).await,
            [(lounge, MembershipSource::Automatic)]
        );
        // And goes when the state is no longer allowed, saying why.
        post_ok(&admin, &rules, &[("default", "on"), ("states", other)]).await;
        assert!(groups_of(&t, account).await.is_empty());
        let removed = rule_changes(&t, account).await;
        assert!(
            removed.iter().any(|d| d["rule"] == "state_not_allowed"),
            "{removed:?}"
        );
    }
);
