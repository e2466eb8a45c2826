//! The HTML edge's error: every handler returns it, and it renders as a page. People see a clear
//! message for what they can act on; internal errors are logged with detail and the request's
//! id, and shown as a generic page that names the same id, never as a stack of text. The
//! application API has its own error type with JSON bodies (`crate::api::ApiError`), built from
//! this one's mapping of `AppError`.

use crate::ui::ErrorPage;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jumpgate_app::AppError;

#[derive(Debug)]
pub enum WebError {
    /// Not signed in: go to the login page.
    SignIn,
    /// Signed in, but not allowed.
    Forbidden(String),
    NotFound(String),
    /// The request was wrong; nothing changed.
    BadRequest(String),
    /// Something changed meanwhile (another person or instance was faster); nothing changed.
    Conflict(String),
    /// EVE is unavailable; nothing changed, try again.
    Unavailable(String),
    /// This client sent too many requests (`crate::rate_limit`); nothing changed, wait this long.
    TooManyRequests(std::time::Duration),
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) => Self::NotFound(m),
            AppError::Forbidden(m) => Self::Forbidden(m),
            AppError::Invalid(m) => Self::BadRequest(m),
            AppError::Conflict(m) => Self::Conflict(m),
            AppError::Sso(e) if e.is_transient() => Self::Unavailable(format!(
                "EVE's login server is not answering right now ({e}). Nothing was changed; please try again in a minute."
            )),
            AppError::Sso(e) => Self::BadRequest(format!(
                "EVE's login did not complete: {e}. Nothing was changed; please start again."
            )),
            AppError::Esi(e) if e.is_transient() => Self::Unavailable(format!(
                "EVE's API is not answering right now ({e}). Nothing was changed; please try again in a minute."
            )),
            AppError::Esi(e) => Self::BadRequest(format!(
                "EVE's API refused the request: {e}. Nothing was changed."
            )),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Self::SignIn => return Redirect::to("/login").into_response(),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", m),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "That did not work", m),
            Self::Conflict(m) => (StatusCode::CONFLICT, "That changed meanwhile", m),
            Self::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "EVE is not answering", m),
            Self::TooManyRequests(wait) => {
                let seconds = retry_after(wait);
                let page = ErrorPage::new("Slow down", &too_many_requests(seconds));
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", seconds.to_string())],
                    page,
                )
                    .into_response();
            }
            Self::Internal(detail) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                logged_internal(&detail),
            ),
        };
        (status, ErrorPage::new(title, &message)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Whole seconds to wait, at least one (`Retry-After` has no fractions).
pub(crate) fn retry_after(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// What a client that sent too many requests is told.
pub(crate) fn too_many_requests(seconds: u64) -> String {
    format!(
        "Too many requests from your address. Wait {seconds} seconds, then try again. Nothing was changed."
    )
}

/// Logs an internal error's `detail` with the request's id and returns what may be shown instead:
/// that id, never the detail. Every edge's error type renders its internal errors with this.
pub(crate) fn logged_internal(detail: &str) -> String {
    let id = crate::request_id::current().unwrap_or_else(|| "-".to_owned());
    tracing::error!(request_id = %id, error = %detail, "internal error while handling a request");
    format!(
        "Jumpgate hit an internal error. It was logged with request id {id}; nothing you did caused it. Quote that id if you report it."
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    /// Collects what the log subscriber writes.
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);

    /// Every log line of this test binary. One global subscriber, installed once: a scoped one
    /// (`set_default`) misses lines when another test logs the same line on another thread at
    /// the same moment (tracing caches each log line's interest across threads).
    fn captured_log() -> &'static Log {
        static LOG: std::sync::OnceLock<Log> = std::sync::OnceLock::new();
        LOG.get_or_init(|| {
            let log = Log::default();
            let writer = log.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other test of this binary installs a subscriber");
            log
        })
    }

    impl std::io::Write for Log {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_internal_error_page_names_the_request_id_that_is_logged_with_the_detail() {
        let log = captured_log();
        // The request id layers as `crate::router` stacks them.
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    Err::<(), _>(WebError::Internal(
                        "the database said: disk I/O error".into(),
                    ))
                }),
            )
            .layer(axum::middleware::from_fn(crate::request_id::scope))
            .layer(crate::request_id::propagate_layer())
            .layer(crate::request_id::set_layer());

        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let id = response.headers()[crate::request_id::HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let page = String::from_utf8(
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(page.contains(&id), "the page names the request id: {page}");
        assert!(
            !page.contains("disk I/O"),
            "the page hides the detail: {page}"
        );
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        let line = logged
            .lines()
            .find(|l| l.contains("internal error while handling a request") && l.contains(&id))
            .unwrap_or_else(|| panic!("the error is logged with the request id {id}:\n{logged}"));
        assert!(line.contains("disk I/O error"), "{line}");
    }
}
