//! What the SSO client needs to know about this deployment's EVE application.

use secrecy::SecretString;
use url::Url;

#[derive(Debug, Clone)]
pub struct SsoConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Must equal the callback registered with the EVE application, character for character.
    pub callback_url: Url,
    /// e.g. https://login.eveonline.com/ ; metadata at {base}/.well-known/oauth-authorization-server
    pub base_url: Url,
    /// Sent on every SSO request (CCP asks for an app name and a contact).
    pub user_agent: String,
}

impl SsoConfig {
    /// The metadata document URL; `base_url` may or may not end in a slash.
    pub(crate) fn metadata_url(&self) -> Result<Url, url::ParseError> {
        let mut base = self.base_url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.join(".well-known/oauth-authorization-server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: &str) -> SsoConfig {
        SsoConfig {
            client_id: "id".into(),
            client_secret: SecretString::from("secret"),
            callback_url: Url::parse("https://auth.example/sso/callback").unwrap(),
            base_url: Url::parse(base).unwrap(),
            user_agent: "test".into(),
        }
    }

    #[test]
    fn metadata_url_works_with_and_without_trailing_slash() {
        for base in [
            "https://login.eveonline.com",
            "https://login.eveonline.com/",
        ] {
            assert_eq!(
                config(base).metadata_url().unwrap().as_str(),
                "https://login.eveonline.com/.well-known/oauth-authorization-server"
            );
        }
        assert_eq!(
            config("http://127.0.0.1:9/sso")
                .metadata_url()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/sso/.well-known/oauth-authorization-server"
        );
    }
}
