//! The hyper service of an HTTP/2 connection: the body under its limits, then the handler.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use tokio::time::Instant;
use tollgate_runtime::{Arrival, FrameJoiner};
use tracing::Instrument as _;

use super::head::{MAX_BODY, Rejection};
use super::reply;
use super::{EdgeConfig, Handler};

/// The response body of the edge: its own short answers or the handler's.
pub(crate) type EdgeBody<B> = Either<Full<Bytes>, B>;

/// One HTTP/2 connection's service.
#[derive(Debug)]
pub(crate) struct EdgeService<H> {
    pub(crate) handler: Arc<H>,
    pub(crate) config: Arc<EdgeConfig>,
    pub(crate) remote: SocketAddr,
}

impl<H: Handler> hyper::service::Service<Request<Incoming>> for EdgeService<H> {
    type Response = Response<EdgeBody<H::Body>>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let handler = Arc::clone(&self.handler);
        let config = Arc::clone(&self.config);
        let remote = self.remote;
        let span = tracing::debug_span!("request", method = %request.method(), path = request.uri().path());
        Box::pin(async move { Ok(serve(handler, &config, remote, request).await) }.instrument(span))
    }
}

async fn serve<H: Handler>(
    handler: Arc<H>,
    config: &EdgeConfig,
    remote: SocketAddr,
    request: Request<Incoming>,
) -> Response<EdgeBody<H::Body>> {
    let received_at = SystemTime::now();
    let (parts, body) = request.into_parts();
    let body = match read_body(body, config).await {
        Ok(body) => body,
        Err(rejection) => {
            tracing::debug!(?rejection, "request body refused at the edge");
            return match handler.rejection(rejection) {
                Some(response) => response.map(Either::Right),
                None => reply::rejection(rejection, http::Version::HTTP_2).map(Either::Left),
            };
        }
    };
    let arrival = Arrival {
        peer: Some(remote),
        received_at: Some(received_at),
        original_names: None,
    };
    let mut handling = Box::pin(handler.handle(Request::from_parts(parts, body), arrival));
    match super::catch_panic(handling.as_mut(), &tracing::Span::none()).await {
        Ok(response) => response.map(Either::Right),
        Err(_) => {
            tracing::error!("the gateway panicked while handling a request; answered 500");
            reply::internal_error().map(Either::Left)
        }
    }
}

/// Reads the whole body (API Gateway buffers it too) within AWS's payload limit and the edge timeouts.
async fn read_body(mut body: Incoming, config: &EdgeConfig) -> Result<Bytes, Rejection> {
    if http_body::Body::is_end_stream(&body) {
        return Ok(Bytes::new());
    }
    let deadline = Instant::now() + config.body_deadline;
    let mut joined = FrameJoiner::default();
    loop {
        let wait_until = (Instant::now() + config.body_timeout).min(deadline);
        let frame = match tokio::time::timeout_at(wait_until, body.frame()).await {
            Err(_elapsed) => return Err(Rejection::BodyTimeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(Rejection::BadRequest("request body ended early or was malformed")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // Trailers: API Gateway has no use for them.
        };
        if (joined.len() + data.len()) as u64 > MAX_BODY {
            return Err(Rejection::PayloadTooLarge);
        }
        joined.push(data);
    }
    Ok(joined.finish())
}
