//! ESI client settings.

use std::time::Duration;
use url::Url;

/// The ESI API date this client's models follow (reference §A2.1). Bumping it is a deliberate
/// change: read the changelog, update the models, run the spec tests.
pub const COMPATIBILITY_DATE: &str = "2026-08-18";

#[derive(Debug, Clone)]
pub struct EsiConfig {
    /// e.g. https://esi.evetech.net
    pub base_url: Url,
    /// Mandatory in practice: app/version and a contact (CCP may ban anonymous clients).
    pub user_agent: String,
    pub compatibility_date: String,
    /// Per request. ESI itself gives up on the game server after 10 s.
    pub timeout: Duration,
    /// Stop sending when `X-ESI-Error-Limit-Remain` is at or below this, until the reset.
    pub error_limit_floor: u32,
    /// Retries of 502/503/504 and connection failures, with jittered exponential back-off.
    pub max_retries: u32,
}

impl EsiConfig {
    pub fn new(base_url: Url, user_agent: impl Into<String>) -> Self {
        Self {
            base_url,
            user_agent: user_agent.into(),
            compatibility_date: COMPATIBILITY_DATE.to_owned(),
            timeout: Duration::from_secs(10),
            error_limit_floor: 10,
            max_retries: 3,
        }
    }
}
