//! The `[apps]` section: how many requests an application may make (Neucore's
//! `rate_limit_app_*` settings), and whether webhooks may go to private addresses.

use jumpgate_domain::apps::rate_limit::RateLimit;
use time::Duration;

/// The longest window: an hour.
const MAX_WINDOW_SECONDS: u32 = 3600;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppsSettings {
    /// At most this many requests per application in `rate_limit_seconds`; 0: no limit.
    pub rate_limit_requests: u32,
    /// The window of the limit, in seconds.
    pub rate_limit_seconds: u32,
    /// Whether an application's webhook may go to a private, loopback or link-local address
    /// (and plain http to this machine). Off: webhooks reach public HTTPS addresses only, so
    /// that a manager cannot aim Jumpgate at the internal network (SSRF). Tests turn it on.
    pub webhook_allow_private: bool,
}

impl Default for AppsSettings {
    fn default() -> Self {
        Self {
            rate_limit_requests: 0,
            rate_limit_seconds: 10,
            webhook_allow_private: false,
        }
    }
}

impl AppsSettings {
    /// The limit, when there is one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        (self.rate_limit_requests > 0).then(|| RateLimit {
            max: self.rate_limit_requests,
            window: Duration::seconds(i64::from(self.rate_limit_seconds)),
        })
    }

    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.rate_limit_seconds == 0 || self.rate_limit_seconds > MAX_WINDOW_SECONDS {
            problems.push(format!(
                "apps.rate_limit_seconds must be 1 to {MAX_WINDOW_SECONDS}, not {}",
                self.rate_limit_seconds
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limit_unless_a_number_of_requests_is_set() {
        assert_eq!(AppsSettings::default().rate_limit(), None);
        let s = AppsSettings {
            rate_limit_requests: 50,
            rate_limit_seconds: 10,
            webhook_allow_private: false,
        };
        assert_eq!(s.rate_limit().map(|l| l.max), Some(50));
        let mut problems = vec![];
        AppsSettings {
            rate_limit_seconds: 0,
            ..s
        }
        .validate(&mut problems);
        assert_eq!(problems.len(), 1);
    }
}
