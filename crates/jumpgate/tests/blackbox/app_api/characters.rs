//! Accounts and their characters (`app-chars`), as Neucore's clients read them: a character's
//! main (v1 and v2), account, alts and account history, the bulk calls, an account's
//! characters, who is in a corporation; unknown ids, a missing role and bad bodies get
//! Neucore's answers.

use super::*;
use jumpgate_domain::AccountId;
use serde_json::{Value, json};

/// An account with three characters of one EVE owner (the first its main), another account,
/// and an application with `app-chars`.
struct People {
    /// The account's characters, its main first.
    own: Vec<i64>,
    account: AccountId,
    other: i64,
    other_account: AccountId,
    api: ApiClient,
}

async fn people(t: &TestApp) -> People {
    let ids = t.characters_of_one_owner(3);
    let own = ids[..3].to_vec();
    let owner = t.browser();
    for id in &own {
        owner.login_ok(*id).await;
    }
    // Every character of that EVE owner is in `ids`: any other is another player's.
    let other = t
        .sim
        .characters()
        .iter()
        .find(|c| !ids.contains(&c.character_id) && !c.biomassed)
        .unwrap()
        .character_id;
    t.browser().login_ok(other).await;
    let api = ApiClient::new(t, "Recruitment", &[AppRole::Chars], &[], &[]).await;
    People {
        account: t.account_of(own[0]).await,
        other_account: t.account_of(other).await,
        own,
        other,
        api,
    }
}

fn name_of(t: &TestApp, character: i64) -> String {
    t.sim
        .characters()
        .into_iter()
        .find(|c| c.character_id == character)
        .unwrap()
        .name
}

/// Neucore's time format: `2026-12-06T12:00:00Z`.
fn is_neucore_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 20
            && s.ends_with('Z')
            && s.as_bytes()[10] == b'T'
            && time::PrimitiveDateTime::parse(
                &s[..19],
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
            )
            .is_ok()
    })
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    keys
}

/// The characters of `own`, by name as Neucore lists an account's characters.
fn by_name(t: &TestApp, own: &[i64]) -> Vec<i64> {
    let mut named: Vec<(String, i64)> = own.iter().map(|c| (name_of(t, *c), *c)).collect();
    named.sort_by_key(|(n, c)| (n.to_lowercase(), n.clone(), *c));
    named.into_iter().map(|(_, c)| c).collect()
}

const CHARACTER_KEYS: [&str; 9] = [
    "corporation",
    "created",
    "id",
    "lastUpdate",
    "main",
    "name",
    "tokenLastChecked",
    "validToken",
    "validTokenTime",
];

on_both_backends!(
    a_characters_main_account_and_alts_are_answered_in_neucores_shapes,
    |t: TestApp| async move {
        let p = people(&t).await;
        let (main, alt) = (p.own[0], p.own[2]);
        let main_name = name_of(&t, main);

        for version in ["v1", "v2"] {
            let got = p
                .api
                .get_json(&format!("/api/app/{version}/main/{alt}"))
                .await;
            assert_eq!(keys(&got), CHARACTER_KEYS, "{version}: {got}");
            assert_eq!(got["id"], main);
            assert_eq!(got["name"], main_name.as_str());
            assert_eq!(got["main"], true);
            assert_eq!(got["validToken"], true, "logged in: a valid login token");
            assert_eq!(got["validTokenTime"], Value::Null, "not kept");
            assert!(is_neucore_date(&got["created"]), "{got}");
            let corporation = &got["corporation"];
            assert!(corporation["id"].as_i64().unwrap() > 0, "{corporation}");
            assert!(corporation["name"].is_string(), "{corporation}");
            assert!(corporation["ticker"].is_string(), "{corporation}");
        }

        let player = p.api.get_json(&format!("/api/app/v1/player/{alt}")).await;
        assert_eq!(player, json!({"id": p.account.get(), "name": main_name}));

        let expected = by_name(&t, &p.own);
        let all = p
            .api
            .get_json(&format!("/api/app/v1/characters/{alt}"))
            .await;
        assert_eq!(ids(&all), expected, "by name");
        let mains: Vec<&Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["main"] == true)
            .collect();
        assert_eq!(ids(&json!(mains)), [main]);
        assert_eq!(keys(&all[0]), CHARACTER_KEYS);

        let with = p
            .api
            .get_json(&format!("/api/app/v1/player-with-characters/{alt}"))
            .await;
        assert_eq!(keys(&with), ["characters", "id", "name"]);
        assert_eq!(with["id"], p.account.get());
        assert_eq!(with["name"], main_name.as_str());
        assert_eq!(ids(&with["characters"]), expected);

        let chars = p
            .api
            .get_json(&format!("/api/app/v1/player-chars/{}", p.account))
            .await;
        assert_eq!(ids(&chars), expected);
        assert_eq!(chars[0]["corporation"]["id"], all[0]["corporation"]["id"]);

        // Bulk: unknown ids skipped, repeated ones answered once.
        let (first, second) = if p.account < p.other_account {
            (
                (p.account, main, main_name.clone()),
                (p.other_account, p.other, name_of(&t, p.other)),
            )
        } else {
            (
                (p.other_account, p.other, name_of(&t, p.other)),
                (p.account, main, main_name.clone()),
            )
        };
        let r = p
            .api
            .post(
                "/api/app/v1/players",
                &format!("[{}, 1, {}, {}]", second.1, first.1, second.1),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!([
                {"id": first.0.get(), "name": first.2, "characterId": first.1},
                {"id": second.0.get(), "name": second.2, "characterId": second.1},
            ]),
            "by account"
        );

        let mut own_by_id = p.own.clone();
        own_by_id.sort();
        let r = p
            .api
            .post(
                "/api/app/v1/characters",
                &format!("[{}, {alt}, 1, {main}]", p.other),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let accounts: Value = r.json().await.unwrap();
        let expected_accounts = if p.account < p.other_account {
            json!([own_by_id, [p.other]])
        } else {
            json!([[p.other], own_by_id])
        };
        assert_eq!(accounts, expected_accounts, "one list per account");

        let r = p
            .api
            .post(
                "/api/app/v1/character-list",
                &format!("[{alt}, 1, {}, {alt}]", p.other),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let list: Value = r.json().await.unwrap();
        let mut wanted = vec![alt, p.other];
        wanted.sort();
        assert_eq!(ids(&list), wanted, "known ones, by id");
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|c| c.get("corporation").is_none()),
            "no corporation property: {list}"
        );
        assert_eq!(list[0]["validToken"], true);
    }
);

on_both_backends!(
    who_is_in_a_corporation_is_answered_by_account_and_by_character,
    |t: TestApp| async move {
        let p = people(&t).await;
        let corporation = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.character_id == p.other)
            .unwrap()
            .corporation_id;
        let in_corp: Vec<i64> = p
            .own
            .iter()
            .chain([&p.other])
            .copied()
            .filter(|c| {
                t.sim
                    .characters()
                    .iter()
                    .any(|s| s.character_id == *c && s.corporation_id == corporation)
            })
            .collect();

        let players = p
            .api
            .get_json(&format!("/api/app/v1/corp-players/{corporation}"))
            .await;
        let mut accounts = Vec::new();
        for c in &in_corp {
            let a = t.account_of(*c).await.get();
            if !accounts.contains(&a) {
                accounts.push(a);
            }
        }
        let mut got = ids(&players);
        got.sort();
        accounts.sort();
        assert_eq!(got, accounts, "every account with a character there, once");
        assert!(
            players
                .as_array()
                .unwrap()
                .iter()
                .all(|p| keys(p) == ["id", "name"])
        );

        let characters = p
            .api
            .get_json(&format!("/api/app/v1/corp-characters/{corporation}"))
            .await;
        assert_eq!(ids(&characters), by_name(&t, &in_corp));
        assert!(
            characters
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c.get("corporation").is_none()),
            "{characters}"
        );

        for path in ["corp-players", "corp-characters"] {
            let none = p
                .api
                .get_json(&format!("/api/app/v1/{path}/98999999"))
                .await;
            assert_eq!(none, json!([]), "{path}: a corporation nobody here is in");
        }
    }
);

on_both_backends!(
    unknown_ids_a_missing_role_and_bad_bodies_get_neucores_answers,
    |t: TestApp| async move {
        let p = people(&t).await;
        for path in [
            "v2/main",
            "v1/player",
            "v1/characters",
            "v1/player-with-characters",
            "v1/removed-characters",
            "v1/incoming-characters",
        ] {
            for unknown in ["1", "abc", "-5"] {
                let (status, message) =
                    error_of(p.api.get(&format!("/api/app/{path}/{unknown}")).await).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}/{unknown}");
                assert_eq!(message, "Character not found.", "{path}/{unknown}");
            }
        }
        assert_eq!(
            status_line(&t, &p.api, "/api/app/v2/main/1").await,
            "HTTP/1.1 404 Character not found."
        );
        // v1 says it with the standard reason phrase and no body, as Neucore's v1 does.
        let r = p.api.get("/api/app/v1/main/1").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.text().await.unwrap(), "");
        assert_eq!(
            status_line(&t, &p.api, "/api/app/v1/main/1").await,
            "HTTP/1.1 404 Not Found"
        );
        for unknown in ["999999", "abc"] {
            let (status, message) = error_of(
                p.api
                    .get(&format!("/api/app/v1/player-chars/{unknown}"))
                    .await,
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
            assert_eq!(message, "Player not found.");
        }
        assert_eq!(
            status_line(&t, &p.api, "/api/app/v1/player-chars/999999").await,
            "HTTP/1.1 404 Player not found."
        );

        for path in ["players", "characters", "character-list"] {
            bulk_bodies_are_checked(&p.api, &format!("/api/app/v1/{path}")).await;
        }

        // An application without the role is refused, whatever it asks.
        let groups_only = ApiClient::new(&t, "Pingboard", &[AppRole::Groups], &[], &[]).await;
        let own = p.own[0];
        for path in [
            format!("v1/main/{own}"),
            format!("v2/main/{own}"),
            format!("v1/player/{own}"),
            format!("v1/characters/{own}"),
            format!("v1/player-chars/{}", p.account),
            format!("v1/player-with-characters/{own}"),
            format!("v1/removed-characters/{own}"),
            format!("v1/incoming-characters/{own}"),
            "v1/corp-players/98000001".to_owned(),
            "v1/corp-characters/98000001".to_owned(),
        ] {
            let r = groups_only.get(&format!("/api/app/{path}")).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        for path in ["players", "characters", "character-list"] {
            let r = groups_only
                .post(&format!("/api/app/v1/{path}"), &format!("[{own}]"))
                .await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
);

/// Takes `account`'s main away, beside Jumpgate (Jumpgate itself always keeps one while the
/// account has characters; Neucore's accounts may have none).
async fn clear_main(t: &TestApp, account: AccountId) {
    use sqlx::Connection;
    const CLEAR: &str = "UPDATE accounts SET main_character_id = NULL WHERE id = $1";
    if t.db.url.starts_with("sqlite:") {
        let mut db = sqlx::SqliteConnection::connect(&t.db.url).await.unwrap();
        sqlx::query(CLEAR)
            .bind(account.get())
            .execute(&mut db)
            .await
            .unwrap();
    } else {
        let mut db = sqlx::PgConnection::connect(&t.db.url).await.unwrap();
        sqlx::query(CLEAR)
            .bind(account.get())
            .execute(&mut db)
            .await
            .unwrap();
    }
}

on_both_backends!(
    an_account_without_a_main_is_answered_no_content,
    |t: TestApp| async move {
        let p = people(&t).await;
        clear_main(&t, p.account).await;
        for version in ["v1", "v2"] {
            let r = p
                .api
                .get(&format!("/api/app/{version}/main/{}", p.own[1]))
                .await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT, "{version}");
            assert_eq!(r.text().await.unwrap(), "");
        }
        let all = p
            .api
            .get_json(&format!("/api/app/v1/characters/{}", p.own[1]))
            .await;
        assert!(all.as_array().unwrap().iter().all(|c| c["main"] == false));
    }
);

on_both_backends!(
    removed_and_incoming_characters_say_where_each_went_in_neucores_words,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(3);
        let owner = t.browser();
        owner.login_ok(ids[0]).await;
        owner.login_ok(ids[2]).await;
        let account = t.account_of(ids[0]).await;
        // ids[1] has an account of its own, then moves here when logged in here.
        let elsewhere = t.browser();
        elsewhere.login_ok(ids[1]).await;
        let emptied = t.account_of(ids[1]).await;
        owner.login_ok(ids[1]).await;
        // The owner removes ids[2]; later ids[1] is sold, and its buyer logs in.
        let r = owner
            .post_form(&format!("/account/characters/{}/remove", ids[2]), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.sim.transfer_character(ids[1]);
        t.browser().login_ok(ids[1]).await;
        let buyer = t.account_of(ids[1]).await;
        assert_ne!(buyer, account);

        let api = ApiClient::new(&t, "Auditor", &[AppRole::Chars], &[], &[]).await;
        let main_name = name_of(&t, ids[0]);
        let player = json!({"id": account.get(), "name": main_name});
        let removed = api
            .get_json(&format!("/api/app/v1/removed-characters/{}", ids[0]))
            .await;
        let removed = removed.as_array().unwrap();
        assert_eq!(removed.len(), 2, "{removed:?}");
        for r in removed {
            assert_eq!(
                keys(r),
                [
                    "characterId",
                    "characterName",
                    "deletedBy",
                    "newPlayerId",
                    "newPlayerName",
                    "player",
                    "reason",
                    "removedDate"
                ]
            );
            assert!(is_neucore_date(&r["removedDate"]), "{r}");
            assert_eq!(r["player"], player);
            assert_eq!(r["newPlayerId"], Value::Null);
            assert_eq!(r["newPlayerName"], Value::Null);
        }
        assert_eq!(removed[0]["characterId"], ids[2], "oldest first");
        assert_eq!(removed[0]["characterName"], name_of(&t, ids[2]).as_str());
        assert_eq!(removed[0]["reason"], "deleted-manually");
        assert_eq!(removed[0]["deletedBy"], player, "its owner deleted it");
        assert_eq!(removed[1]["characterId"], ids[1]);
        assert_eq!(removed[1]["reason"], "deleted-owner-changed");
        assert_eq!(removed[1]["deletedBy"], Value::Null);

        let incoming = api
            .get_json(&format!("/api/app/v1/incoming-characters/{}", ids[0]))
            .await;
        assert_eq!(incoming.as_array().unwrap().len(), 1, "{incoming}");
        let came = &incoming[0];
        assert_eq!(came["characterId"], ids[1]);
        assert_eq!(came["reason"], "moved");
        assert_eq!(
            came["player"],
            json!({"id": emptied.get(), "name": name_of(&t, ids[1])}),
            "the account it left is named by its last main"
        );
        assert_eq!(came["newPlayerId"], account.get());
        assert_eq!(came["newPlayerName"], main_name.as_str());
        assert_eq!(
            came["deletedBy"],
            Value::Null,
            "Neucore names nobody for a move"
        );

        // The buyer's new account has no history; the emptied one lost ids[1] by the move.
        let none = api
            .get_json(&format!("/api/app/v1/removed-characters/{}", ids[1]))
            .await;
        assert_eq!(none, json!([]));
    }
);
