//! ESI's server-side cache and its headers. A cached route (one with an `x-cache-age`) answers
//! from its cache until the answer's `Expires` passes, as ESI does: the same body, ETag,
//! Last-Modified and Expires, even right after a write that changed the data (a contact list
//! read just after adding a contact does not show it for up to five minutes). Entries are keyed
//! as ESI keys them: the path with its parameters, the query, and on authenticated routes the
//! character the token belongs to. A paged resource is cached whole, so every page of one
//! answer agrees and expires together. `Last-Modified` only moves when the content changed.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use super::request::{EsiBody, EsiOk};

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

/// When a cached answer was made and until when it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub last_modified: OffsetDateTime,
    pub expires: OffsetDateTime,
}

/// A handler's answer as the cache serves it until `stamp.expires`.
#[derive(Clone)]
struct Entry {
    answer: EsiOk,
    stamp: Stamp,
}

/// Cached answers are pruned of expired ones every this many fills, so a long run (a soak over
/// thousands of characters) does not keep every answer it ever made.
const PRUNE_EVERY: usize = 1024;

#[derive(Default)]
pub struct CacheState {
    /// Resource key → (content hash, when that content first appeared).
    seen: HashMap<String, (String, OffsetDateTime)>,
    answers: HashMap<String, Entry>,
    fills: usize,
}

/// The key ESI caches an answer under: the path (with its parameters), the query but for
/// `page` (a paged resource is cached whole), and the token's character on authenticated
/// routes (`None` on public ones: everyone shares their answer).
pub fn key(path: &str, query: &[(String, String)], character: Option<i64>) -> String {
    let mut resource_query: Vec<String> = query
        .iter()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    resource_query.sort();
    format!("{path}?{}#{character:?}", resource_query.join("&"))
}

fn whole_second(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(0).unwrap_or(now)
}

impl CacheState {
    /// The cached answer under `key`, if it has not expired by `now` (the simulated EVE's time).
    pub fn answer(&self, key: &str, now: OffsetDateTime) -> Option<(EsiOk, Stamp)> {
        let entry = self.answers.get(key)?;
        (now < entry.stamp.expires).then(|| (entry.answer.clone(), entry.stamp))
    }

    /// Keeps a fresh answer for `age_secs` (the route's `x-cache-age`) from `now` and returns
    /// its stamp.
    pub fn fill(&mut self, key: &str, answer: &EsiOk, age_secs: u64, now: OffsetDateTime) -> Stamp {
        let now = whole_second(now);
        let content = match &answer.body {
            EsiBody::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            EsiBody::Paged(items) => serde_json::to_vec(items).unwrap_or_default(),
            EsiBody::Empty => Vec::new(),
        };
        let last_modified = self.last_modified(key, &etag(&content), now);
        // The spec's cache ages are at most a day.
        let expires =
            now + time::Duration::seconds(i64::try_from(age_secs.min(86_400)).unwrap_or(0));
        let stamp = Stamp {
            last_modified,
            expires,
        };
        self.fills += 1;
        if self.fills.is_multiple_of(PRUNE_EVERY) {
            self.answers.retain(|_, e| now < e.stamp.expires);
        }
        self.answers.insert(
            key.to_owned(),
            Entry {
                answer: answer.clone(),
                stamp,
            },
        );
        stamp
    }

    /// Forgets every cached answer, as if all of them had expired (time passing, for tests
    /// that move Jumpgate's clock past an `Expires`).
    pub fn expire_all(&mut self) {
        self.answers.clear();
    }

    fn last_modified(
        &mut self,
        key: &str,
        content_hash: &str,
        now: OffsetDateTime,
    ) -> OffsetDateTime {
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
