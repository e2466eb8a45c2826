//! The token keys (security review L6, issue 10): every key that sealed a stored token is in the
//! ring or nothing starts; PostgreSQL takes its keys from the configuration only; a new key beside
//! the old ones in the configuration.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::cli::{configured_on, run, sqlite_url};
use crate::support::{Backend, TEST_TOKEN_KEY, TestApp};
use jumpgate::config::Settings;
use jumpgate_app::Caller;
use jumpgate_app::tokens::secrets::KeyRing;
use jumpgate_domain::CharacterId;
use jumpgate_store::TokenRecord;
use jumpgate_store::testing::{TEST_AUDIT_KEY_BASE64, fresh_postgres};
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
