//! The direct backend of `cargo xtask load`: a minimal hyper 1.x HTTP/1.1 server on one tokio thread (the same
//! server as /work/shared/bench/backend-rs, whose numbers ANCHORS.md reports).
//!
//! * `POST /echo` answers the request body (status 200, the request's content type): the upstream of the
//!   2 KB HTTP + VTL route, so request and response templates both reshape ~2 KB.
//! * Anything else answers the same 100-byte JSON body (drained request body, 200, keep-alive).
//!
//! Usage: load-backend PORT. Binds 127.0.0.1 only.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// 100 bytes exactly: direct and proxied runs move the same payload as the anchors' backends.
const BODY: &[u8] =
    br#"{"ok":true,"service":"bench-backend","message":"hello from the backend","pad":"xxxxxxxxxxxxxxxxxxx"}"#;

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let echo = req.method() == Method::POST && req.uri().path() == "/echo";
    let content_type = req.headers().get(CONTENT_TYPE).cloned();
    // Drained either way, so the connection can be reused.
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut resp = if echo {
        Response::new(Full::new(body))
    } else {
        Response::new(Full::new(Bytes::from_static(BODY)))
    };
    let content_type = match content_type {
        Some(value) if echo => value,
        _ => HeaderValue::from_static("application/json"),
    };
    resp.headers_mut().insert(CONTENT_TYPE, content_type);
    Ok(resp)
}

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(18080);
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("load-backend: no runtime: {err}");
            std::process::exit(1);
        }
    };
    rt.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = match TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!("load-backend: cannot bind {addr}: {err}");
                std::process::exit(1);
            }
        };
        eprintln!("load-backend listening on http://{addr}");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service_fn(handle))
                    .await;
            });
        }
    });
}
