//! The `[eve]` section of the configuration: the EVE application's credentials, where EVE's SSO,
//! ESI and image server are, and the ESI compatibility date. The binary's configuration composes
//! it and builds the SSO and ESI clients' configurations from it.

use crate::esi::{COMPATIBILITY_DATE, EsiConfig};
use crate::sso::{DEFAULT_SSO_TIMEOUT, SsoConfig};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

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
    #[serde(default = "default_compatibility_date")]
    pub compatibility_date: String,
    /// How long a request to EVE's SSO (a token refresh, a login's code exchange) may take
    /// before it counts as an outage: the token is kept and the refresh tried again later.
    #[serde(default = "default_sso_timeout", with = "humantime_serde")]
    pub sso_timeout: Duration,
}

impl EveSettings {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.client_id.trim().is_empty() {
            problems.push("eve.client_id is empty: register an application at https://developers.eveonline.com (see docs/operations.md) and copy its client id".to_owned());
        }
        if self.client_secret.expose_secret().trim().is_empty() {
            problems.push("eve.client_secret is empty: copy the secret key of your EVE application (or set JUMPGATE__EVE__CLIENT_SECRET)".to_owned());
        }
        if !self.contact.contains('@') && !self.contact.contains(':') {
            problems.push(format!(
                "eve.contact '{}' is not a way to reach you: CCP asks for an email address (or e.g. discord:name) in every request's User-Agent",
                self.contact
            ));
        }
        if time::Date::parse(
            &self.compatibility_date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        {
            problems.push(format!(
                "eve.compatibility_date '{}' is not a date (YYYY-MM-DD); leave it unset to use {COMPATIBILITY_DATE}",
                self.compatibility_date
            ));
        }
        if self.sso_timeout < Duration::from_millis(100)
            || self.sso_timeout > Duration::from_secs(120)
        {
            problems.push(format!(
                "eve.sso_timeout {:?} is out of range: give between 100ms and 120s (default {}s)",
                self.sso_timeout,
                DEFAULT_SSO_TIMEOUT.as_secs()
            ));
        }
        for (name, url) in [
            ("eve.sso_base_url", &self.sso_base_url),
            ("eve.esi_base_url", &self.esi_base_url),
            ("eve.image_base_url", &self.image_base_url),
        ] {
            if !matches!(url.scheme(), "http" | "https") {
                problems.push(format!("{name} must be an http(s) URL, not '{url}'"));
            }
        }
    }

    /// The SSO client's configuration; the callback and User-Agent come from other sections.
    pub fn sso_config(&self, callback_url: Url, user_agent: String) -> SsoConfig {
        SsoConfig {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            callback_url,
            base_url: self.sso_base_url.clone(),
            user_agent,
        }
    }

    /// The ESI client's configuration with this section's base URL and compatibility date.
    pub fn esi_config(&self, user_agent: String) -> EsiConfig {
        let mut config = EsiConfig::new(self.esi_base_url.clone(), user_agent);
        config
            .compatibility_date
            .clone_from(&self.compatibility_date);
        config
    }
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
fn default_sso_timeout() -> Duration {
    DEFAULT_SSO_TIMEOUT
}
fn default_compatibility_date() -> String {
    COMPATIBILITY_DATE.to_owned()
}
