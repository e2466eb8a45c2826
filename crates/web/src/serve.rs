//! Serving the router on a TCP listener with limits that hold without a reverse proxy in front:
//! a client must send its request's headers within `header_read_timeout` (a slow client cannot
//! hold a connection by trickling bytes), a request is answered within `request_timeout` (408
//! after), and at most `max_connections` are served at once (more wait in the listen queue).
//!
//! `axum::serve` sets no timer on its HTTP/1 connections, so hyper's header-read timeout never
//! runs there; this loop is axum's, with the timer, the limits and the same graceful shutdown.

use crate::settings::ServerSettings;
use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

/// How long a shutdown waits for requests in flight before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then lets the
/// requests in flight finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ServerSettings,
    shutdown: impl Future<Output = ()>,
) {
    let router = router.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first, then a connection: beyond the cap, clients wait in the kernel's
        // listen queue instead of holding memory here.
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Every request knows its connection's peer (`ConnectInfo`), as under `axum::serve`.
        let service = TowerToHyperService::new(router.clone().map_request(with_peer(peer)));
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the shutdown grace period were dropped");
    }
}

/// Adds the connection's peer address to each request, as `ConnectInfo`.
fn with_peer<B>(
    peer: std::net::SocketAddr,
) -> impl Fn(axum::http::Request<B>) -> axum::http::Request<B> + Clone {
    move |mut request| {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        request
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;

    fn limits(header: u64, request: u64, connections: usize) -> ServerSettings {
        ServerSettings {
            header_read_timeout: Duration::from_millis(header),
            request_timeout: Duration::from_millis(request),
            max_connections: connections,
            ..ServerSettings::default()
        }
    }

    /// A server with `/` (quick) and `/slow` (two seconds), stopped when the sender drops.
    async fn start(limits: ServerSettings) -> (std::net::SocketAddr, oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/", get(|| async { "hello" })).route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            serve(listener, router, &limits, async {
                let _ = stopped.await;
            })
            .await;
        });
        (addr, stop)
    }

    /// Sends a whole GET and reads the answer until the server closes the connection.
    async fn fetch(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn a_client_that_trickles_its_headers_is_disconnected() {
        let (addr, _stop) = start(limits(200, 10_000, 16)).await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        let outcome =
            tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut rest)).await;
        assert!(
            outcome.is_ok(),
            "the server closes (or resets) the connection well before three seconds"
        );
        assert!(
            fetch(addr, "/").await.ends_with("hello"),
            "others are served"
        );
    }

    #[tokio::test]
    async fn a_request_that_takes_too_long_is_answered_408() {
        let (addr, _stop) = start(limits(10_000, 200, 16)).await;
        let answer = fetch(addr, "/slow").await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn beyond_the_connection_cap_a_client_waits_for_a_free_slot() {
        let (addr, _stop) = start(limits(10_000, 10_000, 1)).await;
        // The one slot is taken by a client that has not sent anything yet.
        let holder = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = tokio::spawn(fetch(addr, "/"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "not served while the slot is taken");
        drop(holder);
        let answer = tokio::time::timeout(Duration::from_secs(3), waiting)
            .await
            .expect("served once the slot is free")
            .unwrap();
        assert!(answer.ends_with("hello"), "{answer}");
    }
}
