//! The HTTP clients: a pooled hyper client for the wire path, and the SDK's client for STS and Lambda. Both use
//! rustls with ring (no C build) and the compiled-in webpki roots; plain HTTP is allowed for local endpoints.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::client::ConfigError;

pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Connection pool settings.
#[derive(Debug, Clone)]
pub(crate) struct PoolOptions {
    /// Idle connections are closed after this long. AWS endpoints close idle connections after about 20 s of
    /// their own; closing first avoids sending on a connection the server is closing.
    pub(crate) idle_timeout: Duration,
    /// At most this many idle connections are kept per host.
    pub(crate) max_idle_per_host: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            idle_timeout: Duration::from_secs(15),
            max_idle_per_host: 256,
        }
    }
}

pub(crate) fn new_http_client(options: &PoolOptions) -> Result<HttpClient, ConfigError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(options.idle_timeout)
        .pool_max_idle_per_host(options.max_idle_per_host)
        .pool_timer(TokioTimer::new())
        .build(https))
}

/// The SDK's HTTP client with rustls + ring, for the STS and Lambda SDK clients.
pub(crate) fn sdk_http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
