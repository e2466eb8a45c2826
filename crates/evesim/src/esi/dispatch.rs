//! The pipeline every ESI request goes through, in CCP's order: latency, error limiter (420),
//! downtime (503), bucket limiter (429), injected faults, token checks, the handler, then
//! the server-side cache (or the handler), pagination, garbage mode, cache headers / 304, token
//! spending and limiter headers.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use rand::Rng;
use time::OffsetDateTime;

use super::auth;
use super::cache;
use super::error::EsiError;
use super::limits::{self, ERROR_LIMIT};
use super::request::{EsiBody, EsiOk, EsiRequest};
use super::routes::EsiRoute;
use crate::log::AuthCharacter;
use crate::state::{Forced, Shared, lock};

/// The newest compatibility date of the vendored spec; responses never echo a later one.
pub const SPEC_COMPATIBILITY_DATE: &str = "2026-08-18";
/// What ESI assumes without an `X-Compatibility-Date`.
pub const OLDEST_COMPATIBILITY_DATE: &str = "2020-01-01";

const ERROR_LIMITED: &str = "This software has exceeded the error limit for ESI. If you are a user, please contact the maintainer of this software. If you are a developer/maintainer, please make a greater effort in the future to receive valid responses.";

struct Rendered {
    status: StatusCode,
    body: Option<Vec<u8>>,
    pages: Option<usize>,
    /// When the answer was made and until when ESI serves it (cached GET routes).
    stamp: Option<cache::Stamp>,
}

struct Snapshot {
    downtime: bool,
    fault: Option<u16>,
    garbage: Option<String>,
    page_size: usize,
    /// The route's bucket size: the spec's, or the control's override.
    max_tokens: Option<u32>,
    forced: Option<Forced>,
}

fn snapshot(shared: &Shared, route: &EsiRoute, path: &str) -> (Snapshot, std::time::Duration) {
    let mut c = lock(&shared.controls);
    let rate = c.fault_rate.clamp(0.0, 1.0);
    let fault = (rate > 0.0 && c.fault_rng.random_bool(rate))
        .then(|| [500, 502, 503, 504][c.fault_rng.random_range(0..4)]);
    let max_tokens = route
        .rate_limit
        .map(|rl| c.bucket_max.get(rl.group).copied().unwrap_or(rl.max_tokens));
    let forced = match c
        .forced
        .iter()
        .position(|f| path.contains(&f.route_contains))
    {
        Some(i) if c.forced[i].skip > 0 => {
            c.forced[i].skip -= 1;
            None
        }
        Some(i) => c.forced.remove(i),
        None => None,
    };
    (
        Snapshot {
            downtime: c.downtime,
            fault,
            garbage: c.garbage.clone(),
            page_size: c.page_size.max(1),
            max_tokens,
            forced,
        },
        c.latency,
    )
}

pub async fn dispatch(
    shared: Arc<Shared>,
    route: &'static EsiRoute,
    peer: SocketAddr,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (snap, latency) = snapshot(&shared, route, uri.path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let ip = peer.ip();
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let params = path_params(route.path, uri.path());
    let bearer = auth::verify_bearer(&shared, &headers);
    let character = bearer
        .as_ref()
        .ok()
        .and_then(|a| a.as_ref())
        .map(|a| a.character_id);
    // CCP's bucket "user": `applicationID:characterID` on authenticated routes; the source IP
    // on public ones, `sourceIP:applicationID` when a token is sent along anyway.
    let user = match bearer.as_ref().ok().and_then(|a| a.as_ref()) {
        Some(a) if route.scope.is_some() => format!("{}:{}", a.client_id, a.character_id),
        Some(a) => format!("{ip}:{}", a.client_id),
        None => ip.to_string(),
    };
    let compatibility = compatibility_date(&headers, &query, shared.now_utc());
    // ESI serves a cached route's answer from its cache until it expires, per character on
    // authenticated routes.
    let cache_key =
        (route.method == Method::GET.as_str() && route.cache_age.is_some()).then(|| {
            cache::key(
                uri.path().trim_end_matches('/'),
                &query,
                route.scope.and(character),
            )
        });

    let (remain, reset) = lock(&shared.limits).error_state(ip);
    if let Some(f) = snap.forced.as_ref().filter(|f| f.status == 420) {
        // As if other clients on this IP had spent the error limit: 420 until `wait_secs`.
        let mut resp = json_response(
            StatusCode::from_u16(420).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
            &serde_json::json!({"error": ERROR_LIMITED}),
        );
        set(resp.headers_mut(), "x-esi-error-limit-remain", "0");
        set(
            resp.headers_mut(),
            "x-esi-error-limit-reset",
            &f.wait_secs.to_string(),
        );
        return finish(resp, character, compatibility.as_deref().ok());
    }
    if remain == 0 {
        let mut resp = json_response(
            StatusCode::from_u16(420).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
            &serde_json::json!({"error": ERROR_LIMITED}),
        );
        set(resp.headers_mut(), "x-esi-error-limit-remain", "0");
        set(
            resp.headers_mut(),
            "x-esi-error-limit-reset",
            &reset.to_string(),
        );
        return finish(resp, character, compatibility.as_deref().ok());
    }

    let mut extra = HeaderMap::new();
    let outcome = compatibility
        .clone()
        .and_then(|_| {
            run(
                &shared,
                route,
                &snap,
                &user,
                &bearer,
                &params,
                &query,
                body,
                cache_key.as_deref(),
                &mut extra,
            )
        })
        .and_then(|(ok, stamp)| render(ok, stamp, &query, snap.page_size));

    let method = route.method;
    let mut resp = match outcome {
        Ok(r) => {
            let garbage = snap.garbage.as_deref().is_some_and(|g| {
                r.status.is_success() && (uri.path().contains(g) || route.path.contains(g))
            });
            if garbage {
                let mut resp = raw_response(StatusCode::OK, b"{\"garbage\": [1, 2, ".to_vec());
                set(
                    resp.headers_mut(),
                    "content-type",
                    "application/json; charset=utf-8",
                );
                resp
            } else if method == Method::GET.as_str() && r.status == StatusCode::OK {
                cached(route, &headers, r, shared.now_utc())
            } else {
                let mut resp = raw_response(r.status, r.body.unwrap_or_default());
                if r.status != StatusCode::NO_CONTENT {
                    set(
                        resp.headers_mut(),
                        "content-type",
                        "application/json; charset=utf-8",
                    );
                }
                resp
            }
        }
        Err(e) => json_response(e.status, &e.body),
    };
    resp.headers_mut().extend(extra);
    account(&shared, route, snap.max_tokens, ip, &user, &mut resp);
    finish(resp, character, compatibility.as_deref().ok())
}

/// "The API changes date at 11:00 UTC": the newest date ESI serves is today's, 11 hours late.
fn api_today(now: OffsetDateTime) -> String {
    (now - time::Duration::hours(11)).date().to_string()
}

/// The request's compatibility date (`X-Compatibility-Date`, or `?compatibility_date=`; the
/// oldest date without either). A date that is not `YYYY-MM-DD`, is after ESI's today or before
/// its first date is refused, as ESI refuses it.
fn compatibility_date(
    headers: &HeaderMap,
    query: &[(String, String)],
    now: OffsetDateTime,
) -> Result<String, EsiError> {
    let (location, sent) = match headers.get("x-compatibility-date") {
        Some(v) => (
            "header.X-Compatibility-Date",
            v.to_str().unwrap_or_default().to_owned(),
        ),
        None => match query.iter().find(|(k, _)| k == "compatibility_date") {
            Some((_, v)) => ("query.compatibility_date", v.clone()),
            None => return Ok(OLDEST_COMPATIBILITY_DATE.to_owned()),
        },
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let refuse = |why: String| {
        Err(EsiError::invalid(
            "Invalid compatibility date",
            location,
            why,
            &sent,
        ))
    };
    if time::Date::parse(&sent, &format).is_err() || sent.len() != 10 {
        return refuse("expected a date as YYYY-MM-DD".to_owned());
    }
    let today = api_today(now);
    // ISO dates compare as strings.
    if sent.as_str() > today.as_str() {
        return refuse(format!(
            "{sent} is in the future: the latest date is {today}"
        ));
    }
    if sent.as_str() < OLDEST_COMPATIBILITY_DATE {
        return refuse(format!(
            "{sent} is before the first date, {OLDEST_COMPATIBILITY_DATE}"
        ));
    }
    Ok(sent)
}

#[allow(clippy::too_many_arguments)]
fn run(
    shared: &Shared,
    route: &EsiRoute,
    snap: &Snapshot,
    user: &str,
    bearer: &Result<Option<super::request::Auth>, EsiError>,
    params: &HashMap<String, String>,
    query: &[(String, String)],
    body: Bytes,
    cache_key: Option<&str>,
    extra: &mut HeaderMap,
) -> Result<(EsiOk, Option<cache::Stamp>), EsiError> {
    if snap.downtime {
        return Err(EsiError::with_status(
            503,
            "The datasource tranquility is temporarily unavailable",
        ));
    }
    if let Some(f) = snap.forced.as_ref().filter(|f| f.status == 429) {
        // ESI's limiter deep in the game server: a 429 that no bucket header announced.
        set(extra, "retry-after", &f.wait_secs.max(1).to_string());
        return Err(EsiError::with_status(429, "Too many requests"));
    }
    if let (Some(rl), Some(max)) = (route.rate_limit, snap.max_tokens)
        && let Err(wait) = lock(&shared.limits).check(rl.group, user, max)
    {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        set(extra, "retry-after", &secs.to_string());
        return Err(EsiError::with_status(429, "Too many requests"));
    }
    if let Some(f) = snap.forced.as_ref().filter(|f| f.status >= 500) {
        return Err(EsiError::with_status(
            f.status,
            "Internal error (simulated fault)",
        ));
    }
    if let Some(status) = snap.fault {
        return Err(EsiError::with_status(
            status,
            "Internal error (simulated fault)",
        ));
    }
    // The token is checked before the cache is read: a cached answer is never a way around it.
    let auth = auth::authorize(shared, route, bearer, params)?;
    if let Some(hit) = cache_key.and_then(|k| lock(&shared.cache).answer(k, shared.now_utc())) {
        return Ok((hit.0, Some(hit.1)));
    }
    let req = EsiRequest {
        params: params.clone(),
        query: query.to_vec(),
        body,
        auth,
    };
    let ok = (route.handler)(shared, &req)?;
    let stamp = match (cache_key, route.cache_age) {
        (Some(key), Some(age)) if ok.status == StatusCode::OK => {
            Some(lock(&shared.cache).fill(key, &ok, age, shared.now_utc()))
        }
        _ => None,
    };
    Ok((ok, stamp))
}

fn render(
    ok: EsiOk,
    stamp: Option<cache::Stamp>,
    query: &[(String, String)],
    page_size: usize,
) -> Result<Rendered, EsiError> {
    let to_bytes = |v: &serde_json::Value| serde_json::to_vec(v).unwrap_or_default();
    match ok.body {
        EsiBody::Empty => Ok(Rendered {
            status: ok.status,
            body: None,
            pages: None,
            stamp,
        }),
        EsiBody::Json(v) => Ok(Rendered {
            status: ok.status,
            body: Some(to_bytes(&v)),
            pages: None,
            stamp,
        }),
        EsiBody::Paged(items) => {
            let page: usize = match query.iter().find(|(k, _)| k == "page") {
                None => 1,
                Some((_, p)) => p.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    EsiError::invalid(
                        "Invalid page",
                        "query.page",
                        "page must be a positive integer",
                        p,
                    )
                })?,
            };
            let pages = items.len().div_ceil(page_size).max(1);
            if page > pages {
                return Err(EsiError::not_found("Requested page does not exist!"));
            }
            let slice: Vec<serde_json::Value> = items
                .into_iter()
                .skip((page - 1) * page_size)
                .take(page_size)
                .collect();
            Ok(Rendered {
                status: ok.status,
                body: Some(to_bytes(&serde_json::Value::Array(slice))),
                pages: Some(pages),
                stamp,
            })
        }
    }
}

/// 200 GET answers: ETag / Last-Modified / Expires of the cached answer, and 304 for a matching
/// conditional request.
fn cached(route: &EsiRoute, headers: &HeaderMap, r: Rendered, now: OffsetDateTime) -> Response {
    let body = r.body.unwrap_or_default();
    let etag = cache::etag(&body);
    let cache::Stamp {
        last_modified,
        expires,
    } = r.stamp.unwrap_or(cache::Stamp {
        last_modified: now,
        expires: now,
    });
    // What is left of the answer's life, as ESI's `max-age` counts it.
    let age = (expires - now).whole_seconds().max(0);

    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let not_modified = match header_str("if-none-match") {
        Some(inm) => cache::matches(inm, &etag),
        None => header_str("if-modified-since")
            .and_then(cache::parse_http_date)
            .is_some_and(|since| last_modified <= since),
    };
    let mut resp = if not_modified {
        raw_response(StatusCode::NOT_MODIFIED, Vec::new())
    } else {
        let mut resp = raw_response(StatusCode::OK, body);
        set(
            resp.headers_mut(),
            "content-type",
            "application/json; charset=utf-8",
        );
        resp
    };
    let h = resp.headers_mut();
    set(h, "etag", &etag);
    set(h, "last-modified", &cache::http_date(last_modified));
    set(h, "expires", &cache::http_date(expires));
    let visibility = if route.scope.is_some() {
        "private"
    } else {
        "public"
    };
    set(h, "cache-control", &format!("{visibility}, max-age={age}"));
    if let Some(pages) = r.pages {
        set(h, "x-pages", &pages.to_string());
    }
    resp
}

/// Spends bucket tokens or counts errors, and sets the matching headers (CCP sends one family
/// or the other, never both).
fn account(
    shared: &Shared,
    route: &EsiRoute,
    max_tokens: Option<u32>,
    ip: IpAddr,
    user: &str,
    resp: &mut Response,
) {
    let status = resp.status();
    let mut limits = lock(&shared.limits);
    if status.is_client_error() || status.is_server_error() {
        limits.record_error(ip);
    }
    let h = resp.headers_mut();
    match route.rate_limit {
        Some(rl) => {
            let max = max_tokens.unwrap_or(rl.max_tokens);
            let cost = limits::cost(status);
            let remaining = limits.spend(rl.group, user, max, cost);
            set(h, "x-ratelimit-group", rl.group);
            set(h, "x-ratelimit-limit", &format!("{max}/15m"));
            set(h, "x-ratelimit-remaining", &remaining.to_string());
            set(h, "x-ratelimit-used", &cost.to_string());
        }
        None => {
            let (remain, reset) = limits.error_state(ip);
            set(
                h,
                "x-esi-error-limit-remain",
                &remain.min(ERROR_LIMIT).to_string(),
            );
            set(h, "x-esi-error-limit-reset", &reset.to_string());
        }
    }
}

/// `date`: the request's accepted compatibility date (none when it was refused).
fn finish(mut resp: Response, character: Option<i64>, date: Option<&str>) -> Response {
    if let Some(requested) = date {
        // ISO dates compare as strings; never echo a date newer than the spec.
        let echoed = if requested > SPEC_COMPATIBILITY_DATE {
            SPEC_COMPATIBILITY_DATE
        } else {
            requested
        };
        set(resp.headers_mut(), "x-compatibility-date", echoed);
    }
    if let Some(c) = character {
        resp.extensions_mut().insert(AuthCharacter(c));
    }
    resp
}

/// Unknown paths: a 404 that costs an error-limit unit, like any other ESI error.
pub async fn not_found(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let mut limits = lock(&shared.limits);
    let (remain, reset) = limits.error_state(peer.ip());
    if remain == 0 {
        let mut resp = json_response(
            StatusCode::from_u16(420).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
            &serde_json::json!({"error": ERROR_LIMITED}),
        );
        set(resp.headers_mut(), "x-esi-error-limit-remain", "0");
        set(
            resp.headers_mut(),
            "x-esi-error-limit-reset",
            &reset.to_string(),
        );
        return resp;
    }
    limits.record_error(peer.ip());
    let (remain, reset) = limits.error_state(peer.ip());
    let mut resp = json_response(
        StatusCode::NOT_FOUND,
        &EsiError::not_found("Not found").body,
    );
    set(
        resp.headers_mut(),
        "x-esi-error-limit-remain",
        &remain.to_string(),
    );
    set(
        resp.headers_mut(),
        "x-esi-error-limit-reset",
        &reset.to_string(),
    );
    resp
}

/// Path parameters by matching the concrete path against the route template.
pub fn path_params(template: &str, path: &str) -> HashMap<String, String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, p)| {
            t.strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .map(|name| (name.to_owned(), p.to_owned()))
        })
        .collect()
}

fn raw_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut resp = raw_response(status, serde_json::to_vec(value).unwrap_or_default());
    set(
        resp.headers_mut(),
        "content-type",
        "application/json; charset=utf-8",
    );
    resp
}

fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
        headers.insert(n, v);
    }
}
