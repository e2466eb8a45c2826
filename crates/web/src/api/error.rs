//! The application API's error: what an API handler returns when it fails, rendered as JSON.
//!
//! It is the API edge's error, separate from `WebError` (the HTML edge's), because the two edges
//! answer different clients. A person's browser gets a page with a title, a message and a way
//! on, and is sent to the login page when not signed in; an application gets a status code and a
//! body it can parse, and is never redirected. Neucore's application API (v2,
//! `application-api-2.4.0.yaml`), which Jumpgate's follows, answers an error with its status code,
//! a reason phrase ("Character not found.") and an `application/json` body that is a string;
//! `ApiError` answers with the status code and the message as that JSON string (HTTP/2 has no
//! reason phrase, so the body is where a client reads it).
//!
//! Both error types come from `AppError` through one mapping, `WebError`'s `From<AppError>`, so
//! a kind of failure has the same status code on both edges: not found 404, forbidden 403,
//! invalid 400, conflict 409, EVE unavailable 503, internal 500. Internal errors are logged with
//! the request's id and never shown: the body names the id only, as the 500 page does.

use crate::error::{WebError, logged_internal};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jumpgate_app::AppError;

#[derive(Debug)]
pub enum ApiError {
    /// Not authenticated, or the application may not do this.
    Forbidden(String),
    NotFound(String),
    /// The request was wrong; nothing changed.
    BadRequest(String),
    /// Something changed meanwhile (another caller was faster); nothing changed.
    Conflict(String),
    /// EVE is unavailable; nothing changed, try again.
    Unavailable(String),
    /// The caller sent too many requests; nothing changed, wait.
    TooManyRequests(String),
    /// A fault of Jumpgate: logged with the request's id, never shown.
    Internal(String),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        WebError::from(e).into()
    }
}

/// The kinds are `WebError`'s, kind for kind.
impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        match e {
            // A browser's way to the login page; an application without credentials is refused.
            WebError::SignIn => Self::Forbidden("Not authorized.".to_owned()),
            WebError::Forbidden(m) => Self::Forbidden(m),
            WebError::NotFound(m) => Self::NotFound(m),
            WebError::BadRequest(m) => Self::BadRequest(m),
            WebError::Conflict(m) => Self::Conflict(m),
            WebError::Unavailable(m) => Self::Unavailable(m),
            WebError::TooManyRequests(wait) => Self::TooManyRequests(
                crate::error::too_many_requests(crate::error::retry_after(wait)),
            ),
            WebError::Internal(detail) => Self::Internal(detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Self::Conflict(m) => (StatusCode::CONFLICT, m),
            Self::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
            Self::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, m),
            Self::Internal(detail) => (StatusCode::INTERNAL_SERVER_ERROR, logged_internal(&detail)),
        };
        let mut response = (status, Json(&message)).into_response();
        if let Some(phrase) = reason_phrase(&message) {
            response.extensions_mut().insert(phrase);
        }
        response
    }
}

/// The message as the HTTP/1 status line's reason phrase, where Neucore's clients read it
/// ("Character not found."): one short line of visible ASCII. Longer messages keep the
/// standard phrase (the body has them either way).
pub(crate) fn reason_phrase(message: &str) -> Option<hyper::ext::ReasonPhrase> {
    const LONGEST: usize = 120;
    if message.len() > LONGEST || !message.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return None;
    }
    hyper::ext::ReasonPhrase::try_from(message.as_bytes()).ok()
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::body::to_bytes;
    use axum::http::header;
    use jumpgate_store::StoreError;

    fn errors() -> Vec<(AppError, StatusCode)> {
        vec![
            (
                AppError::NotFound("Character not found.".into()),
                StatusCode::NOT_FOUND,
            ),
            (AppError::Forbidden("no".into()), StatusCode::FORBIDDEN),
            (AppError::Invalid("bad".into()), StatusCode::BAD_REQUEST),
            (AppError::Conflict("raced".into()), StatusCode::CONFLICT),
            (
                AppError::from(StoreError::Corrupt("row 7: secret detail".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ]
    }

    async fn body(response: Response) -> (StatusCode, Option<String>, serde_json::Value) {
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (
            status,
            content_type,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn each_kind_has_its_status_code_and_the_message_as_a_json_string() {
        for (e, status) in errors() {
            let shown = e.to_string();
            let internal = status == StatusCode::INTERNAL_SERVER_ERROR;
            let (got, content_type, json) = body(ApiError::from(e).into_response()).await;
            assert_eq!(got, status, "{shown}");
            assert_eq!(content_type.as_deref(), Some("application/json"));
            let message = json.as_str().expect("the body is a JSON string");
            if internal {
                assert!(!message.contains("secret detail"), "{message}");
                assert!(message.contains("logged with request id"), "{message}");
            } else {
                assert_eq!(message, shown);
            }
        }
    }

    #[tokio::test]
    async fn the_status_codes_are_the_html_pages_ones() {
        for (e, _) in errors() {
            let again = match &e {
                AppError::NotFound(m) => AppError::NotFound(m.clone()),
                AppError::Forbidden(m) => AppError::Forbidden(m.clone()),
                AppError::Invalid(m) => AppError::Invalid(m.clone()),
                AppError::Conflict(m) => AppError::Conflict(m.clone()),
                _ => AppError::from(StoreError::Corrupt("again".into())),
            };
            assert_eq!(
                ApiError::from(e).into_response().status(),
                WebError::from(again).into_response().status()
            );
        }
    }

    #[test]
    fn a_short_message_is_also_the_reason_phrase() {
        let response = ApiError::NotFound("Character not found.".into()).into_response();
        assert_eq!(
            response
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|p| p.as_bytes()),
            Some(&b"Character not found."[..])
        );
        let long = ApiError::BadRequest("x".repeat(500)).into_response();
        assert!(
            long.extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .is_none()
        );
        let broken = ApiError::BadRequest("line\r\nInjected: yes".into()).into_response();
        assert!(
            broken
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .is_none()
        );
    }

    #[test]
    fn an_application_without_credentials_is_refused_not_redirected() {
        assert!(matches!(
            ApiError::from(WebError::SignIn),
            ApiError::Forbidden(_)
        ));
    }
}
