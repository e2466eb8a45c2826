//! ESI's two limiters: floating-window token buckets per (group, user) for routes with
//! `x-rate-limit`, and the legacy error limiter (100 errors per fixed 60 s window per client).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::state::SimTime;

pub const BUCKET_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const ERROR_WINDOW: Duration = Duration::from_secs(60);
pub const ERROR_LIMIT: u32 = 100;

/// CCP's token cost per answer: 2xx 2, 3xx 1, 4xx 5 (429 excluded), 5xx 0.
pub fn cost(status: StatusCode) -> u32 {
    match status.as_u16() {
        200..=299 => 2,
        300..=399 => 1,
        429 => 0,
        400..=499 => 5,
        _ => 0,
    }
}

#[derive(Default)]
pub struct Limits {
    buckets: HashMap<(String, String), VecDeque<(Instant, u32)>>,
    errors: HashMap<IpAddr, (Instant, u32)>,
    time: SimTime,
}

impl Limits {
    /// The time the windows run by, from now on (`EveSim::set_time`).
    pub fn set_time(&mut self, time: SimTime) {
        self.time = time;
    }

    fn bucket(&mut self, group: &str, user: &str, now: Instant) -> &mut VecDeque<(Instant, u32)> {
        let bucket = self
            .buckets
            .entry((group.to_owned(), user.to_owned()))
            .or_default();
        while bucket
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) >= BUCKET_WINDOW)
        {
            bucket.pop_front();
        }
        bucket
    }

    /// Tokens in use, or how long until the bucket has room again.
    pub fn check(&mut self, group: &str, user: &str, max: u32) -> Result<u32, Duration> {
        let now = self.time.instant();
        let bucket = self.bucket(group, user, now);
        let used: u32 = bucket.iter().map(|(_, c)| c).sum();
        if used < max {
            return Ok(used);
        }
        // Tokens flow back as their 15 minutes pass: wait for enough of them.
        let mut still_used = used;
        for (at, c) in bucket.iter() {
            still_used -= c;
            if still_used < max {
                return Err((*at + BUCKET_WINDOW).saturating_duration_since(now));
            }
        }
        Err(BUCKET_WINDOW)
    }

    /// Spends tokens; returns what remains.
    pub fn spend(&mut self, group: &str, user: &str, max: u32, cost: u32) -> u32 {
        let now = self.time.instant();
        let bucket = self.bucket(group, user, now);
        if cost > 0 {
            bucket.push_back((now, cost));
        }
        let used: u32 = bucket.iter().map(|(_, c)| c).sum();
        max.saturating_sub(used)
    }

    fn error_window(&mut self, ip: IpAddr) -> &mut (Instant, u32) {
        let now = self.time.instant();
        let window = self.errors.entry(ip).or_insert((now, 0));
        if now.duration_since(window.0) >= ERROR_WINDOW {
            *window = (now, 0);
        }
        window
    }

    /// (errors remaining, seconds until the window resets).
    pub fn error_state(&mut self, ip: IpAddr) -> (u32, u64) {
        let (start, count) = *self.error_window(ip);
        let reset = (start + ERROR_WINDOW)
            .saturating_duration_since(self.time.instant())
            .as_secs_f64()
            .ceil() as u64;
        (ERROR_LIMIT.saturating_sub(count), reset)
    }

    pub fn record_error(&mut self, ip: IpAddr) {
        self.error_window(ip).1 += 1;
    }
}
