//! The SSO's discovery document (RFC 8414). CCP asks clients to read endpoints from it rather
//! than hard-coding them, and its `issuer` differs between documentation and production.

use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use url::Url;

/// How long a fetched document is trusted ("a reasonable amount of time", says CCP).
pub(crate) const METADATA_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
}

#[derive(Debug, Default)]
pub(crate) struct MetadataSlot {
    cached: Option<(Arc<Metadata>, OffsetDateTime)>,
}

impl MetadataSlot {
    pub fn fresh(&self, now: OffsetDateTime) -> Option<Arc<Metadata>> {
        self.cached
            .as_ref()
            .filter(|(_, at)| now - *at < METADATA_TTL)
            .map(|(m, _)| Arc::clone(m))
    }

    /// The last document even if old: better than failing every login while the SSO hiccups.
    pub fn stale(&self) -> Option<Arc<Metadata>> {
        self.cached.as_ref().map(|(m, _)| Arc::clone(m))
    }

    pub fn store(&mut self, metadata: Metadata, now: OffsetDateTime) -> Arc<Metadata> {
        let m = Arc::new(metadata);
        self.cached = Some((Arc::clone(&m), now));
        m
    }
}

/// Issuers are compared without scheme and trailing slash: CCP documents
/// `login.eveonline.com`, production sends `https://login.eveonline.com`, tokens may carry
/// either, with or without a final `/`.
pub(crate) fn normalize_issuer(iss: &str) -> String {
    let s = iss.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    s.trim_end_matches('/').to_ascii_lowercase()
}

/// The issuers a token may carry: CCP's two documented forms plus whatever this SSO's metadata
/// announces (the simulator's own address, for instance).
pub(crate) fn accepted_issuers(metadata: &Metadata) -> Vec<String> {
    let mut v = vec![normalize_issuer("login.eveonline.com")];
    let own = normalize_issuer(&metadata.issuer);
    if !v.contains(&own) {
        v.push(own);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_forms_normalize_alike() {
        for iss in [
            "login.eveonline.com",
            "https://login.eveonline.com",
            "https://login.eveonline.com/",
            "login.eveonline.com/",
        ] {
            assert_eq!(normalize_issuer(iss), "login.eveonline.com", "{iss}");
        }
        assert_ne!(
            normalize_issuer("logineveonline.com"),
            "login.eveonline.com"
        );
    }
}
