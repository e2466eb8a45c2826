//! Building the application from settings: store, key ring, HTTP client, SSO and ESI clients.

use crate::config::{MailSettings, MailTransport, Settings};
use anyhow::Context;
use jumpgate_app::esi_adapters::{StoreCache, StoreGate};
use jumpgate_app::mail::{FileMailer, Mailer, SmtpMailer};
use jumpgate_app::tokens::keys_in_use;
use jumpgate_app::tokens::safety_valve::SafetyValveSettings;
use jumpgate_app::tokens::secrets::KeyRing;
use jumpgate_app::{App, AppSettings};
use jumpgate_domain::clock::{Clock, SystemClock};
use jumpgate_eve::{EsiClient, SsoClient};
use jumpgate_store::{Backend, Store};
use std::sync::Arc;
use std::time::Duration;

/// Opens the database with the audit chain key (`secrets.audit_key` or keys.json, ADR 0016).
pub async fn connect_store(settings: &Settings) -> anyhow::Result<Arc<Store>> {
    connect_store_with_clock(settings, Arc::new(SystemClock)).await
}

/// [`connect_store`] with the clock every layer reads "now" from (a soak passes a fast one).
pub async fn connect_store_with_clock(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Arc<Store>> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") || settings.secrets.audit_key.is_none() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let audit_key = jumpgate_app::audit::key::load(&settings.secrets, &settings.data_dir)?;
    jumpgate_store::connect_with_clock(&url, &settings.database.connect_options(), audit_key, clock)
        .await
        .context("cannot open the database (database.url)")
}

/// The token key ring: the configured keys, or on SQLite keys.json (refused on PostgreSQL).
pub fn key_ring(settings: &Settings) -> anyhow::Result<KeyRing> {
    let backend = Backend::from_url(&settings.database_url()).unwrap_or(Backend::Sqlite);
    Ok(keys_in_use::ring_for(
        &settings.secrets,
        &settings.data_dir,
        backend,
    )?)
}

pub fn http_client(settings: &Settings) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(settings.user_agent())
        // ESI cuts requests to the game server at 10 s; waiting longer only ties up workers.
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .context("cannot build the HTTP client")
}

/// The application, once its key ring fits the database: every key that sealed a stored token
/// is in it (else nothing starts, and the error says which keys are missing).
pub async fn build_app(settings: &Settings, store: Arc<Store>) -> anyhow::Result<App> {
    let keys = key_ring(settings)?;
    keys_in_use::check_stored_keys(&store, &keys).await?;
    let http = http_client(settings)?;
    let sso = SsoClient::new(
        settings
            .eve
            .sso_config(settings.callback_url(), settings.user_agent()),
        http.clone(),
    )
    .with_timeout(settings.eve.sso_timeout)
    .with_clock(store.clock().clone());
    let esi_config = settings.eve.esi_config(settings.user_agent());
    let esi = EsiClient::new(esi_config, http, Arc::new(StoreCache(store.clone())))
        .with_shared_gate(Arc::new(StoreGate::new(store.clone())))
        .with_clock(store.clock().clone());
    let app_settings = AppSettings {
        accounts: settings.accounts.clone(),
        jobs: settings.jobs.clone(),
        demo: settings.demo,
        instance_id: format!(
            "{}-{}",
            hostname(),
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..8)
                .unwrap_or("0")
        ),
        safety_valve: SafetyValveSettings::default(),
        sessions: settings.sessions.clone(),
        mail_limits: settings.mail.limits(),
        audit: settings.audit.settings(&settings.data_dir),
        deactivation: settings.deactivation.clone(),
        apps: settings.apps.clone(),
        standings: settings.standings.validate().map_err(|problems| {
            anyhow::anyhow!(
                "the [standings] configuration is not valid:\n  - {}",
                problems.join("\n  - ")
            )
        })?,
    };
    Ok(App::new(store, sso, esi, keys, app_settings).with_mailer(mailer(settings)?))
}

/// The mail transport of `[mail]`: files under `<data_dir>/mail/` by default, or SMTP.
pub fn mailer(settings: &Settings) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match settings.mail.transport {
        MailTransport::File => Arc::new(
            FileMailer::new(
                MailSettings::mail_dir(&settings.data_dir),
                &settings.mail.from,
            )
            .context("mail.from is not a valid sender")?
            .with_max_files(settings.mail.max_files),
        ),
        MailTransport::Smtp => {
            let url = settings
                .mail
                .smtp_url
                .as_ref()
                .context("mail.smtp_url is required when mail.transport = \"smtp\"")?;
            Arc::new(
                SmtpMailer::new(url, &settings.mail.from)
                    .context("cannot set up SMTP (mail.smtp_url, mail.from)")?,
            )
        }
    })
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "jumpgate".to_owned())
}
