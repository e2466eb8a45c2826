//! The groups of characters (`app-groups`): an application sees only its own groups of a
//! character's account, none while the account is deactivated; the bulk call names each known
//! character with its corporation and deactivation state and skips the unknown; bad input gets
//! Neucore's answers.

use super::*;
use jumpgate_domain::deactivation::Episode;
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
            let (status, message) =
                error_of(api.get(&format!("/api/app/v2/groups/{unknown}")).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
            assert_eq!(message, "Character not found.");
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
        let now = t.app.now();
        t.store
            .save_deactivation(
                t.account_of(first).await,
                Some(&Episode {
                    since: now - time::Duration::days(3),
                    deactivated_at: Some(now - time::Duration::days(2)),
                    mail_sent_at: None,
                }),
            )
            .await
            .unwrap();
        t.store
            .save_deactivation(
                t.account_of(second).await,
                Some(&Episode {
                    since: now,
                    deactivated_at: None,
                    mail_sent_at: None,
                }),
            )
            .await
            .unwrap();

        let groups = api.get_json(&format!("/api/app/v2/groups/{first}")).await;
        assert_eq!(groups, json!([]), "deactivated: no groups");

        let r = api
            .post(
                "/api/app/v1/groups",
                &format!("[{first}, 1, {second}, {first}]"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let answer: serde_json::Value = r.json().await.unwrap();
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
