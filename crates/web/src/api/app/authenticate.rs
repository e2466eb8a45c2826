//! Every application API call, before its handler: which application calls (its bearer
//! token, `App::application_caller`), then its request limit (`[apps] rate_limit_*`, with
//! Neucore's `X-Neucore-Rate-Limit-*` headers on every answer while a limit is set) and its
//! count for the statistics. A call that fails either never reaches the handler.

use crate::WebState;
use crate::api::ApiError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jumpgate_app::Caller;
use jumpgate_domain::apps::rate_limit::{Verdict, exceeded_message};

/// The calling application, for the handlers.
#[derive(Debug, Clone)]
pub struct AppCaller(pub Caller);

pub async fn authenticate(
    State(state): State<WebState>,
    mut request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = match state.app.application_caller(authorization).await {
        Ok(caller) => caller,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(app) = caller.app().map(|a| a.id) else {
        return ApiError::Forbidden("Not authorized.".to_owned()).into_response();
    };
    let verdict = state.app.count_app_request(app, state.app.now());
    if let Some(v) = verdict.filter(|v| !v.allowed) {
        metrics::counter!("http_rate_limited_total", "limit" => "application").increment(1);
        let limit = state.app.settings().apps.rate_limit();
        let message = limit.map(exceeded_message).unwrap_or_default();
        tracing::info!(app = %app, "application rate limit exceeded");
        let mut response = (StatusCode::TOO_MANY_REQUESTS, message).into_response();
        with_limit_headers(&mut response, v);
        return response;
    }
    request.extensions_mut().insert(AppCaller(caller));
    let mut response = next.run(request).await;
    if let Some(v) = verdict {
        with_limit_headers(&mut response, v);
    }
    response
}

/// Neucore's headers: the requests left in the window and the seconds until it ends (one
/// decimal).
fn with_limit_headers(response: &mut Response, verdict: Verdict) {
    let headers = response.headers_mut();
    headers.insert(
        "X-Neucore-Rate-Limit-Remain",
        HeaderValue::from(verdict.remaining),
    );
    let reset = format!("{:.1}", verdict.reset_in.as_seconds_f64());
    if let Ok(value) = HeaderValue::from_str(&reset) {
        headers.insert("X-Neucore-Rate-Limit-Reset", value);
    }
    if !verdict.allowed
        && let Ok(value) =
            HeaderValue::from_str(&verdict.reset_in.whole_seconds().max(1).to_string())
    {
        headers.insert(header::RETRY_AFTER, value);
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AppCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AppCaller>()
            .cloned()
            .ok_or_else(|| ApiError::Forbidden("Not authorized.".to_owned()))
    }
}
