//! The gateway's HTTP backend: `hyper::client::conn::http1` connections pooled per origin.
//!
//! Lean on purpose (issue 7): one lock to find the origin and its newest idle connection, no hashing, no
//! checkout futures. What it keeps of a general client: keep-alive reuse, bounded idle connections per origin,
//! idle reaping, a connect timeout, TLS, and the retry of a request that met a connection the backend had just
//! closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::header::HOST;
use http::{Method, Request, Response, Uri};
use http_body::Body;
use hyper::body::Incoming;

use super::connect::Connector;
use super::pool::{Origin, Pool, Sender};
use super::response::{Lease, PooledBody};
use super::{BackendFuture, BackendSetupError, HttpBackend, HttpBackendError, HttpClientOptions, error_chain};
use crate::body::{RequestBody, ResponseBody};

/// HTTP/1.1 with keep-alive over plain TCP or rustls, connections pooled per origin (scheme, host, port).
/// Cheap to clone; clones share the pool.
///
/// A request whose connection turns out closed by the backend before it could be sent is sent again on another
/// connection; a bodiless `GET`, `HEAD`, `OPTIONS` or `TRACE` that fails on a reused connection before any answer
/// (the backend closed it as the request went out) is sent once more on a fresh one. Any other request is never
/// sent twice.
#[derive(Clone, Debug)]
pub struct PooledHttpBackend {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    pool: Arc<Pool>,
    connector: Connector,
    /// Whether the idle reaper runs: started with the first connection, on the runtime that opened it.
    reaping: AtomicBool,
}

/// Shortest period of the idle reaper (a tiny idle timeout must not spin it).
const MIN_REAP_PERIOD: Duration = Duration::from_millis(50);

impl PooledHttpBackend {
    /// A client with `options`. Requests must be sent from a tokio runtime: each connection's I/O task and the
    /// idle reaper (started with the first connection) are spawned there.
    pub fn new(options: &HttpClientOptions) -> Result<PooledHttpBackend, BackendSetupError> {
        let connector = Connector::new(options)?;
        let pool = Arc::new(Pool::new(options.pool_max_idle_per_host, options.pool_idle_timeout));
        Ok(PooledHttpBackend {
            shared: Arc::new(Shared {
                pool,
                connector,
                reaping: AtomicBool::new(false),
            }),
        })
    }

    /// How many idle connections the pool holds now, all origins together.
    pub fn idle_connections(&self) -> usize {
        self.shared.pool.idle_count()
    }
}

/// Drops expired idle connections every half idle timeout, until the pool is gone.
async fn reap(pool: std::sync::Weak<Pool>) {
    let period = match pool.upgrade() {
        Some(pool) => (pool.idle_timeout() / 2).max(MIN_REAP_PERIOD),
        None => return,
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match pool.upgrade() {
            Some(pool) => pool.reap(),
            None => return,
        }
    }
}

impl HttpBackend for PooledHttpBackend {
    fn send(&self, request: Request<RequestBody>) -> BackendFuture {
        Box::pin(self.shared.clone().send(request))
    }
}

impl Shared {
    async fn send(self: Arc<Self>, request: Request<RequestBody>) -> Result<Response<ResponseBody>, HttpBackendError> {
        let (mut parts, body) = request.into_parts();
        let https = match parts.uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(HttpBackendError::Connect(format!("not an http(s) URI: {}", parts.uri))),
        };
        let Some(authority) = parts.uri.authority() else {
            return Err(HttpBackendError::Connect(format!("no host in {}", parts.uri)));
        };
        let (origin, mut idle) = self.pool.checkout(https, authority);
        parts.uri = origin_form(std::mem::take(&mut parts.uri));
        parts.headers.entry(HOST).or_insert_with(|| origin.host.clone());
        let replayable = is_safe(&parts.method) && body.is_end_stream();
        let mut request = Request::from_parts(parts, body);

        while let Some(mut sender) = idle.take() {
            if !sender.is_ready() && sender.ready().await.is_err() {
                idle = self.pool.take(&origin);
                continue;
            }
            let replay = replayable.then(|| replay_of(&request));
            match sender.try_send_request(request).await {
                Ok(response) => return Ok(self.answer(response, origin, sender)),
                Err(mut err) => match err.take_message() {
                    // Never written: the connection was found closed. Any request may go on another one.
                    Some(unsent) => {
                        request = unsent;
                        idle = self.pool.take(&origin);
                    }
                    None => match replay {
                        Some(replay) if is_stale_connection(err.error()) => {
                            tracing::debug!(error = %err.error(), "pooled backend connection was closed; retrying");
                            request = replay;
                            break;
                        }
                        _ => return Err(HttpBackendError::Exchange(error_chain(err.error()))),
                    },
                },
            }
        }

        if !self.reaping.swap(true, Ordering::Relaxed) {
            tokio::spawn(reap(Arc::downgrade(&self.pool)));
        }
        let mut sender = self.connector.connect(&origin).await?;
        match sender.try_send_request(request).await {
            Ok(response) => Ok(self.answer(response, origin, sender)),
            Err(err) => Err(HttpBackendError::Exchange(error_chain(err.error()))),
        }
    }

    fn answer(&self, response: Response<Incoming>, origin: Arc<Origin>, sender: Sender) -> Response<ResponseBody> {
        let lease = Lease {
            pool: self.pool.clone(),
            origin,
            sender,
        };
        response.map(|body| ResponseBody::stream(PooledBody::new(body, lease)))
    }
}

/// `/path?query` of an absolute URI: what HTTP/1.1 sends to an origin server (RFC 9112 §3.2.1).
fn origin_form(uri: Uri) -> Uri {
    let mut parts = uri.into_parts();
    let mut origin = http::uri::Parts::default();
    origin.path_and_query = parts.path_and_query.take();
    match origin.path_and_query {
        Some(_) => Uri::from_parts(origin).unwrap_or_default(),
        None => Uri::default(),
    }
}

/// Safe methods (RFC 9110 §9.2.1): sending one twice changes nothing on the backend.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// A copy of a bodiless request, to send again if its first connection fails.
fn replay_of(request: &Request<RequestBody>) -> Request<RequestBody> {
    let mut copy = Request::new(RequestBody::empty());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// The connection ended under the request before any answer: the backend closed it (keep-alive timeout, or
/// a close after its previous answer) as the request went out.
fn is_stale_connection(err: &hyper::Error) -> bool {
    if err.is_incomplete_message() || err.is_canceled() || err.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
}
