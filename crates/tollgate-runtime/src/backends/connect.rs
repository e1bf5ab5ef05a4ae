//! Opening a connection to a backend origin: TCP (TCP_NODELAY) and, for `https`, rustls.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use super::conn::Conn;
use super::pool::Origin;
use super::{BackendSetupError, HttpBackendError, HttpClientOptions, error_chain};

/// TCP (TCP_NODELAY, `connect_timeout`) and, for `https`, rustls with `tls_roots` or the webpki roots: the
/// transport of both HTTP backends.
pub(super) fn https_connector(options: &HttpClientOptions) -> Result<HttpsConnector<HttpConnector>, BackendSetupError> {
    let mut http = HttpConnector::new();
    // The https connector wraps this one: it must accept `https` URIs.
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(options.connect_timeout));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| BackendSetupError(err.to_string()))?;
    let config = match &options.tls_roots {
        Some(roots) => config.with_root_certificates(roots.clone()),
        None => config.with_webpki_roots(),
    }
    .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

/// Opens connections; cheap to clone (the TLS configuration is shared).
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    inner: HttpsConnector<HttpConnector>,
    timeout: Duration,
}

impl Connector {
    pub(crate) fn new(options: &HttpClientOptions) -> Result<Connector, BackendSetupError> {
        Ok(Connector {
            inner: https_connector(options)?,
            timeout: options.connect_timeout,
        })
    }

    /// A new connection to `origin`, within the connect timeout (TCP and TLS together).
    pub(crate) async fn connect(&self, origin: &Origin) -> Result<Conn, HttpBackendError> {
        match tokio::time::timeout(self.timeout, self.open(origin)).await {
            Ok(result) => result,
            Err(_) => Err(HttpBackendError::Connect(format!(
                "no connection to {} within {} ms",
                origin.authority,
                self.timeout.as_millis()
            ))),
        }
    }

    async fn open(&self, origin: &Origin) -> Result<Conn, HttpBackendError> {
        let uri = origin
            .uri()
            .map_err(|err| HttpBackendError::Connect(format!("invalid backend origin: {err}")))?;
        let mut connector = self.inner.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|err| HttpBackendError::Connect(error_chain(&*err)))?;
        let io = connector
            .call(uri)
            .await
            .map_err(|err| HttpBackendError::Connect(error_chain(&*err)))?;
        Ok(Conn::new(io))
    }
}
