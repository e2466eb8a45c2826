//! What the benchmark examples share: their configuration against the simulated EVE, an
//! administrator's login through it, accounts seeded from the simulated universe, and waiting
//! for the signal to stop. (A module, not an example: cargo builds only the files beside it.)

// Each example uses the part it needs.
#![allow(dead_code)]

pub mod enrolled;
pub mod groups;
pub mod outage;
pub mod roles;

use anyhow::{Context, ensure};
use jumpgate::config::{DatabaseSettings, EveSettings, SecretSettings, ServerSettings, Settings};
use jumpgate_domain::AccountId;
use jumpgate_evesim::{EveSim, SimCharacter};
use jumpgate_store::Store;
use jumpgate_store::testing::{TestStore, fresh_postgres};
use reqwest::StatusCode;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use url::Url;

/// The database a benchmark runs on (`--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

/// A fresh PostgreSQL schema (from JUMPGATE_TEST_DATABASE_URL, default the README's) for
/// `Postgres`; close it at the end. `None` for SQLite.
pub async fn fresh_schema(backend: BackendArg) -> Option<TestStore> {
    match backend {
        BackendArg::Postgres => Some(fresh_postgres().await),
        BackendArg::Sqlite => None,
    }
}

/// The database settings for `backend`: SQLite in the data directory (the default settings), or
/// a fresh PostgreSQL schema, returned to be closed at the end.
pub async fn database(backend: BackendArg) -> (DatabaseSettings, Option<TestStore>) {
    let pg = fresh_schema(backend).await;
    let mut database = DatabaseSettings::default();
    if let Some(pg) = &pg {
        database.url = Some(SecretString::from(pg.url.clone()));
    }
    (database, pg)
}

pub const CLIENT_ID: &str = "jumpgate-bench";
pub const CLIENT_SECRET: &str = "jumpgate-bench-secret";
/// Fixed keys (PostgreSQL needs configured ones): a benchmark's secrets protect nothing.
pub const TOKEN_KEY: &str = "YmVuY2gtdG9rZW4ta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
pub const AUDIT_KEY: &str = "YmVuY2gtYXVkaXQta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

/// Jumpgate's settings against `sim`, every section at its defaults but the server's address,
/// the database and the keys; the simulator knows the application.
pub fn settings(
    sim: &EveSim,
    data_dir: &Path,
    database: DatabaseSettings,
    listen: SocketAddr,
    public_url: Url,
) -> anyhow::Result<Settings> {
    let settings = Settings {
        data_dir: data_dir.to_owned(),
        server: ServerSettings {
            listen,
            public_url,
            ..ServerSettings::default()
        },
        database,
        eve: EveSettings {
            client_id: CLIENT_ID.into(),
            client_secret: SecretString::from(CLIENT_SECRET),
            callback_url: None,
            contact: "bench@jumpgate.invalid".into(),
            sso_base_url: sim.sso_base_url(),
            esi_base_url: sim.esi_base_url(),
            image_base_url: sim.image_base_url(),
            compatibility_date: jumpgate::config::COMPATIBILITY_DATE.into(),
            sso_timeout: jumpgate_eve::DEFAULT_SSO_TIMEOUT,
        },
        accounts: Default::default(),
        jobs: Default::default(),
        secrets: SecretSettings {
            token_key: Some(SecretString::from(TOKEN_KEY)),
            audit_key: Some(SecretString::from(AUDIT_KEY)),
            ..SecretSettings::default()
        },
        audit: Default::default(),
        deactivation: Default::default(),
        apps: Default::default(),
        mail: Default::default(),
        standings: Default::default(),
        sessions: Default::default(),
        demo: false,
    };
    settings.validate()?;
    sim.register_client(CLIENT_ID, CLIENT_SECRET, settings.callback_url().as_str());
    Ok(settings)
}

/// One account per EVE account of the simulated universe, its first character as main and the
/// others as alts, as their logins would have left them.
pub async fn seed_accounts_by_owner(
    store: &Store,
    sim: &EveSim,
) -> anyhow::Result<Vec<(AccountId, Vec<SimCharacter>)>> {
    let mut by_owner: BTreeMap<String, Vec<SimCharacter>> = BTreeMap::new();
    for c in sim.characters() {
        by_owner.entry(c.owner_hash.clone()).or_default().push(c);
    }
    let new = enrolled::new_character;
    let mut accounts = Vec::with_capacity(by_owner.len());
    for characters in by_owner.into_values() {
        let (account, _) = store.create_account(&new(&characters[0])).await?;
        for alt in &characters[1..] {
            store.add_character(account.id, &new(alt)).await?;
        }
        accounts.push((account.id, characters));
    }
    Ok(accounts)
}

/// The SSO flow of a browser: `/sso/login` → simulated EVE login → callback.
pub async fn login(
    browser: &reqwest::Client,
    sim: &EveSim,
    base: &Url,
    character_id: i64,
) -> anyhow::Result<()> {
    let r = browser.get(base.join("/sso/login")?).send().await?;
    ensure!(
        r.status() == StatusCode::SEE_OTHER,
        "/sso/login answered {}",
        r.status()
    );
    let authorize = location(&r)?;
    let callback = sim.authorize_for_test(&authorize, character_id).await?;
    let r = browser.get(callback).send().await?;
    ensure!(
        r.status() == StatusCode::SEE_OTHER && location(&r)?.path() == "/account",
        "the login of {character_id} failed: {} {}",
        r.status(),
        r.text().await.unwrap_or_default()
    );
    Ok(())
}

fn location(r: &reqwest::Response) -> anyhow::Result<Url> {
    let loc = r
        .headers()
        .get("location")
        .context("no Location header")?
        .to_str()?;
    Ok(Url::parse(loc).or_else(|_| r.url().join(loc))?)
}

/// Returns after `serve_for` seconds (0: never), at Ctrl+C or at SIGTERM.
pub async fn stop_signal(serve_for: u64) {
    let deadline = async {
        if serve_for == 0 {
            std::future::pending::<()>().await;
        } else {
            tokio::time::sleep(Duration::from_secs(serve_for)).await;
        }
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = deadline => {}
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
