//! Liveness, readiness and metrics for orchestrators and Prometheus.

use crate::WebState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
pub async fn readyz(State(state): State<WebState>) -> Response {
    match state.app.readiness().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Prometheus's scrape, for the holder of `server.metrics_token` only.
pub async fn metrics(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.config.metrics_token else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: set server.metrics_token and send it as a bearer token",
        )
            .into_response();
    };
    if !bearer_matches(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send server.metrics_token as 'Authorization: Bearer <token>'",
        )
            .into_response();
    }
    let Some(handle) = crate::metrics::handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not available").into_response();
    };
    // Gauges that are cheaper to read on scrape than to keep up to date.
    let gauges = state.app.gauges().await;
    if let Some(counts) = gauges.jobs {
        metrics::gauge!("jobs", "status" => "queued").set(counts.queued as f64);
        metrics::gauge!("jobs", "status" => "running").set(counts.running as f64);
        metrics::gauge!("jobs", "status" => "failed").set(counts.failed as f64);
    }
    if let Some(remain) = gauges.esi_error_limit_remaining {
        metrics::gauge!("esi_error_limit_remaining").set(f64::from(remain));
    }
    metrics::gauge!("sso_safety_valve_open").set(if gauges.safety_valve_tripped {
        1.0
    } else {
        0.0
    });
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Whether the request carries `token` as its bearer token. Compared as SHA-256 digests, so the
/// time the comparison takes says nothing about the token.
fn bearer_matches(headers: &HeaderMap, token: &SecretString) -> bool {
    let Some(sent) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(sent.trim().as_bytes())
        == Sha256::digest(token.expose_secret().trim().as_bytes())
}
