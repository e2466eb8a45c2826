//! Values as pages show them.

/// `2026-11-21 12:34 UTC`, or `never`.
pub fn when(at: Option<time::OffsetDateTime>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |t| {
            // By hand: `time`'s formatter parses its description on every call, and lists
            // print hundreds of times (the approver queue).
            let t = t.to_offset(time::UtcOffset::UTC);
            let (year, month, day) = t.to_calendar_date();
            format!(
                "{year:04}-{:02}-{day:02} {:02}:{:02} UTC",
                u8::from(month),
                t.hour(),
                t.minute()
            )
        },
    )
}

/// How far `at` is from `now` in words: `in 3 min`, `4 min ago`, `now` (within a minute).
pub fn relative(at: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let seconds = (at - now).whole_seconds();
    if seconds.abs() < 60 {
        return "now".to_owned();
    }
    let span = rough(seconds.unsigned_abs());
    if seconds > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// `2026-11-21 12:34 UTC (4 min ago)`, or `never`.
pub fn when_relative(at: Option<time::OffsetDateTime>, now: time::OffsetDateTime) -> String {
    match at {
        Some(t) => format!("{} ({})", when(Some(t)), relative(t, now)),
        None => when(None),
    }
}

/// A duration as a person reads it: `350 ms`, `4.2 s`, `3 min`, `2 h`, `7 days`.
pub fn took(d: std::time::Duration) -> String {
    if d < std::time::Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d < std::time::Duration::from_secs(60) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        rough(d.as_secs())
    }
}

/// Whole minutes, hours or days, rounded down: `3 min`, `2 h`, `1 day`.
fn rough(seconds: u64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", (s / 60).max(1)),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_told_in_utc_and_relative_to_now() {
        let now = datetime!(2026-12-05 12:00 UTC);
        assert_eq!(relative(now + time::Duration::minutes(3), now), "in 3 min");
        assert_eq!(relative(now - time::Duration::minutes(4), now), "4 min ago");
        assert_eq!(relative(now + time::Duration::seconds(20), now), "now");
        assert_eq!(relative(now - time::Duration::hours(5), now), "5 h ago");
        assert_eq!(relative(now + time::Duration::days(7), now), "in 7 days");
        assert_eq!(
            when_relative(Some(now - time::Duration::minutes(4)), now),
            "2026-12-05 11:56 UTC (4 min ago)"
        );
        assert_eq!(when_relative(None, now), "never");
    }

    #[test]
    fn durations_are_told_in_the_unit_that_reads_best() {
        use std::time::Duration;
        assert_eq!(took(Duration::from_millis(350)), "350 ms");
        assert_eq!(took(Duration::from_millis(4_240)), "4.2 s");
        assert_eq!(took(Duration::from_secs(600)), "10 min");
        assert_eq!(took(Duration::from_secs(6 * 3600)), "6 h");
        assert_eq!(took(Duration::from_secs(7 * 86_400)), "7 days");
    }
}
