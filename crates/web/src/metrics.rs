//! Prometheus metrics: one recorder per process, HTTP request counts and latencies by route.
//!
//! Every label value comes from a fixed set, so that requests cannot grow the number of series
//! (each costs memory in the recorder and in Prometheus): routes by their pattern (`MatchedPath`,
//! never the raw path; `unmatched` for the rest), methods from the standard ones (`other` for any
//! other), status codes (three digits).
//!
//! The recorder keeps every recorded latency until they are folded into their histogram, which
//! a scrape of `/metrics` does, or [`fold_latencies`]: a server nobody scraped kept 8 bytes per
//! request, about 15 MB per million requests (docs/benchmarks.md, "Memory under the application
//! API"). [`keep_bounded`] folds them every few seconds.

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::watch;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The latencies' bucket bounds, in seconds: histograms (not summaries), so that the figures of
/// several instances add up in Prometheus and a folded latency costs a count, not memory.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often [`keep_bounded`] folds the recorded latencies into their histograms.
const FOLD_EVERY: Duration = Duration::from_secs(5);

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)
        .unwrap_or_else(|e| {
            // Only an empty list is refused, and the list above is not empty.
            tracing::warn!(error = %e, "latency buckets refused; latencies are summarised");
            PrometheusBuilder::new()
        })
}

/// Installs the process-wide recorder once (tests start many apps in one process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match builder().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// Folds the latencies recorded since the last fold into their histograms, freeing them.
pub fn fold_latencies(handle: &PrometheusHandle) {
    handle.run_upkeep();
}

/// Folds the process's recorded latencies every few seconds until `stopped`, so that a server
/// whose metrics nobody scrapes stays the same size however many requests it answers.
pub async fn keep_bounded(mut stopped: watch::Receiver<bool>) {
    let Some(handle) = handle() else {
        return;
    };
    let mut every = tokio::time::interval(FOLD_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => return,
            _ = every.tick() => fold_latencies(handle),
        }
    }
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

    /// This process's resident memory, in bytes.
    #[cfg(target_os = "linux")]
    fn resident() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }

    /// Four million requests' latencies are 32 MB while kept one by one; folded as they come,
    /// they are fourteen bucket counts.
    #[cfg(target_os = "linux")]
    #[test]
    fn recorded_latencies_are_folded_into_buckets_instead_of_piling_up() {
        const MIB: u64 = 1024 * 1024;
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        let before = resident();
        metrics::with_local_recorder(&recorder, || {
            let latency = metrics::histogram!("fold_test_seconds");
            for _ in 0..40 {
                for _ in 0..100_000 {
                    latency.record(0.003);
                }
                fold_latencies(&handle);
            }
        });
        let grown = resident().saturating_sub(before);
        assert!(grown < 12 * MIB, "grew by {} MiB", grown / MIB);
        let text = handle.render();
        assert!(
            text.contains(r#"fold_test_seconds_bucket{le="0.005"} 4000000"#),
            "{text}"
        );
    }
}
