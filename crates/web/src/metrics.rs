//! Prometheus metrics: one recorder per process, HTTP request counts and latencies by route.
//!
//! Every label value comes from a fixed set, so that requests cannot grow the number of series
//! (each costs memory in the recorder and in Prometheus): routes by their pattern (`MatchedPath`,
//! never the raw path; `unmatched` for the rest), methods from the standard ones (`other` for any
//! other), status codes (three digits).

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (tests start many apps in one process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

pub async fn track_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(request.method());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: one of the standard methods, or `other` (a client may send any token
/// as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    /// `Router::layer` wraps every route after matching, so the one layer in `crate::router`
    /// sees each route's pattern: a second one (there was one on the routes too) counted every
    /// request twice.
    #[tokio::test]
    async fn one_layer_counts_each_request_once_by_its_route() {
        let Some(handle) = handle() else {
            panic!("the recorder is installed once per process and available");
        };
        let app = Router::new()
            .route("/count-once-test/{id}", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(track_http));
        for id in 1..=3 {
            let request = Request::builder()
                .uri(format!("/count-once-test/{id}"))
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let text = handle.render();
        let line = text
            .lines()
            .find(|l| l.starts_with("http_requests_total{") && l.contains("count-once-test"))
            .expect("counted");
        assert!(line.ends_with(" 3"), "{line}");
    }

    #[tokio::test]
    async fn requests_with_made_up_methods_and_paths_add_no_label_values() {
        let Some(handle) = handle() else {
            panic!("the recorder is installed once per process and available");
        };
        let app = Router::new()
            .route("/metrics-test/{id}", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(track_http));
        for (method, path) in [
            ("GET", "/metrics-test/1"),
            ("GET", "/metrics-test/2"),
            ("MADEUPMETHODXYZ", "/metrics-test/3"),
            ("GET", "/no-such-page-abcdef"),
        ] {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let text = handle.render();
        let ours: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("http_requests_total{") && l.contains("metrics-test"))
            .collect();
        assert!(!text.contains("MADEUPMETHODXYZ"), "{text}");
        assert!(!text.contains("no-such-page-abcdef"), "{text}");
        assert!(!text.contains("/metrics-test/1"), "{text}");
        assert!(
            ours.iter().any(|l| l.contains(r#"method="other""#)),
            "{ours:?}"
        );
        assert!(
            ours.iter()
                .all(|l| l.contains(r#"route="/metrics-test/{id}""#)),
            "{ours:?}"
        );
    }
}
