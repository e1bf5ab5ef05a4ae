//! The pooled backend against hyper's client, the gateway's backend before it: the same requests must leave as
//! the same bytes, and the same answers must read as the same responses.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request};
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{HttpBackend, HttpClientOptions, HyperHttpBackend, PooledHttpBackend};
use crate::body::RequestBody;

/// A request body delivered in pieces, with an exact length or none.
struct Pieces {
    pieces: VecDeque<Bytes>,
    exact: Option<u64>,
}

impl Body for Pieces {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.pieces.pop_front().map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        self.exact.map(SizeHint::with_exact).unwrap_or_default()
    }
}

fn pieces(pieces: &[&'static str], exact: bool) -> RequestBody {
    let total = pieces.iter().map(|p| p.len() as u64).sum();
    RequestBody::stream(Pieces {
        pieces: pieces.iter().map(|p| Bytes::from_static(p.as_bytes())).collect(),
        exact: exact.then_some(total),
    })
}

/// Whether `bytes` hold one whole request (head, and a `content-length` or chunked body).
fn is_whole_request(bytes: &[u8]) -> bool {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head)) = request.parse(bytes) else {
        return false;
    };
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    if header("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
        return bytes.ends_with(b"0\r\n\r\n");
    }
    let length: usize = header("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    bytes.len() >= head + length
}

/// Sends `request` through `client` to a one-shot backend; returns the bytes the backend received.
async fn wire_bytes(client: &dyn HttpBackend, make: impl Fn(String) -> Request<RequestBody>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let backend = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        while !is_whole_request(&received) {
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "request cut short: {:?}", String::from_utf8_lossy(&received));
            received.extend_from_slice(&chunk[..read]);
        }
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
        stream.write_all(answer).await.unwrap();
        String::from_utf8(received).unwrap()
    });
    let response = client.send(make(url)).await.unwrap();
    response.into_body().collect_bytes().await.unwrap();
    backend.await.unwrap()
}

fn clients() -> (PooledHttpBackend, HyperHttpBackend) {
    let options = HttpClientOptions::default();
    (
        PooledHttpBackend::new(&options).unwrap(),
        HyperHttpBackend::new(&options).unwrap(),
    )
}

#[tokio::test]
async fn requests_leave_as_the_same_bytes_as_hypers() {
    type Case = fn(String) -> Request<RequestBody>;
    let cases: Vec<(&str, Case)> = vec![
        ("get", |url| {
            Request::get(format!("{url}/a/b?x=1&y=%20"))
                .header("x-one", "1")
                .header("x-many", "a")
                .header("x-many", "b")
                .header("accept", "application/json")
                .body(RequestBody::empty())
                .unwrap()
        }),
        ("get with a host", |url| {
            Request::get(format!("{url}/"))
                .header("host", "api.example.com")
                .header("x-after", "yes")
                .body(RequestBody::empty())
                .unwrap()
        }),
        ("post with a whole body", |url| {
            Request::post(format!("{url}/p"))
                .header("content-type", "application/json")
                .body(RequestBody::full(r#"{"a":1}"#))
                .unwrap()
        }),
        ("post with an empty body", |url| {
            Request::post(format!("{url}/p")).body(RequestBody::full("")).unwrap()
        }),
        ("put streamed, length unknown", |url| {
            Request::put(format!("{url}/s"))
                .body(pieces(&["hello", ", ", "chunked world"], false))
                .unwrap()
        }),
        ("put streamed, length known", |url| {
            Request::put(format!("{url}/s"))
                .body(pieces(&["hello", ", ", "sized world"], true))
                .unwrap()
        }),
        ("patch with its own content-length", |url| {
            Request::patch(format!("{url}/c"))
                .header("content-length", "5")
                .body(pieces(&["12", "345"], false))
                .unwrap()
        }),
        ("post with another transfer coding", |url| {
            Request::post(format!("{url}/t"))
                .header("transfer-encoding", "gzip")
                .body(pieces(&["zipped?"], true))
                .unwrap()
        }),
        ("delete with a transfer-encoding but no body", |url| {
            Request::delete(format!("{url}/d"))
                .header("transfer-encoding", "chunked")
                .body(RequestBody::empty())
                .unwrap()
        }),
        ("put streamed, large, length known", |url| {
            let big: &'static str = "0123456789abcdef".repeat(4096).leak();
            Request::put(format!("{url}/big"))
                .body(pieces(&["start", big, big, "end"], true))
                .unwrap()
        }),
        ("post streamed, large, length unknown", |url| {
            let big: &'static str = "fedcba9876543210".repeat(2048).leak();
            Request::post(format!("{url}/big"))
                .body(pieces(&[big, "middle", big], false))
                .unwrap()
        }),
        ("post with a large whole body", |url| {
            Request::post(format!("{url}/big"))
                .body(RequestBody::full("x".repeat(100_000)))
                .unwrap()
        }),
        ("options", |url| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri(format!("{url}/o"))
                .body(RequestBody::empty())
                .unwrap()
        }),
    ];
    for (name, make) in cases {
        let (pooled, hyper) = clients();
        let ours = wire_bytes(&pooled, make).await;
        let theirs = wire_bytes(&hyper, make).await;
        // Only the backend's port differs between the two runs.
        let normalise = |text: &str| {
            text.lines()
                .map(|line| {
                    if line.starts_with("host: 127.0.0.1:") {
                        "host: 127.0.0.1:PORT"
                    } else {
                        line
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(normalise(&ours), normalise(&theirs), "{name}");
    }
}

/// What a client made of an answer: status, version, headers and body, or that it failed.
async fn read_as(client: &dyn HttpBackend, method: Method, raw: &'static [u8]) -> Result<String, ()> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        while !is_whole_request(&received) {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => received.extend_from_slice(&chunk[..read]),
            }
        }
        let _ = stream.write_all(raw).await;
        // The end of the stream ends close-delimited bodies.
    });
    let request = Request::builder()
        .method(method)
        .uri(url)
        .body(RequestBody::empty())
        .unwrap();
    let response = client.send(request).await.map_err(|_| ())?;
    let mut text = format!("{:?} {}\n", response.version(), response.status());
    for (name, value) in response.headers() {
        text.push_str(&format!("{name}: {:?}\n", value.as_bytes()));
    }
    let body = response.into_body().collect_bytes().await.map_err(|_| ())?;
    text.push_str(&format!("\n{body:?}"));
    Ok(text)
}

#[tokio::test]
async fn answers_read_as_the_same_responses_as_with_hyper() {
    let cases: &[(&str, Method, &[u8])] = &[
        ("length", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: 1\r\nx-a: 2\r\n\r\nhello"),
        (
            "chunked with extensions and trailers",
            Method::GET,
            b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-t: 1\r\n\r\n",
        ),
        ("until close", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nstreamed to the end"),
        ("head", Method::HEAD, b"HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n"),
        ("no content", Method::DELETE, b"HTTP/1.1 204 No Content\r\nx-b: y\r\n\r\n"),
        ("not modified", Method::GET, b"HTTP/1.1 304 Not Modified\r\netag: \"1\"\r\n\r\n"),
        ("continue first", Method::GET, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        ("http/1.0", Method::GET, b"HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nold"),
        ("obs-text and empty values", Method::GET, b"HTTP/1.1 200 OK\r\nx-latin: caf\xe9\r\nx-empty:\r\ncontent-length: 0\r\n\r\n"),
        ("gzip then chunked", Method::GET, b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        ("length and chunked", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
        ("non-ascii reason", Method::GET, b"HTTP/1.1 418 I'm a t\xe9apot\r\ncontent-length: 1\r\n\r\nt"),
        ("body cut short", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort"),
        ("chunked cut short", Method::GET, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel"),
        ("invalid length", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\n"),
        ("not http", Method::GET, b"SSH-2.0-OpenSSH_9.6\r\n"),
        ("bad status", Method::GET, b"HTTP/1.1 2000 OK\r\n\r\n"),
        ("head cut short", Method::GET, b"HTTP/1.1 200 OK\r\ncontent-le"),
        ("nothing", Method::GET, b""),
    ];
    for (name, method, raw) in cases {
        let (pooled, hyper) = clients();
        let ours = read_as(&pooled, method.clone(), raw).await;
        let theirs = read_as(&hyper, method.clone(), raw).await;
        assert_eq!(ours, theirs, "{name}");
    }
}
