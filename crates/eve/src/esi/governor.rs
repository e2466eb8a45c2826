//! The two ESI limiters, as seen from this process (reference §A2.5):
//!
//! * the legacy **error limit**: at most 100 non-2xx/3xx answers per 60 s window, global per IP
//!   and app; exceeding it answers 420 on every route. We stop sending when the remaining
//!   count is at or below a floor, and after a 420, until the window resets.
//! * floating-window **token buckets**, one per (rate-limit group, character); an empty bucket
//!   answers 429 with `Retry-After`, and nothing goes to that bucket until then.
//!
//! A pause (error limit, downtime) stops every route at once.

use super::error::EsiError;
use crate::clock::lock;
use jumpgate_domain::CharacterId;
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PauseKind {
    ErrorLimit,
    Downtime,
}

#[derive(Debug, Clone)]
struct Pause {
    until: OffsetDateTime,
    kind: PauseKind,
    reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    pub group: String,
    /// `None` for public requests (those are counted per source IP).
    pub character: Option<CharacterId>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    limit: Option<String>,
    remaining: Option<i64>,
    used: Option<i64>,
    blocked_until: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct State {
    error_remain: Option<u32>,
    error_reset_at: Option<OffsetDateTime>,
    pause: Option<Pause>,
    buckets: HashMap<BucketKey, Bucket>,
}

/// What the limiters look like now: for `/metrics` and the admin page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernorSnapshot {
    pub error_limit_remaining: Option<u32>,
    pub error_limit_reset_at: Option<OffsetDateTime>,
    pub paused_until: Option<OffsetDateTime>,
    pub pause_reason: Option<String>,
    pub buckets: Vec<BucketSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSnapshot {
    pub group: String,
    pub character: Option<CharacterId>,
    /// As ESI sends it, e.g. `600/15m`.
    pub limit: Option<String>,
    pub remaining: Option<i64>,
    pub used: Option<i64>,
    /// Set after a 429: no request goes to this bucket before then.
    pub blocked_until: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
pub(crate) struct Governor {
    state: Mutex<State>,
}

impl Governor {
    /// Refuses a request that must not be sent now.
    pub fn check(
        &self,
        now: OffsetDateTime,
        floor: u32,
        bucket: &BucketKey,
    ) -> Result<(), EsiError> {
        let state = lock(&self.state);
        if let Some(p) = state.pause.as_ref().filter(|p| p.until > now) {
            return Err(match p.kind {
                PauseKind::Downtime => EsiError::Downtime {
                    until_estimate: p.until,
                },
                PauseKind::ErrorLimit => EsiError::ErrorLimited { until: p.until },
            });
        }
        if let (Some(remain), Some(reset)) = (state.error_remain, state.error_reset_at)
            && remain <= floor
            && reset > now
        {
            return Err(EsiError::ErrorLimited { until: reset });
        }
        if let Some(until) = state
            .buckets
            .get(bucket)
            .and_then(|b| b.blocked_until)
            .filter(|u| *u > now)
        {
            return Err(EsiError::RateLimited {
                retry_after: crate::clock::until(until, now),
                group: Some(bucket.group.clone()),
            });
        }
        Ok(())
    }

    pub fn observe_error_limit(&self, remain: u32, reset_at: OffsetDateTime) {
        let mut state = lock(&self.state);
        state.error_remain = Some(remain);
        state.error_reset_at = Some(reset_at);
    }

    pub fn observe_bucket(
        &self,
        key: BucketKey,
        limit: Option<String>,
        remaining: Option<i64>,
        used: Option<i64>,
    ) {
        let mut state = lock(&self.state);
        let b = state.buckets.entry(key).or_default();
        b.limit = limit.or(b.limit.take());
        b.remaining = remaining.or(b.remaining);
        b.used = used.or(b.used);
    }

    pub fn block_bucket(&self, key: BucketKey, until: OffsetDateTime) {
        let mut state = lock(&self.state);
        let b = state.buckets.entry(key).or_default();
        b.blocked_until = Some(b.blocked_until.map_or(until, |u| u.max(until)));
    }

    /// Stops every request until `until`; a longer pause already in force is kept.
    pub fn pause(&self, until: OffsetDateTime, kind: PauseKind, reason: &str) {
        let mut state = lock(&self.state);
        if state.pause.as_ref().is_some_and(|p| p.until >= until) {
            return;
        }
        state.pause = Some(Pause {
            until,
            kind,
            reason: reason.to_owned(),
        });
    }

    pub fn snapshot(&self, now: OffsetDateTime) -> GovernorSnapshot {
        let state = lock(&self.state);
        let pause = state.pause.as_ref().filter(|p| p.until > now);
        let mut buckets: Vec<BucketSnapshot> = state
            .buckets
            .iter()
            .map(|(k, b)| BucketSnapshot {
                group: k.group.clone(),
                character: k.character,
                limit: b.limit.clone(),
                remaining: b.remaining,
                used: b.used,
                blocked_until: b.blocked_until.filter(|u| *u > now),
            })
            .collect();
        buckets.sort_by(|a, b| (&a.group, a.character).cmp(&(&b.group, b.character)));
        GovernorSnapshot {
            error_limit_remaining: state.error_remain,
            error_limit_reset_at: state.error_reset_at,
            paused_until: pause.map(|p| p.until),
            pause_reason: pause.map(|p| p.reason.clone()),
            buckets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use time::macros::datetime;

    fn key(group: &str, ch: Option<i64>) -> BucketKey {
        BucketKey {
            group: group.into(),
            character: ch.map(CharacterId),
        }
    }

    #[test]
    fn a_spent_error_limit_blocks_until_its_reset() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        let reset = now + Duration::from_secs(30);
        g.observe_error_limit(10, reset);
        assert!(matches!(
            g.check(now, 10, &key("x", None)),
            Err(EsiError::ErrorLimited { until }) if until == reset
        ));
        assert!(g.check(now, 9, &key("x", None)).is_ok());
        assert!(g.check(reset, 10, &key("x", None)).is_ok());
    }

    #[test]
    fn a_blocked_bucket_only_blocks_its_own_group_and_character() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        g.block_bucket(key("char-social", Some(1)), now + Duration::from_secs(20));
        assert!(matches!(
            g.check(now, 10, &key("char-social", Some(1))),
            Err(EsiError::RateLimited { retry_after, .. }) if retry_after == Duration::from_secs(20)
        ));
        assert!(g.check(now, 10, &key("char-social", Some(2))).is_ok());
        assert!(g.check(now, 10, &key("char-detail", Some(1))).is_ok());
    }

    #[test]
    fn a_shorter_pause_never_shortens_a_longer_one() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        g.pause(now + Duration::from_secs(60), PauseKind::Downtime, "down");
        g.pause(now + Duration::from_secs(5), PauseKind::ErrorLimit, "420");
        let s = g.snapshot(now);
        assert_eq!(s.paused_until, Some(now + Duration::from_secs(60)));
        assert_eq!(s.pause_reason.as_deref(), Some("down"));
    }
}
