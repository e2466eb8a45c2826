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
