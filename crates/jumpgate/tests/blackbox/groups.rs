//! Groups over HTTP: administrators create them and name their managers; members apply,
//! withdraw and leave; managers (and the members of manager groups) accept, deny, add and
//! remove; what a group grants follows its membership at once; every membership change is in
//! the audit log with its cause, and bad input changes nothing.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Browser, TestApp, location};
use jumpgate_domain::groups::{ApplicationStatus, Group};
use jumpgate_domain::{AccountId, GroupId};
use jumpgate_store::{ApplicationFilter, AuditFilter};
use reqwest::StatusCode;

/// `n` characters of different EVE accounts, each with its name; the first to log in becomes
/// the demo's superuser.
fn people(t: &TestApp, n: usize) -> Vec<(i64, String)> {
    let mut owners = std::collections::BTreeSet::new();
    let found: Vec<(i64, String)> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| owners.insert(c.owner_hash.clone()))
        .map(|c| (c.character_id, c.name))
        .take(n)
        .collect();
    assert_eq!(
        found.len(),
        n,
        "the simulated universe has {n} EVE accounts"
    );
    found
}

/// Signed-in browsers for `people`, in order (the first is the superuser).
async fn sign_in(t: &TestApp, people: &[(i64, String)]) -> Vec<Browser> {
    let mut browsers = Vec::new();
    for (character, _) in people {
        let b = t.browser();
        b.login_ok(*character).await;
        browsers.push(b);
    }
    browsers
}

/// A POST that must redirect (303); returns the page it leads to.
pub(crate) async fn post_ok(b: &Browser, path: &str, form: &[(&str, &str)]) -> String {
    let r = b.post_form(path, form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "POST {path}: {}",
        r.text().await.unwrap()
    );
    let (status, page) = b.get_text(location(&r).path()).await;
    assert_eq!(status, StatusCode::OK, "after POST {path}");
    page
}

/// A POST refused with `status`; returns the error page.
pub(crate) async fn post_refused(
    b: &Browser,
    path: &str,
    form: &[(&str, &str)],
    status: u16,
) -> String {
    let r = b.post_form(path, form).await;
    assert_eq!(r.status().as_u16(), status, "POST {path}");
    r.text().await.unwrap()
}

/// Creates a group on the admin page and returns it as stored.
pub(crate) async fn create_group(
    t: &TestApp,
    admin: &Browser,
    name: &str,
    visibility: &str,
) -> Group {
    let page = post_ok(
        admin,
        "/admin/groups",
        &[
            ("name", name),
            ("description", "Fleets and more"),
            ("visibility", visibility),
        ],
    )
    .await;
    assert!(
        page.contains(&format!("Group {name} created")),
        "flash shown"
    );
    group_named(t, name).await.expect("the group is stored")
}

pub(crate) async fn group_named(t: &TestApp, name: &str) -> Option<Group> {
    t.store
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == name)
}

async fn group_ids_of(t: &TestApp, account: AccountId) -> Vec<GroupId> {
    t.store
        .account_groups(account)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.group)
        .collect()
}

async fn pending_application(t: &TestApp, group: GroupId, account: AccountId) -> Option<i64> {
    t.store
        .group_applications(&ApplicationFilter {
            group: Some(group),
            account: Some(account),
            pending_only: true,
            limit: 1,
        })
        .await
        .unwrap()
        .first()
        .map(|a| a.id.get())
}

pub(crate) async fn audit_details(
    t: &TestApp,
    action: &str,
    account: AccountId,
) -> Vec<serde_json::Value> {
    t.store
        .audit_entries(&AuditFilter {
            action_prefix: Some(action.into()),
            target: Some(format!("account:{account}")),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.details)
        .collect()
}

async fn notified(t: &TestApp, account: AccountId, phrase: &str) -> bool {
    t.store
        .notifications(account, false, 50)
        .await
        .unwrap()
        .iter()
        .any(|n| n.message.contains(phrase))
}

on_both_backends!(
    a_member_applies_a_manager_accepts_and_the_member_holds_what_the_group_grants,
    |t: TestApp| async move {
        let cast = people(&t, 3);
        let b = sign_in(&t, &cast).await;
        let (admin, manager, member) = (&b[0], &b[1], &b[2]);
        let manager_account = t.account_of(cast[1].0).await;
        let member_account = t.account_of(cast[2].0).await;

        let fc = create_group(&t, admin, "Fleet Commanders", "public").await;
        let settings = format!("/admin/groups/{}", fc.id);
        post_ok(
            admin,
            &settings,
            &[
                ("name", "Fleet Commanders"),
                ("description", "Fleets and more"),
                ("visibility", "public"),
                ("permission", "standings.approve"),
            ],
        )
        .await;
        let page = post_ok(
            admin,
            &format!("{settings}/managers/add"),
            &[("character", &cast[1].1)],
        )
        .await;
        assert!(page.contains(&format!("{} now manages this group", cast[1].1)));
        assert!(
            notified(
                &t,
                manager_account,
                "You are now a manager of Fleet Commanders"
            )
            .await
        );

        // The member sees the public group and applies; the approvers' queue is not theirs yet.
        let (_, groups) = member.get_text("/groups").await;
        assert!(groups.contains("Fleet Commanders") && groups.contains("data-action=\"apply\""));
        assert_eq!(
            member.get("/standings/queue").await.status(),
            StatusCode::FORBIDDEN
        );
        let page = post_ok(
            member,
            &format!("/groups/{}/apply", fc.id),
            &[("message", "I have led fleets for years")],
        )
        .await;
        assert!(page.contains("Application sent"), "{page}");
        assert!(page.contains("Withdraw application"));
        let application = pending_application(&t, fc.id, member_account)
            .await
            .expect("one pending application");
        assert!(
            notified(
                &t,
                manager_account,
                &format!("{} applied to join Fleet Commanders", cast[2].1)
            )
            .await,
            "the manager is told"
        );

        // The manager sees it waiting, with the applicant's text, and accepts with a note.
        let (_, managed) = manager.get_text("/groups").await;
        assert!(managed.contains("1 waiting"), "{managed}");
        let (_, group_page) = manager.get_text(&format!("/groups/{}", fc.id)).await;
        assert!(group_page.contains("I have led fleets for years"));
        assert!(group_page.contains(&cast[2].1));
        post_ok(
            manager,
            &format!("/groups/applications/{application}/accept"),
            &[("note", "Welcome aboard")],
        )
        .await;

        // Access follows at once, the account page says why, the member was told, and the log
        // names the manager as the cause.
        assert_eq!(group_ids_of(&t, member_account).await, [fc.id]);
        assert_eq!(
            member.get("/standings/queue").await.status(),
            StatusCode::OK
        );
        let (_, account_page) = member.get_text("/account").await;
        assert!(
            account_page.contains(&format!("application accepted by {}", cast[1].1)),
            "{account_page}"
        );
        assert!(notified(&t, member_account, "Welcome aboard").await);
        let added = audit_details(&t, "group.member_added", member_account).await;
        assert_eq!(added.len(), 1);
        assert_eq!(added[0]["source"], "application");
        assert_eq!(added[0]["group_name"], "Fleet Commanders");
        assert_eq!(
            audit_details(&t, "group.application_filed", member_account)
                .await
                .len(),
            1
        );

        // Deciding it again changes nothing and says how it ended.
        let page = post_refused(
            manager,
            &format!("/groups/applications/{application}/deny"),
            &[("reason", "changed my mind")],
            400,
        )
        .await;
        assert!(page.contains("already accepted"), "{page}");

        // Leaving takes the access away at once.
        let page = post_ok(member, &format!("/groups/{}/leave", fc.id), &[]).await;
        assert!(page.contains("You left Fleet Commanders"));
        assert!(group_ids_of(&t, member_account).await.is_empty());
        assert_eq!(
            member.get("/standings/queue").await.status(),
            StatusCode::FORBIDDEN
        );
        let removed = audit_details(&t, "group.member_removed", member_account).await;
        assert_eq!(removed[0]["cause"], "left");
    }
);

on_both_backends!(
    a_denied_application_says_why_and_a_withdrawn_one_ends_quietly,
    |t: TestApp| async move {
        let cast = people(&t, 3);
        let b = sign_in(&t, &cast).await;
        let (admin, manager, member) = (&b[0], &b[1], &b[2]);
        let member_account = t.account_of(cast[2].0).await;
        let fc = create_group(&t, admin, "Logistics", "public").await;
        post_ok(
            admin,
            &format!("/admin/groups/{}/managers/add", fc.id),
            &[("character", &cast[1].0.to_string())],
        )
        .await;
        post_ok(member, &format!("/groups/{}/apply", fc.id), &[]).await;
        let first = pending_application(&t, fc.id, member_account)
            .await
            .unwrap();

        // Applying twice is refused while the first waits.
        let page = post_refused(member, &format!("/groups/{}/apply", fc.id), &[], 400).await;
        assert!(page.contains("already applied to Logistics"), "{page}");

        // A denial needs a reason; without one nothing changes.
        let page = post_refused(
            manager,
            &format!("/groups/applications/{first}/deny"),
            &[("reason", "  ")],
            400,
        )
        .await;
        assert!(page.contains("say why"), "{page}");
        assert_eq!(
            pending_application(&t, fc.id, member_account).await,
            Some(first)
        );
        post_ok(
            manager,
            &format!("/groups/applications/{first}/deny"),
            &[("reason", "Fly logistics with us first")],
        )
        .await;
        let (_, groups) = member.get_text("/groups").await;
        assert!(groups.contains("denied") && groups.contains("Fly logistics with us first"));
        assert!(notified(&t, member_account, "Fly logistics with us first").await);
        assert!(group_ids_of(&t, member_account).await.is_empty());

        // Applying again is allowed; withdrawing ends it without a decision.
        post_ok(member, &format!("/groups/{}/apply", fc.id), &[]).await;
        let second = pending_application(&t, fc.id, member_account)
            .await
            .unwrap();
        assert_ne!(second, first);
        let page = post_ok(
            member,
            &format!("/groups/applications/{second}/cancel"),
            &[],
        )
        .await;
        assert!(page.contains("Your application to Logistics was withdrawn"));
        let status = t
            .store
            .group_application(jumpgate_domain::GroupApplicationId(second))
            .await
            .unwrap()
            .unwrap()
            .status;
        assert_eq!(status, ApplicationStatus::Cancelled);
        // Someone else's application is not theirs to withdraw, nor the manager's to accept now.
        post_refused(
            manager,
            &format!("/groups/applications/{second}/cancel"),
            &[],
            404,
        )
        .await;
        post_refused(
            manager,
            &format!("/groups/applications/{second}/accept"),
            &[],
            400,
        )
        .await;

        // A message over the limit is refused whole.
        let long = "x".repeat(1001);
        let page = post_refused(
            member,
            &format!("/groups/{}/apply", fc.id),
            &[("message", &long)],
            400,
        )
        .await;
        assert!(page.contains("at most 1000 characters"), "{page}");
        assert_eq!(pending_application(&t, fc.id, member_account).await, None);
    }
);

on_both_backends!(
    only_managers_decide_and_no_manager_admits_themself,
    |t: TestApp| async move {
        let cast = people(&t, 4);
        let b = sign_in(&t, &cast).await;
        let (admin, manager, member, other) = (&b[0], &b[1], &b[2], &b[3]);
        let manager_account = t.account_of(cast[1].0).await;
        let fc = create_group(&t, admin, "Scouts", "public").await;
        post_ok(
            admin,
            &format!("/admin/groups/{}/managers/add", fc.id),
            &[("character", &cast[1].1)],
        )
        .await;

        // A manager's own application waits for someone else.
        post_ok(manager, &format!("/groups/{}/apply", fc.id), &[]).await;
        let own = pending_application(&t, fc.id, manager_account)
            .await
            .unwrap();
        let page = post_refused(
            manager,
            &format!("/groups/applications/{own}/accept"),
            &[],
            403,
        )
        .await;
        assert!(page.contains("managers do not admit themselves"), "{page}");
        let page = post_refused(
            manager,
            &format!("/groups/{}/members/add", fc.id),
            &[("character", &cast[1].1)],
            403,
        )
        .await;
        assert!(page.contains("managers do not admit themselves"), "{page}");
        assert!(group_ids_of(&t, manager_account).await.is_empty());

        // Someone who does not manage the group decides nothing and adds nobody.
        post_refused(
            member,
            &format!("/groups/applications/{own}/accept"),
            &[],
            403,
        )
        .await;
        post_refused(
            member,
            &format!("/groups/{}/members/add", fc.id),
            &[("character", &cast[3].1)],
            403,
        )
        .await;
        let (_, page) = member.get_text(&format!("/groups/{}", fc.id)).await;
        assert!(
            !page.contains("Applications waiting"),
            "members see no applications"
        );

        // An administrator of groups admits the manager.
        post_ok(admin, &format!("/groups/applications/{own}/accept"), &[]).await;
        assert_eq!(group_ids_of(&t, manager_account).await, [fc.id]);

        // A private group is "not found" to those outside it, as one that does not exist.
        let hidden = create_group(&t, admin, "Spies", "private").await;
        let (status, _) = other.get_text(&format!("/groups/{}", hidden.id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let page = post_refused(other, &format!("/groups/{}/apply", hidden.id), &[], 404).await;
        assert!(!page.contains("Spies"), "the name is not told");
        let (_, list) = other.get_text("/groups").await;
        assert!(!list.contains("Spies"));
        // Adding someone by a name Jumpgate does not know says so.
        let page = post_refused(
            admin,
            &format!("/groups/{}/members/add", hidden.id),
            &[("character", "Nobody Atall")],
            404,
        )
        .await;
        assert!(page.contains("must log in once first"), "{page}");
    }
);

on_both_backends!(
    the_members_of_a_manager_group_lead_another_group,
    |t: TestApp| async move {
        let cast = people(&t, 3);
        let b = sign_in(&t, &cast).await;
        let (admin, head, pilot) = (&b[0], &b[1], &b[2]);
        let pilot_account = t.account_of(cast[2].0).await;
        let head_fc = create_group(&t, admin, "Head FC", "private").await;
        let fc = create_group(&t, admin, "FC", "private").await;
        post_ok(
            admin,
            &format!("/groups/{}/members/add", head_fc.id),
            &[("character", &cast[1].1)],
        )
        .await;
        // Before Head FC leads FC, its members manage nothing there (FC is hidden from them).
        let (status, _) = head.get_text(&format!("/groups/{}", fc.id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let page = post_ok(
            admin,
            &format!("/admin/groups/{}/manager-groups/add", fc.id),
            &[("group", &head_fc.id.to_string())],
        )
        .await;
        assert!(page.contains("The members of Head FC now manage this group"));
        let page = post_refused(
            admin,
            &format!("/admin/groups/{}/manager-groups/add", fc.id),
            &[("group", &fc.id.to_string())],
            400,
        )
        .await;
        assert!(page.contains("cannot lead itself"), "{page}");

        // Now a Head FC member adds a pilot to FC and later removes them with a note.
        let page = post_ok(
            head,
            &format!("/groups/{}/members/add", fc.id),
            &[("character", &cast[2].1)],
        )
        .await;
        assert!(page.contains(&format!("{} added", cast[2].1)), "{page}");
        let (_, account_page) = pilot.get_text("/account").await;
        assert!(
            account_page.contains(&format!("added by hand by {}", cast[1].1)),
            "{account_page}"
        );
        let page = post_refused(
            head,
            &format!("/groups/{}/members/add", fc.id),
            &[("character", &cast[2].1)],
            400,
        )
        .await;
        assert!(page.contains("already a member of FC"), "{page}");
        post_ok(
            head,
            &format!("/groups/{}/members/remove", fc.id),
            &[
                ("account", &pilot_account.to_string()),
                ("note", "Rotation"),
            ],
        )
        .await;
        assert!(group_ids_of(&t, pilot_account).await.is_empty());
        assert!(
            notified(
                &t,
                pilot_account,
                "You were removed from FC. Note: Rotation"
            )
            .await
        );
        let removed = audit_details(&t, "group.member_removed", pilot_account).await;
        assert_eq!(removed[0]["cause"], "removed");
        assert_eq!(removed[0]["note"], "Rotation");

        // Leaving Head FC ends the leadership with it.
        post_ok(head, &format!("/groups/{}/leave", head_fc.id), &[]).await;
        let (status, _) = head.get_text(&format!("/groups/{}", fc.id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

on_both_backends!(
    groups_admit_at_once_when_asked_and_admin_groups_are_a_superusers,
    |t: TestApp| async move {
        let cast = people(&t, 3);
        let b = sign_in(&t, &cast).await;
        let (superuser, admin, member) = (&b[0], &b[1], &b[2]);
        let admin_account = t.account_of(cast[1].0).await;
        let member_account = t.account_of(cast[2].0).await;
        t.store
            .grant_permission(admin_account, "admin.groups")
            .await
            .unwrap();

        // Auto-accept: applying is joining.
        let page = post_ok(
            admin,
            "/admin/groups",
            &[
                ("name", "Newbros"),
                ("visibility", "public"),
                ("auto_accept", "on"),
            ],
        )
        .await;
        assert!(page.contains("Group Newbros created"));
        let newbros = group_named(&t, "Newbros").await.unwrap();
        assert!(newbros.auto_accept);
        let page = post_ok(member, &format!("/groups/{}/apply", newbros.id), &[]).await;
        assert!(page.contains("You joined the group"), "{page}");
        assert_eq!(group_ids_of(&t, member_account).await, [newbros.id]);
        let added = audit_details(&t, "group.member_added", member_account).await;
        assert_eq!(added[0]["source"], "auto_accept");

        // Bad settings are refused whole.
        let before = t.store.groups().await.unwrap();
        for (form, phrase) in [
            (
                vec![("name", "  "), ("visibility", "public")],
                "needs a name",
            ),
            (
                vec![("name", "newbros"), ("visibility", "public")],
                "already exists",
            ),
            (
                vec![("name", "Odd"), ("visibility", "secret")],
                "not a visibility",
            ),
        ] {
            let page = post_refused(admin, "/admin/groups", &form, 400).await;
            assert!(page.contains(phrase), "{phrase}: {page}");
        }
        let edit = format!("/admin/groups/{}", newbros.id);
        let page = post_refused(
            admin,
            &edit,
            &[
                ("name", "Newbros"),
                ("visibility", "public"),
                ("permission", "standings.typo"),
            ],
            400,
        )
        .await;
        assert!(page.contains("not a permission Jumpgate knows"), "{page}");
        assert_eq!(t.store.groups().await.unwrap(), before, "nothing changed");

        // Granting admin.* through a group is a superuser's; such a group stays private and
        // only a superuser fills it.
        let page = post_refused(
            admin,
            &edit,
            &[
                ("name", "Newbros"),
                ("visibility", "private"),
                ("permission", "admin.users"),
            ],
            403,
        )
        .await;
        assert!(page.contains("only a superuser"), "{page}");
        let page = post_refused(
            superuser,
            &edit,
            &[
                ("name", "Newbros"),
                ("visibility", "public"),
                ("permission", "admin.users"),
            ],
            400,
        )
        .await;
        assert!(page.contains("must be private"), "{page}");
        let officers = create_group(&t, admin, "Officers", "private").await;
        post_ok(
            superuser,
            &format!("/admin/groups/{}", officers.id),
            &[
                ("name", "Officers"),
                ("visibility", "private"),
                ("permission", "admin.users"),
            ],
        )
        .await;
        let page = post_refused(
            admin,
            &format!("/groups/{}/members/add", officers.id),
            &[("character", &cast[2].1)],
            403,
        )
        .await;
        assert!(page.contains("only a superuser"), "{page}");
        assert_eq!(
            member.get("/admin/users").await.status(),
            StatusCode::FORBIDDEN
        );
        post_ok(
            superuser,
            &format!("/groups/{}/members/add", officers.id),
            &[("character", &cast[2].1)],
        )
        .await;
        assert_eq!(member.get("/admin/users").await.status(), StatusCode::OK);
        let page = post_refused(
            admin,
            &format!("/admin/groups/{}/delete", officers.id),
            &[],
            403,
        )
        .await;
        assert!(page.contains("only a superuser"), "{page}");

        // Deleting a group ends its memberships and what they granted.
        post_ok(
            superuser,
            &format!("/admin/groups/{}/delete", officers.id),
            &[],
        )
        .await;
        assert_eq!(
            member.get("/admin/users").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(group_ids_of(&t, member_account).await, [newbros.id]);
    }
);

// A conditioned group is seen and applied to by those who meet its conditions (here: a
// character in one corporation), and is "not found" to everyone else, exactly as a private one.
on_both_backends!(
    a_conditioned_group_is_seen_and_joined_only_by_those_who_meet_its_conditions,
    |t: TestApp| async move {
        let cast = people(&t, 3);
        let browsers = sign_in(&t, &cast).await;
        let (admin, insider, outsider) = (&browsers[0], &browsers[1], &browsers[2]);
        let corporation = t.sim.character(cast[1].0).unwrap().corporation_id;
        assert_ne!(
            t.sim.character(cast[2].0).unwrap().corporation_id,
            corporation,
            "the outsider is in another corporation"
        );
        let group = create_group(&t, admin, "Home Defence", "conditioned").await;
        let conditions = format!("/admin/groups/{}/conditions", group.id);
        // Bad input changes nothing.
        let refused = post_refused(
            admin,
            &conditions,
            &[("states", "Nonexistent"), ("corporations", "")],
            400,
        )
        .await;
        assert!(refused.contains("there is no state"), "{refused}");
        post_refused(admin, &conditions, &[("corporations", "x")], 400).await;
        assert!(
            group_named(&t, "Home Defence")
                .await
                .unwrap()
                .conditions
                .is_empty()
        );
        let page = post_ok(
            admin,
            &conditions,
            &[("corporations", &corporation.to_string())],
        )
        .await;
        assert!(page.contains("The conditions of Home Defence are saved"));

        let path = format!("/groups/{}", group.id);
        let (status, _) = outsider.get_text(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "hidden from the outsider");
        let (_, list) = outsider.get_text("/groups").await;
        assert!(!list.contains("Home Defence"));
        post_refused(
            outsider,
            &format!("/groups/{}/apply", group.id),
            &[("message", "")],
            404,
        )
        .await;

        let (status, _) = insider.get_text(&path).await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = insider.get_text("/groups").await;
        assert!(list.contains("Home Defence"), "offered to the insider");
        post_ok(
            insider,
            &format!("/groups/{}/apply", group.id),
            &[("message", "I live here")],
        )
        .await;
        let insider_account = t.account_of(cast[1].0).await;
        assert!(
            pending_application(&t, group.id, insider_account)
                .await
                .is_some()
        );
    }
);
