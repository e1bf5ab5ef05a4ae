//! The admin listener: `/healthz` and `/readyz` on their own port, so no API path is ever shadowed (AWS
//! reserves `/ping` and `/sping` on its own hosts for the same reason).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tollgate_runtime::Gateway;

/// What the admin endpoints report.
#[derive(Debug)]
pub(crate) struct Health {
    pub(crate) gateway: Gateway,
    pub(crate) stage: String,
    pub(crate) reload_failures: AtomicU64,
    /// Connections the API listener is serving (the admin listener's own are not counted).
    pub(crate) connections: Arc<AtomicUsize>,
}

impl Health {
    fn body(&self) -> String {
        format!(
            r#"{{"status":"ok","deploymentVersion":{},"stage":"{}","reloadFailures":{},"connections":{}}}"#,
            self.gateway.version(),
            self.stage.escape_default(),
            self.reload_failures.load(Ordering::Relaxed),
            self.connections.load(Ordering::Relaxed)
        )
    }
}

/// Serves the admin endpoints until `shutdown` turns true.
pub(crate) async fn serve(listener: TcpListener, health: Arc<Health>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = crate::edge::stop_requested(&mut shutdown) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!(error = %err, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let health = Arc::clone(&health);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let health = Arc::clone(&health);
                async move { Ok::<_, Infallible>(answer(&health, &request)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(health: &Health, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let (status, body) = match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/healthz" | "/readyz") => (StatusCode::OK, health.body()),
        (_, "/healthz" | "/readyz") => (StatusCode::METHOD_NOT_ALLOWED, r#"{"message":"use GET"}"#.to_owned()),
        _ => (
            StatusCode::NOT_FOUND,
            r#"{"message":"not found; try /healthz"}"#.to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
