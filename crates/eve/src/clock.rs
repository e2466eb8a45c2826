//! Time as the clients see it.
//!
//! Token expiry, JWKS cache age, the error-limit window and the 11:00 UTC downtime all depend on
//! "now", and retries wait between attempts. Both go through [`Clock`] so tests can move time by
//! hand instead of sleeping.

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
        let mut now = lock(&self.now);
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *lock(&self.now) = to;
    }

    /// Every wait asked of this clock, in order: lets tests check back-off without waiting.
    pub fn sleeps(&self) -> Vec<Duration> {
        lock(&self.slept).clone()
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *lock(&self.now)
    }

    async fn sleep(&self, duration: Duration) {
        lock(&self.slept).push(duration);
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}

/// A poisoned lock only means another thread panicked mid-update of plain data; the value is
/// still usable, so recover it rather than spreading the panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `a - b` as a std duration, zero when `a` is not after `b`.
pub(crate) fn until(a: OffsetDateTime, b: OffsetDateTime) -> Duration {
    let d = a - b;
    if d.is_positive() {
        Duration::try_from(d).unwrap_or_default()
    } else {
        Duration::ZERO
    }
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

    #[test]
    fn until_is_never_negative() {
        let a = datetime!(2026-01-01 0:00 UTC);
        assert_eq!(until(a, a + Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(until(a + Duration::from_secs(3), a), Duration::from_secs(3));
    }
}
