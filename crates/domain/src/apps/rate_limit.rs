//! An application's request limit (Neucore's `rate_limit_app_*` settings): at most `max`
//! requests in a fixed window of `window` that starts with the first request after the last
//! window ended. Pure: the caller keeps one `Window` per application and passes the time.

use time::{Duration, OffsetDateTime};

/// The limit: `max` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

/// One application's current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    started: OffsetDateTime,
    used: u32,
}

/// What a request learns: whether it may go on, how many requests are left in the window and
/// how long until the window ends (Neucore's `X-Neucore-Rate-Limit-Remain` / `-Reset`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub allowed: bool,
    pub remaining: u32,
    pub reset_in: Duration,
}

impl RateLimit {
    /// Counts a request at `now` in `window` (a new window when there is none or it ended).
    pub fn count(self, window: &mut Option<Window>, now: OffsetDateTime) -> Verdict {
        let current = match window {
            Some(w) if now >= w.started && now - w.started < self.window => w,
            _ => window.insert(Window {
                started: now,
                used: 0,
            }),
        };
        let allowed = current.used < self.max;
        if allowed {
            current.used += 1;
        }
        Verdict {
            allowed,
            remaining: self.max.saturating_sub(current.used),
            reset_in: (current.started + self.window - now).max(Duration::ZERO),
        }
    }
}

/// The 429 answer's text, as Neucore words it.
pub fn exceeded_message(limit: RateLimit) -> String {
    format!(
        "Application rate limit exceeded with {} requests in {} seconds.",
        limit.max,
        limit.window.whole_seconds()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        max: 3,
        window: Duration::seconds(10),
    };

    fn at(seconds: f64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds_f64(seconds)
    }

    #[test]
    fn a_window_allows_max_requests_then_refuses_until_it_ends() {
        let mut w = None;
        let v = LIMIT.count(&mut w, at(0.0));
        assert!(v.allowed);
        assert_eq!(v.remaining, 2);
        assert_eq!(v.reset_in, Duration::seconds(10));
        assert!(LIMIT.count(&mut w, at(1.0)).allowed);
        let third = LIMIT.count(&mut w, at(2.5));
        assert!(third.allowed);
        assert_eq!(third.remaining, 0);
        let refused = LIMIT.count(&mut w, at(3.0));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_in, Duration::seconds(7));
        let next = LIMIT.count(&mut w, at(10.0));
        assert!(next.allowed, "a new window starts when the old one ended");
        assert_eq!(next.remaining, 2);
    }

    #[test]
    fn a_clock_that_went_back_starts_a_new_window() {
        let mut w = None;
        for _ in 0..3 {
            LIMIT.count(&mut w, at(100.0));
        }
        assert!(LIMIT.count(&mut w, at(50.0)).allowed);
    }

    #[test]
    fn the_message_is_neucores() {
        assert_eq!(
            exceeded_message(LIMIT),
            "Application rate limit exceeded with 3 requests in 10 seconds."
        );
    }
}
