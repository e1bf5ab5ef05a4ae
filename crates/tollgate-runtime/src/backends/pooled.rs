//! The gateway's HTTP backend: HTTP/1.1 connections pooled per origin, each driven by the request using it.
//!
//! Lean on purpose (issue 7): one lock to find the origin and its newest idle connection, no hashing, no
//! checkout futures. What it keeps of a general client: keep-alive reuse, bounded idle connections per origin,
//! idle reaping, a connect timeout, TLS, and the retry of a request that met a connection the backend had just
//! closed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::header::HOST;
use http::{Method, Request, Response, request};
use http_body::Body;

use super::conn::{Conn, MAX_HEAD, Sent};
use super::connect::Connector;
use super::head::{HeadError, RequestFraming, ResponseHead, connection_has, encode_request, parse_response};
use super::pool::{Origin, Pool};
use super::response::{Lease, PooledBody};
use super::{BackendFuture, BackendSetupError, HttpBackend, HttpBackendError, HttpClientOptions};
use crate::body::{RequestBody, ResponseBody};

/// HTTP/1.1 with keep-alive over plain TCP or rustls, connections pooled per origin (scheme, host, port).
/// Cheap to clone; clones share the pool.
///
/// An idle connection the backend has closed is found so (a read that would block) before it is used, and another
/// one is taken; a bodiless `GET`, `HEAD`, `OPTIONS` or `TRACE` that fails on a reused connection before any answer
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
        let (mut parts, mut body) = request.into_parts();
        let https = match parts.uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(HttpBackendError::Connect(format!("not an http(s) URI: {}", parts.uri))),
        };
        let Some(authority) = parts.uri.authority() else {
            return Err(HttpBackendError::Connect(format!("no host in {}", parts.uri)));
        };
        let (origin, idle) = self.pool.checkout(https, authority);
        parts.headers.entry(HOST).or_insert_with(|| origin.host.clone());
        let replayable = is_safe(&parts.method) && body.is_end_stream();
        let close = connection_has(&parts.headers, "close");

        if let Some(mut conn) = idle {
            match exchange(&mut conn, &mut parts, &mut body).await {
                Ok(head) => return Ok(self.answer(conn, head, origin, close)),
                // The backend closed the connection as the request went out (keep-alive timeout, or a close
                // after its previous answer): only a request that changes nothing may go again.
                Err(Failure::Stale(err)) if replayable => {
                    tracing::debug!(error = %err, "pooled backend connection was closed; retrying");
                }
                Err(failure) => return Err(HttpBackendError::Exchange(failure.to_string())),
            }
        }

        if !self.reaping.swap(true, Ordering::Relaxed) {
            tokio::spawn(reap(Arc::downgrade(&self.pool)));
        }
        let mut conn = self.connector.connect(&origin).await?;
        match exchange(&mut conn, &mut parts, &mut body).await {
            Ok(head) => Ok(self.answer(conn, head, origin, close)),
            Err(failure) => Err(HttpBackendError::Exchange(failure.to_string())),
        }
    }

    fn answer(&self, conn: Conn, head: ResponseHead, origin: Arc<Origin>, close: bool) -> Response<ResponseBody> {
        let lease = Lease {
            pool: self.pool.clone(),
            origin,
        };
        let body = PooledBody::new(conn, lease, head.framing, head.keep_alive && !close);
        let mut response = Response::new(ResponseBody::stream(body));
        *response.status_mut() = head.status;
        *response.version_mut() = head.version;
        *response.headers_mut() = head.headers;
        response
    }
}

/// Why an exchange failed.
#[derive(Debug)]
enum Failure {
    /// The connection ended or broke before any answer: the backend had closed it.
    Stale(io::Error),
    /// Anything else: a broken request body, an answer that is not HTTP, a connection lost mid-answer.
    Broken(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Stale(err) => write!(f, "connection closed before an answer: {err}"),
            Failure::Broken(detail) => f.write_str(detail),
        }
    }
}

/// Writes the request on `conn` and reads the answer's head (skipping informational answers).
async fn exchange(
    conn: &mut Conn,
    parts: &mut request::Parts,
    body: &mut RequestBody,
) -> Result<ResponseHead, Failure> {
    let framing = encode_request(parts, body.is_end_stream(), body.size_hint().exact(), conn.out());
    let cut = match write_body(conn, framing, body).await {
        Ok(sent) => sent == Sent::Cut,
        // A write that failed may still have an answer behind it (the backend answered, then closed).
        Err(Failure::Stale(err)) => match read_head(conn, &parts.method).await {
            Ok(head) => return Ok(unreusable(head)),
            Err(_) => return Err(Failure::Stale(err)),
        },
        Err(failure) => return Err(failure),
    };
    let head = read_head(conn, &parts.method).await?;
    // An answer that came before the whole request went out leaves the connection out of step.
    Ok(if cut { unreusable(head) } else { head })
}

fn unreusable(head: ResponseHead) -> ResponseHead {
    ResponseHead {
        keep_alive: false,
        ..head
    }
}

/// Request bodies up to this size go out in one write with the head.
const COALESCE: usize = 16 * 1024;

/// Writes the head in `conn.out()` and the body, framed as `framing`; stops early if the backend answers first.
async fn write_body(conn: &mut Conn, framing: RequestFraming, body: &mut RequestBody) -> Result<Sent, Failure> {
    let mut sent: u64 = 0;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await {
        let frame = frame.map_err(|err| Failure::Broken(format!("error reading the request body: {err}")))?;
        let Ok(data) = frame.into_data() else {
            // Trailers: API Gateway forwards none.
            continue;
        };
        if data.is_empty() {
            continue;
        }
        sent += data.len() as u64;
        match framing {
            RequestFraming::Empty => {
                return Err(Failure::Broken("the request body is not empty as announced".to_owned()));
            }
            RequestFraming::Length(length) if sent > length => {
                return Err(Failure::Broken(format!(
                    "the request body is longer than its {length} bytes"
                )));
            }
            RequestFraming::Length(_) => {}
            RequestFraming::Chunked => {
                // hyper's chunk-size lines: upper-case hexadecimal.
                conn.out().extend_from_slice(format!("{:X}\r\n", data.len()).as_bytes());
            }
        }
        if conn.out().len() + data.len() <= COALESCE {
            conn.out().extend_from_slice(&data);
        } else if conn.write_out(&data).await.map_err(Failure::Stale)? == Sent::Cut {
            return Ok(Sent::Cut);
        }
        if framing == RequestFraming::Chunked {
            conn.out().extend_from_slice(b"\r\n");
        }
    }
    match framing {
        RequestFraming::Chunked => conn.out().extend_from_slice(b"0\r\n\r\n"),
        RequestFraming::Length(length) if sent != length => {
            return Err(Failure::Broken(format!(
                "the request body ended after {sent} of its {length} bytes"
            )));
        }
        _ => {}
    }
    if conn.write_out(&[]).await.map_err(Failure::Stale)? == Sent::Cut {
        return Ok(Sent::Cut);
    }
    conn.flush().await.map_err(Failure::Stale)?;
    Ok(Sent::All)
}

/// Reads the answer's head; informational answers (`100 Continue`, …) are skipped.
async fn read_head(conn: &mut Conn, method: &Method) -> Result<ResponseHead, Failure> {
    loop {
        match parse_response(conn.buffered(), method) {
            Ok(Some((length, head))) => {
                conn.consume(length);
                if head.status == http::StatusCode::SWITCHING_PROTOCOLS {
                    return Err(Failure::Broken(
                        "unexpected 101 Switching Protocols from the backend".to_owned(),
                    ));
                }
                if !head.status.is_informational() {
                    return Ok(head);
                }
                continue;
            }
            Ok(None) if conn.buffered().len() > MAX_HEAD => {
                return Err(Failure::Broken("response head over 64 KiB".to_owned()));
            }
            Ok(None) => {}
            Err(HeadError(detail)) => return Err(Failure::Broken(detail)),
        }
        let started = !conn.buffered().is_empty();
        match conn.fill().await {
            Ok(0) if started => return Err(Failure::Broken("the backend closed the connection mid-head".to_owned())),
            Ok(0) => return Err(Failure::Stale(io::ErrorKind::UnexpectedEof.into())),
            Ok(_) => {}
            Err(err) if started => return Err(Failure::Broken(format!("reading the answer: {err}"))),
            Err(err) => return Err(Failure::Stale(err)),
        }
    }
}

/// Safe methods (RFC 9110 §9.2.1): sending one twice changes nothing on the backend.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}
