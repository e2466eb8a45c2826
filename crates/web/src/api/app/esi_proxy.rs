//! The ESI proxy (`app-esi-proxy`): `GET|POST /app/v2/esi/<ESI path>?<ESI query>` (the style
//! that lets a client generated for ESI use Jumpgate as its host) and
//! `GET|POST /app/v2/esi?esi-path-query=<ESI path and query, URL-encoded>`, with the character
//! in `Neucore-EveCharacter` (and `Neucore-EveLogin`) or `datasource=<id>[:<login>]`. The
//! deprecated v1 paths answer the same, but an error as Neucore's v1 does: the status and a
//! reason phrase, no body.

use super::AppCaller;
use crate::WebState;
use crate::api::ApiError;
use crate::api::error::reason_phrase;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jumpgate_app::apps::{ProxyOutcome, ProxyRefusal, ProxyRequest};
use jumpgate_domain::apps::esi_proxy::MAX_REQUEST_BODY;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/api/app/v1/esi", get(esi_v1).post(esi_post_v1))
        .route("/api/app/v1/esi/", get(esi_v1).post(esi_post_v1))
        .route("/api/app/v1/esi/{*path}", get(esi_v1).post(esi_post_v1))
        .route("/api/app/v2/esi", get(esi_v2).post(esi_post_v2))
        .route("/api/app/v2/esi/", get(esi_v2).post(esi_post_v2))
        .route("/api/app/v2/esi/{*path}", get(esi_v2).post(esi_post_v2))
}

/// Which of Neucore's versions answers: they differ only in how an error is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// The status and the message as the reason phrase, no body.
    V1,
    /// The message as a JSON string body (and as the reason phrase when short).
    V2,
}

/// One proxy operation of the document: its handler and Neucore's description of it (four
/// operations of one shape; a POST takes ESI's JSON body as text, as Neucore's does).
macro_rules! esi_operation {
    ($handler:ident, $method:ident, $path:literal, $id:literal, $version:expr, $what:literal
        $(, body = $body:literal)?) => {
        #[doc = $what]
        #[utoipa::path(
            $method,
            path = $path,
            operation_id = $id,
            tag = "Application - ESI",
            description = "Needs role: app-esi-proxy. Only ESI routes that need a token are \
                passed on. The ESI path and query go in `esi-path-query` (URL-encoded), or after \
                the path (`/api/app/v2/esi/latest/characters/96061222/assets/?page=1`), so that \
                a client generated for ESI can use Jumpgate as its host. The character (and EVE \
                login) come from the `Neucore-EveCharacter` and `Neucore-EveLogin` headers or \
                from `datasource=<character id>[:<login>]`. The request shares Jumpgate's ESI \
                error budget, rate limits, ETag cache and downtime handling; while ESI cannot \
                be asked the answer is 429 with Retry-After.",
            params(
                ("Neucore-EveCharacter" = Option<String>, Header, description = "The EVE character ID those token should be used. Has priority over the query parameter 'datasource'"),
                ("Neucore-EveLogin" = Option<String>, Header, description = "The EVE login name from which the token should be used, defaults to core.default."),
                ("esi-path-query" = Option<String>, Query, description = "The ESI path and query string (without the datasource parameter); not needed when the ESI path follows this path."),
                ("datasource" = Option<String>, Query, description = "The EVE character ID those token should be used from the default login to make the ESI request. Optionally followed by a colon and the name of an EVE login to use an alternative ESI token."),
            ),
            $(request_body(content = String, content_type = "text/plain", description = $body),)?
            security(("BearerAuth" = [])),
            responses(
                (status = 200, description = "The data from ESI (an object, array or number etc.).", body = String, content_type = "application/json",
                    headers(("Expires" = String, description = "RFC7231 formatted datetime string"))),
                (status = 304, description = "Not modified",
                    headers(("Expires" = String, description = "RFC7231 formatted datetime string"))),
                (status = 400, description = "Bad request, see reason phrase and/or body for more.", body = String, content_type = "application/json"),
                (status = 401, description = "Unauthorized", body = String, content_type = "application/json"),
                (status = 403, description = "Forbidden", body = String, content_type = "application/json"),
                (status = 420, description = "Error limited", body = String, content_type = "application/json"),
                (status = 429, description = "Too many errors, see body for more.", body = String, content_type = "application/json",
                    headers(("Retry-After" = String, description = "Delay in seconds."))),
                (status = 500, description = "Internal server error", body = String, content_type = "application/json"),
                (status = 503, description = "Service unavailable", body = String, content_type = "application/json"),
                (status = 504, description = "Gateway timeout", body = String, content_type = "application/json"),
            )
        )]
        pub(super) async fn $handler(
            State(state): State<WebState>,
            AppCaller(caller): AppCaller,
            path: Option<Path<String>>,
            request: Request,
        ) -> Response {
            proxy(&state, &caller, $version, path, request).await
        }
    };
}

esi_operation!(
    esi_v1,
    get,
    "/app/v1/esi",
    "esiV1",
    Version::V1,
    "Makes an ESI GET request on behalf of an EVE character (deprecated: errors without a body)."
);
esi_operation!(
    esi_post_v1,
    post,
    "/app/v1/esi",
    "esiPostV1",
    Version::V1,
    "Makes an ESI POST request on behalf of an EVE character (deprecated: errors without a body).",
    body = "JSON encoded data."
);
esi_operation!(
    esi_v2,
    get,
    "/app/v2/esi",
    "esiV2",
    Version::V2,
    "Makes an ESI GET request on behalf of an EVE character and returns the result."
);
esi_operation!(
    esi_post_v2,
    post,
    "/app/v2/esi",
    "esiPostV2",
    Version::V2,
    "Makes an ESI POST request on behalf of an EVE character and returns the result.",
    body = "JSON encoded data."
);

async fn proxy(
    state: &WebState,
    caller: &jumpgate_app::Caller,
    version: Version,
    path: Option<Path<String>>,
    request: Request,
) -> Response {
    let request = read(path.map(|Path(p)| p), request).await;
    match state.app.esi_proxy(caller, request).await {
        Ok(ProxyOutcome::Answered {
            status,
            headers,
            body,
        }) => answered(status, &headers, body),
        Ok(ProxyOutcome::Refused(why)) => refused(version, why),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The request as the use case takes it. In the path style every query parameter but
/// `datasource` is ESI's; in the other, `esi-path-query` holds ESI's path and query (a path
/// style request without a path falls back to it).
async fn read(path: Option<String>, request: Request) -> ProxyRequest {
    let (asked, body) = request.into_parts();
    let params: Vec<(String, String)> = pairs(asked.uri.query().unwrap_or_default());
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let datasource = param("datasource");
    let (path, query) = match path.filter(|p| !p.trim_matches('/').is_empty()) {
        Some(p) => (format!("/{}", p.trim_start_matches('/')), params.clone()),
        None => {
            let esi = param("esi-path-query").unwrap_or_default();
            let (p, q) = esi.split_once('?').unwrap_or((esi.as_str(), ""));
            (p.to_owned(), pairs(q))
        }
    };
    let query = query
        .into_iter()
        .filter(|(k, _)| k != "datasource")
        .collect();
    let header = |name: &str| {
        asked
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let post = asked.method == Method::POST;
    let (body, body_too_large) = if post {
        match to_bytes(body, MAX_REQUEST_BODY).await {
            Ok(bytes) => (bytes.to_vec(), false),
            Err(_) => (Vec::new(), true),
        }
    } else {
        (Vec::new(), false)
    };
    ProxyRequest {
        post,
        path,
        query,
        header_character: header("Neucore-EveCharacter"),
        header_login: header("Neucore-EveLogin"),
        datasource,
        body,
        body_too_large,
        compatibility_date: header("X-Compatibility-Date"),
        accept_language: header(header::ACCEPT_LANGUAGE.as_str()),
        if_none_match: header(header::IF_NONE_MATCH.as_str()),
    }
}

fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// ESI's answer: its status, the headers an application gets, its body.
fn answered(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let out = response.headers_mut();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            out.append(name, value);
        }
    }
    response
}

/// A request not sent (or not answered): Neucore's status and words, in `version`'s form, with
/// `Retry-After` when waiting helps.
fn refused(version: Version, why: ProxyRefusal) -> Response {
    let (status, message, retry_after) = match why {
        ProxyRefusal::Limited {
            message,
            retry_after,
        } => (StatusCode::TOO_MANY_REQUESTS, message, Some(retry_after)),
        ProxyRefusal::Invalid(m) => (StatusCode::BAD_REQUEST, m, None),
        ProxyRefusal::LoginNotGranted(m) => (StatusCode::FORBIDDEN, m, None),
        ProxyRefusal::MissingScope(m) => {
            // What ESI itself would have answered, in ESI's shape, for clients that read it.
            return (
                StatusCode::FORBIDDEN,
                Json(serde_json::json!({ "error": m })),
            )
                .into_response();
        }
        ProxyRefusal::TokenUnavailable {
            message,
            retry_after,
        } => (StatusCode::SERVICE_UNAVAILABLE, message, retry_after),
        ProxyRefusal::Unanswered { message, timed_out } => {
            let status = if timed_out {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (status, message, None)
        }
        ProxyRefusal::AnswerTooLarge(m) => (StatusCode::BAD_GATEWAY, m, None),
        ProxyRefusal::BodyTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m, None),
    };
    let mut response = match version {
        Version::V1 => status.into_response(),
        Version::V2 => (status, Json(&message)).into_response(),
    };
    if let Some(phrase) = reason_phrase(&message) {
        response.extensions_mut().insert(phrase);
    }
    if let Some(wait) = retry_after {
        let seconds = crate::error::retry_after(wait).max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
