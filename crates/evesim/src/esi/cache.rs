//! Cache headers: a stable ETag (hash of the body), `Expires` from the route's `x-cache-age`,
//! and a `Last-Modified` that only moves when the resource's content changes (and is the same
//! on every page of a paged resource, as CCP documents).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

/// A quoted strong ETag.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Does an `If-None-Match` header value match this ETag (weak comparison, lists allowed)?
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: OffsetDateTime) -> String {
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .ok()
        .map(|p| p.assume_utc())
}

#[derive(Default)]
pub struct CacheState {
    /// Resource key → (content hash, when that content first appeared).
    seen: HashMap<String, (String, OffsetDateTime)>,
}

impl CacheState {
    pub fn last_modified(&mut self, key: &str, content_hash: &str) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(OffsetDateTime::now_utc());
        let entry = self
            .seen
            .entry(key.to_owned())
            .or_insert_with(|| (content_hash.to_owned(), now));
        if entry.0 != content_hash {
            *entry = (content_hash.to_owned(), now);
        }
        entry.1
    }
}
