//! The hyper service of one connection: edge verdicts, the body under its limits, then the handler.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, HeaderValue};
use http::{Request, Response, Version};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use tokio::time::Instant;
use tollgate_runtime::Arrival;
use tracing::Instrument as _;

use super::head::{MAX_BODY, Rejection};
use super::reply;
use super::wire::{ConnShared, Responding};
use super::{EdgeConfig, Handler};

/// The response body of the edge: its own short answers or the handler's.
pub(crate) type EdgeBody<B> = Either<Full<Bytes>, Tracked<B>>;

/// The handler's body, counted as being written until hyper drops it (the idle timer waits for it).
#[derive(Debug)]
pub(crate) struct Tracked<B> {
    body: B,
    _responding: Responding,
}

impl<B: http_body::Body + Unpin> http_body::Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// One connection's service.
#[derive(Debug)]
pub(crate) struct EdgeService<H> {
    pub(crate) handler: Arc<H>,
    pub(crate) shared: Arc<ConnShared>,
    pub(crate) config: Arc<EdgeConfig>,
    pub(crate) remote: SocketAddr,
}

impl<H: Handler> hyper::service::Service<Request<Incoming>> for EdgeService<H> {
    type Response = Response<EdgeBody<H::Body>>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let handler = Arc::clone(&self.handler);
        let shared = Arc::clone(&self.shared);
        let config = Arc::clone(&self.config);
        let remote = self.remote;
        // One span per request; at DEBUG so that the default `info` filter costs a cached callsite check only.
        let span = tracing::debug_span!("request", method = %request.method(), path = request.uri().path());
        Box::pin(async move { Ok(serve(handler, shared, &config, remote, request).await) }.instrument(span))
    }
}

async fn serve<H: Handler>(
    handler: Arc<H>,
    shared: Arc<ConnShared>,
    config: &EdgeConfig,
    remote: SocketAddr,
    request: Request<Incoming>,
) -> Response<EdgeBody<H::Body>> {
    let received_at = SystemTime::now();
    let version = request.version();
    let names = if version < Version::HTTP_2 {
        // Heads reach hyper in order and hyper calls us in order, so the oldest verdict is this request's.
        match shared.next_head() {
            Some((Ok(names), answering)) => Some((names, answering)),
            Some((Err(rejection), _answering)) => return refuse(&*handler, &shared, rejection, version),
            None => {
                return refuse(
                    &*handler,
                    &shared,
                    Rejection::BadRequest("no verdict for a head"),
                    version,
                );
            }
        }
    } else {
        None
    };
    let (parts, body) = request.into_parts();
    let body = match read_body(body, config, &shared).await {
        Ok(body) => body,
        Err(rejection) => {
            tracing::debug!(?rejection, "request body refused at the edge");
            return refuse(&*handler, &shared, rejection, version);
        }
    };
    let (original_names, _answering) = match names {
        Some((names, answering)) => (Some(names), Some(answering)),
        None => (None, None),
    };
    let arrival = Arrival {
        peer: Some(remote),
        received_at: Some(received_at),
        original_names,
    };
    // Boxed on its own: the gateway's future is large, and inline it would be copied each time an enclosing
    // future moves (into hyper's box, into this state machine); boxed, it is copied once.
    let handling = Box::pin(handler.handle(Request::from_parts(parts, body), arrival));
    match catch_panic(handling).await {
        Ok(response) => {
            let responding = Responding::new(Arc::clone(&shared));
            response.map(|body| {
                Either::Right(Tracked {
                    body,
                    _responding: responding,
                })
            })
        }
        Err(_) => {
            tracing::error!("the gateway panicked while handling a request; answered 500");
            reply::internal_error().map(Either::Left)
        }
    }
}

fn refuse<H: Handler>(
    handler: &H,
    shared: &Arc<ConnShared>,
    rejection: Rejection,
    version: Version,
) -> Response<EdgeBody<H::Body>> {
    match handler.rejection(rejection) {
        Some(mut response) => {
            if version < Version::HTTP_2 {
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            let responding = Responding::new(Arc::clone(shared));
            response.map(|body| {
                Either::Right(Tracked {
                    body,
                    _responding: responding,
                })
            })
        }
        None => reply::rejection(rejection, version).map(Either::Left),
    }
}

/// Reads the whole body (API Gateway buffers it too) within AWS's payload limit and the edge timeouts.
async fn read_body(mut body: Incoming, config: &EdgeConfig, shared: &ConnShared) -> Result<Bytes, Rejection> {
    if http_body::Body::is_end_stream(&body) {
        return Ok(Bytes::new());
    }
    let deadline = Instant::now() + config.body_deadline;
    let mut single: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut total: u64 = 0;
    loop {
        let wait_until = (Instant::now() + config.body_timeout).min(deadline);
        let frame = match tokio::time::timeout_at(wait_until, body.frame()).await {
            Err(_elapsed) => return Err(Rejection::BodyTimeout),
            Ok(None) => break,
            Ok(Some(Err(_))) if shared.framing_failed() => return Err(Rejection::BadRequest("chunked framing")),
            Ok(Some(Err(_))) => return Err(Rejection::BadRequest("request body ended early or was malformed")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // Trailers: API Gateway has no use for them.
        };
        total += data.len() as u64;
        if total > MAX_BODY {
            return Err(Rejection::PayloadTooLarge);
        }
        match single.take() {
            None if joined.is_empty() => single = Some(data),
            Some(first) => {
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&data);
            }
            None => joined.extend_from_slice(&data),
        }
    }
    Ok(single.unwrap_or_else(|| joined.freeze()))
}

/// Runs a future, turning a panic inside it into an error, so one request's panic ends only that request.
async fn catch_panic<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    poll_fn(
        move |cx| match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        },
    )
    .await
}
