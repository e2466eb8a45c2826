//! The ESI tokens of EVE logins (`app-esi-login`, `app-esi-token`): which characters hold a
//! token of a login (valid or not) and the valid ones' data, never `core.default`'s; a
//! character's access token, valid for at least a minute (refreshed through Jumpgate when it
//! would expire sooner), 204 once EVE called it dead, and an outage never making it look dead;
//! unknown logins 404, logins not given to the application 403.

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{CharacterId, EveLogin};
use jumpgate_evesim::sso::SsoFault;
use serde_json::json;

const SYNC: &str = "standings.sync";

/// Three characters of different EVE accounts logged in (a `core.default` token each), the
/// first two also with the sync login, by id.
async fn three_with_tokens(t: &TestApp) -> Vec<i64> {
    let people = t.sim.characters();
    let mut owners = Vec::new();
    let mut chosen = Vec::new();
    for c in &people {
        if chosen.len() < 3 && !owners.contains(&c.owner_hash) {
            owners.push(c.owner_hash.clone());
            chosen.push(c.character_id);
        }
    }
    for (i, c) in chosen.iter().enumerate() {
        let browser = t.browser();
        browser.login_ok(*c).await;
        if i < 2 {
            let r = browser.login_with(SYNC, *c).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "sync login of {c}");
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The stored token of `character` and `login`.
async fn stored(t: &TestApp, character: i64, login: &str) -> jumpgate_store::TokenRecord {
    t.store
        .token(CharacterId(character), login)
        .await
        .unwrap()
        .unwrap()
}

/// The character an EVE access token (a JWT) was issued for, from its `sub`.
fn subject(token: &str) -> i64 {
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sub"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

on_both_backends!(
    an_eve_logins_characters_and_valid_token_data,
    |t: TestApp| async move {
        let people = three_with_tokens(&t).await;
        let (first, second) = (people[0], people[1]);
        let dead = stored(&t, second, SYNC).await;
        t.store
            .set_token_status(dead.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();
        let api = ApiClient::new(
            &t,
            "Recruitment",
            &[AppRole::EsiLogin, AppRole::EsiToken],
            &[],
            &[SYNC, EveLogin::DEFAULT],
        )
        .await;

        let path = |login: &str, what: &str| format!("/api/app/v1/esi/eve-login/{login}/{what}");
        assert_eq!(
            api.get_json(&path(SYNC, "characters")).await,
            json!([first, second]),
            "valid or not"
        );
        assert_eq!(
            api.get_json(&path(EveLogin::DEFAULT, "characters")).await,
            json!(people)
        );

        // Checked once (a refresh), so its last check is known.
        t.expire_access_tokens().await;
        api.get_json(&format!(
            "/api/app/v1/esi/access-token/{first}?eveLoginName={SYNC}"
        ))
        .await;
        let data = api.get_json(&path(SYNC, "token-data")).await;
        let data = data.as_array().unwrap();
        assert_eq!(data.len(), 1, "only valid tokens: {data:?}");
        let character = t.sim.character(first).unwrap();
        assert_eq!(data[0]["characterId"], first);
        assert_eq!(data[0]["characterName"], character.name);
        assert_eq!(data[0]["corporationId"], character.corporation_id);
        assert_eq!(data[0]["allianceId"], json!(character.alliance_id));
        let checked = data[0]["lastChecked"].as_str().unwrap();
        // Neucore's format: whole seconds, UTC, `Z`.
        let at = stored(&t, first, SYNC).await.last_checked_at.unwrap();
        let expected = at
            .replace_nanosecond(0)
            .unwrap()
            .to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        assert_eq!(checked, expected);
        assert_eq!(checked.len(), "2024-01-31T12:00:00Z".len(), "{checked}");

        // core.default's token data are never handed out, even to an application holding it.
        let r = api.get(&path(EveLogin::DEFAULT, "token-data")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        for what in ["characters", "token-data"] {
            assert_not_found(&api, &path("no.such", what), "EVE login not found.").await;
            let r = api.get(&path("core.leadership", what)).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "not given: {what}");
        }
        let other = ApiClient::new(&t, "Pingboard", &[AppRole::Groups], &[], &[SYNC]).await;
        for what in ["characters", "token-data"] {
            let r = other.get(&path(SYNC, what)).await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "without the role: {what}"
            );
        }
    }
);

on_both_backends!(
    an_access_token_is_valid_for_a_minute_and_refreshed_when_it_would_not_be,
    |t: TestApp| async move {
        let people = three_with_tokens(&t).await;
        let first = people[0];
        let api = ApiClient::new(
            &t,
            "Recruitment",
            &[AppRole::EsiToken],
            &[],
            &[EveLogin::DEFAULT, SYNC],
        )
        .await;
        let path = format!("/api/app/v1/esi/access-token/{first}");
        let answer = api.get_json(&path).await;
        let token = answer["token"].as_str().unwrap().to_owned();
        assert_eq!(subject(&token), first);
        assert_eq!(answer["scopes"], json!(["publicData"]));
        let soonest = t.app.now().unix_timestamp() + 60;
        assert!(answer["expires"].as_i64().unwrap() > soonest, "{answer}");
        assert_eq!(
            api.get_json(&path).await["token"],
            token.as_str(),
            "still fresh: the same token"
        );

        // About to expire: refreshed by Jumpgate first, and stored.
        t.expire_access_tokens().await;
        let answer = api.get_json(&path).await;
        let refreshed = answer["token"].as_str().unwrap();
        assert_ne!(refreshed, token);
        assert_eq!(subject(refreshed), first);
        let expires = answer["expires"].as_i64().unwrap();
        assert!(expires > t.app.now().unix_timestamp() + 60, "{answer}");
        let record = stored(&t, first, EveLogin::DEFAULT).await;
        assert_eq!(record.expires_at.unix_timestamp(), expires);

        // Another login's token of the same character.
        let sync = api.get_json(&format!("{path}?eveLoginName={SYNC}")).await;
        assert_eq!(subject(sync["token"].as_str().unwrap()), first);
        assert!(sync["scopes"].as_array().unwrap().len() > 1, "{sync}");

        // No such token, login or character; a login not given; no role.
        let third = people[2];
        let missing = format!("/api/app/v1/esi/access-token/{third}?eveLoginName={SYNC}");
        assert_not_found(&api, &missing, "ESI token not found.").await;
        for character in ["1", "abc"] {
            let path = format!("/api/app/v1/esi/access-token/{character}");
            assert_not_found(&api, &path, "ESI token not found.").await;
        }
        let unknown = format!("{path}?eveLoginName=no.such");
        assert_not_found(&api, &unknown, "EVE login not found.").await;
        let r = api
            .get(&format!("{path}?eveLoginName=core.leadership"))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let other =
            ApiClient::new(&t, "Wiki", &[AppRole::EsiLogin], &[], &[EveLogin::DEFAULT]).await;
        assert_eq!(other.get(&path).await.status(), StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    a_dead_token_is_204_and_an_outage_never_makes_one_look_dead,
    |t: TestApp| async move {
        let people = three_with_tokens(&t).await;
        let (first, second) = (people[0], people[1]);
        let api = ApiClient::new(
            &t,
            "Recruitment",
            &[AppRole::EsiToken],
            &[],
            &[EveLogin::DEFAULT],
        )
        .await;
        let path = |c: i64| format!("/api/app/v1/esi/access-token/{c}");

        // EVE's login is down while the token needs a refresh: an error that says so, and the
        // token is still valid afterwards.
        t.expire_access_tokens().await;
        t.sim.set_sso_fault(Some(SsoFault::Unavailable));
        let (status, message) = error_of(api.get(&path(first)).await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{message}");
        assert_eq!(
            stored(&t, first, EveLogin::DEFAULT).await.status,
            TokenStatus::Valid
        );
        t.sim.set_sso_fault(None);
        assert!(api.get_json(&path(first)).await["token"].is_string());

        // EVE's login says the refresh token is dead: 204, no body, and so it is stored.
        t.sim.revoke_tokens(second);
        let r = api.get(&path(second)).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert!(r.bytes().await.unwrap().is_empty());
        assert_eq!(
            stored(&t, second, EveLogin::DEFAULT).await.status,
            TokenStatus::Invalid
        );
        // And stays 204 without asking EVE again.
        t.sim.clear_requests();
        let r = api.get(&path(second)).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let asked = t.sim.requests();
        assert!(
            !asked.iter().any(|r| r.path == "/v2/oauth/token"),
            "{asked:?}"
        );
    }
);
