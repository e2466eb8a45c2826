//! The groups (`app-groups`): an application sees only its own groups of a character's
//! account, none while the account is deactivated; the bulk call names each known character
//! with its corporation and deactivation state and skips the unknown; a corporation's and an
//! alliance's groups are those their rules give, single and bulk; the fallback answers the
//! account's groups when the character is known, else its corporation's and alliance's; a
//! group's members are the mains of its accounts; bad input gets Neucore's answers.

use super::*;
use jumpgate_domain::deactivation::Episode;
use jumpgate_domain::groups::GroupRules;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_evesim::SimCharacter;
use serde_json::json;

/// Two members with accounts; the first is in "Pilots" and "Secret", the second only in
/// "Pilots". The application sees "Pilots" only.
async fn pilots(t: &TestApp) -> (i64, i64, ApiClient) {
    let (first, second) = (t.member_character(), t.characters_of_one_owner(1)[0]);
    for c in [first, second] {
        t.browser().login_ok(c).await;
    }
    let pilots = group_with(t, "Pilots", &[first, second]).await;
    group_with(t, "Secret", &[first]).await;
    let api = ApiClient::new(t, "Pingboard", &[AppRole::Groups], &[pilots], &[]).await;
    (first, second, api)
}

/// Begins a deactivation episode for `character`'s account: deactivated two days ago when
/// `done`, else pending ("soon").
async fn deactivate(t: &TestApp, character: i64, done: bool) {
    let now = t.app.now();
    t.store
        .save_deactivation(
            t.account_of(character).await,
            Some(&Episode {
                since: now - time::Duration::days(3),
                deactivated_at: done.then(|| now - time::Duration::days(2)),
                mail_sent_at: None,
            }),
        )
        .await
        .unwrap();
}

fn names(groups: &serde_json::Value) -> Vec<&str> {
    groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect()
}

on_both_backends!(
    an_application_sees_only_its_own_groups_of_a_characters_account,
    |t: TestApp| async move {
        let (first, _, api) = pilots(&t).await;
        for version in ["v1", "v2"] {
            let groups = api
                .get_json(&format!("/api/app/{version}/groups/{first}"))
                .await;
            assert_eq!(names(&groups), ["Pilots"], "{version}");
            let group = &groups[0];
            assert!(group["id"].as_i64().unwrap() > 0);
            assert_eq!(group["visibility"], "private");
            assert_eq!(group["autoAccept"], false);
            assert_eq!(group["isDefault"], false);
        }

        for unknown in ["1", "0", "-5", "abc"] {
            let path = format!("/api/app/v2/groups/{unknown}");
            assert_not_found(&api, &path, "Character not found.").await;
        }

        // An application without the role is refused, whatever the character.
        let other = ApiClient::new(&t, "Wiki", &[AppRole::Chars], &[], &[]).await;
        let r = other.get(&format!("/api/app/v2/groups/{first}")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    a_deactivated_account_has_no_groups_and_the_bulk_answer_says_so,
    |t: TestApp| async move {
        let (first, second, api) = pilots(&t).await;
        deactivate(&t, first, true).await;
        deactivate(&t, second, false).await;

        let groups = api.get_json(&format!("/api/app/v2/groups/{first}")).await;
        assert_eq!(groups, json!([]), "deactivated: no groups");

        let answer = api
            .post_json(
                "/api/app/v1/groups",
                &format!("[{first}, 1, {second}, {first}]"),
            )
            .await;
        let answer = answer.as_array().unwrap();
        assert_eq!(
            answer.len(),
            2,
            "the unknown id is skipped, the repeated one answered once"
        );
        assert_eq!(answer[0]["character"]["id"], first);
        assert_eq!(answer[0]["deactivated"], "yes");
        assert_eq!(answer[0]["groups"], json!([]));
        assert_eq!(answer[1]["character"]["id"], second);
        assert_eq!(answer[1]["deactivated"], "soon");
        assert_eq!(names(&answer[1]["groups"]), ["Pilots"]);
        let corporation = &answer[1]["character"]["corporation"];
        assert!(corporation["id"].as_i64().unwrap() > 0, "{corporation}");
        assert!(corporation["ticker"].is_string(), "{corporation}");
    }
);

on_both_backends!(
    a_malformed_bulk_body_is_400_and_changes_nothing,
    |t: TestApp| async move {
        let (_, _, api) = pilots(&t).await;
        bulk_bodies_are_checked(&api, "/api/app/v1/groups").await;
    }
);

/// Two characters of different EVE accounts in different corporations (the first in an
/// alliance, the second in another or none), both logged in, so Jumpgate knows both
/// corporations' names.
async fn two_corporations(t: &TestApp) -> (SimCharacter, SimCharacter) {
    let people = t.sim.characters();
    let first = people
        .iter()
        .find(|c| c.alliance_id.is_some())
        .unwrap()
        .clone();
    let second = people
        .iter()
        .find(|c| {
            c.owner_hash != first.owner_hash
                && c.corporation_id != first.corporation_id
                && c.alliance_id != first.alliance_id
        })
        .unwrap()
        .clone();
    for c in [&first, &second] {
        t.browser().login_ok(c.character_id).await;
    }
    (first, second)
}

/// A group named `name` that the rules give to members of `corporations` and `alliances`.
async fn group_of(t: &TestApp, name: &str, corporations: &[i64], alliances: &[i64]) -> GroupId {
    let group = Group {
        rules: GroupRules {
            corporations: corporations.iter().map(|c| CorporationId(*c)).collect(),
            alliances: alliances.iter().map(|a| AllianceId(*a)).collect(),
            ..Default::default()
        },
        ..Group::new(name)
    };
    t.store.save_group(&group).await.unwrap().id
}

/// The id of the group named `name`.
async fn group_id(t: &TestApp, name: &str) -> GroupId {
    crate::groups::group_named(t, name).await.unwrap().id
}

/// A corporation no character is in and no ESI name was read for.
const RULES_ONLY_CORPORATION: i64 = 98_555_555;

/// The first character's corporation gives "Corp", its alliance "Alliance", both give
/// "Both"; "Hidden" is the corporation's too but not the application's; "Everyone" is the
/// default group; "Allies" is given by a corporation Jumpgate knows only from that rule.
struct Organisations {
    first: SimCharacter,
    second: SimCharacter,
    corporation: i64,
    alliance: i64,
    api: ApiClient,
}

async fn organisations(t: &TestApp) -> Organisations {
    let (first, second) = two_corporations(t).await;
    let (corporation, alliance) = (first.corporation_id, first.alliance_id.unwrap());
    let seen = [
        group_of(t, "Corp", &[corporation], &[]).await,
        group_of(t, "Alliance", &[], &[alliance]).await,
        group_of(t, "Both", &[corporation], &[alliance]).await,
        group_of(t, "Allies", &[RULES_ONLY_CORPORATION], &[]).await,
        t.store
            .save_group(&Group {
                rules: GroupRules {
                    default: true,
                    ..Default::default()
                },
                ..Group::new("Everyone")
            })
            .await
            .unwrap()
            .id,
    ];
    group_of(t, "Hidden", &[corporation], &[alliance]).await;
    let api = ApiClient::new(t, "Wiki", &[AppRole::Groups], &seen, &[]).await;
    Organisations {
        first,
        second,
        corporation,
        alliance,
        api,
    }
}

on_both_backends!(
    a_corporations_and_an_alliances_groups_are_those_their_rules_give,
    |t: TestApp| async move {
        let o = organisations(&t).await;
        for version in ["v1", "v2"] {
            let corp = o
                .api
                .get_json(&format!("/api/app/{version}/corp-groups/{}", o.corporation))
                .await;
            assert_eq!(names(&corp), ["Both", "Corp"], "{version}");
            assert_eq!(corp[0]["isDefault"], false);
            let alliance = o
                .api
                .get_json(&format!(
                    "/api/app/{version}/alliance-groups/{}",
                    o.alliance
                ))
                .await;
            assert_eq!(names(&alliance), ["Alliance", "Both"], "{version}");
        }
        // Known from its rule only; known with a name but giving nothing.
        let allies = o
            .api
            .get_json(&format!("/api/app/v2/corp-groups/{RULES_ONLY_CORPORATION}"))
            .await;
        assert_eq!(names(&allies), ["Allies"]);
        let second = o
            .api
            .get_json(&format!(
                "/api/app/v2/corp-groups/{}",
                o.second.corporation_id
            ))
            .await;
        assert_eq!(second, json!([]));

        for unknown in ["98999999", "0", "abc"] {
            for version in ["v1", "v2"] {
                let path = format!("/api/app/{version}/corp-groups/{unknown}");
                assert_not_found(&o.api, &path, "Corporation not found.").await;
                let path = format!("/api/app/{version}/alliance-groups/{unknown}");
                assert_not_found(&o.api, &path, "Alliance not found.").await;
            }
        }
    }
);

on_both_backends!(
    the_bulk_answers_name_each_known_corporation_and_alliance_once_with_its_groups,
    |t: TestApp| async move {
        let o = organisations(&t).await;
        let answer = o
            .api
            .post_json(
                "/api/app/v1/corp-groups",
                &format!(
                    "[{c}, 98999999, {RULES_ONLY_CORPORATION}, {c}, -1, {s}]",
                    c = o.corporation,
                    s = o.second.corporation_id
                ),
            )
            .await;
        let answer = answer.as_array().unwrap();
        assert_eq!(
            answer.len(),
            3,
            "unknown skipped, repeated once: {answer:?}"
        );
        assert_eq!(answer[0]["id"], o.corporation);
        assert!(answer[0]["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(answer[0]["ticker"].is_string());
        assert_eq!(names(&answer[0]["groups"]), ["Both", "Corp"]);
        assert!(
            answer[0].get("alliance").is_none(),
            "no alliance: {}",
            answer[0]
        );
        assert_eq!(
            answer[1],
            json!({"id": RULES_ONLY_CORPORATION, "name": null, "ticker": null,
                   "groups": answer[1]["groups"]})
        );
        assert_eq!(names(&answer[1]["groups"]), ["Allies"]);
        assert_eq!(answer[2]["id"], o.second.corporation_id);
        assert_eq!(answer[2]["groups"], json!([]));

        let answer = o
            .api
            .post_json(
                "/api/app/v1/alliance-groups",
                &format!("[1, {}]", o.alliance),
            )
            .await;
        assert_eq!(answer.as_array().unwrap().len(), 1, "{answer}");
        assert_eq!(answer[0]["id"], o.alliance);
        assert!(answer[0]["ticker"].is_string());
        assert_eq!(names(&answer[0]["groups"]), ["Alliance", "Both"]);

        for path in ["/api/app/v1/corp-groups", "/api/app/v1/alliance-groups"] {
            for body in ["", "{}", "[1, \"two\"]", "not json"] {
                let (status, message) = error_of(o.api.post(path, body).await).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
                assert_eq!(message, "Invalid body.");
            }
            assert_eq!(o.api.post_json(path, "[]").await, json!([]));
        }
    }
);

on_both_backends!(
    the_fallback_answers_a_known_characters_account_else_its_corporation_and_alliance,
    |t: TestApp| async move {
        let o = organisations(&t).await;
        let (first, second) = (o.first.character_id, o.second.character_id);
        // The first's account holds "Everyone" by hand (the rules were written after it logged
        // in): the account's groups, not the corporation's.
        let everyone = group_id(&t, "Everyone").await;
        t.store
            .add_group_member(&NewMembership {
                group: everyone,
                account: t.account_of(first).await,
                source: MembershipSource::Manual,
                source_ref: None,
                added_by: None,
            })
            .await
            .unwrap();
        let fallback = |query: String| {
            let api = &o.api;
            async move {
                names(
                    &api.get_json(&format!("/api/app/v1/groups-with-fallback?{query}"))
                        .await,
                )
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
            }
        };
        let (c, a) = (o.corporation, o.alliance);
        assert_eq!(
            fallback(format!("character={first}&corporation={c}&alliance={a}")).await,
            ["Everyone"]
        );
        // Known, with none of the application's groups: none, whatever the corporation gives.
        assert!(
            fallback(format!("character={second}&corporation={c}&alliance={a}"))
                .await
                .is_empty()
        );
        // Unknown: the corporation's groups, then the alliance's not among them.
        assert_eq!(
            fallback(format!("character=1&corporation={c}&alliance={a}")).await,
            ["Both", "Corp", "Alliance"]
        );
        assert_eq!(
            fallback(format!("character=1&corporation={c}")).await,
            ["Both", "Corp"]
        );
        assert_eq!(
            fallback(format!(
                "character=abc&corporation={}&alliance={a}",
                o.second.corporation_id
            ))
            .await,
            ["Alliance", "Both"],
            "not checked to belong together"
        );
        assert!(fallback(String::new()).await.is_empty());

        // A deactivated account has no groups, and no fallback either.
        deactivate(&t, first, true).await;
        assert!(
            fallback(format!("character={first}&corporation={c}&alliance={a}"))
                .await
                .is_empty()
        );
    }
);

on_both_backends!(
    a_groups_members_are_the_mains_of_its_accounts,
    |t: TestApp| async move {
        let (first, second) = two_corporations(&t).await;
        let third = t
            .sim
            .characters()
            .into_iter()
            .find(|c| ![&first.owner_hash, &second.owner_hash].contains(&&c.owner_hash))
            .unwrap();
        t.browser().login_ok(third.character_id).await;
        let (a, b, c) = (first.character_id, second.character_id, third.character_id);
        let pilots = group_with(&t, "Pilots", &[a, b, c]).await;
        let secret = group_with(&t, "Secret", &[a]).await;
        let api = ApiClient::new(&t, "Discord", &[AppRole::Groups], &[pilots], &[]).await;
        let members = |query: &str| {
            let path = format!("/api/app/v1/group-members/{pilots}{query}");
            let api = &api;
            async move { api.get_json(&path).await }
        };
        let mut all = vec![a, b, c];
        all.sort_unstable();
        assert_eq!(members("").await, json!(all));
        assert_eq!(
            members(&format!("?corporation={}", first.corporation_id)).await,
            json!([a])
        );
        assert_eq!(members("?corporation=abc").await, json!([]));

        // The main, not the character that logged in: the account's main moves to an alt.
        let account = t.account_of(a).await;
        let alt = t
            .sim
            .characters_of_account(&first.owner_hash)
            .into_iter()
            .find(|ch| ch.character_id != a)
            .unwrap();
        t.store
            .add_character(account, &crate::support::new_character(&alt))
            .await
            .unwrap();
        t.store
            .set_main(account, CharacterId(alt.character_id))
            .await
            .unwrap();
        let mut all = vec![alt.character_id, b, c];
        all.sort_unstable();
        assert_eq!(members("").await, json!(all));

        // A deactivated account is not a member for the API; a pending one still is.
        deactivate(&t, b, true).await;
        deactivate(&t, c, false).await;
        let mut all = vec![alt.character_id, c];
        all.sort_unstable();
        assert_eq!(members("").await, json!(all));

        for unknown in [secret.to_string(), "999999".into(), "abc".into()] {
            let path = format!("/api/app/v1/group-members/{unknown}");
            assert_not_found(&api, &path, "Group not found.").await;
        }
    }
);

on_both_backends!(
    every_group_endpoint_refuses_an_application_without_app_groups,
    |t: TestApp| async move {
        let o = organisations(&t).await;
        let other = ApiClient::new(&t, "Tracker", &[AppRole::Tracking], &[], &[]).await;
        let group = group_id(&t, "Corp").await;
        let (c, a) = (o.corporation, o.alliance);
        for path in [
            format!("/api/app/v1/corp-groups/{c}"),
            format!("/api/app/v2/corp-groups/{c}"),
            format!("/api/app/v1/alliance-groups/{a}"),
            format!("/api/app/v2/alliance-groups/{a}"),
            format!("/api/app/v1/groups-with-fallback?character=1&corporation={c}"),
            format!("/api/app/v1/group-members/{group}"),
        ] {
            let r = other.get(&path).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        for path in ["/api/app/v1/corp-groups", "/api/app/v1/alliance-groups"] {
            let r = other.post(path, &format!("[{c}]")).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
);
