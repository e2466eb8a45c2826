//! Member tracking (`app-tracking`), as Neucore's clients read it: a tracked corporation's
//! members, the latest logon first, with Neucore's `inactive`, `active` and `account` filters;
//! an unknown corporation has none, and an application without the role is refused.

use super::*;
use crate::tracking::{corporation_with_a_director, last_logoff, update};
use jumpgate_domain::tracking::TRACKING_LOGIN;
use serde_json::{Value, json};

on_both_backends!(
    member_tracking_is_answered_with_neucores_filters_and_order,
    |t: TestApp| async move {
        let (director, others) = corporation_with_a_director(&t);
        let corp = director.corporation_id;
        let (registered, inactive, active) = (
            others[0].character_id,
            others[1].character_id,
            others[2].character_id,
        );
        t.browser().login_ok(registered).await;
        last_logoff(&t, registered, 1).await;
        last_logoff(&t, inactive, 45).await;
        last_logoff(&t, active, 2).await;
        let r = t
            .browser()
            .login_with(TRACKING_LOGIN, director.character_id)
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "the Director's login is taken"
        );
        update(&t).await;

        let api = ApiClient::new(&t, "Tracker", &[AppRole::Tracking], &[], &[]).await;
        let path = format!("/api/app/v1/corporation/{corp}/member-tracking");
        let all = api.get_json(&path).await;
        let members = all.as_array().unwrap();
        let in_corp = t
            .sim
            .characters()
            .iter()
            .filter(|c| c.corporation_id == corp)
            .count();
        assert_eq!(members.len(), in_corp, "every member");
        let logons: Vec<&str> = members
            .iter()
            .map(|m| m["logonDate"].as_str().unwrap())
            .collect();
        assert!(
            logons.windows(2).all(|w| w[0] >= w[1]),
            "the latest logon first: {logons:?}"
        );
        for m in members {
            let mut keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort();
            assert_eq!(
                keys,
                [
                    "id",
                    "location",
                    "logoffDate",
                    "logonDate",
                    "missingCharacterMailSentDate",
                    "missingCharacterMailSentNumber",
                    "missingCharacterMailSentResult",
                    "name",
                    "shipType",
                    "startDate"
                ],
                "Neucore's fields, without character and player"
            );
            let category = if m["id"].as_i64().unwrap() % 4 == 0 {
                "structure"
            } else {
                "station"
            };
            assert_eq!(m["location"]["category"], category, "{m}");
        }
        let gone = members.iter().find(|m| m["id"] == inactive).unwrap();
        let name = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.character_id == inactive)
            .unwrap()
            .name;
        assert_eq!(gone["name"], name.as_str());
        if inactive % 4 != 0 {
            assert_eq!(gone["location"]["id"], 60_003_760);
            assert!(
                gone["location"]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("Jita IV - Moon 4")
            );
        }
        assert_eq!(gone["shipType"], json!({"id": 670, "name": "Capsule"}));
        assert_eq!(gone["missingCharacterMailSentNumber"], 0);
        assert_eq!(gone["missingCharacterMailSentDate"], Value::Null);
        let logon = gone["logonDate"].as_str().unwrap();
        assert!(logon.len() == 20 && logon.ends_with('Z'), "{logon}");

        let ask = |query: &'static str| {
            let api = &api;
            let path = path.clone();
            async move { ids(&api.get_json(&format!("{path}?{query}")).await) }
        };
        let inactive_30 = ask("inactive=30").await;
        assert!(inactive_30.contains(&inactive), "{inactive_30:?}");
        assert!(!inactive_30.contains(&active) && !inactive_30.contains(&registered));
        let active_7 = ask("active=7").await;
        assert!(active_7.contains(&active) && active_7.contains(&registered));
        assert!(!active_7.contains(&inactive));
        let with_account = ask("account=true").await;
        assert!(with_account.contains(&registered), "{with_account:?}");
        assert!(!with_account.contains(&inactive) && !with_account.contains(&active));
        let without = ask("account=false").await;
        assert!(without.contains(&inactive) && without.contains(&active));
        assert!(!without.contains(&registered));
        assert_eq!(
            with_account.len() + without.len(),
            members.len(),
            "every member is one or the other"
        );
        let both = ask("active=7&account=false").await;
        assert!(both.contains(&active) && !both.contains(&registered) && !both.contains(&inactive));
        for nothing in ["inactive=abc", "active=0", "account=yes", "inactive=-3"] {
            assert_eq!(ask(nothing).await, ids(&all), "{nothing} filters nothing");
        }

        let untracked = api
            .get_json("/api/app/v1/corporation/98999999/member-tracking")
            .await;
        assert_eq!(untracked, json!([]), "a corporation that is not tracked");
        let r = api.get("/api/app/v1/corporation/abc/member-tracking").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let chars_only = ApiClient::new(&t, "Recruitment", &[AppRole::Chars], &[], &[]).await;
        assert_eq!(chars_only.get(&path).await.status(), StatusCode::FORBIDDEN);
    }
);
