//! The `[server]` section of the configuration: where the web server listens and the address
//! people use. The binary's configuration composes it.

use crate::rate_limit::RateLimits;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// The address people use, e.g. https://auth.example.org (behind a reverse proxy).
    pub public_url: Url,
    /// Accept an `http://` public URL while listening on an address other machines reach:
    /// session cookies then travel unencrypted. Off: such a configuration is refused.
    pub insecure_http: bool,
    /// A client must have sent its request's headers within this time, or it is disconnected
    /// (a slow client cannot hold a connection by trickling bytes).
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A request not answered within this time gets 408.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// At most this many connections are served at once; more wait to be accepted.
    pub max_connections: usize,
    /// The bearer token Prometheus sends for `/metrics` (`Authorization: Bearer …`). Unset,
    /// `/metrics` is off: it tells the public how busy Jumpgate is and what fails.
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks, e.g.
    /// "10.0.0.0/8"). Loopback by default: a proxy on this machine. Any other peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Requests to the EVE login (`/sso/login`, `/sso/callback`) per client address per minute.
    pub sso_requests_per_minute: u32,
    /// Pages for someone not signed in, per client address per minute.
    pub anonymous_requests_per_minute: u32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: Url::parse("http://127.0.0.1:8080/").expect("a valid literal URL"),
            insecure_http: false,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            metrics_token: None,
            trusted_proxies: ["127.0.0.0/8", "::1/128"]
                .map(|net| net.parse().expect("a valid literal network"))
                .to_vec(),
            sso_requests_per_minute: 30,
            anonymous_requests_per_minute: 300,
        }
    }
}

impl ServerSettings {
    /// The rate limits these settings describe, for one process.
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits::new(
            self.sso_requests_per_minute,
            self.anonymous_requests_per_minute,
            self.trusted_proxies.clone(),
        )
    }

    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if !matches!(self.public_url.scheme(), "http" | "https") {
            problems.push(format!(
                "server.public_url must be an http(s) URL, not '{}'",
                self.public_url
            ));
        }
        for (name, value) in [
            ("server.header_read_timeout", self.header_read_timeout),
            ("server.request_timeout", self.request_timeout),
        ] {
            if value.is_zero() {
                problems.push(format!("{name} must be longer than 0s, e.g. \"10s\""));
            }
        }
        for (name, value) in [
            (
                "server.sso_requests_per_minute",
                self.sso_requests_per_minute,
            ),
            (
                "server.anonymous_requests_per_minute",
                self.anonymous_requests_per_minute,
            ),
        ] {
            if value == 0 {
                problems.push(format!(
                    "{name} must be at least 1 (it limits each client address; raise it rather than turn it off)"
                ));
            }
        }
        if self.max_connections == 0 {
            problems.push("server.max_connections must be at least 1".to_owned());
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().len() < 16)
        {
            problems.push(
                "server.metrics_token must be at least 16 characters (e.g. the output of \
                 `openssl rand -hex 16`)"
                    .to_owned(),
            );
        }
        // Over http:// the session cookie has no `Secure` flag and there is no HSTS: fine on
        // this machine, not where others can listen in.
        if self.public_url.scheme() == "http"
            && !self.listen.ip().is_loopback()
            && !self.insecure_http
        {
            problems.push(format!(
                "server.public_url is http:// while server.listen ({}) is reachable from other \
                 machines, so sign-in cookies would travel unencrypted: serve Jumpgate over \
                 HTTPS (public_url = \"https://…\", e.g. behind a reverse proxy), listen on \
                 127.0.0.1 behind the proxy, or set server.insecure_http = true to accept the risk",
                self.listen
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn problems(listen: &str, public_url: &str, insecure_http: bool) -> Vec<String> {
        let settings = ServerSettings {
            listen: listen.parse().unwrap(),
            public_url: Url::parse(public_url).unwrap(),
            insecure_http,
            ..ServerSettings::default()
        };
        let mut found = Vec::new();
        settings.validate(&mut found);
        found
    }

    #[test]
    fn plain_http_is_refused_where_other_machines_can_reach_it_unless_accepted() {
        let refused = problems("0.0.0.0:8080", "http://auth.example.org/", false);
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].contains("server.insecure_http"), "{refused:?}");
        assert!(problems("[::]:8080", "http://auth.example.org/", false).len() == 1);

        assert!(problems("0.0.0.0:8080", "http://auth.example.org/", true).is_empty());
        assert!(problems("0.0.0.0:8080", "https://auth.example.org/", false).is_empty());
        assert!(problems("127.0.0.1:8080", "http://127.0.0.1:8080/", false).is_empty());
        assert!(problems("[::1]:8080", "http://localhost:8080/", false).is_empty());
    }

    #[test]
    fn a_metrics_token_is_long_enough_to_be_a_secret() {
        let with_token = |token: &str| {
            let settings = ServerSettings {
                metrics_token: Some(SecretString::from(token)),
                ..ServerSettings::default()
            };
            let mut found = Vec::new();
            settings.validate(&mut found);
            found
        };
        assert_eq!(with_token("short").len(), 1);
        assert!(with_token("0123456789abcdef0123").is_empty());
    }
}
