//! Configuration: a TOML file with environment overrides (`JUMPGATE__SECTION__KEY`), parsed into
//! typed settings and validated at start. Every error names the setting and how to fix it.
//! See `jumpgate.example.toml` and docs/operations.md.

use anyhow::{Context, bail};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use url::Url;

// The sections this configuration is made of, each defined once beside its feature.
pub use jumpgate_app::accounts::AccountSettings;
pub use jumpgate_app::apps::AppsSettings;
pub use jumpgate_app::audit::anchor::AuditSection;
pub use jumpgate_app::deactivation::DeactivationSettings;
pub use jumpgate_app::jobs::JobSettings;
pub use jumpgate_app::mail::{MailSettings, MailTransport};
pub use jumpgate_app::sessions::SessionSettings;
pub use jumpgate_app::standings::{StandingsSection, StateScopes};
pub use jumpgate_app::tokens::secrets::SecretSettings;
pub use jumpgate_eve::{COMPATIBILITY_DATE, EveSettings};
pub use jumpgate_store::DatabaseSettings;
pub use jumpgate_web::ServerSettings;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database, the generated key file and the audit anchor live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub database: DatabaseSettings,
    pub eve: EveSettings,
    #[serde(default)]
    pub accounts: AccountSettings,
    #[serde(default)]
    pub jobs: JobSettings,
    #[serde(default)]
    pub secrets: SecretSettings,
    #[serde(default)]
    pub mail: MailSettings,
    #[serde(default)]
    pub standings: StandingsSection,
    #[serde(default)]
    pub sessions: SessionSettings,
    #[serde(default)]
    pub audit: AuditSection,
    #[serde(default)]
    pub deactivation: DeactivationSettings,
    #[serde(default)]
    pub apps: AppsSettings,
    #[serde(skip)]
    pub demo: bool,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

impl Settings {
    /// Reads the file (if given) and the environment, then validates.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            if !path.exists() {
                bail!(
                    "the configuration file {} does not exist: copy jumpgate.example.toml there and edit it",
                    path.display()
                );
            }
            builder = builder.add_source(config::File::from(path));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("JUMPGATE")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        );
        let raw = builder.build().context("cannot read the configuration")?;
        let settings: Settings = raw.try_deserialize().map_err(|e| {
            anyhow::anyhow!(
                "the configuration is not valid: {e} (see jumpgate.example.toml for every setting)"
            )
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what serde cannot: every section's problems, each named with its setting and fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        self.server.validate(&mut problems);
        self.eve.validate(&mut problems);
        self.jobs.validate(&mut problems);
        self.database.validate(&mut problems);
        self.secrets.validate(&mut problems);
        self.mail.validate(&mut problems);
        self.sessions.validate(&mut problems);
        self.audit.validate(&mut problems);
        self.deactivation.validate(&mut problems);
        self.apps.validate(&mut problems);
        if let Err(mut p) = self.standings.validate() {
            problems.append(&mut p);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!(
                "the configuration has {} problem(s):\n  - {}",
                problems.len(),
                problems.join("\n  - ")
            )
        }
    }

    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!("sqlite://{}", self.data_dir.join("jumpgate.db").display()),
        }
    }

    pub fn callback_url(&self) -> Url {
        self.eve.callback_url.clone().unwrap_or_else(|| {
            self.server
                .public_url
                .join("sso/callback")
                .unwrap_or_else(|_| self.server.public_url.clone())
        })
    }

    /// CCP asks for app name, version and a contact in every request.
    pub fn user_agent(&self) -> String {
        format!(
            "Jumpgate/{} ({}; +https://github.com/jumpgate-eve/jumpgate)",
            env!("CARGO_PKG_VERSION"),
            self.eve.contact
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn parse(toml: &str) -> anyhow::Result<Settings> {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(toml, config::FileFormat::Toml))
            .build()?;
        let s: Settings = raw.try_deserialize()?;
        s.validate()?;
        Ok(s)
    }

    const MINIMAL: &str = r#"
        [eve]
        client_id = "abc"
        client_secret = "s3cret"
        contact = "admin@example.org"
    "#;

    #[test]
    fn a_minimal_configuration_is_valid_with_defaults() {
        let s = parse(MINIMAL).expect("valid");
        assert_eq!(s.database_url(), "sqlite://data/jumpgate.db");
        assert_eq!(
            s.callback_url().as_str(),
            "http://127.0.0.1:8080/sso/callback"
        );
        assert_eq!(s.jobs.affiliation_interval, Duration::from_secs(600));
        assert!(s.user_agent().contains("admin@example.org"));
    }

    #[test]
    fn every_problem_is_named_with_its_setting() {
        let err = parse(
            r#"
            [eve]
            client_id = ""
            client_secret = ""
            contact = "nobody"
            [jobs]
            affiliation_interval = "5s"
            keep_finished = "10m"
        "#,
        )
        .expect_err("invalid")
        .to_string();
        for setting in [
            "eve.client_id",
            "eve.client_secret",
            "eve.contact",
            "jobs.affiliation_interval",
            "jobs.keep_finished",
        ] {
            assert!(err.contains(setting), "{setting} missing from: {err}");
        }
    }

    #[test]
    fn unknown_settings_are_refused() {
        let err = parse(&format!("{MINIMAL}\n[server]\nlisten_port = 1\n")).expect_err("invalid");
        assert!(err.to_string().contains("listen_port"), "{err}");
    }

    #[test]
    fn mail_defaults_to_files_and_smtp_needs_a_valid_url() {
        let s = parse(MINIMAL).expect("valid");
        assert_eq!(s.mail.transport, MailTransport::File);
        let err = parse(&format!("{MINIMAL}\n[mail]\ntransport = \"smtp\"\n"))
            .expect_err("no url")
            .to_string();
        assert!(err.contains("mail.smtp_url is missing"), "{err}");
        let err = parse(&format!(
            "{MINIMAL}\n[mail]\ntransport = \"smtp\"\nsmtp_url = \"https://u:hunter2@h\"\nfrom = \"nobody\"\n"
        ))
        .expect_err("bad url")
        .to_string();
        assert!(err.contains("must start with smtps://"), "{err}");
        assert!(err.contains("mail.from"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let s = parse(&format!(
            "{MINIMAL}\n[mail]\ntransport = \"smtp\"\nsmtp_url = \"smtps://u:hunter2@mail.example.org:465\"\nfrom = \"Jumpgate <auth@example.org>\"\n"
        ))
        .expect("valid smtp");
        assert!(!format!("{s:?}").contains("hunter2"));
        let err = parse(&format!("{MINIMAL}\n[mail]\ntransport = \"pigeon\"\n"))
            .expect_err("unknown transport");
        assert!(err.to_string().contains("pigeon"), "{err}");
    }

    #[test]
    fn standings_settings_default_and_name_every_problem() {
        let s = parse(MINIMAL).expect("valid");
        let st = s.standings.validate().expect("defaults are valid");
        assert_eq!(st.label_name, "Jumpgate");
        let s = parse(&format!(
            "{MINIMAL}\n[standings]\ndefault_standing = 7.5\ncoverage_rule = \"percent:80\"\nvalidation_interval = \"10m\"\nstate_scopes = [{{ state = \"Member\", scopes = [\"esi-assets.read_assets.v1\"] }}]\n[standings.revocation_policies]\nlost_permission = \"auto_approve\"\n"
        ))
        .expect("valid standings");
        let st = s.standings.validate().expect("valid");
        assert_eq!(st.default_standing.tenths(), 75);
        assert_eq!(st.validation_interval, Duration::from_secs(600));
        assert!(
            st.required_scopes("Member")
                .contains("esi-assets.read_assets.v1")
        );
        let err = parse(&format!(
            "{MINIMAL}\n[standings]\ndefault_standing = 11\ncoverage_rule = \"most\"\ncollision = \"fight\"\nsync_interval = \"1s\"\n[standings.revocation_policies]\nbored = \"queue\"\n"
        ))
        .expect_err("invalid")
        .to_string();
        for setting in [
            "standings.default_standing",
            "standings.coverage_rule",
            "standings.collision",
            "standings.sync_interval",
            "standings.revocation_policies",
        ] {
            assert!(err.contains(setting), "{setting} missing from: {err}");
        }
    }

    #[test]
    fn the_example_configuration_is_valid() {
        let s = parse(include_str!("../../../jumpgate.example.toml")).expect("valid example");
        assert!(s.standings.validate().is_ok());
    }

    #[test]
    fn token_keys_are_configured_by_id_with_a_primary_and_named_when_wrong() {
        use jumpgate_app::tokens::secrets::KeyRing;
        const K1: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
        const K2: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
        let s = parse(&format!(
            "{MINIMAL}\n[secrets]\ntoken_keys = {{ k2 = \"{K2}\", k1 = \"{K1}\" }}\nprimary_key = \"k2\"\naudit_key = \"{K1}\"\n"
        ))
        .expect("valid keys");
        let ring = KeyRing::configured(&s.secrets)
            .unwrap()
            .expect("configured");
        assert_eq!(ring.primary_key_id(), "k2");
        assert!(
            !format!("{s:?} {ring:?}").contains(K2),
            "keys are not printed"
        );

        let err = parse(&format!(
            "{MINIMAL}\n[secrets]\ntoken_keys = {{ k2 = \"{K2}\", k1 = \"{K1}\" }}\nprimary_key = \"k3\"\n"
        ))
        .expect_err("an unknown primary and no audit key")
        .to_string();
        for problem in [
            "secrets.primary_key is 'k3', which is not a configured token key (configured: k1, k2)",
            "secrets.audit_key is missing",
        ] {
            assert!(err.contains(problem), "{problem} missing from: {err}");
        }
        assert!(!err.contains(K1) && !err.contains(K2), "{err}");
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let s = parse(MINIMAL).expect("valid");
        assert!(!format!("{s:?}").contains("s3cret"));
    }
}
