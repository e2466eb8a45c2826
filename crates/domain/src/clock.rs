//! Time, as every layer reads it: the one place Jumpgate reads the wall clock.
//!
//! Token expiry, sessions, job schedules, audit times, the error-limit window and the 11:00 UTC
//! downtime all depend on "now", and retries wait between attempts. Both go through [`Clock`], one
//! instance shared by the store, the use cases, the web and the EVE clients, so tests move time by
//! hand instead of sleeping. Clippy forbids `OffsetDateTime::now_utc` everywhere else
//! (`clippy.toml`). The only I/O in this crate, and the reason it depends on tokio's timer.

use async_trait::async_trait;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
    /// Waits `duration`. The manual clock advances itself instead of waiting.
    async fn sleep(&self, duration: Duration);
}

/// The real clock: system UTC time and tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A clock that only moves when told to (or when someone "sleeps" on it). For tests, here and
/// in the crates that use these clients.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
    slept: Mutex<Vec<Duration>>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
            slept: Mutex::new(Vec::new()),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = lock_value(&self.now);
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *lock_value(&self.now) = to;
    }

    /// Every wait asked of this clock, in order: lets tests check back-off without waiting.
    pub fn sleeps(&self) -> Vec<Duration> {
        lock_value(&self.slept).clone()
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *lock_value(&self.now)
    }

    async fn sleep(&self, duration: Duration) {
        lock_value(&self.slept).push(duration);
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}

/// A poisoned lock only holds plain data here; recover it rather than spread the panic.
fn lock_value<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[tokio::test]
    async fn manual_clock_moves_only_when_told_or_slept_on() {
        let c = ManualClock::new(datetime!(2026-01-01 0:00 UTC));
        c.advance(Duration::from_secs(5));
        c.sleep(Duration::from_secs(2)).await;
        assert_eq!(c.now(), datetime!(2026-01-01 0:00:07 UTC));
        assert_eq!(c.sleeps(), vec![Duration::from_secs(2)]);
    }
}
