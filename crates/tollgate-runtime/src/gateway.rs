//! The gateway handle: the installed snapshot, the backends, and `handle`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{Request, Response};
use tollgate_model::GatewayResponseType;

use crate::access_log::{AccessLogFormat, AccessLogSink};
use crate::backends::Backends;
use crate::body::{BoxError, ResponseBody};
use crate::clock::{Clock, IdGenerator, RandomIds, SystemClock};
use crate::deployment::Deployment;
use crate::header_names::OriginalHeaderNames;
use crate::pipeline;

/// Request extension: the TCP peer of the client connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// Request extension: when the server finished reading the request head (`$context.responseLatency` starts
/// here; without it, when `handle` started).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceivedAt(pub SystemTime);

/// What the server knows of a request besides its HTTP parts: the facts of the request extensions above,
/// handed to [`Gateway::handle_arrival`] directly, so a server builds no extension map per request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Arrival {
    /// The TCP peer ([`PeerAddr`]).
    pub peer: Option<SocketAddr>,
    /// When the request head was read ([`ReceivedAt`]).
    pub received_at: Option<SystemTime>,
    /// The client's header names ([`OriginalHeaderNames`]).
    pub original_names: Option<OriginalHeaderNames>,
}

impl Arrival {
    /// The facts a request carries as extensions.
    pub fn from_extensions(extensions: &http::Extensions) -> Arrival {
        Arrival {
            peer: extensions.get::<PeerAddr>().map(|p| p.0),
            received_at: extensions.get::<ReceivedAt>().map(|r| r.0),
            original_names: extensions.get::<OriginalHeaderNames>().cloned(),
        }
    }
}

/// The deployments a gateway serves, one per stage name, with a version.
#[derive(Debug, Default)]
pub struct Deployments {
    stages: Vec<Arc<Deployment>>,
    version: u64,
}

impl Deployments {
    /// Deployments for several stages; a later deployment of the same stage name replaces an earlier one.
    pub fn new(deployments: impl IntoIterator<Item = Deployment>) -> Deployments {
        let mut stages: Vec<Arc<Deployment>> = Vec::new();
        for deployment in deployments {
            stages.retain(|d| d.stage() != deployment.stage());
            stages.push(Arc::new(deployment));
        }
        Deployments { stages, version: 0 }
    }

    /// The deployment serving `stage`.
    pub fn stage(&self, stage: &str) -> Option<&Arc<Deployment>> {
        self.stages.iter().find(|d| d.stage() == stage)
    }

    /// The version given by [`Gateway::install`] (0 before installation).
    pub fn version(&self) -> u64 {
        self.version
    }
}

impl From<Deployment> for Deployments {
    fn from(deployment: Deployment) -> Self {
        Deployments::new([deployment])
    }
}

/// Settings of a gateway that are not part of a deployment.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GatewayOptions {
    /// The access-log format and where lines go; `None`: no access log.
    pub access_log: Option<(AccessLogFormat, Arc<dyn AccessLogSink>)>,
    /// The clock (tests inject a fixed one).
    pub clock: Arc<dyn Clock>,
    /// The id generator (tests inject a seeded one).
    pub ids: Arc<dyn IdGenerator>,
    /// The largest request body accepted, AWS's 10 MiB payload limit by default (413 above it).
    pub max_body_bytes: usize,
    /// Where throttle buckets, quota counters and cached responses live ([`crate::EmbeddedStore`] by
    /// default). Kept across [`Gateway::install`], so limits and the cache survive a reload.
    pub state: Arc<dyn crate::state::StateStore>,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        GatewayOptions {
            access_log: None,
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds::default()),
            max_body_bytes: 10 * 1024 * 1024,
            state: Arc::new(crate::state::EmbeddedStore::new()),
        }
    }
}

/// The gateway: a cheap, cloneable handle shared by every connection.
#[derive(Clone, Debug)]
pub struct Gateway {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    snapshot: ArcSwap<Deployments>,
    pub(crate) backends: Backends,
    pub(crate) options: GatewayOptions,
}

impl Gateway {
    /// A gateway serving `deployments` through `backends`.
    pub fn new(deployments: impl Into<Deployments>, backends: Backends, options: GatewayOptions) -> Gateway {
        let mut deployments = deployments.into();
        deployments.version = 1;
        Gateway {
            inner: Arc::new(Inner {
                snapshot: ArcSwap::from_pointee(deployments),
                backends,
                options,
            }),
        }
    }

    /// Atomically replaces the served deployments; requests in flight finish on the snapshot they started
    /// with. Returns the new version.
    pub fn install(&self, deployments: impl Into<Deployments>) -> u64 {
        let mut deployments = deployments.into();
        let mut version = 0;
        self.inner.snapshot.rcu(|current| {
            version = current.version + 1;
            deployments.version = version;
            Arc::new(Deployments {
                stages: deployments.stages.clone(),
                version,
            })
        });
        version
    }

    /// The installed snapshot's version (1 for the first).
    pub fn version(&self) -> u64 {
        self.inner.snapshot.load().version
    }

    /// Serves one request through the pipeline. Never fails: every error is a gateway response.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let arrival = Arrival::from_extensions(request.extensions());
        self.handle_arrival(request, arrival).await
    }

    /// [`Gateway::handle`] with the request's [`Arrival`] given directly instead of as request extensions
    /// (which are then not read).
    pub async fn handle_arrival<B>(&self, request: Request<B>, arrival: Arrival) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let snapshot = self.inner.snapshot.load_full();
        pipeline::run(&self.inner, &snapshot, request, arrival).await
    }

    /// AWS's response for a gateway response type raised at the server's edge (413 over the payload limit,
    /// 431, ...), with request ids, without routing or customization.
    pub fn edge_response(&self, kind: GatewayResponseType) -> Response<ResponseBody> {
        pipeline::edge_response(&self.inner, kind)
    }
}

impl<B> tower_service::Service<Request<B>> for Gateway
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let gateway = self.clone();
        Box::pin(async move { Ok(gateway.handle(request).await) })
    }
}
