//! What integrations call, behind small traits so tests and embedders can substitute their own.
//!
//! Issue 5 (Lambda) and issue 6 (AWS services) add their invokers here as further fields; the pipeline's
//! integration dispatch picks the field it needs.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};

use crate::aws_service::AwsSender;
use crate::body::{RequestBody, ResponseBody};
use crate::lambda::{LambdaBackend, NoLambda};

mod conn;
mod connect;
#[doc(hidden)]
pub mod fuzzing;
mod head;
mod legacy;
mod pool;
mod pooled;
mod response;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;

pub use legacy::HyperHttpBackend;
pub use pooled::PooledHttpBackend;

/// Why a backend exchange failed before a response head arrived.
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpBackendError {
    /// The connection could not be made (refused, unreachable, DNS, TLS handshake).
    Connect(String),
    /// The connection broke or the backend sent something that is not HTTP.
    Exchange(String),
}

impl std::fmt::Display for HttpBackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpBackendError::Connect(detail) => write!(f, "could not connect to the backend: {detail}"),
            HttpBackendError::Exchange(detail) => write!(f, "backend exchange failed: {detail}"),
        }
    }
}

impl std::error::Error for HttpBackendError {}

/// A boxed future of a backend response.
pub type BackendFuture = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, HttpBackendError>> + Send>>;

/// Sends HTTP requests to HTTP and HTTP_PROXY backends. The request URI is absolute (`http://host:port/path`).
/// The gateway applies the integration timeout around the whole call.
pub trait HttpBackend: Send + Sync + std::fmt::Debug {
    /// Sends one request; the response body may stream.
    fn send(&self, request: Request<RequestBody>) -> BackendFuture;
}

/// Settings of [`PooledHttpBackend`] and [`HyperHttpBackend`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpClientOptions {
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// At most this many idle connections per backend origin (scheme, host, port).
    pub pool_max_idle_per_host: usize,
    /// Bound on opening a connection: TCP connect and, for `https`, the TLS handshake (the integration timeout
    /// still bounds the whole call).
    pub connect_timeout: Duration,
    /// The certificate authorities `https` backends are checked against; `None`: the compiled-in webpki (Mozilla)
    /// roots, which is what API Gateway trusts too.
    pub tls_roots: Option<Arc<rustls::RootCertStore>>,
}

impl Default for HttpClientOptions {
    fn default() -> Self {
        HttpClientOptions {
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 64,
            connect_timeout: Duration::from_secs(10),
            tls_roots: None,
        }
    }
}

/// The TLS stack could not be set up (the crypto provider rejected rustls's default protocol versions).
#[derive(Debug)]
pub struct BackendSetupError(String);

impl std::fmt::Display for BackendSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot set up TLS for backends: {}", self.0)
    }
}

impl std::error::Error for BackendSetupError {}

pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The backends a gateway calls. Fields are shared handles; clone freely.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Backends {
    /// HTTP and HTTP_PROXY integrations.
    pub http: Arc<dyn HttpBackend>,
    /// AWS service integrations; `None`: they answer 500 (no AWS configuration).
    pub aws: Option<Arc<dyn AwsSender>>,
    /// AWS_PROXY and non-proxy Lambda integrations; [`NoLambda`] (every invocation refused) unless set.
    pub lambda: Arc<dyn LambdaBackend>,
}

impl Backends {
    /// Backends with this HTTP client.
    pub fn new(http: Arc<dyn HttpBackend>) -> Backends {
        Backends {
            http,
            aws: None,
            lambda: Arc::new(NoLambda),
        }
    }

    /// These backends, sending AWS service integrations through `aws` (e.g. a `tollgate_aws::AwsClient`).
    pub fn with_aws(mut self, aws: Arc<dyn AwsSender>) -> Backends {
        self.aws = Some(aws);
        self
    }

    /// These backends, invoking Lambda functions through `lambda`.
    pub fn with_lambda(mut self, lambda: Arc<dyn LambdaBackend>) -> Backends {
        self.lambda = lambda;
        self
    }

    /// The production backends with default options ([`PooledHttpBackend`]); requests must be sent from a tokio
    /// runtime.
    pub fn production() -> Result<Backends, BackendSetupError> {
        Ok(Backends {
            http: Arc::new(PooledHttpBackend::new(&HttpClientOptions::default())?),
            aws: None,
            lambda: Arc::new(NoLambda),
        })
    }
}
