//! The `[server]` section of the configuration: where the web server listens and the address
//! people use. The binary's configuration composes it.

use serde::Deserialize;
use std::net::SocketAddr;
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// The address people use, e.g. https://auth.example.org (behind a reverse proxy).
    pub public_url: Url,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: Url::parse("http://127.0.0.1:8080/").expect("a valid literal URL"),
        }
    }
}

impl ServerSettings {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if !matches!(self.public_url.scheme(), "http" | "https") {
            problems.push(format!(
                "server.public_url must be an http(s) URL, not '{}'",
                self.public_url
            ));
        }
    }
}
