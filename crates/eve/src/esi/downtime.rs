//! Tranquility's daily downtime: 11:00 UTC, usually about 15 minutes. Errors then are expected
//! and must not be retried (every failure spends the shared error limit).

use std::time::Duration;
use time::{OffsetDateTime, Time, UtcOffset};

const START: Time = time::macros::time!(11:00);
const LENGTH: Duration = Duration::from_secs(15 * 60);
/// How long to stay away when `/status` fails outside the daily window (an unscheduled
/// downtime or an extension of the daily one).
pub(crate) const UNSCHEDULED_PAUSE: Duration = Duration::from_secs(60);

/// The end of today's downtime window when `now` is inside it.
pub(crate) fn window_end(now: OffsetDateTime) -> Option<OffsetDateTime> {
    let now = now.to_offset(UtcOffset::UTC);
    let start = now.replace_time(START);
    let end = start + LENGTH;
    (now >= start && now < end).then_some(end)
}

/// Whether an error answer is ESI's own word that Tranquility is down, e.g. `The datasource
/// tranquility is temporarily unavailable` (CCP's 503 during a downtime, scheduled or not).
pub(crate) fn is_downtime_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("tranquility") && m.contains("unavailable")
}

/// When ESI is likely back: the end of the daily window, or a short pause outside it.
pub(crate) fn estimate(now: OffsetDateTime) -> OffsetDateTime {
    window_end(now).unwrap_or(now + UNSCHEDULED_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_window_is_eleven_to_eleven_fifteen_utc() {
        assert_eq!(window_end(datetime!(2026-08-18 10:59:59 UTC)), None);
        assert_eq!(
            window_end(datetime!(2026-08-18 11:00 UTC)),
            Some(datetime!(2026-08-18 11:15 UTC))
        );
        assert_eq!(
            window_end(datetime!(2026-08-18 13:14 +2)),
            Some(datetime!(2026-08-18 11:15 UTC))
        );
        assert_eq!(window_end(datetime!(2026-08-18 11:15 UTC)), None);
    }

    #[test]
    fn esis_downtime_answer_is_recognised() {
        assert!(is_downtime_message(
            "The datasource tranquility is temporarily unavailable"
        ));
        assert!(!is_downtime_message("Internal error (simulated fault)"));
        assert!(!is_downtime_message("HTTP 503"));
    }

    #[test]
    fn outside_the_window_the_estimate_is_a_short_pause() {
        let now = datetime!(2026-08-18 15:00 UTC);
        assert_eq!(estimate(now), now + UNSCHEDULED_PAUSE);
    }
}
