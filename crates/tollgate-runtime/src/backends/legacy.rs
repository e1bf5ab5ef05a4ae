//! hyper-util's legacy pooled client behind [`HttpBackend`]: the previous production backend, kept for
//! embedders that want its connection racing (a checkout waits for a returning connection while a new one
//! connects). The gateway uses [`PooledHttpBackend`](super::PooledHttpBackend).

use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{BackendFuture, BackendSetupError, HttpBackend, HttpBackendError, HttpClientOptions, error_chain};
use crate::body::{RequestBody, ResponseBody};

/// hyper-util's pooled client (keep-alive, HTTP/1.1) over plain TCP or rustls (`tls_roots`, else the compiled-in
/// webpki roots).
/// Cheap to clone; clones share the pool.
#[derive(Clone, Debug)]
pub struct HyperHttpBackend {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, RequestBody>,
}

impl HyperHttpBackend {
    /// A client with `options`. Must be called inside a tokio runtime (the pool spawns its reaper there).
    pub fn new(options: &HttpClientOptions) -> Result<HyperHttpBackend, BackendSetupError> {
        let connector = super::connect::https_connector(options)?;
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(options.pool_idle_timeout)
            .pool_max_idle_per_host(options.pool_max_idle_per_host)
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Ok(HyperHttpBackend { client })
    }
}

impl HttpBackend for HyperHttpBackend {
    fn send(&self, request: http::Request<RequestBody>) -> BackendFuture {
        let future = self.client.request(request);
        Box::pin(async move {
            match future.await {
                Ok(response) => Ok(response.map(ResponseBody::stream)),
                Err(err) if err.is_connect() => Err(HttpBackendError::Connect(error_chain(&err))),
                Err(err) => Err(HttpBackendError::Exchange(error_chain(&err))),
            }
        })
    }
}
