//! Liveness, readiness and metrics for orchestrators and Prometheus.

use crate::WebState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

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

pub async fn metrics(State(state): State<WebState>) -> Response {
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
