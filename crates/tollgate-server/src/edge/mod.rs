//! The hardened HTTP edge: accept loop, connection limits, HTTP/1.1 served by the edge itself (heads checked
//! against the smuggling rules and parsed once, bodies read under AWS's payload limit and timeouts), h2c (prior
//! knowledge) through hyper, panics turned into 500s, graceful drain on shutdown.

mod body;
mod chunked;
mod date;
mod encode;
pub(crate) mod head;
mod http1;
mod reply;
mod service;
mod wire;

use std::any::Any;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioTimer};
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
    let http2 = Arc::new(http2_builder());
    let max_connections = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max_connections));
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
        let handler = Arc::clone(&handler);
        let config = Arc::clone(&config);
        let http2 = Arc::clone(&http2);
        let connections = Arc::clone(&connections);
        let stop = shutdown.clone();
        connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            serve_connection(stream, remote, &handler, &config, &http2, stop).await;
            connections.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a permit until it ends: all permits back means all connections drained.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    tokio::time::timeout(grace, permits.acquire_many(all)).await.is_ok()
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(crate) async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here so callers' futures stay `Send`.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// hyper's HTTP/2 server, configured once (HTTP/1 is the edge's own, `http1.rs`).
fn http2_builder() -> http2::Builder<TokioExecutor> {
    let mut http2 = http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .max_concurrent_streams(100)
        // h2 counts 32 bytes per field on top of name and value; this keeps AWS's 10,240 bytes of headers
        // possible with room for the pseudo-headers.
        .max_header_list_size(16 * 1024);
    http2
}

async fn serve_connection<H: Handler>(
    stream: TcpStream,
    remote: SocketAddr,
    handler: &Arc<H>,
    config: &Arc<EdgeConfig>,
    http2: &http2::Builder<TokioExecutor>,
    mut stop: watch::Receiver<bool>,
) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "could not set TCP_NODELAY");
    }
    let mut io = wire::WireIo::new(
        stream,
        wire::Timeouts {
            head: config.header_timeout,
            idle: config.idle_timeout,
        },
    );
    // Until the first bytes arrive the connection serves nothing: a shutdown then drops it unanswered, as an idle
    // keep-alive connection is dropped.
    let protocol = tokio::select! {
        biased;
        protocol = io.protocol() => protocol,
        _ = stop_requested(&mut stop) => return,
    };
    let protocol = match protocol {
        Ok(protocol) => protocol,
        Err(err) => {
            tracing::debug!(error = %err, %remote, "connection ended before its first request");
            return;
        }
    };
    match protocol {
        wire::Protocol::Http1 => http1::serve(&mut io, &**handler, config, remote, stop).await,
        wire::Protocol::Http2 => {
            let service = service::EdgeService {
                handler: Arc::clone(handler),
                config: Arc::clone(config),
                remote,
            };
            let mut connection = std::pin::pin!(http2.serve_connection(io, service));
            let served = tokio::select! {
                served = connection.as_mut() => served,
                _ = stop_requested(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = served {
                tracing::debug!(error = %err, %remote, "connection ended with an error");
            }
        }
    }
}

/// Polls a pinned future inside `span`, turning a panic inside it into an error, so one request's panic ends
/// only that request. The future is pinned by the caller where it was made: moving a gateway future into a
/// wrapper costs a copy of all of its state.
async fn catch_panic<F: Future>(
    mut future: Pin<&mut F>,
    span: &tracing::Span,
) -> Result<F::Output, Box<dyn Any + Send>> {
    poll_fn(move |cx| {
        let _entered = span.enter();
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;
