//! The edge's own HTTP/1 server against hyper's, on the wire: the same requests to both, answered by the same
//! responses, must come back as the same bytes (the `date` value aside) and leave the connection open or closed
//! alike. This is what clients saw before the edge served HTTP/1 itself (`encode.rs` follows hyper 1.x's
//! `Server::encode`).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;
use tollgate_runtime::Arrival;

use super::{EdgeConfig, Handler};

type TestBody = BoxBody<Bytes, Infallible>;

fn full(text: &'static str) -> TestBody {
    Full::new(Bytes::from_static(text.as_bytes())).boxed()
}

fn stream(pieces: &[&'static str]) -> TestBody {
    Frames {
        pieces: pieces
            .iter()
            .map(|piece| Bytes::from_static(piece.as_bytes()))
            .collect(),
        exact: false,
    }
    .boxed()
}

/// Ready frames, with or without an exact size hint.
struct Frames {
    pieces: VecDeque<Bytes>,
    exact: bool,
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(
            self.get_mut()
                .pieces
                .pop_front()
                .map(|piece| Ok(http_body::Frame::data(piece))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        if self.exact {
            http_body::SizeHint::with_exact(self.pieces.iter().map(|piece| piece.len() as u64).sum())
        } else {
            http_body::SizeHint::default()
        }
    }
}

/// The same answer for both servers, chosen by the path.
fn respond(path: &str) -> Response<TestBody> {
    let mut response = Response::new(full(""));
    let (status, body): (u16, TestBody) = match path {
        "/full" => (200, full("hello")),
        "/empty" => (200, full("")),
        "/no-content" => (204, full("")),
        "/not-modified" => (304, full("12345")),
        "/created" => (201, full("{\"id\":1}")),
        "/teapot" => (418, full("short and stout")),
        "/unknown-status" => (599, full("?")),
        "/stream" => (200, stream(&["one,", "two,", "three"])),
        "/large" => (200, Full::new(Bytes::from(vec![b'x'; 100_000])).boxed()),
        "/large-stream" => (
            200,
            Frames {
                pieces: VecDeque::from([Bytes::from(vec![b'a'; 40_000]), Bytes::from_static(b"tail")]),
                exact: false,
            }
            .boxed(),
        ),
        "/known-stream" => (
            200,
            Frames {
                pieces: VecDeque::from([Bytes::from_static(b"known "), Bytes::from_static(b"length")]),
                exact: true,
            }
            .boxed(),
        ),
        _ => (404, full("{\"message\":\"Missing Authentication Token\"}")),
    };
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    *response.body_mut() = body;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "x-amzn-RequestId",
        HeaderValue::from_static("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
    );
    headers.append("set-cookie", HeaderValue::from_static("a=1"));
    headers.append("set-cookie", HeaderValue::from_static("b=2"));
    match path {
        "/close" => {
            headers.insert("connection", HeaderValue::from_static("close"));
        }
        "/keep-alive" => {
            headers.insert("connection", HeaderValue::from_static("keep-alive"));
        }
        "/own-date" => {
            headers.insert("date", HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        }
        "/own-length" => {
            headers.insert("content-length", HeaderValue::from_static("4"));
            *response.body_mut() = full("four");
        }
        "/own-length-stream" => {
            headers.insert("content-length", HeaderValue::from_static("9"));
            *response.body_mut() = stream(&["nine ", "more"]);
        }
        _ => {}
    }
    response
}

#[derive(Debug)]
struct Same;

impl Handler for Same {
    type Body = TestBody;

    async fn handle(&self, request: Request<Bytes>, _arrival: Arrival) -> Response<TestBody> {
        respond(request.uri().path())
    }
}

struct Servers {
    ours: SocketAddr,
    hyper: SocketAddr,
    _stop: watch::Sender<bool>,
    _runtime: tokio::runtime::Runtime,
}

fn start() -> Servers {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (stop, stopped) = watch::channel(false);
    let ours = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let ours_addr = ours.local_addr().unwrap();
    runtime.spawn(super::serve(
        ours,
        Arc::new(Same),
        EdgeConfig::default(),
        (stopped, Duration::from_secs(1)),
        Arc::default(),
    ));
    let theirs = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let hyper_addr = theirs.local_addr().unwrap();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = theirs.accept().await else { return };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                    let path = request.uri().path().to_owned();
                    // Read the body first, as the edge does, so both answer after the whole request.
                    let _ = request.into_body().collect().await;
                    Ok::<_, Infallible>(respond(&path))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Servers {
        ours: ours_addr,
        hyper: hyper_addr,
        _stop: stop,
        _runtime: runtime,
    }
}

/// What a client sees: the answers' bytes (with the date's value blanked) and whether the connection ended.
fn exchange(addr: SocketAddr, request: &[u8], answers: usize, head_request: bool) -> (String, bool) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.write_all(request).unwrap();
    let mut seen = Vec::new();
    let mut complete = 0;
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut closed = false;
    while complete < answers {
        let mut buf = [0u8; 65536];
        match conn.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(err) => panic!(
                "no complete answer from {addr}: {err}; so far {:?}",
                String::from_utf8_lossy(&seen)
            ),
        }
        complete = count_answers(&seen, head_request, false);
    }
    if !closed {
        // Anything more, or the end of the connection?
        conn.set_read_timeout(Some(Duration::from_millis(150))).unwrap();
        let mut buf = [0u8; 65536];
        loop {
            match conn.read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => seen.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
    }
    (blank_dates(&String::from_utf8_lossy(&seen)), closed)
}

/// How many complete final answers `bytes` holds (1xx interim answers do not count).
fn count_answers(bytes: &[u8], head_request: bool, until_close: bool) -> usize {
    let mut at = 0;
    let mut count = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(len)) = response.parse(&bytes[at..]) else {
            return count;
        };
        let status = response.code.unwrap();
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).to_string())
        };
        let body_start = at + len;
        let end = if (100..200).contains(&status) {
            at = body_start;
            continue;
        } else if head_request || status == 204 || status == 304 {
            body_start
        } else if let Some(length) = header("content-length") {
            body_start + length.parse::<usize>().unwrap()
        } else if header("transfer-encoding").is_some() {
            match bytes[body_start..].windows(5).position(|w| w == b"0\r\n\r\n") {
                Some(pos) => body_start + pos + 5,
                None => return count,
            }
        } else {
            // Until the connection closes.
            return if until_close { count + 1 } else { count };
        };
        if end > bytes.len() {
            return count;
        }
        count += 1;
        at = end;
    }
}

fn blank_dates(text: &str) -> String {
    text.split("\r\n")
        .map(|line| {
            if line.len() == "date: ".len() + 29 && line.starts_with("date: ") {
                "date: <now>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn answers_are_byte_identical_to_hypers() {
    let servers = start();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut cases: Vec<(String, String, usize, bool)> = Vec::new();
    for path in [
        "/full",
        "/empty",
        "/no-content",
        "/not-modified",
        "/created",
        "/teapot",
        "/unknown-status",
        "/stream",
        "/large",
        "/large-stream",
        "/known-stream",
        "/close",
        "/keep-alive",
        "/own-date",
        "/own-length",
        "/own-length-stream",
        "/missing",
    ] {
        cases.push((format!("GET {path}"), get(path), 1, false));
        cases.push((
            format!("HEAD {path}"),
            format!("HEAD {path} HTTP/1.1\r\nHost: a\r\n\r\n"),
            1,
            true,
        ));
        cases.push((
            format!("HTTP/1.0 GET {path}"),
            format!("GET {path} HTTP/1.0\r\n\r\n"),
            1,
            false,
        ));
        cases.push((
            format!("HTTP/1.0 keep-alive GET {path}"),
            format!("GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
            1,
            false,
        ));
        cases.push((
            format!("close GET {path}"),
            format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
            1,
            false,
        ));
    }
    cases.push((
        "POST with Expect: 100-continue".into(),
        "POST /full HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello".into(),
        1,
        false,
    ));
    cases.push((
        "chunked POST".into(),
        "POST /created HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".into(),
        1,
        false,
    ));
    cases.push((
        "pipelined".into(),
        format!("{}{}{}", get("/full"), get("/stream"), get("/empty")),
        3,
        false,
    ));
    cases.push((
        "Connection: keep-alive, close".into(),
        "GET /full HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n".into(),
        1,
        false,
    ));
    let mut differences = Vec::new();
    for (name, request, answers, head_request) in &cases {
        let ours = exchange(servers.ours, request.as_bytes(), *answers, *head_request);
        let theirs = exchange(servers.hyper, request.as_bytes(), *answers, *head_request);
        if ours != theirs {
            differences.push(format!("{name}:\n  ours:  {ours:?}\n  hyper: {theirs:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} cases differ:\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
}
