//! Reading ESI's response headers.

use reqwest::header::{CACHE_CONTROL, ETAG, EXPIRES, HeaderMap, LAST_MODIFIED};
use time::OffsetDateTime;

pub(crate) const COMPATIBILITY_DATE: &str = "X-Compatibility-Date";
pub(crate) const ERROR_LIMIT_REMAIN: &str = "X-ESI-Error-Limit-Remain";
pub(crate) const ERROR_LIMIT_RESET: &str = "X-ESI-Error-Limit-Reset";
pub(crate) const RATELIMIT_GROUP: &str = "X-Ratelimit-Group";
pub(crate) const RATELIMIT_LIMIT: &str = "X-Ratelimit-Limit";
pub(crate) const RATELIMIT_REMAINING: &str = "X-Ratelimit-Remaining";
pub(crate) const RATELIMIT_USED: &str = "X-Ratelimit-Used";
pub(crate) const PAGES: &str = "X-Pages";

pub(crate) fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

pub(crate) fn int(headers: &HeaderMap, name: &str) -> Option<i64> {
    text(headers, name)?.parse().ok()
}

pub(crate) fn etag(headers: &HeaderMap) -> Option<String> {
    text(headers, ETAG.as_str())
}

pub(crate) fn last_modified(headers: &HeaderMap) -> Option<String> {
    text(headers, LAST_MODIFIED.as_str())
}

pub(crate) fn pages(headers: &HeaderMap) -> Option<i32> {
    int(headers, PAGES).and_then(|p| i32::try_from(p).ok())
}

/// When ESI may have something new: `Expires`, else `Cache-Control: max-age`.
pub(crate) fn expires_at(headers: &HeaderMap, now: OffsetDateTime) -> Option<OffsetDateTime> {
    if let Some(at) = text(headers, EXPIRES.as_str()).and_then(|v| crate::http_date::parse(&v)) {
        return Some(at);
    }
    let cc = text(headers, CACHE_CONTROL.as_str())?;
    cc.split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|v| v.parse::<i64>().ok())
        .map(|secs| now + time::Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expires_prefers_the_expires_header_then_max_age() {
        let now = datetime!(2026-08-18 12:00 UTC);
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, "public, max-age=300".parse().unwrap());
        assert_eq!(expires_at(&h, now), Some(now + time::Duration::minutes(5)));
        h.insert(EXPIRES, "Tue, 18 Aug 2026 12:01:00 GMT".parse().unwrap());
        assert_eq!(expires_at(&h, now), Some(datetime!(2026-08-18 12:01 UTC)));
    }
}
