//! Configuration: a TOML file with environment overrides (`JUMPGATE__SECTION__KEY`), parsed into
//! typed settings and validated at start. Every error names the setting and how to fix it.
//! See `jumpgate.example.toml` and docs/operations.md.

use anyhow::{Context, bail};
use jumpgate_domain::states::StateMatchMode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// The ESI compatibility date Jumpgate is written and tested against (spec 2026-08-18).
pub const COMPATIBILITY_DATE: &str = "2026-08-18";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database and the generated key file live.
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
    pub standings: StandingsConfig,
    #[serde(skip)]
    pub demo: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The address people use, e.g. https://auth.example.org (behind a reverse proxy).
    #[serde(default = "default_public_url")]
    pub public_url: Url,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            public_url: default_public_url(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (default: `<data_dir>/jumpgate.db`) or `postgres://…`.
    pub url: Option<SecretString>,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: default_max_connections(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EveSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Must equal the callback registered at CCP; default `<public_url>/sso/callback`.
    pub callback_url: Option<Url>,
    /// Who to contact about this installation; sent to CCP in the User-Agent.
    pub contact: String,
    #[serde(default = "default_sso_base")]
    pub sso_base_url: Url,
    #[serde(default = "default_esi_base")]
    pub esi_base_url: Url,
    #[serde(default = "default_image_base")]
    pub image_base_url: Url,
    #[serde(default = "default_compat_date")]
    pub compatibility_date: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// `main_only` (only the main decides the state) or `any_character`.
    #[serde(default)]
    pub state_match: StateMatchMode,
    #[serde(default = "yes")]
    pub allow_alt_removal: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            state_match: StateMatchMode::default(),
            allow_alt_removal: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    /// How often affiliations are re-read and states recomputed, e.g. "10m".
    #[serde(default = "default_affiliation_interval", with = "humantime_serde")]
    pub affiliation_interval: Duration,
    /// How often every token is checked at the SSO, e.g. "1h".
    #[serde(default = "default_token_check_interval", with = "humantime_serde")]
    pub token_check_interval: Duration,
    /// Jobs one process runs at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            affiliation_interval: default_affiliation_interval(),
            token_check_interval: default_token_check_interval(),
            concurrency: default_concurrency(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSettings {
    /// Base64 of 32 random bytes (`openssl rand -base64 32`). Needed when several instances
    /// share one PostgreSQL database; otherwise a key file is generated in the data directory.
    pub token_key: Option<SecretString>,
}

/// How mail (email verification links) is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// Every mail is written as an .eml file under `<data_dir>/mail/` (demo, tests, trying out).
    #[default]
    File,
    /// Sent through the SMTP server of `mail.smtp_url`.
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    #[serde(default)]
    pub transport: MailTransport,
    /// The sender, e.g. `Jumpgate <auth@example.org>`.
    #[serde(default = "default_mail_from")]
    pub from: String,
    /// `smtps://user:password@host:465` or `smtp://user:password@host:587?tls=required`; a
    /// secret (it holds the password), never logged.
    pub smtp_url: Option<SecretString>,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::default(),
            from: default_mail_from(),
            smtp_url: None,
        }
    }
}

impl MailSettings {
    /// Where the file transport writes.
    pub fn mail_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("mail")
    }
}

/// Extra scopes a state's members must grant to hold a standing (`[[standings.state_scopes]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateScopes {
    /// A state name as on the States page, e.g. "Member".
    pub state: String,
    pub scopes: Vec<String>,
}

/// The standings manager (`[standings]`). Every default comes from `StandingsSettings::default()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandingsConfig {
    /// The in-game contact label that marks the organisation's contacts (case-insensitive).
    #[serde(default = "standings_defaults::label_name")]
    pub label_name: String,
    /// The standing an approver's form starts with (-10 … 10, one decimal).
    #[serde(default = "standings_defaults::default_standing")]
    pub default_standing: f64,
    /// How often every enrolled character is fully reconciled, e.g. "1h".
    #[serde(
        default = "standings_defaults::sync_interval",
        with = "humantime_serde"
    )]
    pub sync_interval: Duration,
    /// How often the validator looks for standings to revoke, e.g. "30m".
    #[serde(
        default = "standings_defaults::validation_interval",
        with = "humantime_serde"
    )]
    pub validation_interval: Duration,
    /// Extra scopes per state, beyond the contact scopes.
    #[serde(default)]
    pub state_scopes: Vec<StateScopes>,
    /// `owns_all`, `all_registered` or `percent:N`.
    #[serde(default = "standings_defaults::coverage_rule")]
    pub coverage_rule: String,
    /// `skip_and_report`, `take_over` or `leave_personal`.
    #[serde(default = "standings_defaults::collision")]
    pub collision: String,
    /// Overrides per revocation reason: `reason = "auto_approve" | "queue"`.
    #[serde(default)]
    pub revocation_policies: std::collections::BTreeMap<String, String>,
    /// Leave each character's own corporation and alliance out of its contacts.
    #[serde(default = "standings_defaults::exclude_own_organisation")]
    pub exclude_own_organisation: bool,
    /// `remove_managed` or `keep`: Jumpgate's contacts when a character leaves sync.
    #[serde(default = "standings_defaults::leave_policy")]
    pub leave_policy: String,
    /// Characters synced at once by one process.
    #[serde(default = "standings_defaults::sync_concurrency")]
    pub sync_concurrency: usize,
}

/// More syncs at once than this would only queue on the database (and on SQLite's one writer).
const MAX_SYNC_CONCURRENCY: usize = 256;

mod standings_defaults {
    use jumpgate_app::standings::StandingsSettings;
    use std::time::Duration;

    fn d() -> StandingsSettings {
        StandingsSettings::default()
    }
    pub fn label_name() -> String {
        d().label_name
    }
    pub fn default_standing() -> f64 {
        d().default_standing.value()
    }
    pub fn sync_interval() -> Duration {
        d().sync_interval
    }
    pub fn validation_interval() -> Duration {
        d().validation_interval
    }
    pub fn coverage_rule() -> String {
        d().coverage_rule.to_string()
    }
    pub fn collision() -> String {
        d().collision.as_str().to_owned()
    }
    pub fn exclude_own_organisation() -> bool {
        d().exclude_own_organisation
    }
    pub fn leave_policy() -> String {
        d().leave_policy.as_str().to_owned()
    }
    pub fn sync_concurrency() -> usize {
        d().sync_concurrency
    }
}

impl Default for StandingsConfig {
    fn default() -> Self {
        Self {
            label_name: standings_defaults::label_name(),
            default_standing: standings_defaults::default_standing(),
            sync_interval: standings_defaults::sync_interval(),
            validation_interval: standings_defaults::validation_interval(),
            state_scopes: Vec::new(),
            coverage_rule: standings_defaults::coverage_rule(),
            collision: standings_defaults::collision(),
            revocation_policies: std::collections::BTreeMap::new(),
            exclude_own_organisation: standings_defaults::exclude_own_organisation(),
            leave_policy: standings_defaults::leave_policy(),
            sync_concurrency: standings_defaults::sync_concurrency(),
        }
    }
}

impl StandingsConfig {
    /// The use cases' settings, or every problem named with its setting and fix.
    pub fn to_settings(&self) -> Result<jumpgate_app::standings::StandingsSettings, Vec<String>> {
        use jumpgate_domain::ScopeSet;
        use jumpgate_domain::standings::{
            CollisionPolicy, CoverageRule, LeavePolicy, ReasonPolicy, RevocationPolicies,
            RevocationReason, Standing,
        };
        let mut problems = Vec::new();
        let mut out = jumpgate_app::standings::StandingsSettings::default();
        let label = self.label_name.trim();
        if label.is_empty() || label.chars().count() > 40 {
            problems.push(format!(
                "standings.label_name '{}' must be 1 to 40 characters: the name of the contact label members create in game, e.g. \"Jumpgate\"",
                self.label_name
            ));
        } else {
            label.clone_into(&mut out.label_name);
        }
        match Standing::new(self.default_standing) {
            Ok(s) => out.default_standing = s,
            Err(e) => problems.push(format!("standings.default_standing: {e}")),
        }
        if self.sync_interval < Duration::from_secs(300) {
            problems.push("standings.sync_interval must be at least 5m: ESI caches contacts for 5 minutes, and approvals are propagated at once anyway".to_owned());
        } else {
            out.sync_interval = self.sync_interval;
        }
        if self.validation_interval < Duration::from_secs(60) {
            problems
                .push("standings.validation_interval must be at least 1m, e.g. \"30m\"".to_owned());
        } else {
            out.validation_interval = self.validation_interval;
        }
        for s in &self.state_scopes {
            if s.state.trim().is_empty() {
                problems.push("standings.state_scopes: every entry needs a state name, e.g. { state = \"Member\", scopes = [\"esi-…\"] }".to_owned());
                continue;
            }
            if let Some(bad) = s
                .scopes
                .iter()
                .find(|x| x.trim().is_empty() || x.contains(' '))
            {
                problems.push(format!(
                    "standings.state_scopes for '{}': '{bad}' is not a scope name (e.g. esi-assets.read_assets.v1)",
                    s.state
                ));
                continue;
            }
            let extra = ScopeSet::new(s.scopes.iter().map(|x| x.trim().to_owned()));
            let merged = out
                .scopes_by_state
                .get(s.state.trim())
                .map_or_else(|| extra.clone(), |prev| prev.union(&extra));
            out.scopes_by_state
                .insert(s.state.trim().to_owned(), merged);
        }
        match CoverageRule::parse(&self.coverage_rule) {
            Ok(r) => out.coverage_rule = r,
            Err(e) => problems.push(format!("standings.coverage_rule: {e}")),
        }
        match CollisionPolicy::parse(&self.collision) {
            Ok(c) => out.collision = c,
            Err(e) => problems.push(format!("standings.collision: {e}")),
        }
        match LeavePolicy::parse(&self.leave_policy) {
            Ok(l) => out.leave_policy = l,
            Err(e) => problems.push(format!("standings.leave_policy: {e}")),
        }
        let mut policies = RevocationPolicies::default();
        for (reason, policy) in &self.revocation_policies {
            match (RevocationReason::parse(reason), ReasonPolicy::parse(policy)) {
                (Ok(r), Ok(p)) => policies.set(r, p),
                (Err(e), _) => problems.push(format!("standings.revocation_policies: {e}")),
                (_, Err(e)) => {
                    problems.push(format!("standings.revocation_policies.{reason}: {e}"));
                }
            }
        }
        out.revocation_policies = policies;
        out.exclude_own_organisation = self.exclude_own_organisation;
        if self.sync_concurrency == 0 || self.sync_concurrency > MAX_SYNC_CONCURRENCY {
            problems.push(format!(
                "standings.sync_concurrency must be between 1 and {MAX_SYNC_CONCURRENCY}"
            ));
        } else {
            out.sync_concurrency = self.sync_concurrency;
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

fn default_mail_from() -> String {
    "Jumpgate <jumpgate@localhost>".to_owned()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_public_url() -> Url {
    Url::parse("http://127.0.0.1:8080/").expect("a valid literal URL")
}
fn default_max_connections() -> u32 {
    10
}
fn default_sso_base() -> Url {
    Url::parse("https://login.eveonline.com/").expect("a valid literal URL")
}
fn default_esi_base() -> Url {
    Url::parse("https://esi.evetech.net/").expect("a valid literal URL")
}
fn default_image_base() -> Url {
    Url::parse("https://images.evetech.net/").expect("a valid literal URL")
}
fn default_compat_date() -> String {
    COMPATIBILITY_DATE.to_owned()
}
fn default_affiliation_interval() -> Duration {
    Duration::from_secs(600)
}
fn default_token_check_interval() -> Duration {
    Duration::from_secs(3600)
}
fn default_concurrency() -> usize {
    4
}
fn yes() -> bool {
    true
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

    /// Checks what serde cannot: every problem is named with its fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if self.eve.client_id.trim().is_empty() {
            problems.push("eve.client_id is empty: register an application at https://developers.eveonline.com (see docs/operations.md) and copy its client id".to_owned());
        }
        if self.eve.client_secret.expose_secret().trim().is_empty() {
            problems.push("eve.client_secret is empty: copy the secret key of your EVE application (or set JUMPGATE__EVE__CLIENT_SECRET)".to_owned());
        }
        if !self.eve.contact.contains('@') && !self.eve.contact.contains(':') {
            problems.push(format!(
                "eve.contact '{}' is not a way to reach you: CCP asks for an email address (or e.g. discord:name) in every request's User-Agent",
                self.eve.contact
            ));
        }
        if time::Date::parse(
            &self.eve.compatibility_date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        {
            problems.push(format!(
                "eve.compatibility_date '{}' is not a date (YYYY-MM-DD); leave it unset to use {COMPATIBILITY_DATE}",
                self.eve.compatibility_date
            ));
        }
        for (name, url) in [
            ("server.public_url", &self.server.public_url),
            ("eve.sso_base_url", &self.eve.sso_base_url),
            ("eve.esi_base_url", &self.eve.esi_base_url),
            ("eve.image_base_url", &self.eve.image_base_url),
        ] {
            if !matches!(url.scheme(), "http" | "https") {
                problems.push(format!("{name} must be an http(s) URL, not '{url}'"));
            }
        }
        if self.jobs.affiliation_interval < Duration::from_secs(60) {
            problems.push("jobs.affiliation_interval must be at least 1m: ESI caches affiliations for an hour, and more often only costs error budget".to_owned());
        }
        if self.jobs.token_check_interval < Duration::from_secs(300) {
            problems.push("jobs.token_check_interval must be at least 5m: refreshing more often only loads EVE's SSO".to_owned());
        }
        if self.jobs.concurrency == 0 || self.jobs.concurrency > 64 {
            problems.push("jobs.concurrency must be between 1 and 64".to_owned());
        }
        if self.database.max_connections == 0 {
            problems.push("database.max_connections must be at least 1".to_owned());
        }
        if let Some(url) = &self.database.url {
            let u = url.expose_secret();
            if !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
            {
                problems.push(
                    "database.url must start with sqlite:, postgres:// or postgresql://".to_owned(),
                );
            }
        }
        if let Some(key) = &self.secrets.token_key
            && jumpgate_app::secrets::KeyRing::from_configured(key).is_err()
        {
            problems.push("secrets.token_key must be 32 bytes in base64: create one with `openssl rand -base64 32`".to_owned());
        }
        self.validate_mail(&mut problems);
        if let Err(mut p) = self.standings.to_settings() {
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

    fn validate_mail(&self, problems: &mut Vec<String>) {
        if let Err(e) = jumpgate_app::mail::parse_mailbox(&self.mail.from) {
            problems.push(format!(
                "mail.from: {e}; write it as \"Jumpgate <auth@example.org>\" or auth@example.org"
            ));
        }
        match (self.mail.transport, &self.mail.smtp_url) {
            (MailTransport::Smtp, None) => problems.push(
                "mail.smtp_url is missing: mail.transport = \"smtp\" needs e.g. smtps://user:password@mail.example.org:465 (or set JUMPGATE__MAIL__SMTP_URL)".to_owned(),
            ),
            (MailTransport::Smtp, Some(url)) => {
                // The URL holds a password: only its scheme is ever repeated.
                let scheme = url.expose_secret().split("://").next().unwrap_or_default();
                if !matches!(scheme, "smtp" | "smtps") {
                    problems.push(format!(
                        "mail.smtp_url must start with smtps:// (TLS, usually port 465) or smtp:// (add ?tls=required for STARTTLS on port 587), not {scheme}://"
                    ));
                } else if let Err(e) = jumpgate_app::mail::check_smtp_url(url) {
                    problems.push(format!("mail.smtp_url is not valid: {e}"));
                }
            }
            (MailTransport::File, _) => {}
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
        "#,
        )
        .expect_err("invalid")
        .to_string();
        for setting in [
            "eve.client_id",
            "eve.client_secret",
            "eve.contact",
            "jobs.affiliation_interval",
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
        let st = s.standings.to_settings().expect("defaults are valid");
        assert_eq!(st.label_name, "Jumpgate");
        let s = parse(&format!(
            "{MINIMAL}\n[standings]\ndefault_standing = 7.5\ncoverage_rule = \"percent:80\"\nvalidation_interval = \"10m\"\nstate_scopes = [{{ state = \"Member\", scopes = [\"esi-assets.read_assets.v1\"] }}]\n[standings.revocation_policies]\nlost_permission = \"auto_approve\"\n"
        ))
        .expect("valid standings");
        let st = s.standings.to_settings().expect("valid");
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
        assert!(s.standings.to_settings().is_ok());
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let s = parse(MINIMAL).expect("valid");
        assert!(!format!("{s:?}").contains("s3cret"));
    }
}
