//! Requests passed on for others (the application API's ESI proxy): any authenticated
//! operation of the spec, sent with a character's token through the same limiters, pauses and
//! cache as Jumpgate's own requests, and ESI's answer handed back as it came (status, headers,
//! body), errors included.
//!
//! What is shared, and why it matters: an application's errors count against ESI's error limit
//! of Jumpgate's whole deployment, and its requests against each character's buckets, so they
//! go through this process's governor and the pause every instance shares (an error-limit or
//! downtime pause taken by a worker stops the proxy, and the other way round). They stop earlier
//! than Jumpgate's own work ([`margin_for_others`]), they are refused rather than kept waiting,
//! and they are never retried: the application decides whether to ask again.
//!
//! GET answers share the ETag cache: an answer still fresh is served without asking ESI, a
//! stale one is revalidated with its ETag (a 304 costs ESI nothing), and what the proxy fetched
//! serves Jumpgate's own reads of the same resource and the other way round.

use super::cache::CachedResponse;
use super::client::{Call, EsiClient, Raw};
use super::error::EsiError;
use super::governor::{BucketKey, Margin};
use super::headers;
use super::operations::MatchedPath;
use super::routes::Method;
use jumpgate_domain::CharacterId;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, EXPIRES, HeaderMap, LAST_MODIFIED};

/// How many more errors of ESI's limit the proxy leaves than Jumpgate's own work: with the
/// default floor of 10 it stops at 20 left, Neucore's limit for its applications.
const OTHERS_EXTRA_ERROR_FLOOR: u32 = 10;
/// The share of each bucket the proxy leaves to Jumpgate's own work (Neucore keeps 20 % from
/// its applications).
const OTHERS_BUCKET_PERCENT: u32 = 20;

/// ESI's answers are JSON.
const JSON: &str = "application/json; charset=utf-8";

/// A request to pass on: an operation of the spec on a concrete path, as a character.
#[derive(Debug)]
pub struct PassThrough<'a> {
    pub matched: MatchedPath,
    /// The query as asked; names the operation does not declare are left out (ESI would ignore
    /// them, and only what the spec declares is ever sent).
    pub query: Vec<(String, String)>,
    pub character: CharacterId,
    /// The character's access token, for the `Authorization` header only.
    pub token: &'a str,
    pub body: Option<Vec<u8>>,
    /// `X-Compatibility-Date`; the client's own when `None`.
    pub compatibility_date: Option<String>,
    /// `Accept-Language`; ESI's default (`en`) when `None`.
    pub language: Option<String>,
    /// The asker's own `If-None-Match`: answered 304 when it names the answer's ETag.
    pub if_none_match: Option<String>,
}

/// ESI's answer (or the cache's), to hand back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedAnswer {
    pub status: u16,
    /// ESI's headers (names in lower case); from the cache, those that describe the answer.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl PassedAnswer {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl EsiClient {
    /// What requests passed on for others leave of ESI's limits for Jumpgate's own work.
    pub(crate) fn margin_for_others(&self) -> Margin {
        Margin {
            error_floor: self.config.error_limit_floor + OTHERS_EXTRA_ERROR_FLOOR,
            bucket_percent: OTHERS_BUCKET_PERCENT,
        }
    }

    /// The errors of ESI's limit at or below which requests for others are refused.
    pub fn error_floor_for_others(&self) -> u32 {
        self.margin_for_others().error_floor
    }

    /// Whether a request passed on for others (on `matched`'s bucket as `character`, or only
    /// ESI's global limits when either is not known yet) may go now: `Err` says why not and
    /// until when (`EsiError::retry_after`). Nothing is reserved or sent.
    pub async fn admissible_for_others(
        &self,
        matched: Option<&MatchedPath>,
        character: Option<CharacterId>,
    ) -> Result<(), EsiError> {
        let bucket = BucketKey {
            // An empty group is no bucket's: only the global limits and pauses are checked.
            group: matched
                .map_or("", |m| m.operation.route.bucket_group())
                .to_owned(),
            character,
        };
        self.admissible(&bucket, self.margin_for_others()).await
    }

    /// Sends `request` once, when the limits and pauses allow (`Err` with the reason
    /// otherwise, and when no answer came: a timeout, a failed connection, an answer too long
    /// to read), and hands back ESI's answer whatever its status. A GET is served from the cache
    /// while fresh and revalidated with its ETag after.
    pub async fn pass_through(&self, request: PassThrough<'_>) -> Result<PassedAnswer, EsiError> {
        let operation = request.matched.operation;
        let own_date = &self.config.compatibility_date;
        let mut call = Call::concrete(&operation.route, request.matched.path)
            .auth(request.character, request.token)
            .compatibility_date(request.compatibility_date.filter(|d| d != own_date))
            .language(request.language.filter(|l| l != "en"));
        for (name, value) in request.query {
            if let Some(declared) = operation.query_parameter(&name) {
                call = call.query(declared, value);
            }
        }
        if let Some(body) = request.body.filter(|b| !b.is_empty()) {
            call = call.bytes(body);
        }
        let inm = request.if_none_match.as_deref();
        if operation.route.method == Method::Get {
            return self.pass_get(&call, inm).await;
        }
        let raw = self.pass_once(&call, None).await?;
        Ok(passed(raw.status.as_u16(), &raw.headers, raw.body))
    }

    async fn pass_get(
        &self,
        call: &Call<'_>,
        if_none_match: Option<&str>,
    ) -> Result<PassedAnswer, EsiError> {
        let key = call.cache_key();
        let cached = self.cache.get(&key).await;
        if let Some(entry) = cached.clone().filter(|c| c.is_fresh(self.clock.now())) {
            // Asking before Expires gets nothing new, and spends the character's bucket.
            return Ok(from_cache(&entry, &HeaderMap::new(), if_none_match));
        }
        let etag = cached.as_ref().and_then(|c| c.etag.clone());
        let raw = self.pass_once(call, etag.as_deref()).await?;
        let now = self.clock.now();
        match (raw.status, cached) {
            (StatusCode::NOT_MODIFIED, Some(mut entry)) => {
                entry.revalidate(&raw.headers, now);
                let answer = from_cache(&entry, &raw.headers, if_none_match);
                self.cache.revalidated(&key, entry).await;
                Ok(answer)
            }
            (StatusCode::OK, _) => {
                let entry = CachedResponse::answered(&raw.headers, raw.body, now);
                let answer = from_cache(&entry, &raw.headers, if_none_match);
                if entry.etag.is_some() || entry.expires_at.is_some() {
                    self.cache.put(&key, entry).await;
                }
                Ok(answer)
            }
            (status, _) => Ok(passed(status.as_u16(), &raw.headers, raw.body)),
        }
    }

    /// One sending, with the margin left for others and without waiting for room; the
    /// answer whatever its status.
    async fn pass_once(&self, call: &Call<'_>, etag: Option<&str>) -> Result<Raw, EsiError> {
        let flight = self
            .admit_with(call, self.margin_for_others(), false)
            .await?;
        let sent = self.send_once(call, etag).await;
        self.judge(call, sent, flight, false).await.into_answer()
    }
}

/// `raw`'s status, headers and body.
fn passed(status: u16, raw: &HeaderMap, body: Vec<u8>) -> PassedAnswer {
    PassedAnswer {
        status,
        headers: header_list(raw),
        body,
    }
}

/// A 200 with `entry`'s body, described by ESI's `answered` headers (none when served from the
/// cache) and what the cache knows (type, validators, expiry, pages); a 304 without the body
/// when the asker's `If-None-Match` names its ETag.
fn from_cache(
    entry: &CachedResponse,
    answered: &HeaderMap,
    if_none_match: Option<&str>,
) -> PassedAnswer {
    let mut list = header_list(answered);
    let mut describe = |name: &str, value: Option<String>| {
        if let Some(value) = value
            && !list.iter().any(|(n, _)| n == name)
        {
            list.push((name.to_owned(), value));
        }
    };
    describe(ETAG.as_str(), entry.etag.clone());
    describe(LAST_MODIFIED.as_str(), entry.last_modified.clone());
    describe(
        EXPIRES.as_str(),
        entry.expires_at.map(crate::http_date::format),
    );
    describe(
        &headers::PAGES.to_ascii_lowercase(),
        entry.pages.map(|p| p.to_string()),
    );
    let unchanged = entry
        .etag
        .as_deref()
        .zip(if_none_match)
        .is_some_and(|(etag, asked)| names_etag(asked, etag));
    if unchanged {
        list.retain(|(n, _)| n != CONTENT_TYPE.as_str());
        return PassedAnswer {
            status: StatusCode::NOT_MODIFIED.as_u16(),
            headers: list,
            body: Vec::new(),
        };
    }
    describe(CONTENT_TYPE.as_str(), Some(JSON.to_owned()));
    PassedAnswer {
        status: StatusCode::OK.as_u16(),
        headers: list,
        body: entry.body.clone(),
    }
}

/// Whether an `If-None-Match` value (`*`, or a list of tags, weak or not) names `etag`.
fn names_etag(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(etag))
}

fn header_list(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_names_an_etag_weak_or_in_a_list() {
        assert!(names_etag("\"abc\"", "\"abc\""));
        assert!(names_etag("W/\"abc\"", "\"abc\""));
        assert!(names_etag("\"x\", \"abc\"", "\"abc\""));
        assert!(names_etag("*", "\"abc\""));
        assert!(!names_etag("\"x\"", "\"abc\""));
    }

    #[test]
    fn a_cached_answer_is_described_and_a_known_etag_gets_a_304() {
        let entry = CachedResponse {
            etag: Some("\"v1\"".into()),
            expires_at: Some(time::macros::datetime!(2026-08-18 11:15 UTC)),
            last_modified: Some("Tue, 18 Aug 2026 11:00:00 GMT".into()),
            pages: Some(3),
            body: b"[1]".to_vec(),
        };
        let ok = from_cache(&entry, &HeaderMap::new(), None);
        assert_eq!(ok.status, 200);
        assert_eq!(ok.body, b"[1]");
        assert_eq!(ok.header("ETag"), Some("\"v1\""));
        assert_eq!(ok.header("Expires"), Some("Tue, 18 Aug 2026 11:15:00 GMT"));
        assert_eq!(ok.header("X-Pages"), Some("3"));
        assert_eq!(ok.header("Content-Type"), Some(JSON));
        let unchanged = from_cache(&entry, &HeaderMap::new(), Some("\"v1\""));
        assert_eq!(unchanged.status, 304);
        assert!(unchanged.body.is_empty());
        assert_eq!(unchanged.header("ETag"), Some("\"v1\""));
        assert_eq!(unchanged.header("Content-Type"), None);
    }
}
