//! HTTP dates and `Retry-After`, as sent by the SSO and ESI (`Expires`, `Retry-After`).

use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// IMF-fixdate, the only form RFC 9110 lets servers send: `Sun, 06 Nov 1994 08:49:37 GMT`.
const IMF_FIXDATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

pub(crate) fn parse(value: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(value.trim(), IMF_FIXDATE)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

pub(crate) fn format(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(IMF_FIXDATE)
        .unwrap_or_default()
}

/// `Retry-After` as seconds or as an HTTP date (relative to `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    parse(raw).map(|at| crate::clock::until(at, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn http_dates_round_trip() {
        let at = datetime!(2026-08-18 11:15:00 UTC);
        assert_eq!(format(at), "Tue, 18 Aug 2026 11:15:00 GMT");
        assert_eq!(parse("Tue, 18 Aug 2026 11:15:00 GMT"), Some(at));
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = datetime!(2026-08-18 11:00:00 UTC);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "17".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(17)));
        h.insert(
            RETRY_AFTER,
            "Tue, 18 Aug 2026 11:01:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(60)));
    }
}
