//! How long a sign-in lasts: an idle timeout (a session unused this long ends) and an absolute
//! lifetime from the login (it ends then however busy it is), shorter for accounts whose stolen
//! cookie would do the most harm. Re-signing in is one click through EVE's login.

use crate::Caller;
use serde::Deserialize;
use std::time::Duration;

/// The `[sessions]` section of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A session not used for this long ends, e.g. "7d".
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// A member's session ends this long after the login, used or not, e.g. "30d".
    #[serde(with = "humantime_serde")]
    pub lifetime: Duration,
    /// The same for an account that holds any `admin.*` permission, `standings.approve`,
    /// `standings.manage` or superuser, e.g. "12h".
    #[serde(with = "humantime_serde")]
    pub privileged_lifetime: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(7 * 24 * 60 * 60),
            lifetime: Duration::from_secs(30 * 24 * 60 * 60),
            privileged_lifetime: Duration::from_secs(12 * 60 * 60),
        }
    }
}

impl SessionSettings {
    /// How long after its login a session of `caller` may be used.
    pub fn lifetime_of(&self, caller: &Caller) -> Duration {
        if caller.grants().is_privileged() {
            self.privileged_lifetime
        } else {
            self.lifetime
        }
    }

    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let minute = Duration::from_secs(60);
        for (name, value) in [
            ("sessions.idle_timeout", self.idle_timeout),
            ("sessions.lifetime", self.lifetime),
            ("sessions.privileged_lifetime", self.privileged_lifetime),
        ] {
            if value < minute {
                problems.push(format!(
                    "{name} must be at least 1m (it is {}), e.g. \"12h\"",
                    humantime_serde::re::humantime::format_duration(value)
                ));
            }
        }
        if self.privileged_lifetime > self.lifetime {
            problems.push(
                "sessions.privileged_lifetime must not be longer than sessions.lifetime: \
                 administrators' and approvers' sessions are the ones to end sooner"
                    .to_owned(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_privileged_sessions_are_shorter() {
        let mut problems = Vec::new();
        let defaults = SessionSettings::default();
        defaults.validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(defaults.privileged_lifetime < defaults.lifetime);
    }

    #[test]
    fn lifetimes_that_make_no_sense_are_refused_by_name() {
        let mut problems = Vec::new();
        SessionSettings {
            idle_timeout: Duration::from_secs(5),
            lifetime: Duration::from_secs(3600),
            privileged_lifetime: Duration::from_secs(7200),
        }
        .validate(&mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("sessions.idle_timeout"));
        assert!(problems[1].contains("privileged_lifetime must not be longer"));
    }
}
