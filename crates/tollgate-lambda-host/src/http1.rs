//! The HTTP/1.1 the Runtime API needs, served straight from one buffer per connection: request heads parsed in
//! place (`httparse`), bodies framed by `Content-Length` or `chunked`, `Expect: 100-continue`, keep-alive and
//! pipelining, and each response written with one `write` (two for a large body). No header maps, no per-request
//! task, timer or allocation beyond the body a function posts: one invocation costs two of these exchanges, and
//! hyper's general server spent more on them than the gateway spent on the request.
//!
//! A response whose client has already pipelined its next request is held back and goes out with the next
//! response (a runtime client that sends `POST …/response` and `GET …/next` together then gets the `202` and the
//! next event in one write): held output is written before any wait for input and before `/next` parks, so a
//! response is never delayed past the point where the server would wait for anything.
//!
//! Deadlines as before: a head must arrive within [`HEAD_TIMEOUT`] of its first byte, a body within
//! [`BODY_TIMEOUT`]; a timer is armed only when a read has to wait for more of either.

use std::io;
use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tollgate_http1::trim_ows as trim;
pub use tollgate_http1::{BodyError, Chunked};

/// Time to send the rest of a request head once its first byte came.
const HEAD_TIMEOUT: Duration = Duration::from_secs(60);
/// Time to send a request body.
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest request head (Lambda's runtime clients send a few hundred bytes).
pub const MAX_HEAD: usize = 64 * 1024;
/// Headers one request may carry.
const MAX_HEADERS: usize = 64;
/// Bodies up to this size are copied behind the response head and sent with it in one write.
const INLINE_BODY: usize = 16 * 1024;
/// What one read asks the kernel for at least.
const READ_CHUNK: usize = 8 * 1024;

/// A request's method, as far as the Runtime API tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// Anything else.
    Other,
}

/// How a request's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` (0 without one).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head; the ranges index the buffer it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The method.
    pub method: Method,
    /// The request target's path (without the query).
    pub path: Range<usize>,
    /// `Lambda-Runtime-Function-Error-Type`, trimmed, when present and not empty.
    pub error_type: Option<Range<usize>>,
    /// The body's framing.
    pub framing: Framing,
    /// `Expect: 100-continue`.
    pub expect_continue: bool,
    /// The connection ends after this exchange (`Connection: close`, or HTTP/1.0 without `keep-alive`).
    pub close: bool,
    /// The head's length in bytes, its blank line included.
    pub len: usize,
}

/// Why a head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// Not HTTP/1.x, or a framing a server must refuse (both `Content-Length` and `chunked`, conflicting
    /// lengths, an unknown transfer coding): 400.
    Malformed,
    /// Over [`MAX_HEAD`] bytes or [`MAX_HEADERS`] headers: 431.
    TooLarge,
}

/// Parses the request head at the start of `buf`: `Ok(None)` while it is incomplete.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => return Err(HeadError::TooLarge),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed),
    };
    if len > MAX_HEAD {
        return Err(HeadError::TooLarge);
    }
    let method = match request.method {
        Some("GET") => Method::Get,
        Some("POST") => Method::Post,
        _ => Method::Other,
    };
    let target = request.path.unwrap_or("/");
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    let path = range_of(buf, path.as_bytes());
    let mut close = request.version != Some(1);
    let (mut length, mut chunked, mut expect_continue, mut error_type) = (None, false, false, None);
    for header in request.headers.iter() {
        let name = header.name;
        let value = trim(header.value);
        if name.eq_ignore_ascii_case("content-length") {
            let parsed = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(HeadError::Malformed)?;
            if length.is_some_and(|known| known != parsed) {
                return Err(HeadError::Malformed);
            }
            length = Some(parsed);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Only `chunked` alone is a coding this server decodes (RFC 9112 §6.1: anything else is a 501/400).
            if !value.eq_ignore_ascii_case(b"chunked") || chunked {
                return Err(HeadError::Malformed);
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(|&b| b == b',').map(trim) {
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && request.version == Some(0) {
                    close = false;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
            expect_continue = value.eq_ignore_ascii_case(b"100-continue");
        } else if name.eq_ignore_ascii_case("lambda-runtime-function-error-type") && !value.is_empty() {
            error_type = Some(range_of(buf, value));
        }
    }
    let framing = match (chunked, length) {
        (true, Some(_)) => return Err(HeadError::Malformed),
        (true, None) => Framing::Chunked,
        (false, length) => Framing::Length(length.unwrap_or(0)),
    };
    Ok(Some(Head {
        method,
        path,
        error_type,
        framing,
        expect_continue,
        close,
        len,
    }))
}

/// The position of `part`, a sub-slice of `whole`.
fn range_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// One connection: its socket, what has been read and not consumed, and the response being written.
#[derive(Debug)]
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Held responses (`..held`), then the response being built.
    out: Vec<u8>,
    held: usize,
}

/// Why no request head came.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed the connection between requests, or the socket failed: end quietly.
    Closed,
    /// A head to refuse with this error's status before closing.
    Refused(HeadError),
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            buf: Vec::with_capacity(READ_CHUNK),
            out: Vec::with_capacity(1024),
            held: 0,
        }
    }

    /// The bytes of the current request's head at `range`.
    pub(crate) fn slice(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }

    /// Reads the next request head (pipelined bytes first).
    pub(crate) async fn read_head(&mut self) -> Result<Head, ReadError> {
        let mut deadline = None;
        loop {
            if !self.buf.is_empty() {
                match parse_head(&self.buf) {
                    Ok(Some(head)) => return Ok(head),
                    Ok(None) => {}
                    Err(error) => return Err(ReadError::Refused(error)),
                }
            }
            // Waiting for a next request is free; once its first byte is here, the rest has a deadline.
            let read = match deadline {
                None if self.buf.is_empty() => self.read_more().await,
                _ => {
                    let at = *deadline.get_or_insert_with(|| Instant::now() + HEAD_TIMEOUT);
                    tokio::time::timeout_at(at, self.read_more()).await.unwrap_or(Ok(0))
                }
            };
            match read {
                Ok(0) | Err(_) => return Err(ReadError::Closed),
                Ok(_) => {}
            }
        }
    }

    async fn read_more(&mut self) -> io::Result<usize> {
        self.flush().await?;
        self.buf.reserve(READ_CHUNK);
        self.stream.read_buf(&mut self.buf).await
    }

    /// Reads the body of `head` (at most `limit` bytes) and drops the head from the buffer; the body's
    /// allocation is its own, so the connection's buffer stays reusable.
    pub(crate) async fn read_body(&mut self, head: &Head, limit: usize) -> Result<Bytes, BodyError> {
        let deadline = Instant::now() + BODY_TIMEOUT;
        match head.framing {
            Framing::Length(length) => {
                let length = usize::try_from(length).map_err(|_| BodyError::TooLarge)?;
                if length > limit {
                    return Err(BodyError::TooLarge);
                }
                let end = head.len + length;
                if let Some(body) = self.buf.get(head.len..end) {
                    let body = Bytes::copy_from_slice(body);
                    self.buf.drain(..end);
                    return Ok(body);
                }
                self.continue_if_expected(head).await?;
                self.flush().await.map_err(|_| BodyError::Broken)?;
                let mut body = Vec::with_capacity(length);
                body.extend_from_slice(self.buf.get(head.len..).unwrap_or_default());
                self.buf.clear();
                while body.len() < length {
                    let want = length - body.len();
                    let mut limited = (&mut body).limit(want);
                    match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut limited)).await {
                        Ok(Ok(n)) if n > 0 => {}
                        _ => return Err(BodyError::Broken),
                    }
                }
                Ok(Bytes::from(body))
            }
            Framing::Chunked => {
                self.continue_if_expected(head).await?;
                let mut body = Vec::new();
                let mut decoder = Chunked::default();
                // The head stays in front (its ranges are still read); decoded input is removed behind it.
                loop {
                    let input = self.buf.get(head.len..).unwrap_or_default();
                    let used = decoder.step(input, &mut body, limit)?;
                    self.buf.drain(head.len..head.len + used);
                    if decoder == Chunked::Done {
                        self.buf.drain(..head.len);
                        return Ok(Bytes::from(body));
                    }
                    match tokio::time::timeout_at(deadline, self.read_more()).await {
                        Ok(Ok(n)) if n > 0 => {}
                        _ => return Err(BodyError::Broken),
                    }
                }
            }
        }
    }

    /// Reads and drops the body of a request that needs none; an error means the connection must close.
    pub(crate) async fn skip_body(&mut self, head: &Head, limit: usize) -> Result<(), BodyError> {
        if head.framing == Framing::Length(0) {
            self.buf.drain(..head.len.min(self.buf.len()));
            return Ok(());
        }
        self.read_body(head, limit).await.map(drop)
    }

    async fn continue_if_expected(&mut self, head: &Head) -> Result<(), BodyError> {
        if head.expect_continue {
            self.flush().await.map_err(|_| BodyError::Broken)?;
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| BodyError::Broken)?;
        }
        Ok(())
    }

    /// Starts a response: status line and `Content-Type` (when given) into the output buffer.
    pub(crate) fn start(&mut self, status: u16, reason: &str, content_type: Option<&str>) {
        self.out.truncate(self.held);
        self.out.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(&mut self.out, u64::from(status));
        self.out.push(b' ');
        self.out.extend_from_slice(reason.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        if let Some(content_type) = content_type {
            self.header(b"Content-Type", content_type.as_bytes());
        }
    }

    /// One more response header; the caller checks that `value` is a valid field value.
    pub(crate) fn header(&mut self, name: &[u8], value: &[u8]) {
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(b": ");
        self.out.extend_from_slice(value);
        self.out.extend_from_slice(b"\r\n");
    }

    /// A header whose value is a number.
    pub(crate) fn header_number(&mut self, name: &[u8], value: u64) {
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(b": ");
        push_decimal(&mut self.out, value);
        self.out.extend_from_slice(b"\r\n");
    }

    /// Ends the head with `Content-Length` (and `Connection: close` when `close`) and sends it with `body`, or
    /// holds it for the next response when the client's next request is already here.
    pub(crate) async fn finish(&mut self, body: &[u8], close: bool) -> io::Result<()> {
        self.header_number(b"Content-Length", body.len() as u64);
        if close {
            self.out.extend_from_slice(b"Connection: close\r\n");
        }
        self.out.extend_from_slice(b"\r\n");
        let inline = body.len() <= INLINE_BODY;
        if inline {
            self.out.extend_from_slice(body);
            if !close && !self.buf.is_empty() && self.out.len() <= INLINE_BODY {
                self.held = self.out.len();
                return Ok(());
            }
        }
        // Everything built so far, held responses first, goes out now.
        self.held = 0;
        self.stream.write_all(&self.out).await?;
        if !inline {
            self.stream.write_all(body).await?;
        }
        Ok(())
    }

    /// Writes held responses.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if self.held == 0 {
            return Ok(());
        }
        let held = self.held;
        self.held = 0;
        let written = self.stream.write_all(self.out.get(..held).unwrap_or_default()).await;
        self.out.clear();
        written
    }
}

/// Is `value` a header field value a response may carry (visible ASCII, spaces and tabs)?
pub(crate) fn valid_value(value: &[u8]) -> bool {
    value.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

use bytes::BufMut as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Option<Head>, HeadError> {
        parse_head(text.as_bytes())
    }

    /// A connected pair: the server side as a `Conn`, and the client's socket.
    async fn pair() -> (Conn, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Conn::new(server), client)
    }

    async fn read_exactly(client: &mut tokio::net::TcpStream, len: usize) -> String {
        let mut bytes = vec![0; len];
        tokio::time::timeout(Duration::from_secs(10), client.read_exact(&mut bytes))
            .await
            .unwrap()
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[tokio::test]
    async fn a_response_to_a_pipelined_client_waits_for_the_next_and_goes_out_with_it() {
        let (mut conn, mut client) = pair().await;
        let post = "POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nContent-Length: 2\r\n\r\nok";
        let next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n";
        client.write_all(format!("{post}{next}").as_bytes()).await.unwrap();

        let head = conn.read_head().await.unwrap();
        assert_eq!(conn.read_body(&head, 1024).await.unwrap(), &b"ok"[..]);
        conn.start(202, "Accepted", None);
        conn.finish(b"{}", false).await.unwrap();
        // Held: the next request is already here.
        let mut probe = [0; 1];
        assert!(matches!(client.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock));

        let head = conn.read_head().await.unwrap();
        assert_eq!(conn.slice(head.path.clone()), b"/2018-06-01/runtime/invocation/next");
        conn.skip_body(&head, 0).await.unwrap();
        conn.start(200, "OK", None);
        conn.finish(b"event", false).await.unwrap();
        let both =
            "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevent";
        assert_eq!(read_exactly(&mut client, both.len()).await, both);
    }

    #[tokio::test]
    async fn a_held_response_goes_out_before_the_server_waits_for_input() {
        let (mut conn, mut client) = pair().await;
        // The next request is only partly here: its head cannot be parsed without another read.
        client
            .write_all(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\nGET /2018-")
            .await
            .unwrap();
        let head = conn.read_head().await.unwrap();
        conn.skip_body(&head, 0).await.unwrap();
        conn.start(200, "OK", None);
        conn.finish(b"1", false).await.unwrap();
        let expected = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1";
        let reading = tokio::spawn(async move {
            let reply = read_exactly(&mut client, expected.len()).await;
            client
                .write_all(b"06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            reply
        });
        let head = conn.read_head().await.unwrap();
        assert_eq!(conn.slice(head.path.clone()), b"/2018-06-01/runtime/invocation/next");
        assert_eq!(reading.await.unwrap(), expected);
    }

    #[test]
    fn heads_of_the_runtime_clients() {
        // What `lambda_runtime` (hyper client) sends for a response.
        let text = "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\ncontent-type: application/json\r\n\
                    user-agent: aws-lambda-rust/0.13\r\ncontent-length: 7\r\nhost: 127.0.0.1:9001\r\n\r\n\"hello\"";
        let parsed = head(text).unwrap().unwrap();
        assert_eq!(parsed.method, Method::Post);
        assert_eq!(
            &text[parsed.path.clone()],
            "/2018-06-01/runtime/invocation/abc/response"
        );
        assert_eq!(parsed.framing, Framing::Length(7));
        assert!(!parsed.close && !parsed.expect_continue && parsed.error_type.is_none());
        assert_eq!(&text[parsed.len..], "\"hello\"");

        let text = "POST /2018-06-01/runtime/invocation/abc/error?x=1 HTTP/1.1\r\nExpect: 100-continue\r\n\
                    Lambda-Runtime-Function-Error-Type:  Runtime.Unknown \r\nTransfer-Encoding: chunked\r\n\
                    Connection: close\r\n\r\n";
        let parsed = head(text).unwrap().unwrap();
        assert_eq!(&text[parsed.path.clone()], "/2018-06-01/runtime/invocation/abc/error");
        assert_eq!(&text[parsed.error_type.clone().unwrap()], "Runtime.Unknown");
        assert_eq!(parsed.framing, Framing::Chunked);
        assert!(parsed.close && parsed.expect_continue);

        let parsed = head("GET /2018-06-01/runtime/invocation/next HTTP/1.0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(parsed.close, "HTTP/1.0 closes unless it asks to keep alive");
        let parsed = head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!parsed.close);
        assert_eq!(head("PUT / HTTP/1.1\r\n\r\n").unwrap().unwrap().method, Method::Other);
    }

    #[test]
    fn incomplete_and_refused_heads() {
        assert_eq!(
            head("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n"),
            Ok(None)
        );
        assert_eq!(
            head("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            head("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")
                .unwrap()
                .unwrap()
                .framing,
            Framing::Length(1)
        );
        assert_eq!(
            head("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(head("NOT HTTP\r\n\r\n"), Err(HeadError::Malformed));
        let many: String = (0..MAX_HEADERS + 1).map(|i| format!("x-{i}: y\r\n")).collect();
        assert_eq!(head(&format!("GET / HTTP/1.1\r\n{many}\r\n")), Err(HeadError::TooLarge));
        let long = format!("GET / HTTP/1.1\r\nx: {}", "a".repeat(MAX_HEAD));
        assert_eq!(head(&long), Err(HeadError::TooLarge));
    }

    #[test]
    fn numbers_and_values() {
        for n in [0u64, 7, 10, 1_764_147_600_000, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
        assert!(valid_value(
            b"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0"
        ));
        assert!(!valid_value(b"a\r\nInjected: 1") && !valid_value("é".as_bytes()) && !valid_value(b"\x7f"));
    }
}
