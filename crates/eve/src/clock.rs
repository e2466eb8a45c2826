//! Time as the clients see it: the one [`Clock`] of `jumpgate_domain::clock`, and two helpers.

pub use jumpgate_domain::clock::{Clock, ManualClock, SystemClock};
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

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

    #[test]
    fn until_is_never_negative() {
        let a = datetime!(2026-01-01 0:00 UTC);
        assert_eq!(until(a, a + Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(until(a + Duration::from_secs(3), a), Duration::from_secs(3));
    }
}
