//! The request machinery every ESI route shares: headers, limiter checks, retries, caching,
//! paging and error classification. Typed routes (in `api.rs`) are a few lines on top.

use super::cache::{CachedResponse, EsiCache};
use super::config::EsiConfig;
use super::downtime;
use super::error::{ErrorBody, EsiError};
use super::gate::SharedGate;
use super::governor::{
    BucketKey, Governor, GovernorSnapshot, InFlight, Margin, OUTAGE_STREAK, PauseKind,
};
use super::headers;
use super::routes::{Method, Route};
use crate::body::{BodyError, ESI_MAX_BODY, read_capped};
use crate::clock::{Clock, SystemClock};
use jumpgate_domain::CharacterId;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, HeaderMap, IF_NONE_MATCH, USER_AGENT,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Why every instance pauses when ESI answers only server errors.
const UNNAMED_OUTAGE: &str = "ESI answered only server errors (an outage it did not name)";
/// First back-off step; doubled per retry, capped, then jittered down by up to half.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(10);
/// Used when a 420 or 429 comes without the header that says how long to wait.
const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// A paged resource larger than this is surely a broken `X-Pages`.
const MAX_PAGES: i32 = 1000;

/// A value and how fresh it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Fresh<T> {
    pub value: T,
    /// When ESI may have something newer; asking before then returns this same value.
    pub expires_at: Option<OffsetDateTime>,
    /// True when the value is what we already had: served from the cache before it expired,
    /// or confirmed by a 304.
    pub not_modified: bool,
    /// ESI's `Last-Modified` of the answer (of its first page): the same text means the same
    /// cached answer, whatever the clocks of ESI and this process say.
    pub last_modified: Option<String>,
}

/// The character whose token authenticates a request. The token is only ever put in the
/// `Authorization` header: never logged, never part of a cache key.
#[derive(Clone, Copy)]
pub(crate) struct Auth<'a> {
    pub character: CharacterId,
    pub token: &'a str,
}

/// One request, built only from a spec-checked [`Route`].
pub(crate) struct Call<'a> {
    pub(crate) route: &'static Route,
    path: String,
    query: Vec<(&'static str, String)>,
    pub(crate) auth: Option<Auth<'a>>,
    body: Option<Vec<u8>>,
    /// Another compatibility date than the client's (a request passed on for an application).
    compatibility_date: Option<String>,
    /// `Accept-Language`, when not ESI's default (`en`).
    language: Option<String>,
}

impl<'a> Call<'a> {
    pub fn new(route: &'static Route, ids: &[i64]) -> Self {
        Self::concrete(route, route.path(ids))
    }

    /// A call of `route` on `path`, a path the caller matched to it (`operations::find`).
    pub fn concrete(route: &'static Route, path: String) -> Self {
        Self {
            route,
            path,
            query: Vec::new(),
            auth: None,
            body: None,
            compatibility_date: None,
            language: None,
        }
    }

    pub fn bytes(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    pub fn compatibility_date(mut self, date: Option<String>) -> Self {
        self.compatibility_date = date;
        self
    }

    pub fn language(mut self, language: Option<String>) -> Self {
        self.language = language;
        self
    }

    /// Adds a query parameter; only names the route declares (and so the spec allows).
    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        debug_assert!(
            self.route.query.contains(&name),
            "{name} is not declared for {} {}",
            self.route.method.as_str(),
            self.route.template
        );
        self.query.push((name, value.to_string()));
        self
    }

    pub fn auth(mut self, character: CharacterId, token: &'a str) -> Self {
        self.auth = Some(Auth { character, token });
        self
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self, EsiError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| EsiError::BadRequest(format!("unserializable body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn page(&self, page: i32) -> Self {
        let mut query: Vec<_> = self
            .query
            .iter()
            .filter(|(k, _)| *k != "page")
            .cloned()
            .collect();
        query.push(("page", page.to_string()));
        Self {
            route: self.route,
            path: self.path.clone(),
            query,
            auth: self.auth,
            body: self.body.clone(),
            compatibility_date: self.compatibility_date.clone(),
            language: self.language.clone(),
        }
    }

    pub(crate) fn bucket(&self) -> BucketKey {
        BucketKey {
            group: self.route.bucket_group().to_owned(),
            character: self.auth.map(|a| a.character),
        }
    }

    /// Method, path, query and (for authenticated calls) the character: answers differ by
    /// whose token asked; and another compatibility date or language than the client's, which
    /// change the answer's shape or words.
    pub(crate) fn cache_key(&self) -> String {
        let mut key = format!("{} {}", self.route.method.as_str(), self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            key.push(if i == 0 { '?' } else { '&' });
            key.push_str(k);
            key.push('=');
            // Encoded, so that a value holding `&` or `=` cannot spell another request's key.
            key.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
        }
        if let Some(a) = self.auth {
            key.push_str(&format!(" as:{}", a.character));
        }
        if let Some(date) = &self.compatibility_date {
            key.push_str(&format!(" date:{date}"));
        }
        if let Some(language) = &self.language {
            key.push_str(&format!(" lang:{language}"));
        }
        key
    }
}

/// Why `send_once` has no answer to judge.
pub(crate) enum SendFailure {
    /// No answer, or one that broke off.
    Transport(reqwest::Error),
    /// An answer (with its headers, which still count for the limits) whose body passed the cap.
    TooLarge { headers: HeaderMap, cap: usize },
}

/// An answer as it came.
pub(crate) struct Raw {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// What became of one sending of a call (`EsiClient::judge`).
pub(crate) enum Judged {
    /// A 2xx or 304.
    Answered(Raw),
    /// Worth sending again after a back-off, at least `hint` (a gateway error or a failed
    /// connection on a route where a second sending does no harm); what failed, if it is not.
    Again {
        hint: Option<Duration>,
        error: EsiError,
        answer: Option<Raw>,
    },
    /// Failed, with ESI's answer when there was one.
    Failed(EsiError, Option<Raw>),
}

impl Judged {
    /// The answer as it came, whatever it was (errors included), for requests passed on for
    /// others; `Err` only when there was none.
    pub(crate) fn into_answer(self) -> Result<Raw, EsiError> {
        match self {
            Judged::Answered(raw)
            | Judged::Failed(_, Some(raw))
            | Judged::Again {
                answer: Some(raw), ..
            } => Ok(raw),
            Judged::Failed(error, None)
            | Judged::Again {
                error,
                answer: None,
                ..
            } => Err(error),
        }
    }
}

/// A GET answer, from the network or the cache, not yet decoded.
struct Fetched {
    key: String,
    entry: CachedResponse,
    not_modified: bool,
    /// What to write back once its body decoded.
    store: Write,
}

/// How a fetched answer goes back into the cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// Served from the cache: nothing changed.
    Nothing,
    /// A 304: new validators and expiry, the same body.
    Validators,
    /// A 200: everything.
    All,
}

#[derive(Clone)]
pub struct EsiClient {
    pub(super) config: Arc<EsiConfig>,
    http: reqwest::Client,
    pub(super) cache: Arc<dyn EsiCache>,
    gate: Option<Arc<dyn SharedGate>>,
    pub(super) clock: Arc<dyn Clock>,
    governor: Arc<Governor>,
}

impl std::fmt::Debug for EsiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsiClient")
            .field("base_url", &self.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl EsiClient {
    pub fn new(config: EsiConfig, http: reqwest::Client, cache: Arc<dyn EsiCache>) -> Self {
        Self {
            config: Arc::new(config),
            http,
            cache,
            gate: None,
            clock: Arc::new(SystemClock),
            governor: Arc::new(Governor::default()),
        }
    }

    pub fn with_shared_gate(mut self, gate: Arc<dyn SharedGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Replaces the clock used for cache expiry, limiter windows, downtime and back-off.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Error-limit state, this process's pause and every rate-limit bucket seen so far.
    pub fn snapshot(&self) -> GovernorSnapshot {
        self.governor.snapshot(self.clock.now())
    }

    /// A cached GET: served from the cache until `Expires`, then revalidated with the ETag.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<Fresh<T>, EsiError> {
        let fetched = self.fetch(&call).await?;
        let value = decode(&fetched.entry.body, call.route)?;
        let fresh = Fresh {
            value,
            expires_at: fetched.entry.expires_at,
            not_modified: fetched.not_modified,
            last_modified: fetched.entry.last_modified.clone(),
        };
        self.write_back(fetched).await;
        Ok(fresh)
    }

    /// A paged GET (`X-Pages`): page 1, then 2..N. If `Last-Modified` changes mid-walk (ESI's
    /// cache flipped), the walk starts over once. Nothing is cached unless every page decoded.
    pub(crate) async fn get_paged<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<Fresh<Vec<T>>, EsiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let first = self.fetch(&call.page(1)).await?;
            let pages = first.entry.pages.unwrap_or(1).clamp(1, MAX_PAGES);
            let mut fetched = vec![first];
            for page in 2..=pages {
                fetched.push(self.fetch(&call.page(page)).await?);
            }
            let first_modified = &fetched[0].entry.last_modified;
            let consistent = fetched
                .iter()
                .all(|f| f.entry.last_modified == *first_modified);
            if !consistent && attempt < 2 {
                tracing::debug!(
                    route = call.route.template,
                    "pages changed mid-walk, starting over"
                );
                continue;
            }
            let mut value = Vec::new();
            for f in &fetched {
                value.extend(decode::<Vec<T>>(&f.entry.body, call.route)?);
            }
            let expires_at = fetched.iter().filter_map(|f| f.entry.expires_at).min();
            let not_modified = fetched.iter().all(|f| f.not_modified);
            let last_modified = fetched[0].entry.last_modified.clone();
            for f in fetched {
                self.write_back(f).await;
            }
            return Ok(Fresh {
                value,
                expires_at,
                not_modified,
                last_modified,
            });
        }
    }

    /// An uncached request whose 2xx body is JSON (POST lookups, contact writes).
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, EsiError> {
        let raw = self.execute(&call, None).await?;
        decode(&raw.body, call.route)
    }

    /// An uncached request whose 2xx answer has no body worth reading (204).
    pub(crate) async fn send_empty(&self, call: Call<'_>) -> Result<(), EsiError> {
        self.execute(&call, None).await.map(|_| ())
    }

    async fn write_back(&self, f: Fetched) {
        match f.store {
            Write::Nothing => {}
            Write::Validators => self.cache.revalidated(&f.key, f.entry).await,
            Write::All => self.cache.put(&f.key, f.entry).await,
        }
    }

    async fn fetch(&self, call: &Call<'_>) -> Result<Fetched, EsiError> {
        let key = call.cache_key();
        let now = self.clock.now();
        let cached = self.cache.get(&key).await;
        if let Some(entry) = cached.clone().filter(|c| c.is_fresh(now)) {
            // Asking before Expires gets nothing new and may count as circumventing the cache.
            return Ok(Fetched {
                key,
                entry,
                not_modified: true,
                store: Write::Nothing,
            });
        }
        let etag = cached.as_ref().and_then(|c| c.etag.clone());
        let raw = self.execute(call, etag.as_deref()).await?;
        let now = self.clock.now();
        if raw.status == StatusCode::NOT_MODIFIED {
            let mut entry = cached.ok_or_else(|| {
                EsiError::Decode("304 Not Modified without a cached body".to_owned())
            })?;
            entry.revalidate(&raw.headers, now);
            return Ok(Fetched {
                key,
                entry,
                not_modified: true,
                store: Write::Validators,
            });
        }
        let entry = CachedResponse::answered(&raw.headers, raw.body, now);
        Ok(Fetched {
            key,
            entry,
            not_modified: false,
            store: Write::All,
        })
    }

    /// Sends `call` (retrying 502/503/504 and connection failures with back-off) and returns a
    /// 2xx or 304 answer; every other outcome becomes an [`EsiError`].
    pub(crate) async fn execute(
        &self,
        call: &Call<'_>,
        if_none_match: Option<&str>,
    ) -> Result<Raw, EsiError> {
        let mut retries = 0;
        loop {
            let flight = self.admit(call).await?;
            let sent = self.send_once(call, if_none_match).await;
            let retryable = call.route.idempotent && retries < self.config.max_retries;
            match self.judge(call, sent, flight, retryable).await {
                Judged::Answered(raw) => return Ok(raw),
                Judged::Again { hint, .. } => {
                    retries += 1;
                    self.back_off(retries, hint).await;
                }
                Judged::Failed(error, _) => return Err(error),
            }
        }
    }

    /// What one sending of `call` came to, once every limiter has counted its answer (or the
    /// lack of one): the limits' headers observed, errors counted, pauses taken and shared,
    /// a 429's bucket blocked. `flight` is the request's reservation, given back once counted.
    /// `retryable`: whether a gateway error or a failed connection may be sent again.
    pub(crate) async fn judge(
        &self,
        call: &Call<'_>,
        sent: Result<Raw, SendFailure>,
        flight: InFlight<'_>,
        retryable: bool,
    ) -> Judged {
        let route = call.route;
        let now = self.clock.now();
        let raw = match sent {
            Ok(raw) => raw,
            Err(SendFailure::TooLarge { headers, cap }) => {
                count(route, "too_large");
                self.observe(call, &headers, now).await;
                tracing::warn!(
                    route = route.template,
                    cap,
                    "ESI sent an answer too long to read"
                );
                return Judged::Failed(EsiError::Decode(BodyError::too_large(cap)), None);
            }
            Err(SendFailure::Transport(e)) => {
                let timed_out = e.is_timeout();
                let unreached = timed_out || e.is_connect();
                let outage = unreached.then(|| self.count_server_error(now)).flatten();
                drop(flight);
                count(route, if timed_out { "timeout" } else { "transport" });
                if let Some(end) = downtime::window_end(now) {
                    return Judged::Failed(self.enter_downtime(end).await, None);
                }
                if let Some(until) = outage {
                    return Judged::Failed(self.outage_unnamed(until).await, None);
                }
                let error = if timed_out {
                    EsiError::Timeout
                } else {
                    EsiError::Transport(e.without_url().to_string())
                };
                if retryable && unreached {
                    return Judged::Again {
                        hint: None,
                        error,
                        answer: None,
                    };
                }
                return Judged::Failed(error, None);
            }
        };
        count(route, raw.status.as_str());
        let reported = self.observe(call, &raw.headers, now).await;
        let status = raw.status;
        if !reported
            && (status.is_client_error() || status.is_server_error())
            && status.as_u16() != 420
        {
            let (remain, reset_at) = self.governor.count_unreported_error(now);
            self.mind_error_floor(remain, reset_at).await;
        }
        let outage = if status.is_server_error() {
            self.count_server_error(now)
        } else {
            self.governor.count_answer();
            None
        };
        // Counted: the reservation is no longer needed, even while a retry waits.
        drop(flight);
        tracing::debug!(
            route = route.template,
            status = status.as_u16(),
            "ESI answered"
        );
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Judged::Answered(raw);
        }
        let body = ErrorBody::parse(&raw.body);
        let message = body.message(status.as_u16(), &raw.body);
        let error = match status.as_u16() {
            420 => {
                let wait = headers::int(&raw.headers, headers::ERROR_LIMIT_RESET)
                    .and_then(|s| u64::try_from(s).ok())
                    .map_or(DEFAULT_WAIT, Duration::from_secs);
                let until = now + wait;
                self.pause(
                    until,
                    PauseKind::ErrorLimit,
                    "ESI error limit exceeded (420)",
                )
                .await;
                EsiError::ErrorLimited { until }
            }
            429 => {
                let wait = crate::http_date::retry_after(&raw.headers, now).unwrap_or(DEFAULT_WAIT);
                let key = self.answered_bucket(call, &raw.headers);
                tracing::warn!(route = route.template, group = %key.group, ?wait, "ESI rate limit hit");
                self.governor.block_bucket(key.clone(), now + wait);
                EsiError::RateLimited {
                    retry_after: wait,
                    group: Some(key.group),
                }
            }
            s @ 500..=599 => {
                let gateway = matches!(s, 502..=504);
                let status_route = *route == super::routes::STATUS;
                // Outside the daily window too: ESI names Tranquility's downtime in its
                // answer, and retrying it would only spend the error limit.
                let says_down = gateway && downtime::is_downtime_message(&message);
                let in_window = gateway && downtime::window_end(now).is_some();
                if status_route || says_down || in_window {
                    self.enter_downtime(downtime::estimate(now)).await
                } else if let Some(until) = outage {
                    self.outage_unnamed(until).await
                } else if gateway && retryable {
                    return Judged::Again {
                        hint: crate::http_date::retry_after(&raw.headers, now),
                        error: EsiError::Server { status: s, message },
                        answer: Some(raw),
                    };
                } else {
                    EsiError::Server { status: s, message }
                }
            }
            400 => EsiError::BadRequest(message),
            401 | 403 => EsiError::Forbidden {
                message,
                sso_status: body.sso_status,
            },
            404 => EsiError::NotFound(message),
            s => EsiError::BadRequest(format!("HTTP {s}: {message}")),
        };
        Judged::Failed(error, Some(raw))
    }

    /// Refuses what the limiters or a pause forbid, before anything leaves the process; waits
    /// while the error limit has room only for the requests already in flight.
    async fn admit(&self, call: &Call<'_>) -> Result<InFlight<'_>, EsiError> {
        self.admit_with(call, self.config.error_limit_floor.into(), true)
            .await
    }

    /// `admit` with `margin` left for others; without `wait`, a request that would have to wait
    /// for an answer in flight is refused as by the error limit, for a second.
    pub(crate) async fn admit_with(
        &self,
        call: &Call<'_>,
        margin: Margin,
        wait: bool,
    ) -> Result<InFlight<'_>, EsiError> {
        let bucket = call.bucket();
        let flight = loop {
            let answered = self.governor.answered();
            tokio::pin!(answered);
            answered.as_mut().enable();
            let now = self.clock.now();
            match self.governor.admit(now, margin, &bucket)? {
                Some(flight) => break flight,
                None if wait => answered.await,
                None => {
                    return Err(EsiError::ErrorLimited {
                        until: now + Duration::from_secs(1),
                    });
                }
            }
        };
        self.check_gate().await?;
        Ok(flight)
    }

    /// Whether `call` may be sent now with `margin` left for others, without reserving
    /// anything: the limiters of this process and the pause every instance shares.
    pub(crate) async fn admissible(
        &self,
        bucket: &BucketKey,
        margin: Margin,
    ) -> Result<(), EsiError> {
        self.governor.check(self.clock.now(), margin, bucket)?;
        self.check_gate().await
    }

    /// The pause another instance may have taken (error limit, downtime).
    async fn check_gate(&self) -> Result<(), EsiError> {
        let now = self.clock.now();
        if let Some(gate) = &self.gate
            && let Some(until) = gate.paused_until().await
            && until > now
        {
            return Err(if downtime::window_end(now).is_some() {
                EsiError::Downtime {
                    until_estimate: until,
                }
            } else {
                EsiError::ErrorLimited { until }
            });
        }
        Ok(())
    }

    /// Counts a server error or timeout, before its request's reservation is given back (so
    /// that no request waiting for it goes out meanwhile); at `OUTAGE_STREAK` in a row, ESI is
    /// taken to be down though it did not say so, and this process pauses as for a downtime
    /// until the returned time.
    fn count_server_error(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.governor.count_server_error() < OUTAGE_STREAK {
            return None;
        }
        let until = downtime::estimate(now);
        self.governor
            .pause(until, PauseKind::Downtime, UNNAMED_OUTAGE);
        Some(until)
    }

    /// An outage ESI did not name (see `count_server_error`): every instance pauses too.
    async fn outage_unnamed(&self, until: OffsetDateTime) -> EsiError {
        tracing::warn!(%until, "ESI answers only server errors: pausing as for an unscheduled downtime");
        self.pause(until, PauseKind::Downtime, UNNAMED_OUTAGE).await;
        EsiError::Downtime {
            until_estimate: until,
        }
    }

    pub(crate) async fn send_once(
        &self,
        call: &Call<'_>,
        if_none_match: Option<&str>,
    ) -> Result<Raw, SendFailure> {
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let url = format!("{base}{}", call.path);
        let mut req = self
            .http
            .request(call.route.method.to_reqwest(), url)
            .timeout(self.config.timeout)
            .header(USER_AGENT, &self.config.user_agent)
            .header(ACCEPT, "application/json")
            .header(
                headers::COMPATIBILITY_DATE,
                call.compatibility_date
                    .as_deref()
                    .unwrap_or(&self.config.compatibility_date),
            );
        if let Some(language) = &call.language {
            req = req.header(ACCEPT_LANGUAGE, language);
        }
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(auth) = call.auth {
            req = req.header(AUTHORIZATION, format!("Bearer {}", auth.token));
        }
        if let Some(etag) = if_none_match {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(body) = &call.body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        } else if call.route.method != Method::Get {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        let response = req.send().await.map_err(SendFailure::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = match read_capped(response, ESI_MAX_BODY).await {
            Ok(body) => body,
            Err(BodyError::Transport(e)) => return Err(SendFailure::Transport(e)),
            Err(BodyError::TooLarge { cap }) => return Err(SendFailure::TooLarge { headers, cap }),
        };
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    /// Records the limiter headers of any answer; whether it spoke of the error limit.
    async fn observe(&self, call: &Call<'_>, h: &HeaderMap, now: OffsetDateTime) -> bool {
        let remain =
            headers::int(h, headers::ERROR_LIMIT_REMAIN).and_then(|r| u32::try_from(r.max(0)).ok());
        if let Some(remain) = remain {
            let reset = headers::int(h, headers::ERROR_LIMIT_RESET)
                .unwrap_or(60)
                .max(0);
            let reset_at = now + time::Duration::seconds(reset);
            self.governor.observe_error_limit(remain, reset_at);
            self.mind_error_floor(remain, reset_at).await;
        }
        if headers::text(h, headers::RATELIMIT_GROUP).is_some()
            || headers::text(h, headers::RATELIMIT_REMAINING).is_some()
        {
            self.governor.observe_bucket(
                self.answered_bucket(call, h),
                headers::text(h, headers::RATELIMIT_LIMIT),
                headers::int(h, headers::RATELIMIT_REMAINING),
                headers::int(h, headers::RATELIMIT_USED),
                now,
            );
        }
        remain.is_some()
    }

    /// At or below the floor of the error limit (`remain` left until `reset_at`), every
    /// instance stops sending until the reset.
    async fn mind_error_floor(&self, remain: u32, reset_at: OffsetDateTime) {
        metrics::gauge!("esi_error_limit_remaining").set(f64::from(remain));
        if remain <= self.config.error_limit_floor {
            tracing::warn!(
                remain,
                "ESI error limit nearly spent, pausing until its reset"
            );
            self.pause(
                reset_at,
                PauseKind::ErrorLimit,
                "ESI error limit nearly spent",
            )
            .await;
        }
    }

    /// The bucket an answer speaks of. The route's spec group is authoritative for where we
    /// check before sending, so the header is only used for routes the spec left ungrouped.
    fn answered_bucket(&self, call: &Call<'_>, h: &HeaderMap) -> BucketKey {
        let mut key = call.bucket();
        if call.route.group.is_none()
            && let Some(group) = headers::text(h, headers::RATELIMIT_GROUP)
        {
            key.group = group;
        }
        key
    }

    async fn pause(&self, until: OffsetDateTime, kind: PauseKind, reason: &str) {
        self.governor.pause(until, kind, reason);
        if let Some(gate) = &self.gate {
            gate.pause_until(until, reason).await;
        }
    }

    async fn enter_downtime(&self, until: OffsetDateTime) -> EsiError {
        tracing::info!(%until, "Tranquility looks down, pausing ESI traffic");
        self.pause(until, PauseKind::Downtime, "EVE downtime").await;
        EsiError::Downtime {
            until_estimate: until,
        }
    }

    /// Waits before retry number `retry` (1-based): exponential, capped, jittered, and never
    /// shorter than a `Retry-After` the server gave.
    async fn back_off(&self, retry: u32, hint: Option<Duration>) {
        let exp = BACKOFF_BASE.saturating_mul(1 << retry.saturating_sub(1).min(16));
        let capped = exp.min(BACKOFF_CAP);
        let jitter: f64 = rand::rng().random_range(0.5..=1.0);
        let wait = capped.mul_f64(jitter).max(hint.unwrap_or_default());
        self.clock.sleep(wait).await;
    }
}

fn decode<T: DeserializeOwned>(body: &[u8], route: &Route) -> Result<T, EsiError> {
    serde_json::from_slice(body).map_err(|e| {
        metrics::counter!("esi_decode_errors_total", "route" => route.template).increment(1);
        EsiError::Decode(format!("{} {}: {e}", route.method.as_str(), route.template))
    })
}

fn count(route: &Route, status: &str) {
    metrics::counter!(
        "esi_requests_total",
        "route" => route.template,
        "method" => route.method.as_str(),
        "status" => status.to_owned()
    )
    .increment(1);
}
