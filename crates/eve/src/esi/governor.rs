//! The two ESI limiters, as seen from this process (reference §A2.5):
//!
//! * the legacy **error limit**: at most 100 non-2xx/3xx answers per 60 s window, global per IP
//!   and app; exceeding it answers 420 on every route. We stop sending when the remaining
//!   count is at or below a floor, and after a 420, until the window resets. Routes under a
//!   bucket send the bucket's headers instead of the error limit's, but their errors count all
//!   the same: those we count ourselves, from the last count ESI told us (or, without one, as
//!   if a window began with the error, which ends no earlier than ESI's).
//! * floating-window **token buckets**, one per (rate-limit group, character); an empty bucket
//!   answers 429 with `Retry-After`, and nothing goes to that bucket until then.
//!
//!   Before a bucket runs dry we stop on our own: when its last `Remaining` is below what the
//!   costliest answer takes (a 4xx, 5 tokens), nothing more goes to it until enough of the
//!   tokens we spent have flowed back (15 minutes after each use), so a 429 is never earned.
//!
//! A pause (error limit, downtime) stops every route at once.
//!
//! Requests Jumpgate passes on for applications (the application API's ESI proxy) stop earlier,
//! with a wider [`Margin`]: the last part of the error limit and of each bucket is kept for
//! Jumpgate's own work, as Neucore keeps it from its applications.
//!
//! Requests in flight are reserved against the error limit: each may come back an error, so a
//! request goes only while the errors left minus those in flight stay above the floor, and waits
//! for an answer otherwise. Without that, 64 requests sent at once when 11 errors were left
//! earned 420s in an outage (the outage soak, issue 10).
//!
//! A run of server errors with no other answer between them, on any routes, is an outage ESI did
//! not name (`OUTAGE_STREAK`): the client pauses as for a downtime instead of spending the error
//! limit on it, and afterwards sends one request at a time until one is answered otherwise.

use super::error::EsiError;
use crate::clock::lock;
use jumpgate_domain::CharacterId;
use std::collections::{HashMap, VecDeque};
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

/// Tokens the costliest answer takes (a 4xx): a bucket with fewer left gets nothing more.
pub(crate) const BUCKET_RESERVE: i64 = 5;

/// What a request leaves of ESI's limits for others: it is refused while the error limit's
/// remainder is at `error_floor` or below, or while its bucket holds fewer than `bucket_percent`
/// per cent of its size (and never fewer than [`BUCKET_RESERVE`] tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Margin {
    pub error_floor: u32,
    pub bucket_percent: u32,
}

/// Jumpgate's own requests: the configured floor, and a bucket's last few tokens.
impl From<u32> for Margin {
    fn from(error_floor: u32) -> Self {
        Self {
            error_floor,
            bucket_percent: 0,
        }
    }
}

impl Margin {
    /// The tokens a bucket of `limit` (`600/15m`) must hold for a request to go.
    fn bucket_reserve(self, limit: Option<&str>) -> i64 {
        let size = limit.and_then(tokens_of).unwrap_or(0);
        BUCKET_RESERVE.max(size * i64::from(self.bucket_percent) / 100)
    }
}
/// ESI's error limit: errors per window.
pub(crate) const ERROR_LIMIT: u32 = 100;
/// ESI's error-limit window, for errors counted while no answer said when it resets.
const ERROR_WINDOW: time::Duration = time::Duration::seconds(60);
/// ESI's bucket window, when `X-Ratelimit-Limit` does not say (`600/15m`).
const DEFAULT_WINDOW: time::Duration = time::Duration::minutes(15);

#[derive(Debug, Clone, Default)]
struct Bucket {
    limit: Option<String>,
    remaining: Option<i64>,
    used: Option<i64>,
    blocked_until: Option<OffsetDateTime>,
    /// When `remaining` was read.
    observed_at: Option<OffsetDateTime>,
    /// Our own spends still inside the window, oldest first: (when, tokens).
    spent: VecDeque<(OffsetDateTime, i64)>,
}

impl Bucket {
    fn window(&self) -> time::Duration {
        self.limit
            .as_deref()
            .and_then(window_of)
            .unwrap_or(DEFAULT_WINDOW)
    }

    /// When the bucket will hold `reserve` tokens again, if it does not now: the last
    /// `Remaining` plus our spends before it that have flowed back since.
    fn refilled_at(&self, now: OffsetDateTime, reserve: i64) -> Option<OffsetDateTime> {
        let (remaining, at) = (self.remaining?, self.observed_at?);
        let window = self.window();
        if at + window <= now {
            return None;
        }
        let before = || self.spent.iter().filter(|(t, _)| *t <= at);
        let mut tokens = remaining
            + before()
                .filter(|(t, _)| *t + window <= now)
                .map(|(_, c)| c)
                .sum::<i64>();
        if tokens >= reserve {
            return None;
        }
        for (t, c) in before().filter(|(t, _)| *t + window > now) {
            tokens += c;
            if tokens >= reserve {
                return Some(*t + window);
            }
        }
        Some(at + window)
    }
}

/// `600/15m` → 600.
fn tokens_of(limit: &str) -> Option<i64> {
    limit.split_once('/')?.0.trim().parse().ok()
}

/// `600/15m` → 15 minutes (also `s` and `h`).
fn window_of(limit: &str) -> Option<time::Duration> {
    let (_, w) = limit.split_once('/')?;
    let unit = w.chars().last()?;
    let n: i64 = w[..w.len() - unit.len_utf8()].parse().ok()?;
    match unit {
        's' => Some(time::Duration::seconds(n)),
        'm' => Some(time::Duration::minutes(n)),
        'h' => Some(time::Duration::hours(n)),
        _ => None,
    }
}

/// Server errors (or timeouts) in a row, with no other answer between them, that make an
/// unscheduled outage. Ten per cent random 5xx gives such a run once in 10⁸ answers.
pub(crate) const OUTAGE_STREAK: u32 = 8;

#[derive(Debug, Default)]
struct State {
    error_remain: Option<u32>,
    error_reset_at: Option<OffsetDateTime>,
    pause: Option<Pause>,
    buckets: HashMap<BucketKey, Bucket>,
    /// Requests admitted and not yet answered.
    in_flight: u32,
    /// Server errors since the last other answer.
    server_error_streak: u32,
}

impl State {
    /// Errors ESI would still take in this window, as far as we know.
    fn errors_left(&self, now: OffsetDateTime) -> u32 {
        match (self.error_remain, self.error_reset_at) {
            (Some(remain), Some(reset)) if reset > now => remain,
            _ => ERROR_LIMIT,
        }
    }
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
    /// Woken whenever a request in flight is answered (or given up).
    answered: tokio::sync::Notify,
}

/// A request admitted and not yet answered: it holds one unit of the error limit until dropped.
#[derive(Debug)]
pub(crate) struct InFlight<'a> {
    governor: &'a Governor,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.governor.state);
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.governor.answered.notify_waiters();
    }
}

impl Governor {
    /// Admits a request that may be sent now (`Some`, holding its reservation), refuses one that
    /// must not be, or answers `None` when it may go once a request in flight has been answered:
    /// the errors left, less one for each request in flight, are at the floor.
    pub fn admit(
        &self,
        now: OffsetDateTime,
        margin: impl Into<Margin>,
        bucket: &BucketKey,
    ) -> Result<Option<InFlight<'_>>, EsiError> {
        let margin = margin.into();
        self.check(now, margin, bucket)?;
        let mut state = lock(&self.state);
        if state.errors_left(now).saturating_sub(state.in_flight) <= margin.error_floor {
            // `check` passed, so errors are left above the floor: some request is in flight.
            return Ok(None);
        }
        // After an outage's pause, one request finds out whether ESI is back; the rest wait for
        // its answer rather than all meeting the outage (each a job's attempt, an error).
        if state.server_error_streak >= OUTAGE_STREAK && state.in_flight > 0 {
            return Ok(None);
        }
        state.in_flight += 1;
        Ok(Some(InFlight { governor: self }))
    }

    /// Resolves once some request in flight has been answered; enable it before `admit`.
    pub fn answered(&self) -> tokio::sync::futures::Notified<'_> {
        self.answered.notified()
    }

    /// A server error or timeout: how many came in a row, on any route.
    pub fn count_server_error(&self) -> u32 {
        let mut state = lock(&self.state);
        state.server_error_streak += 1;
        state.server_error_streak
    }

    /// Any other answer ends a run of server errors.
    pub fn count_answer(&self) {
        lock(&self.state).server_error_streak = 0;
    }

    /// Refuses a request that must not be sent now.
    pub fn check(
        &self,
        now: OffsetDateTime,
        margin: impl Into<Margin>,
        bucket: &BucketKey,
    ) -> Result<(), EsiError> {
        let margin = margin.into();
        let floor = margin.error_floor;
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
            .and_then(|b| {
                let blocked = b.blocked_until.filter(|u| *u > now);
                let reserve = margin.bucket_reserve(b.limit.as_deref());
                blocked.max(b.refilled_at(now, reserve))
            })
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

    /// An error answer that said nothing of the error limit (a route under a bucket): ESI counted
    /// it all the same. Returns the errors left and when the window resets, as counted here.
    pub fn count_unreported_error(&self, now: OffsetDateTime) -> (u32, OffsetDateTime) {
        let mut state = lock(&self.state);
        let (remain, reset_at) = match (state.error_remain, state.error_reset_at) {
            (Some(remain), Some(reset_at)) if reset_at > now => {
                (remain.saturating_sub(1), reset_at)
            }
            // No window known: as if one began with this error. ESI's began with it or
            // earlier, so it resets no later than this one.
            _ => (ERROR_LIMIT - 1, now + ERROR_WINDOW),
        };
        state.error_remain = Some(remain);
        state.error_reset_at = Some(reset_at);
        (remain, reset_at)
    }

    /// An answer's bucket headers: `used` is what this answer cost.
    pub fn observe_bucket(
        &self,
        key: BucketKey,
        limit: Option<String>,
        remaining: Option<i64>,
        used: Option<i64>,
        now: OffsetDateTime,
    ) {
        let mut state = lock(&self.state);
        let b = state.buckets.entry(key).or_default();
        b.limit = limit.or(b.limit.take());
        if remaining.is_some() {
            b.remaining = remaining;
            b.observed_at = Some(now);
        }
        b.used = used.or(b.used);
        // Spends older than the window had flowed back before this answer's `Remaining`.
        let window = b.window();
        while b.spent.front().is_some_and(|(t, _)| *t + window <= now) {
            b.spent.pop_front();
        }
        if let Some(cost) = used.filter(|c| *c > 0) {
            b.spent.push_back((now, cost));
        }
    }

    pub fn block_bucket(&self, key: BucketKey, until: OffsetDateTime) {
        let mut state = lock(&self.state);
        let b = state.buckets.entry(key).or_default();
        b.blocked_until = Some(b.blocked_until.map_or(until, |u| u.max(until)));
        // ESI's Retry-After says when the bucket has room again; the `Remaining: 0` of the
        // same answer must not keep it closed for a whole window after that.
        b.remaining = None;
        b.observed_at = None;
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
    fn errors_esi_does_not_report_are_counted_against_its_last_word_or_a_window_of_our_own() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        // Nothing known: a window of our own begins with the first error.
        assert_eq!(
            g.count_unreported_error(now),
            (99, now + Duration::from_secs(60))
        );
        // 89 more leave 10, the floor.
        for _ in 0..89 {
            g.count_unreported_error(now + Duration::from_secs(5));
        }
        assert!(matches!(
            g.check(now + Duration::from_secs(10), 10, &key("x", None)),
            Err(EsiError::ErrorLimited { until }) if until == now + Duration::from_secs(60)
        ));
        // ESI's own count, when an answer brings it, is the one counted down from.
        let later = now + Duration::from_secs(70);
        g.observe_error_limit(50, later + Duration::from_secs(20));
        assert_eq!(
            g.count_unreported_error(later),
            (49, later + Duration::from_secs(20))
        );
        assert!(g.check(later, 10, &key("x", None)).is_ok());
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
    fn a_bucket_about_to_run_dry_waits_until_our_spends_flow_back() {
        let g = Governor::default();
        let t0 = datetime!(2026-08-18 12:00 UTC);
        let k = key("char-social", Some(1));
        let limit = || Some("10/15m".to_owned());
        // Three 200s: 2 tokens each, 4 left, less than a 4xx would cost.
        for (i, remaining) in [8, 6, 4].into_iter().enumerate() {
            let at = t0 + Duration::from_secs(i as u64 * 60);
            assert!(g.check(at, 10, &k).is_ok(), "request {i} may go");
            g.observe_bucket(k.clone(), limit(), Some(remaining), Some(2), at);
        }
        let now = t0 + Duration::from_secs(180);
        // The first spend (t0) brings it to 6 ≥ 5: wait until t0 + 15 min.
        assert!(matches!(
            g.check(now, 10, &k),
            Err(EsiError::RateLimited { retry_after, .. })
                if retry_after == Duration::from_secs(12 * 60)
        ));
        assert!(g.check(t0 + Duration::from_secs(15 * 60), 10, &k).is_ok());
        // Other characters' buckets are not affected.
        assert!(g.check(now, 10, &key("char-social", Some(2))).is_ok());
        // A bucket with room is never held back.
        g.observe_bucket(k.clone(), limit(), Some(10), Some(1), now);
        assert!(g.check(now, 10, &k).is_ok());
        assert_eq!(window_of("600/15m"), Some(time::Duration::minutes(15)));
        assert_eq!(window_of("150/1h"), Some(time::Duration::hours(1)));
        assert_eq!(window_of("nonsense"), None);
    }

    #[test]
    fn a_wider_margin_keeps_a_share_of_each_bucket_and_more_of_the_error_limit() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        let k = key("char-asset", Some(1));
        let others = Margin {
            error_floor: 20,
            bucket_percent: 20,
        };
        g.observe_bucket(k.clone(), Some("1800/15m".into()), Some(359), Some(2), now);
        assert!(g.check(now, 10, &k).is_ok(), "Jumpgate's own work goes on");
        assert!(
            matches!(g.check(now, others, &k), Err(EsiError::RateLimited { .. })),
            "359 of 1800 is less than a fifth"
        );
        g.observe_bucket(k.clone(), Some("1800/15m".into()), Some(360), Some(2), now);
        assert!(g.check(now, others, &k).is_ok());
        g.observe_error_limit(20, now + Duration::from_secs(30));
        assert!(g.check(now, 10, &k).is_ok());
        assert!(matches!(
            g.check(now, others, &k),
            Err(EsiError::ErrorLimited { .. })
        ));
    }

    #[test]
    fn requests_in_flight_are_reserved_against_the_error_limit() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        let x = key("x", None);
        g.observe_error_limit(13, now + Duration::from_secs(30));
        // 13 left, floor 10: three may be in flight, each of which may come back an error.
        let mut flights: Vec<_> = (0..3)
            .map(|i| {
                g.admit(now, 10, &x)
                    .expect("not refused")
                    .unwrap_or_else(|| panic!("request {i} may go"))
            })
            .collect();
        assert!(
            g.admit(now, 10, &x).expect("not refused").is_none(),
            "a fourth waits for an answer"
        );
        // One was answered without an error: the count is still 13, so one more may go.
        flights.pop();
        assert!(g.admit(now, 10, &x).expect("not refused").is_some());
        assert_eq!(flights.len(), 2);
        // Once the window has reset, the whole limit is there again.
        let later = now + Duration::from_secs(31);
        assert!(g.admit(later, 10, &x).expect("not refused").is_some());
    }

    #[test]
    fn only_server_errors_in_a_row_make_a_streak() {
        let g = Governor::default();
        for n in 1..=3 {
            assert_eq!(g.count_server_error(), n);
        }
        g.count_answer();
        assert_eq!(g.count_server_error(), 1);
    }

    #[test]
    fn after_an_outage_one_request_at_a_time_finds_out_whether_esi_is_back() {
        let g = Governor::default();
        let now = datetime!(2026-08-18 12:00 UTC);
        let x = key("x", None);
        for _ in 0..OUTAGE_STREAK {
            g.count_server_error();
        }
        let probe = g.admit(now, 10, &x).expect("not refused");
        assert!(probe.is_some());
        assert!(
            g.admit(now, 10, &x).expect("not refused").is_none(),
            "the rest wait"
        );
        // The probe was answered: ESI is back, and everything goes again.
        g.count_answer();
        drop(probe);
        let both = [g.admit(now, 10, &x), g.admit(now, 10, &x)];
        assert!(both.iter().all(|a| matches!(a, Ok(Some(_)))));
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
