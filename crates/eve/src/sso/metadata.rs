//! The SSO's discovery document (RFC 8414). CCP asks clients to read endpoints from it rather
//! than hard-coding them. Its `issuer` differs between documentation and production, so tokens
//! are checked against EVE's own spellings ([`EVE_ISSUERS`]), not against it.

use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use url::Url;

/// How long a fetched document is trusted ("a reasonable amount of time", says CCP).
pub(crate) const METADATA_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Metadata {
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

/// The `iss` of EVE's access tokens, exactly as EVE writes it: `login.eveonline.com` (what
/// tokens carry), `https://login.eveonline.com` (what the live metadata announces), each with or
/// without a final `/`. Nothing else is accepted, whatever an SSO's metadata says: a token from
/// any other issuer was not signed for EVE.
pub(crate) const EVE_ISSUERS: [&str; 4] = [
    "login.eveonline.com",
    "login.eveonline.com/",
    "https://login.eveonline.com",
    "https://login.eveonline.com/",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_eves_own_spellings_of_its_issuer_are_accepted() {
        for iss in [
            "login.eveonline.com",
            "https://login.eveonline.com",
            "https://login.eveonline.com/",
            "login.eveonline.com/",
        ] {
            assert!(EVE_ISSUERS.contains(&iss), "{iss}");
        }
        // CCP's own Python snippet misspells it; other schemes and cases are not EVE's forms.
        for iss in [
            "logineveonline.com",
            "http://login.eveonline.com",
            "https://LOGIN.eveonline.com",
            "https://login.eveonline.com.evil.example",
        ] {
            assert!(!EVE_ISSUERS.contains(&iss), "{iss}");
        }
    }
}
