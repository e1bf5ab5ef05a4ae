//! The hardened HTTP edge: accept loop, connection limits, HTTP/1.1 and h2c (prior knowledge) through hyper,
//! every HTTP/1 head checked by our own reader first, bodies read under AWS's payload limit and timeouts,
//! panics turned into 500s, graceful drain on shutdown.

mod chunked;
pub(crate) mod head;
mod reply;
mod service;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

pub(crate) use head::Rejection;
use tollgate_runtime::Arrival;

/// What the edge hands on: a fully read request, with what the edge knows of it (peer, arrival time and, for
/// HTTP/1, the original header names) beside it rather than as request extensions (no map per request).
pub(crate) trait Handler: Send + Sync + 'static {
    /// The response body.
    type Body: http_body::Body<Data = Bytes, Error: Into<Box<dyn std::error::Error + Send + Sync>>>
        + Send
        + Unpin
        + 'static;

    /// Answers one request.
    fn handle(&self, request: Request<Bytes>, arrival: Arrival) -> impl Future<Output = Response<Self::Body>> + Send;

    /// The handler's own answer to a request the edge refused, if it has one (the edge adds
    /// `Connection: close`); `None` uses the edge's.
    fn rejection(&self, rejection: Rejection) -> Option<Response<Self::Body>> {
        let _ = rejection;
        None
    }
}

/// Limits and timeouts of the edge (server settings: fixed for the life of the process).
#[derive(Debug, Clone)]
pub(crate) struct EdgeConfig {
    /// From the first byte of a request head to its end (slowloris).
    pub(crate) header_timeout: Duration,
    /// How long a keep-alive connection may sit idle before its next request head is complete.
    pub(crate) idle_timeout: Duration,
    /// Longest wait between two pieces of a request body.
    pub(crate) body_timeout: Duration,
    /// Longest time to read a whole request body.
    pub(crate) body_deadline: Duration,
    /// Most connections served at once; further clients wait in the listen backlog.
    pub(crate) max_connections: usize,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(10),
            body_deadline: Duration::from_secs(60),
            max_connections: 10_000,
        }
    }
}

/// Serves `listener` until `shutdown` turns true, then stops accepting and drains live connections for at most
/// `grace`. `connections` counts the connections being served (for `/healthz`). Returns whether every
/// connection finished in time.
pub(crate) async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    config: EdgeConfig,
    (mut shutdown, grace): (watch::Receiver<bool>, Duration),
    connections: Arc<AtomicUsize>,
) -> bool {
    let config = Arc::new(config);
    let builders = Arc::new(Builders::new());
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            biased;
            _ = crate::edge::stop_requested(&mut shutdown) => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            biased;
            _ = crate::edge::stop_requested(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning; the permit goes back.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let watcher = graceful.watcher();
        let handler = Arc::clone(&handler);
        let config = Arc::clone(&config);
        let builders = Arc::clone(&builders);
        let connections = Arc::clone(&connections);
        connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            serve_connection(stream, remote, handler, config, &builders, watcher).await;
            connections.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown()).await.is_ok()
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(crate) async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here so callers' futures stay `Send`.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// hyper's HTTP/1 and HTTP/2 servers, configured once. The connection's first bytes pick one (the wire reader
/// recognises the HTTP/2 preface), so no request pays for a protocol-sniffing wrapper.
struct Builders {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Builders {
    fn new() -> Builders {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            // Both the keep-alive idle timeout and the slow-head timeout are the wire reader's: hyper's own
            // (header_read_timeout) allocates, registers and cancels a timer for every request.
            .header_read_timeout(None)
            .keep_alive(true);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(100)
            // h2 counts 32 bytes per field on top of name and value; this keeps AWS's 10,240 bytes of headers
            // possible with room for the pseudo-headers.
            .max_header_list_size(16 * 1024);
        Builders { http1, http2 }
    }
}

async fn serve_connection<H: Handler>(
    stream: TcpStream,
    remote: SocketAddr,
    handler: Arc<H>,
    config: Arc<EdgeConfig>,
    builders: &Builders,
    watcher: hyper_util::server::graceful::Watcher,
) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "could not set TCP_NODELAY");
    }
    let shared = Arc::new(wire::ConnShared::default());
    let mut io = wire::WireIo::new(
        stream,
        Arc::clone(&shared),
        wire::Timeouts {
            head: config.header_timeout,
            idle: config.idle_timeout,
        },
    );
    // Until the first bytes arrive the connection is not hyper's: a graceful shutdown then drops it unanswered,
    // as hyper drops an idle one.
    let protocol = match io.protocol().await {
        Ok(protocol) => protocol,
        Err(err) => {
            tracing::debug!(error = %err, %remote, "connection ended before its first request");
            return;
        }
    };
    let service = service::EdgeService {
        handler,
        shared,
        config,
        remote,
    };
    let served = match protocol {
        wire::Protocol::Http1 => watcher.watch(builders.http1.serve_connection(io, service)).await,
        wire::Protocol::Http2 => watcher.watch(builders.http2.serve_connection(io, service)).await,
    };
    if let Err(err) = served {
        tracing::debug!(error = %err, %remote, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests;
