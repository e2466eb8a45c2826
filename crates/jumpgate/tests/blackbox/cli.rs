//! The `jumpgate` binary as an operator meets it: help texts, configuration errors, `migrate`,
//! `keys rotate`, `admin grant-superuser` and the one-process rule of SQLite (`audit verify`:
//! `audit_chain`; worker processes: `workers`). Every test runs the real binary as a
//! subprocess.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, TEST_TOKEN_KEY, TestApp};
use crate::token_keys::{NEW_KEY, damage_refresh_token};
use jumpgate_app::Caller;
use jumpgate_app::tokens::RefreshOutcome;
use jumpgate_domain::{CharacterId, CorporationId};
use jumpgate_store::testing::{DEFAULT_TEST_DATABASE_URL, TEST_AUDIT_KEY, TEST_AUDIT_KEY_BASE64};
use jumpgate_store::{ConnectOptions, NewCharacter, Store};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{AssertSqlSafe, Connection};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// A client secret distinctive enough that finding it in any output means it leaked.
pub(crate) const CLIENT_SECRET: &str = "cli-test-secret-Zq7Xw3Lk9Pv2";
/// Nothing listens here: commands that must not talk to EVE fail loudly if they try.
const NOWHERE: &str = "http://127.0.0.1:9/";
/// How long any one command may take before the test gives up on it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// What a finished command printed.
pub(crate) struct Ran {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    /// Everything the operator saw, both streams.
    pub(crate) fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub(crate) fn assert_success(&self) {
        assert!(
            self.status.success(),
            "expected success, got {}:\n{}",
            self.status,
            self.output()
        );
    }

    #[track_caller]
    pub(crate) fn assert_failure_saying(&self, expected: &[&str]) {
        assert!(
            !self.status.success(),
            "expected a failure, got success:\n{}",
            self.output()
        );
        let output = self.output();
        for text in expected {
            assert!(output.contains(text), "'{text}' missing from:\n{output}");
        }
    }

    #[track_caller]
    pub(crate) fn assert_never_shows(&self, secrets: &[&str]) {
        let output = self.output();
        for secret in secrets {
            assert!(!output.contains(secret), "a secret was printed:\n{output}");
        }
    }
}

/// The binary with an empty environment (nothing of the developer's leaks in) and logs at
/// `info`, so that whatever a command logs is part of what the tests check.
fn jumpgate() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jumpgate"));
    c.env_clear()
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// The binary with a minimal valid configuration from the environment: a data directory, an
/// EVE application whose SSO and ESI are nowhere, and the audit key the tests' own connections
/// (`jumpgate_store::testing`) seal with, so that entries either writes verify in both.
fn configured(data_dir: &Path) -> Command {
    let mut c = jumpgate();
    c.env("JUMPGATE__DATA_DIR", data_dir)
        .env("JUMPGATE__SECRETS__AUDIT_KEY", TEST_AUDIT_KEY_BASE64)
        .env("JUMPGATE__EVE__CLIENT_ID", "cli-test")
        .env("JUMPGATE__EVE__CLIENT_SECRET", CLIENT_SECRET)
        .env("JUMPGATE__EVE__CONTACT", "tests@jumpgate.invalid")
        .env("JUMPGATE__EVE__SSO_BASE_URL", NOWHERE)
        .env("JUMPGATE__EVE__ESI_BASE_URL", NOWHERE);
    c
}

/// `configured`, on the database at `url`; on PostgreSQL with the test apps' token key, as
/// every instance on one PostgreSQL database is configured with the same keys.
pub(crate) fn configured_on(data_dir: &Path, url: &str) -> Command {
    let mut c = configured(data_dir);
    c.env("JUMPGATE__DATABASE__URL", url);
    if url.starts_with("postgres") {
        c.env("JUMPGATE__SECRETS__TOKEN_KEY", TEST_TOKEN_KEY);
    }
    c
}

pub(crate) async fn run(mut command: Command, args: &[&str]) -> Ran {
    let out = tokio::time::timeout(COMMAND_TIMEOUT, command.args(args).output())
        .await
        .unwrap_or_else(|_| panic!("jumpgate {args:?} did not finish in {COMMAND_TIMEOUT:?}"))
        .expect("the jumpgate binary runs");
    Ran {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("jumpgate.db").display())
}

/// The PostgreSQL server the tests use (see the README).
fn test_postgres_url() -> String {
    std::env::var("JUMPGATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

pub(crate) async fn open(url: &str) -> Arc<Store> {
    jumpgate_store::connect(
        url,
        &ConnectOptions {
            max_connections: Some(2),
        },
        TEST_AUDIT_KEY,
    )
    .await
    .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// Waits until `path` holds `pid`: the SQLite lock file of a process that opened the database.
async fn wait_for_lock_of(path: &Path, pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if std::fs::read_to_string(path).is_ok_and(|s| s.trim() == pid.to_string()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} never locked {}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ----- demo ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_stays_on_this_machine_unless_told_public() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data_arg = data.display().to_string();
    for listen in [["--listen", "0.0.0.0:0"], ["--sim-listen", "0.0.0.0:0"]] {
        let ran = run(
            jumpgate(),
            &["demo", listen[0], listen[1], "--data-dir", &data_arg],
        )
        .await;
        ran.assert_failure_saying(&[listen[0], "any simulated character", "--public"]);
    }
    assert!(!data.exists(), "nothing was created");
}

#[tokio::test]
async fn the_demo_never_resets_a_database_it_did_not_create() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jumpgate.db"), "a real installation").unwrap();
    let data_arg = dir.path().display().to_string();
    let ran = run(
        jumpgate(),
        &["demo", "--listen", "127.0.0.1:0", "--data-dir", &data_arg],
    )
    .await;
    ran.assert_failure_saying(&["jumpgate.db", "not made by the demo", "--data-dir"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("jumpgate.db")).unwrap(),
        "a real installation"
    );
    assert!(!dir.path().join(".jumpgate-demo").exists());
}

// ----- help ----------------------------------------------------------------------------------

#[tokio::test]
async fn every_command_explains_itself_in_its_help() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "EVE Online alliance auth",
                "serve",
                "worker",
                "demo",
                "evesim",
                "migrate",
                "admin",
                "audit",
                "keys",
                "groups",
                "roles",
                "tracking",
                "tokens",
                "accounts",
                "--config",
                "JUMPGATE__EVE__CLIENT_SECRET",
            ],
        ),
        (&["serve"], &["web server and the background workers"]),
        (&["worker"], &["only the background workers", "PostgreSQL"]),
        (&["demo"], &["offline demo", "simulated EVE", "--listen"]),
        (&["evesim"], &["EVE simulator", "--client-id", "--seed"]),
        (&["migrate"], &["Apply database migrations"]),
        (&["admin"], &["grant-superuser"]),
        (
            &["admin", "grant-superuser"],
            &[
                "superuser",
                "logged in once",
                "Character id or exact character name",
            ],
        ),
        (&["audit"], &["verify"]),
        (
            &["audit", "verify"],
            &[
                "hash chain",
                "edited, inserted or deleted",
                "cut-off tail",
                "anchor",
            ],
        ),
        (&["groups"], &["recompute"]),
        (
            &["groups", "recompute"],
            &["every group's rules", "--account"],
        ),
        (&["tracking"], &["update"]),
        (
            &["tracking", "update"],
            &["tracked corporation", "Director", "--corporation"],
        ),
        (&["roles"], &["grant", "revoke"]),
        (&["tokens"], &["check"]),
        (
            &["tokens", "check"],
            &["invalid_grant", "an outage changes nothing", "--character"],
        ),
        (&["accounts"], &["send-deactivation-mail"]),
        (
            &["accounts", "send-deactivation-mail"],
            &["one per episode", "verified"],
        ),
        (&["keys"], &["rotate"]),
        (
            &["keys", "rotate"],
            &[
                "Re-encrypt every stored token with the primary token key, while Jumpgate runs",
                "add the new key beside the old one",
                "--skip-undecryptable",
            ],
        ),
    ];
    for (command, expected) in cases {
        let mut args = command.to_vec();
        args.push("--help");
        let ran = run(jumpgate(), &args).await;
        assert!(
            ran.status.success(),
            "jumpgate {args:?} failed:\n{}",
            ran.output()
        );
        for text in *expected {
            assert!(
                ran.stdout.contains(text),
                "jumpgate {args:?} does not mention '{text}':\n{}",
                ran.stdout
            );
        }
    }
}

// ----- configuration -------------------------------------------------------------------------

#[tokio::test]
async fn an_invalid_configuration_names_every_wrong_setting_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jumpgate.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            data_dir = "{data}"
            [eve]
            client_id = ""
            client_secret = "{CLIENT_SECRET}"
            contact = "nobody"
            [jobs]
            affiliation_interval = "5s"
            "#,
            data = dir.path().join("data").display()
        ),
    )
    .unwrap();
    let ran = run(
        jumpgate(),
        &["migrate", "--config", config.to_str().unwrap()],
    )
    .await;
    ran.assert_failure_saying(&[
        "eve.client_id",
        "https://developers.eveonline.com",
        "eve.contact",
        "email address",
        "jobs.affiliation_interval",
        "at least 1m",
    ]);
    ran.assert_never_shows(&[CLIENT_SECRET]);
    assert!(
        !dir.path().join("data").exists(),
        "nothing is touched before the configuration is valid"
    );
}

#[tokio::test]
async fn an_unknown_setting_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut from_env = configured(dir.path());
    from_env.env("JUMPGATE__SERVER__LISTEN_PORT", "8080");
    let ran = run(from_env, &["migrate"]).await;
    ran.assert_failure_saying(&["listen_port", "jumpgate.example.toml"]);
    ran.assert_never_shows(&[CLIENT_SECRET]);

    let config = dir.path().join("jumpgate.toml");
    std::fs::write(
        &config,
        format!(
            "[eve]\nclient_id = \"x\"\nclient_secret = \"{CLIENT_SECRET}\"\ncontact = \"a@b.c\"\nclient_sceret = \"{CLIENT_SECRET}\"\n"
        ),
    )
    .unwrap();
    let ran = run(
        jumpgate(),
        &["migrate", "--config", config.to_str().unwrap()],
    )
    .await;
    ran.assert_failure_saying(&["client_sceret"]);
    ran.assert_never_shows(&[CLIENT_SECRET]);
}

#[tokio::test]
async fn a_missing_configuration_file_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let ran = run(
        jumpgate(),
        &["serve", "--config", missing.to_str().unwrap()],
    )
    .await;
    ran.assert_failure_saying(&["nope.toml", "does not exist", "jumpgate.example.toml"]);
}

#[tokio::test]
async fn secrets_never_appear_in_the_output_even_when_something_fails() {
    let dir = tempfile::tempdir().unwrap();
    const DB_PASSWORD: &str = "db-password-Hq4Tm8Rs1";
    const TOKEN_KEY: &str = "token-key-Vy6Nc2Wd5 not base64";

    // A token key that is not a key: named, not shown.
    let mut bad_key = configured(dir.path());
    bad_key.env("JUMPGATE__SECRETS__TOKEN_KEY", TOKEN_KEY);
    let ran = run(bad_key, &["migrate"]).await;
    ran.assert_failure_saying(&["secrets.token_key", "openssl rand -base64 32"]);
    ran.assert_never_shows(&[CLIENT_SECRET, TOKEN_KEY]);

    // A database URL of an unsupported kind, with a password in it.
    let ran = run(
        configured_on(
            dir.path(),
            &format!("mysql://jumpgate:{DB_PASSWORD}@127.0.0.1/jumpgate"),
        ),
        &["migrate"],
    )
    .await;
    ran.assert_failure_saying(&["database.url", "postgres://"]);
    ran.assert_never_shows(&[CLIENT_SECRET, DB_PASSWORD]);

    // A PostgreSQL server that refuses the database: its error keeps the password to itself.
    let mut refused = url::Url::parse(&test_postgres_url()).unwrap();
    refused.set_password(Some(DB_PASSWORD)).unwrap();
    refused.set_path("/jumpgate_no_such_database");
    refused.set_query(None);
    let ran = run(configured_on(dir.path(), refused.as_str()), &["migrate"]).await;
    ran.assert_failure_saying(&["database.url", "jumpgate_no_such_database"]);
    ran.assert_never_shows(&[CLIENT_SECRET, DB_PASSWORD]);

    // And a command that works logs no secret either.
    let ran = run(configured(dir.path()), &["migrate"]).await;
    ran.assert_success();
    ran.assert_never_shows(&[CLIENT_SECRET]);
}

// ----- migrate -------------------------------------------------------------------------------

#[tokio::test]
async fn migrate_creates_a_fresh_sqlite_database_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not-yet-there");
    let ran = run(configured(&data), &["migrate"]).await;
    ran.assert_success();
    assert!(
        data.join("jumpgate.db").is_file(),
        "the database was created"
    );

    // Running it again is harmless, and the schema is complete: the default states are seeded.
    run(configured(&data), &["migrate"]).await.assert_success();
    let store = open(&sqlite_url(&data)).await;
    let states = store.states().await.unwrap();
    assert!(states.iter().any(|s| s.name == "Member"), "{states:?}");
}

#[tokio::test]
async fn migrate_prepares_an_empty_postgresql_schema() {
    // An empty schema of our own (`fresh_postgres` hands out migrated ones), named the way the
    // test support names them so that a killed run's left-over is swept later.
    let admin_url = test_postgres_url();
    #[allow(clippy::disallowed_methods)] // named like the test support's schemas, by real time
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let schema = format!("t_{secs}_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options[search_path]={schema}");

    let dir = tempfile::tempdir().unwrap();
    let ran = run(configured_on(dir.path(), &url), &["migrate"]).await;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
    )
    .bind(&schema)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .unwrap();
    ran.assert_success();
    assert!(tables >= 10, "only {tables} tables were created");
    assert!(
        !dir.path().join("jumpgate.db").exists(),
        "no SQLite database on the side"
    );
}

// ----- keys rotate ---------------------------------------------------------------------------

fn key_file(data_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir.join("keys.json")).unwrap()).unwrap()
}

/// SQLite allows one process, so the operator stops Jumpgate first; here the running test app
/// keeps its database and a command works on a consistent copy (VACUUM INTO) in the data
/// directory, where the default database URL points. Returns the copy's URL.
async fn sqlite_copy(t: &TestApp, data_dir: &Path) -> String {
    jumpgate_store::testing::copy_sqlite(&t.db.url, &data_dir.join("jumpgate.db")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_reencrypts_every_token_under_a_single_new_key() {
    // Jumpgate's keys.json lives in a data directory that outlives the running app.
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    let t = TestApp::spawn_with(Backend::Sqlite, |s| s.data_dir = data_dir.clone()).await;
    let character = t.sim.characters()[0].character_id;
    t.browser().login_ok(character).await;
    let old_key = key_file(&data_dir)["primary"].as_str().unwrap().to_owned();

    let url = sqlite_copy(&t, &data_dir).await;
    let before = {
        let store = open(&url).await;
        store
            .token(CharacterId(character), "core.default")
            .await
            .unwrap()
            .unwrap()
    };

    let ran = run(configured_on(&data_dir, &url), &["keys", "rotate"]).await;
    ran.assert_success();
    ran.assert_never_shows(&[CLIENT_SECRET]);

    let keys = key_file(&data_dir);
    let new_key = keys["primary"].as_str().unwrap();
    assert_ne!(new_key, old_key, "a new key is primary");
    let ids: Vec<&String> = keys["keys"].as_object().unwrap().keys().collect();
    assert_eq!(ids, [new_key], "the old key is retired");

    // Jumpgate started anew with the rotated key file reads and uses the token.
    let store = open(&url).await;
    let after = store
        .token(CharacterId(character), "core.default")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(after.access_token, before.access_token, "re-encrypted");
    assert_ne!(after.refresh_token, before.refresh_token, "re-encrypted");
    let mut settings = t.settings.clone();
    settings.database.url = Some(SecretString::from(url.clone()));
    let app = jumpgate::wiring::build_app(&settings, store).await.unwrap();
    let access = app
        .access_token(
            &Caller::cli("tests"),
            CharacterId(character),
            "core.default",
        )
        .await
        .expect("the access token decrypts");
    assert!(!access.expose_secret().is_empty());
    assert_eq!(
        app.refresh_token(&Caller::system("check-tokens"), &after, true)
            .await
            .unwrap(),
        RefreshOutcome::Refreshed,
        "the refresh token decrypts and EVE accepts it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_with_configured_keys_reports_what_it_did_and_when_the_old_key_can_go() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let data = tempfile::tempdir().unwrap();
        let data_dir = data.path().to_owned();
        let t = TestApp::spawn_with(backend, |s| {
            s.data_dir = data_dir.clone();
            s.secrets.token_key = Some(SecretString::from(TEST_TOKEN_KEY));
            s.secrets.audit_key = Some(SecretString::from(TEST_AUDIT_KEY_BASE64));
        })
        .await;
        let characters: Vec<i64> = t.sim.characters()[..2]
            .iter()
            .map(|c| c.character_id)
            .collect();
        for &c in &characters {
            t.browser().login_ok(c).await;
        }
        // PostgreSQL: the command runs beside the running app.
        let url = match backend {
            Backend::Postgres => t.db.url.clone(),
            Backend::Sqlite => sqlite_copy(&t, &data_dir).await,
        };
        // The second character's refresh token is damaged outside Jumpgate.
        let store = open(&url).await;
        let token = store
            .token(CharacterId(characters[1]), "core.default")
            .await
            .unwrap()
            .unwrap();
        damage_refresh_token(&store, &token).await;
        drop(store);
        // Every instance gets the new key beside the old one, primary.
        let both_keys = || {
            let mut c = configured_on(&data_dir, &url);
            c.env("JUMPGATE__SECRETS__TOKEN_KEY", TEST_TOKEN_KEY)
                .env("JUMPGATE__SECRETS__TOKEN_KEYS__K2", NEW_KEY)
                .env("JUMPGATE__SECRETS__PRIMARY_KEY", "k2");
            c
        };
        let secrets = [CLIENT_SECRET, TEST_TOKEN_KEY, NEW_KEY];

        let ran = run(both_keys(), &["keys", "rotate"]).await;
        ran.assert_failure_saying(&[
            "tokens re-encrypted with k2: 1",
            "undecryptable: 1",
            &format!("character {}", characters[1]),
            "the key rotation is not finished",
            "--skip-undecryptable",
            "tokens are still sealed with config",
        ]);
        ran.assert_never_shows(&secrets);

        let ran = run(both_keys(), &["keys", "rotate", "--skip-undecryptable"]).await;
        ran.assert_success();
        for said in [
            "already sealed with it: 1",
            "marked invalid; its owner must log in again",
            "no stored token is sealed with another key",
            "remove the other token keys from the configuration of every instance now",
        ] {
            assert!(
                ran.output().contains(said),
                "'{said}' missing from:\n{}",
                ran.output()
            );
        }
        ran.assert_never_shows(&secrets);

        // The old key removed: it starts, and there is nothing left to do.
        let mut only_new = configured_on(&data_dir, &url);
        only_new
            .env_remove("JUMPGATE__SECRETS__TOKEN_KEY")
            .env("JUMPGATE__SECRETS__TOKEN_KEYS__K2", NEW_KEY);
        let ran = run(only_new, &["keys", "rotate"]).await;
        ran.assert_success();
        assert!(
            ran.output().contains("already sealed with it: 2"),
            "{}",
            ran.output()
        );
        // And the old key alone no longer starts.
        let ran = run(configured_on(&data_dir, &url), &["keys", "rotate"]).await;
        ran.assert_failure_saying(&[
            "stored tokens were sealed with token keys this instance does not have: k2",
            "Nothing was started",
        ]);
    }
}

// ----- admin grant-superuser -----------------------------------------------------------------

#[tokio::test]
async fn grant_superuser_makes_a_registered_character_superuser_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let account = registered(&url, 2_112_000_042, "Ada Lovelace").await;

    grant_superuser_and_refuse_an_unknown_name(dir.path(), &url, "Ada Lovelace").await;

    assert_granted_once_by_the_command_line(&url, account).await;
}

/// A character that logged in once (its account, not superuser), in the SQLite database at
/// `url`, which is closed again.
async fn registered(url: &str, id: i64, name: &str) -> jumpgate_domain::AccountId {
    let store = open(url).await;
    let (account, _) = store
        .create_account(&NewCharacter {
            id: CharacterId(id),
            name: name.into(),
            owner_hash: format!("owner-{id}"),
            corporation: CorporationId(98_000_001),
            alliance: None,
            faction: None,
        })
        .await
        .unwrap();
    assert!(!account.superuser);
    store.close().await;
    account.id
}

/// `jumpgate admin grant-superuser` makes `name` superuser and refuses a name nobody has.
async fn grant_superuser_and_refuse_an_unknown_name(dir: &Path, url: &str, name: &str) {
    let ran = run(configured_on(dir, url), &["admin", "grant-superuser", name]).await;
    ran.assert_success();
    let ran = run(
        configured_on(dir, url),
        &["admin", "grant-superuser", "Nobody Here"],
    )
    .await;
    ran.assert_failure_saying(&["Nobody Here", "must log in once first"]);
}

/// `account` is superuser, granted once and recorded as the command line's.
async fn assert_granted_once_by_the_command_line(url: &str, account: jumpgate_domain::AccountId) {
    let store = open(url).await;
    assert!(store.account(account).await.unwrap().unwrap().superuser);
    let granted = store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("account.superuser_granted".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(granted.len(), 1, "one grant, recorded");
    assert_eq!(granted[0].actor.to_text(), "cli:admin grant-superuser");
}

// ----- groups recompute ----------------------------------------------------------------------

#[tokio::test]
async fn groups_recompute_applies_the_rules_now_to_every_account_or_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let first = registered(&url, 2_112_000_051, "Ada Lovelace").await;
    let second = registered(&url, 2_112_000_052, "Grace Hopper").await;
    // A default group written straight to the database: nothing applied it yet.
    let everyone = {
        let store = open(&url).await;
        let mut everyone = jumpgate_domain::groups::Group::new("Everyone");
        everyone.rules.default = true;
        let saved = store.save_group(&everyone).await.unwrap();
        store.close().await;
        saved
    };

    let ran = run(
        configured_on(dir.path(), &url),
        &["groups", "recompute", "--account", &first.to_string()],
    )
    .await;
    ran.assert_success();
    assert!(
        ran.output().contains("1 joined or left a group"),
        "{}",
        ran.output()
    );
    let ran = run(configured_on(dir.path(), &url), &["groups", "recompute"]).await;
    ran.assert_success();
    assert!(ran.output().contains("every account"), "{}", ran.output());
    let ran = run(
        configured_on(dir.path(), &url),
        &["groups", "recompute", "--account", "999999"],
    )
    .await;
    ran.assert_failure_saying(&["no account #999999"]);

    let store = open(&url).await;
    for account in [first, second] {
        let groups = store.account_groups(account).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].group, everyone.id);
    }
    let added = store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("group.member_added".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(added.len(), 2);
    assert!(
        added
            .iter()
            .all(|e| e.actor.to_text() == "cli:groups recompute")
    );
}

// ----- roles grant / revoke ------------------------------------------------------------------

#[tokio::test]
async fn roles_grant_and_revoke_give_and_take_a_role_and_move_a_unique_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let ada = registered(&url, 2_112_000_061, "Ada Lovelace").await;
    let grace = registered(&url, 2_112_000_062, "Grace Hopper").await;
    let roles = |args: &'static [&'static str]| {
        let command = configured_on(dir.path(), &url);
        async move { run(command, args).await }
    };

    let ran = roles(&["roles", "grant", "head_fc", "Ada Lovelace"]).await;
    ran.assert_success();
    assert!(ran.output().contains("is now Head FC"), "{}", ran.output());
    // The Head FC is unique: granting it to another moves it.
    let ran = roles(&["roles", "grant", "head_fc", "2112000062"]).await;
    ran.assert_success();
    assert!(
        ran.output().contains("moved from account"),
        "{}",
        ran.output()
    );
    roles(&["roles", "grant", "administrator", "Ada Lovelace"])
        .await
        .assert_success();
    // EVE's roles, unknown roles and unknown people are refused.
    roles(&["roles", "grant", "ceo:98000001", "Ada Lovelace"])
        .await
        .assert_failure_saying(&["follows EVE"]);
    roles(&["roles", "grant", "grand_admiral", "Ada Lovelace"])
        .await
        .assert_failure_saying(&["not a role Jumpgate knows"]);
    roles(&["roles", "grant", "general_fc", "Nobody Here"])
        .await
        .assert_failure_saying(&["must log in once first"]);
    roles(&["roles", "revoke", "head_fc", "Ada Lovelace"])
        .await
        .assert_failure_saying(&["does not hold"]);
    roles(&["roles", "revoke", "head_fc", "Grace Hopper"])
        .await
        .assert_success();

    let store = open(&url).await;
    let held = |holders: &[jumpgate_domain::roles::RoleHolder], account| {
        holders
            .iter()
            .filter(|h| h.account == account)
            .map(|h| h.role)
            .collect::<Vec<_>>()
    };
    let holders = store.role_holders().await.unwrap();
    assert_eq!(
        held(&holders, ada),
        [jumpgate_domain::roles::Role::Administrator]
    );
    assert!(held(&holders, grace).is_empty());
    assert!(
        store
            .account_grants(ada)
            .await
            .unwrap()
            .unwrap()
            .permissions
            .contains("admin.users"),
        "the Administrator role carries the admin permissions"
    );
    let appointed = store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("role.appointed".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(appointed.len(), 3);
    assert!(
        appointed
            .iter()
            .all(|e| e.actor.to_text() == "cli:roles grant")
    );
}

// ----- tracking update -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_update_reads_the_tracked_corporations_now_as_the_command_line() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let data = tempfile::tempdir().unwrap();
        let data_dir = data.path().to_owned();
        let t = TestApp::spawn_with(backend, |s| s.data_dir = data_dir.clone()).await;
        let (director, _) = crate::tracking::corporation_with_a_director(&t);
        let corporation = director.corporation_id;
        let r = t
            .browser()
            .login_with(
                jumpgate_domain::tracking::TRACKING_LOGIN,
                director.character_id,
            )
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
        // PostgreSQL: the command runs beside the running app. SQLite: a running `worker` holds
        // a copy of the database, and the command reaches it through its admin socket.
        let url = match backend {
            Backend::Postgres => t.db.url.clone(),
            Backend::Sqlite => sqlite_copy(&t, &data_dir).await,
        };
        let with_eve = || {
            let mut c = configured_on(&data_dir, &url);
            c.env("JUMPGATE__EVE__SSO_BASE_URL", t.sim.base_url().as_str())
                .env("JUMPGATE__EVE__ESI_BASE_URL", t.sim.base_url().as_str())
                .env("JUMPGATE__EVE__CLIENT_ID", crate::support::CLIENT_ID)
                .env(
                    "JUMPGATE__EVE__CLIENT_SECRET",
                    crate::support::CLIENT_SECRET,
                );
            c
        };
        let running = match backend {
            Backend::Postgres => None,
            Backend::Sqlite => {
                let worker = with_eve()
                    .arg("worker")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let pid = worker.id().unwrap();
                wait_for_lock_of(&data_dir.join("jumpgate.db.lock"), pid).await;
                wait_for_socket(&data_dir.join("admin.sock")).await;
                Some(worker)
            }
        };

        let ran = run(with_eve(), &["tracking", "update"]).await;
        ran.assert_success();
        ran.assert_never_shows(&[crate::support::CLIENT_SECRET, TEST_TOKEN_KEY]);
        let members = t
            .sim
            .characters()
            .iter()
            .filter(|c| c.corporation_id == corporation)
            .count();
        for said in [
            "member tracking: 1 updated, 0 failed".to_owned(),
            format!("corporation {corporation}: {members} members"),
        ] {
            assert!(
                ran.output().contains(&said),
                "{backend:?}: '{said}' missing from:\n{}",
                ran.output()
            );
        }
        let ran = run(
            with_eve(),
            &["tracking", "update", "--corporation", "98999999"],
        )
        .await;
        ran.assert_failure_saying(&["no tracked corporation #98999999"]);
        if let Some(mut worker) = running {
            worker.start_kill().unwrap();
            worker.wait().await.unwrap();
        }

        let store = open(&url).await;
        assert_eq!(
            store
                .tracking_members(CorporationId(corporation))
                .await
                .unwrap()
                .len(),
            members,
            "{backend:?}"
        );
        let updated = store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("tracking.updated".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            updated
                .iter()
                .any(|e| e.actor.to_text() == "cli:tracking update"),
            "{backend:?}: audited as the command line: {updated:?}"
        );
    }
}

/// Waits until a running instance listens on its admin socket.
async fn wait_for_socket(socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "the instance never opened its admin socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ----- tokens check, accounts send-deactivation-mail -----------------------------------------

/// A configuration file that switches deactivation on for alliance 99000001, at once.
fn deactivation_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("deactivation.toml");
    std::fs::write(
        &path,
        "[deactivation]\ngroups_require_valid_token = true\ndelay_hours = 0\nalliances = [99000001]\n",
    )
    .unwrap();
    path
}

/// A character of alliance 99000001 that logged in once and holds no login token (what a
/// character whose token was removed looks like), its account with a verified address.
async fn without_token(url: &str, id: i64) -> jumpgate_domain::AccountId {
    let store = open(url).await;
    let (account, _) = store
        .create_account(&NewCharacter {
            id: CharacterId(id),
            name: "Token Lost".into(),
            owner_hash: format!("owner-{id}"),
            corporation: CorporationId(98_000_001),
            alliance: Some(jumpgate_domain::AllianceId(99_000_001)),
            faction: None,
        })
        .await
        .unwrap();
    store
        .set_account_email(account.id, Some("lost@example.org"), true)
        .await
        .unwrap();
    store.close().await;
    account.id
}

#[tokio::test]
async fn tokens_check_judges_deactivation_and_the_mail_goes_once_as_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let account = without_token(&url, 2_112_000_061).await;
    let config = deactivation_config(dir.path());
    let config = config.to_str().unwrap();

    let ran = run(
        configured_on(dir.path(), &url),
        &["--config", config, "tokens", "check"],
    )
    .await;
    ran.assert_success();
    assert!(
        ran.output().contains("1 pending, 1 deactivated"),
        "{}",
        ran.output()
    );
    let ran = run(
        configured_on(dir.path(), &url),
        &[
            "--config",
            config,
            "tokens",
            "check",
            "--character",
            "999999",
        ],
    )
    .await;
    ran.assert_failure_saying(&["knows no character 999999"]);

    for sent in [
        "1 deactivation mail(s) sent (1 by email, 0 as EVE mail)",
        "0 deactivation mail(s) sent",
    ] {
        let ran = run(
            configured_on(dir.path(), &url),
            &["--config", config, "accounts", "send-deactivation-mail"],
        )
        .await;
        ran.assert_success();
        assert!(ran.output().contains(sent), "{}", ran.output());
    }
    let mails = std::fs::read_dir(dir.path().join("mail")).unwrap().count();
    assert_eq!(mails, 1, "one mail per episode");

    let store = open(&url).await;
    for (action, actor) in [
        ("account.deactivated", "cli:tokens check"),
        (
            "account.deactivation_mail_sent",
            "cli:accounts send-deactivation-mail",
        ),
    ] {
        let entries = store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some(action.into()),
                target: Some(format!("account:{account}")),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0].actor.to_text(), actor);
    }
    assert!(store.deactivation(account).await.unwrap().is_some());
}

// ----- processes -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_reach_a_running_sqlite_instance_through_its_socket() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let account = registered(&url, 2_112_000_043, "Grace Hopper").await;
    // A running instance holds the SQLite database.
    let mut running = configured_on(dir.path(), &url)
        .arg("worker")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = running.id().unwrap();
    wait_for_lock_of(&dir.path().join("jumpgate.db.lock"), pid).await;
    let socket = dir.path().join("admin.sock");
    wait_for_socket(&socket).await;
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600,
        "only its owner may use it"
    );

    grant_superuser_and_refuse_an_unknown_name(dir.path(), &url, "Grace Hopper").await;
    let ran = run(
        configured_on(dir.path(), &url),
        &["roles", "grant", "general_fc", "Grace Hopper"],
    )
    .await;
    ran.assert_success();
    assert!(
        ran.output().contains("is now General FC"),
        "{}",
        ran.output()
    );
    // So does the groups' recompute.
    let ran = run(configured_on(dir.path(), &url), &["groups", "recompute"]).await;
    ran.assert_success();
    assert!(ran.output().contains("every account"), "{}", ran.output());
    // The token check and the deactivation mails go the same way.
    let ran = run(configured_on(dir.path(), &url), &["tokens", "check"]).await;
    ran.assert_success();
    assert!(ran.output().contains("deactivation:"), "{}", ran.output());
    let ran = run(
        configured_on(dir.path(), &url),
        &["accounts", "send-deactivation-mail"],
    )
    .await;
    ran.assert_success();
    assert!(
        running.try_wait().unwrap().is_none(),
        "the instance is not disturbed"
    );

    // Stopped, the instance removes its socket; the grant was its, audited as the command line.
    running.start_kill().unwrap();
    running.wait().await.unwrap();
    assert_granted_once_by_the_command_line(&url, account).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_one_sqlite_database_is_refused_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = configured(dir.path())
        .arg("worker")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = first.id().unwrap();
    wait_for_lock_of(&dir.path().join("jumpgate.db.lock"), pid).await;

    for second in ["worker", "serve"] {
        let mut command = configured(dir.path());
        // A free port, in case `serve` got as far as listening.
        command.env("JUMPGATE__SERVER__LISTEN", "127.0.0.1:0");
        let ran = run(command, &[second]).await;
        ran.assert_failure_saying(&[
            "already used by another Jumpgate process",
            &format!("pid {pid}"),
            "use PostgreSQL to run several instances",
        ]);
    }
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first process is not disturbed"
    );
    first.kill().await.unwrap();
}

// ----- apps ----------------------------------------------------------------------------------

#[tokio::test]
async fn apps_commands_create_grant_and_list_an_application_and_print_its_secret_once_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    registered(&url, 2_112_000_071, "Ada Lovelace").await;
    // Written straight to the database, which the commands then open themselves.
    let group = {
        let store = open(&url).await;
        let group = store
            .save_group(&jumpgate_domain::groups::Group::new("Pilots"))
            .await
            .unwrap()
            .id;
        store.close().await;
        group
    };
    let apps = |args: Vec<String>| {
        let command = configured_on(dir.path(), &url);
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(command, &args).await
        }
    };
    let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();

    let ran = apps(vec!["apps".into(), "create".into(), "Ping board".into()]).await;
    ran.assert_success();
    assert_eq!(ran.stdout.trim(), "created application 1");
    let ran = apps(words(
        "apps grant 1 --role app-groups --role chars --group Pilots --login core.default",
    ))
    .await;
    ran.assert_success();
    assert!(
        ran.stdout.contains("roles app,app-groups,app-chars")
            && ran.stdout.contains(&format!("groups {group}"))
            && ran.stdout.contains("EVE logins core.default"),
        "{}",
        ran.stdout
    );
    // Unknown roles, groups and logins are refused, with nothing changed.
    apps(words("apps grant 1 --role app-admin"))
        .await
        .assert_failure_saying(&["'app-admin' is not an application role"]);
    apps(words("apps grant 1 --group Nobody"))
        .await
        .assert_failure_saying(&["no group 'Nobody'", "nothing was changed"]);
    apps(words("apps grant 1 --login no.such"))
        .await
        .assert_failure_saying(&["not one of Jumpgate's EVE logins"]);
    apps(words("apps secret 7"))
        .await
        .assert_failure_saying(&["no application #7"]);

    let ran = apps(words("apps secret 1")).await;
    ran.assert_success();
    let secret = ran.stdout.trim().to_owned();
    assert_eq!(secret.len(), 64, "{}", ran.output());
    assert!(
        !ran.stderr.contains(&secret),
        "the secret never reaches the log"
    );
    let ran = apps(words("apps list")).await;
    ran.assert_success();
    assert!(
        ran.stdout
            .starts_with("1\tPing board\troles: app,app-groups,app-chars")
    );
    ran.assert_never_shows(&[&secret]);

    let store = open(&url).await;
    let hash = store.app_secret_hashes().await.unwrap();
    let stored = hash.values().next().unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(&secret));
    let actors: Vec<String> = store
        .audit_entries(&jumpgate_store::AuditFilter {
            action_prefix: Some("app.".into()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e.actor.to_text(), e.action))
        .collect();
    for expected in [
        "cli:apps create app.created",
        "cli:apps grant app.roles_set",
        "cli:apps grant app.groups_set",
        "cli:apps grant app.eve_logins_set",
        "cli:apps secret app.secret_made",
    ] {
        assert!(
            actors.iter().any(|a| a == expected),
            "{expected}: {actors:?}"
        );
    }
}

#[tokio::test]
async fn apps_webhook_commands_set_the_url_print_the_signing_secret_once_and_clear_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    registered(&url, 2_112_000_072, "Ada Lovelace").await;
    let apps = |args: &'static str, allow_private: bool| {
        let mut command = configured_on(dir.path(), &url);
        if allow_private {
            command.env("JUMPGATE__APPS__WEBHOOK_ALLOW_PRIVATE", "true");
        }
        async move {
            let args: Vec<&str> = args.split(' ').collect();
            run(command, &args).await
        }
    };
    apps("apps create Pingboard", false).await.assert_success();
    apps("apps webhook 1 http://127.0.0.1:9/hook", false)
        .await
        .assert_failure_saying(&["private, loopback or link-local"]);
    apps("apps webhook-secret 1", false)
        .await
        .assert_failure_saying(&["no webhook yet"]);
    let ran = apps("apps webhook 1 http://127.0.0.1:9/hook", true).await;
    ran.assert_success();
    assert!(ran.stdout.contains("webhook is on"), "{}", ran.output());
    let secret = ran.stdout.trim().lines().last().unwrap().to_owned();
    assert_eq!(secret.len(), 64, "{}", ran.output());
    assert!(
        !ran.stderr.contains(&secret),
        "the secret never reaches the log"
    );
    let ran = apps("apps webhook 1 http://127.0.0.1:9/other --off", true).await;
    ran.assert_success();
    assert_eq!(ran.stdout.trim(), "application 1's webhook is off");
    let ran = apps("apps webhook-secret 1", false).await;
    ran.assert_success();
    let new_secret = ran.stdout.trim().to_owned();
    assert_eq!(new_secret.len(), 64);
    assert_ne!(new_secret, secret);
    ran.assert_never_shows(&[&secret]);
    let ran = apps("apps webhook 1 --clear", false).await;
    ran.assert_success();
    assert_eq!(ran.stdout.trim(), "application 1 has no webhook now");
    let store = open(&url).await;
    assert!(
        store
            .app_webhook(jumpgate_domain::AppId(1))
            .await
            .unwrap()
            .is_none()
    );
}
