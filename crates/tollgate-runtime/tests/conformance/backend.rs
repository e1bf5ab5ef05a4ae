//! A loopback HTTP backend that answers as the case says and records what it received.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::fixture::{BackendAnswer, Received};

#[derive(Default)]
struct State {
    answer: Option<BackendAnswer>,
    received: Option<Received>,
}

pub(crate) struct Backend {
    port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Backend {
    pub(crate) async fn start() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                let garbage = state.lock().unwrap().answer.as_ref().is_some_and(|a| a.garbage);
                if garbage {
                    let _ = stream.write_all(b"this is not HTTP\r\n\r\n").await;
                    let _ = stream.shutdown().await;
                    continue;
                }
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(state.clone(), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Backend { port, state, task }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn prepare(&self, answer: Option<BackendAnswer>) {
        let mut state = self.state.lock().unwrap();
        state.answer = answer;
        state.received = None;
    }

    pub(crate) fn take_received(&self) -> Option<Received> {
        self.state.lock().unwrap().received.take()
    }

    pub(crate) fn stop(self) {
        self.task.abort();
    }
}

async fn answer(
    state: Arc<Mutex<State>>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
    let answer = {
        let mut state = state.lock().unwrap();
        state.received = Some(Received {
            method: parts.method.to_string(),
            path: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            headers: parts.headers,
            body,
        });
        state.answer.clone()
    };
    let answer = answer.unwrap_or(BackendAnswer {
        status: 200,
        headers: Vec::new(),
        body: String::new(),
        body_base64: None,
        delay_ms: 0,
        garbage: false,
    });
    if answer.garbage {
        return Err(std::io::Error::other("garbage requested"));
    }
    if answer.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
    }
    let mut response = http::Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(name.as_str(), value.as_str());
    }
    let body = crate::fixture::bytes_of(&answer.body, answer.body_base64.as_deref());
    Ok(response.body(Full::new(Bytes::from(body))).unwrap())
}

/// A loopback port that refuses connections: bound but never listening, and held by the returned socket so
/// no other process on the machine can take it while the fixture runs.
pub(crate) fn refusing_port() -> (u16, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (port, socket)
}
