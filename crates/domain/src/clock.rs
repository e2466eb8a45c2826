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

/// A clock that runs `speed` times as fast as the wall clock from `start`: every "now" and every
/// wait in the same proportion, so that half an hour of Jumpgate's time (periodic jobs, back-off,
/// retries, leases, an outage) passes in minutes while everything still happens in its order.
/// Unlike [`ManualClock`], a wait does not move time for everyone else. For soaks and tests.
#[derive(Debug)]
pub struct ScaledClock {
    start: OffsetDateTime,
    wall_start: std::time::Instant,
    speed: f64,
}

impl ScaledClock {
    /// `speed` below 1 is taken as 1: slower than the wall clock would only make tests longer.
    pub fn new(start: OffsetDateTime, speed: f64) -> Self {
        Self {
            start,
            wall_start: std::time::Instant::now(),
            speed: speed.max(1.0),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The wall-clock time `duration` of this clock's time takes.
    pub fn wall(&self, duration: Duration) -> Duration {
        duration.div_f64(self.speed)
    }
}

#[async_trait]
impl Clock for ScaledClock {
    fn now(&self) -> OffsetDateTime {
        self.start + self.wall_start.elapsed().mul_f64(self.speed)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(self.wall(duration)).await;
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

    #[tokio::test]
    async fn a_scaled_clock_runs_its_speed_times_as_fast_as_the_wall_clock() {
        let start = datetime!(2026-01-01 0:00 UTC);
        let c = ScaledClock::new(start, 100.0);
        let wall = std::time::Instant::now();
        c.sleep(Duration::from_secs(5)).await;
        let waited = wall.elapsed();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(waited < Duration::from_secs(1), "{waited:?}");
        assert!(c.now() >= start + Duration::from_secs(5));
        assert_eq!(c.wall(Duration::from_secs(60)), Duration::from_millis(600));
        assert_eq!(ScaledClock::new(start, 0.5).speed(), 1.0);
    }
}
