//! The token keys (security review L6, issue 10): every key that sealed a stored token is in the
//! ring or nothing starts; PostgreSQL takes its keys from the configuration only; a new key beside
//! the old ones in the configuration.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::cli::{configured_on, run, sqlite_url};
use crate::support::{Backend, CLIENT_ID, TEST_TOKEN_KEY, TestApp};
use jumpgate::config::Settings;
use jumpgate_app::Caller;
use jumpgate_app::tokens::RefreshOutcome;
use jumpgate_app::tokens::rotation::{RotationOptions, RotationReport, Undecryptable};
use jumpgate_app::tokens::secrets::KeyRing;
use jumpgate_domain::CharacterId;
use jumpgate_domain::account::TokenStatus;
use jumpgate_store::testing::{TEST_AUDIT_KEY_BASE64, fresh_postgres};
use jumpgate_store::{NewToken, Store, TokenCiphertexts, TokenRecord};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;

/// A token key of nobody's, 32 bytes of base64.
pub(crate) const NEW_KEY: &str = "bmV3IGtleSBmb3Igcm90YXRpb24gdGVzdHMgMDAwMDA=";

/// The keys the test app sealed with, by id, as configuration would hold them: on SQLite those
/// of its keys.json, on PostgreSQL its `secrets.token_key` (id `config`).
pub(crate) fn keys_of(t: &TestApp) -> BTreeMap<String, SecretString> {
    match std::fs::read_to_string(t.settings.data_dir.join("keys.json")) {
        Ok(text) => {
            let file: serde_json::Value = serde_json::from_str(&text).unwrap();
            file["keys"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(id, key)| (id.clone(), SecretString::from(key.as_str().unwrap())))
                .collect()
        }
        Err(_) => BTreeMap::from([("config".to_owned(), SecretString::from(TEST_TOKEN_KEY))]),
    }
}

/// The test app's settings with only these token keys configured.
pub(crate) fn with_keys(
    t: &TestApp,
    keys: BTreeMap<String, SecretString>,
    primary: &str,
) -> Settings {
    let mut settings = t.settings.clone();
    settings.secrets.token_key = None;
    settings.secrets.token_keys = keys;
    settings.secrets.primary_key = Some(primary.to_owned());
    settings.secrets.audit_key = Some(SecretString::from(TEST_AUDIT_KEY_BASE64));
    settings.validate().expect("valid keys");
    settings
}

/// The first simulated character, logged in: its `core.default` token is stored.
pub(crate) async fn logged_in_token(t: &TestApp) -> TokenRecord {
    let id = t.sim.characters()[0].character_id;
    t.browser().login_ok(id).await;
    t.store
        .token(CharacterId(id), "core.default")
        .await
        .unwrap()
        .unwrap()
}

on_both_backends!(
    nothing_starts_while_a_stored_token_was_sealed_with_a_key_the_ring_lacks,
    |t: TestApp| async move {
        let token = logged_in_token(&t).await;
        let sealed_with = KeyRing::key_id_of(&token.access_token).unwrap().to_owned();

        // Another deployment's key alone (keys.json replaced, a key removed too early).
        let only_new = with_keys(
            &t,
            BTreeMap::from([("k2".to_owned(), SecretString::from(NEW_KEY))]),
            "k2",
        );
        let err = jumpgate::wiring::build_app(&only_new, t.store.clone())
            .await
            .err()
            .expect("refused")
            .to_string();
        for expected in [
            "stored tokens were sealed with token keys this instance does not have",
            &format!("{sealed_with} (2)"), // its access and refresh token
            "it has k2",
            "Nothing was started",
            "secrets.token_keys",
        ] {
            assert!(err.contains(expected), "'{expected}' missing from: {err}");
        }
        assert!(!err.contains(NEW_KEY), "{err}");

        // The new key beside the old one: it starts, opens the old token and seals with the new.
        let mut both = keys_of(&t);
        both.insert("k2".into(), SecretString::from(NEW_KEY));
        let app = jumpgate::wiring::build_app(&with_keys(&t, both, "k2"), t.store.clone())
            .await
            .expect("the ring has every key in use");
        let access = app
            .access_token(&Caller::cli("tests"), token.character, "core.default")
            .await
            .expect("the old key opens the stored token");
        assert!(!access.expose_secret().is_empty());
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_without_configured_token_keys_is_refused_with_the_fix() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_postgres().await),
        };
        let url = db
            .as_ref()
            .map_or_else(|| sqlite_url(dir.path()), |db| db.url.clone());
        let without_keys = || {
            let mut command = configured_on(dir.path(), &url);
            command.env_remove("JUMPGATE__SECRETS__TOKEN_KEY");
            command
        };
        let ran = run(without_keys(), &["audit", "verify"]).await;
        match backend {
            // SQLite: one process, its keys in keys.json, made on first start.
            Backend::Sqlite => {
                ran.assert_success();
                assert!(dir.path().join("keys.json").exists());
            }
            Backend::Postgres => {
                for command in ["serve", "worker"] {
                    let ran = run(without_keys(), &[command]).await;
                    ran.assert_failure_saying(&[
                        "database.url is PostgreSQL",
                        "secrets.token_key",
                        "openssl rand -base64 32",
                        "secrets.audit_key",
                        "Nothing was started",
                    ]);
                    assert!(
                        !ran.output().contains("keys.json holds"),
                        "{}",
                        ran.output()
                    );
                }
                assert!(
                    !dir.path().join("keys.json").exists(),
                    "no key file of its own"
                );
                // An instance that ran on keys.json until now is told to configure those keys.
                std::fs::write(
                    dir.path().join("keys.json"),
                    r#"{"primary": "k1", "keys": {"k1": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}"#,
                )
                .unwrap();
                let ran = run(without_keys(), &["serve"]).await;
                ran.assert_failure_saying(&[
                    "keys.json holds the keys this instance used until now",
                    "secrets.token_keys.<id>",
                    "secrets.primary_key",
                ]);
                ran.assert_never_shows(&["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]);
                // And with the keys configured it starts.
                run(configured_on(dir.path(), &url), &["audit", "verify"])
                    .await
                    .assert_success();
            }
        }
    }
}

/// The test app's keys and `NEW_KEY` (id `k2`) beside them, `k2` primary: what every instance is
/// given before `keys rotate` runs.
pub(crate) fn with_new_primary(t: &TestApp) -> Settings {
    let mut keys = keys_of(t);
    keys.insert("k2".into(), SecretString::from(NEW_KEY));
    with_keys(t, keys, "k2")
}

/// Characters of the simulated universe logged in, each with a stored `core.default` token.
async fn several_logged_in(t: &TestApp, n: usize) -> Vec<TokenRecord> {
    let mut tokens = Vec::new();
    for c in t.sim.characters().iter().take(n) {
        t.browser().login_ok(c.character_id).await;
        tokens.push(
            t.store
                .token(CharacterId(c.character_id), "core.default")
                .await
                .unwrap()
                .unwrap(),
        );
    }
    tokens
}

/// Every stored token opens with `NEW_KEY` alone (an app with only it starts at all), and EVE
/// still accepts its refresh token: nothing was lost or overwritten with an older token.
async fn all_sealed_with_the_new_key_and_alive(t: &TestApp, tokens: &[TokenRecord]) {
    let only_new = with_keys(
        t,
        BTreeMap::from([("k2".to_owned(), SecretString::from(NEW_KEY))]),
        "k2",
    );
    let app = jumpgate::wiring::build_app(&only_new, t.store.clone())
        .await
        .expect("no token is sealed with the old key any more");
    for token in tokens {
        let now = t
            .store
            .token(token.character, &token.login)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(KeyRing::key_id_of(&now.access_token), Some("k2"));
        assert_eq!(
            app.refresh_token(&Caller::system("check-tokens"), &now, true)
                .await
                .unwrap(),
            RefreshOutcome::Refreshed,
            "character {}: its refresh token was kept",
            token.character
        );
    }
}

on_both_backends!(
    keys_rotate_reencrypts_online_and_never_overwrites_a_token_written_meanwhile,
    |t: TestApp| async move {
        let tokens = several_logged_in(&t, 3).await;
        // Every instance now seals with k2 (this one, and the one whose write lands below).
        let settings = with_new_primary(&t);
        let instance = jumpgate::wiring::build_app(&settings, t.store.clone())
            .await
            .unwrap();
        let rotation = jumpgate::wiring::build_app(&settings, t.store.clone())
            .await
            .unwrap();

        // The instance writes the second token (a new login) and has not committed yet when
        // the rotation reads its page: the rotation's write must wait, then find the row changed.
        let second = &tokens[1];
        let scopes: Vec<&str> = second.scopes.split(' ').collect();
        let relogin = t
            .sim
            .refresh_token_for_test(CLIENT_ID, second.character.get(), &scopes)
            .unwrap();
        let (access, refresh) = {
            let ring = jumpgate_app::testing::keys(&instance).read().await;
            let aad = |kind| {
                jumpgate_app::tokens::secrets::token_aad(
                    second.character.get(),
                    "core.default",
                    kind,
                )
            };
            (
                ring.seal(b"access-from-the-new-login", &aad("access"))
                    .unwrap(),
                ring.seal(relogin.as_bytes(), &aad("refresh")).unwrap(),
            )
        };
        let mut meanwhile = t.store.transaction().await.unwrap();
        meanwhile
            .upsert_token(&NewToken {
                character: second.character,
                login: "core.default".into(),
                access_token: access.clone(),
                refresh_token: Some(refresh.clone()),
                expires_at: t.app.now() + time::Duration::minutes(20),
                scopes: second.scopes.clone(),
                owner_hash: second.owner_hash.clone(),
            })
            .await
            .unwrap();
        let rotating = tokio::spawn(async move {
            rotation
                .rotate_token_keys(
                    &Caller::cli("keys rotate"),
                    RotationOptions {
                        batch_size: 10,
                        ..RotationOptions::default()
                    },
                )
                .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!rotating.is_finished(), "the rotation waits for the write");
        meanwhile.commit().await.unwrap();
        let report = rotating.await.unwrap().expect("the rotation runs");

        assert_eq!(report.primary, "k2");
        assert_eq!(
            report.new_key, None,
            "configured keys: the operator added k2"
        );
        assert_eq!(
            (report.resealed, report.current, report.changed_meanwhile),
            (2, 1, 0),
            "the token written meanwhile was read again: sealed with k2 already; {report}"
        );
        assert!(report.undecryptable.is_empty(), "{report}");
        assert!(report.is_complete(), "{report}");
        let kept = t
            .store
            .token(second.character, "core.default")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (kept.access_token.as_slice(), kept.refresh_token.as_deref()),
            (access.as_slice(), Some(refresh.as_slice())),
            "the new login's token stayed"
        );
        let rotated = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("token.keys_rotated".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rotated.len(), 1);
        assert_eq!(rotated[0].actor.to_text(), "cli:keys rotate");
        all_sealed_with_the_new_key_and_alive(&t, &tokens).await;
    }
);

/// Flips a bit of the token's stored refresh token, as damage outside Jumpgate would (its header,
/// and so its key id, intact).
pub(crate) async fn damage_refresh_token(store: &Store, token: &TokenRecord) {
    let mut refresh = token.refresh_token.clone().unwrap();
    *refresh.last_mut().unwrap() ^= 1;
    let damaged = TokenCiphertexts {
        access: &token.access_token,
        refresh: Some(&refresh),
    };
    let mut tx = store.transaction().await.unwrap();
    assert!(
        tx.reseal_token(token.id, token.ciphertexts(), damaged)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
}

/// Rotates with the keys of `settings`, as `jumpgate keys rotate` would.
async fn rotate(t: &TestApp, settings: &Settings, skip_undecryptable: bool) -> RotationReport {
    jumpgate::wiring::build_app(settings, t.store.clone())
        .await
        .unwrap()
        .rotate_token_keys(
            &Caller::cli("keys rotate"),
            RotationOptions {
                skip_undecryptable,
                ..RotationOptions::default()
            },
        )
        .await
        .unwrap()
}

on_both_backends!(
    keys_rotate_reports_tokens_no_key_opens_and_marks_them_invalid_only_when_asked,
    |t: TestApp| async move {
        let tokens = several_logged_in(&t, 2).await;
        let old_id = KeyRing::key_id_of(&tokens[0].access_token)
            .unwrap()
            .to_owned();
        // The first token's refresh token is damaged outside Jumpgate.
        let damaged = &tokens[0];
        damage_refresh_token(&t.store, damaged).await;
        let stored = |i: usize| {
            let (store, token) = (t.store.clone(), tokens[i].clone());
            async move {
                store
                    .token(token.character, &token.login)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let before = [stored(0).await, stored(1).await];

        // Another key under the old id (a changed secrets.token_key): it opens nothing, so
        // nothing is taken for damaged, even when asked to mark.
        let wrong = with_keys(
            &t,
            BTreeMap::from([
                (old_id.clone(), SecretString::from(TEST_AUDIT_KEY_BASE64)),
                ("k2".to_owned(), SecretString::from(NEW_KEY)),
            ]),
            "k2",
        );
        let report = rotate(&t, &wrong, true).await;
        assert_eq!(report.resealed, 0, "{report}");
        assert_eq!(report.undecryptable.len(), 2, "{report}");
        assert!(
            report.undecryptable.iter().all(|u| matches!(
                &u.outcome,
                Undecryptable::Kept(why) if why.contains(&format!("the key {old_id} opened none"))
            )),
            "{report}"
        );
        assert!(!report.is_complete());
        assert_eq!(
            [stored(0).await, stored(1).await],
            before,
            "nothing was written"
        );

        // The right keys: the sound token is re-encrypted, the damaged one listed and left.
        let report = rotate(&t, &with_new_primary(&t), false).await;
        assert_eq!(
            (report.resealed, report.marked_invalid()),
            (1, 0),
            "{report}"
        );
        assert_eq!(report.undecryptable.len(), 1, "{report}");
        let listed = &report.undecryptable[0];
        assert_eq!(
            (listed.token, listed.key_id.as_deref(), &listed.outcome),
            (damaged.id, Some(old_id.as_str()), &Undecryptable::Left)
        );
        assert_eq!(report.remaining, BTreeMap::from([(old_id.clone(), 2)]));
        assert!(!report.is_complete());
        assert!(
            report.to_string().contains("--skip-undecryptable"),
            "{report}"
        );
        assert_eq!(stored(0).await, before[0], "left as it was");

        // Asked to, it marks it invalid (audited) and the old key can go.
        let report = rotate(&t, &with_new_primary(&t), true).await;
        assert_eq!(report.marked_invalid(), 1, "{report}");
        assert!(report.is_complete(), "{report}");
        let marked = stored(0).await;
        assert_eq!(marked.status, TokenStatus::Invalid);
        assert!(
            marked
                .status_reason
                .as_deref()
                .unwrap()
                .contains("log in with this character again")
        );
        let entries = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("token.invalidated".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor.to_text(), "cli:keys rotate");
        assert_eq!(
            entries[0].target,
            format!("character:{}", damaged.character)
        );
        all_sealed_with_the_new_key_and_alive(&t, &tokens[1..]).await;
    }
);
