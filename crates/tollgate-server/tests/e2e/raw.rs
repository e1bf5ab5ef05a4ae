//! A raw HTTP/1 client for edge tests: send exact bytes, read back whole responses, see whether the server
//! closed the connection. Shared by the binary's in-process edge tests and the end-to-end tests.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// Longest a test waits for any one read: generous, so a slow CI machine never fails a test, and bounded,
/// so a broken server never hangs one.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A connection to the server under test.
pub(crate) struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    eof: bool,
}

impl RawConn {
    pub(crate) fn connect(addr: SocketAddr) -> RawConn {
        let stream = TcpStream::connect_timeout(&addr, READ_TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        RawConn {
            stream,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// Sends bytes; a reset from a server that already answered and closed is not an error here.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        if let Err(err) = self.stream.write_all(bytes) {
            assert!(
                matches!(err.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
                "send failed: {err}"
            );
        }
    }

    pub(crate) fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(count) => {
                self.buf.extend_from_slice(&chunk[..count]);
                true
            }
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {
                self.eof = true;
                false
            }
            Err(err) => panic!("read failed (no answer within {READ_TIMEOUT:?}?): {err}"),
        }
    }

    /// Reads the next response; `None` if the server closed the connection first.
    pub(crate) fn response(&mut self) -> Option<RawResponse> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut parsed = httparse::Response::new(&mut headers);
            match parsed.parse(&self.buf).expect("a well-formed response head") {
                httparse::Status::Complete(head_len) => {
                    let status = parsed.code.unwrap_or_default();
                    let headers: Vec<(String, String)> = parsed
                        .headers
                        .iter()
                        .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                        .collect();
                    let length: usize = headers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                        .map_or(0, |(_, v)| v.trim().parse().expect("numeric content-length"));
                    while self.buf.len() < head_len + length {
                        assert!(self.fill(), "connection closed inside a response body");
                    }
                    let body = self.buf[head_len..head_len + length].to_vec();
                    self.buf.drain(..head_len + length);
                    if status == 100 {
                        continue;
                    }
                    return Some(RawResponse { status, headers, body });
                }
                httparse::Status::Partial => {
                    if !self.fill() {
                        assert!(self.buf.is_empty(), "connection closed inside a response head");
                        return None;
                    }
                }
            }
        }
    }

    /// Whether the server closed the connection (waits up to [`READ_TIMEOUT`] for it).
    pub(crate) fn closed(&mut self) -> bool {
        while self.fill() {}
        self.eof
    }
}

/// One case of the smuggling corpus: bytes to send and what must come back.
#[derive(Debug)]
pub(crate) struct CorpusCase {
    pub(crate) name: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) statuses: Vec<u16>,
    /// `true`: the server must close after the last answer; `false`: it must keep serving.
    pub(crate) close: bool,
}

/// Reads every `*.http` case in `dir`, sorted by name.
///
/// Format: `#` comment lines (what the case is, where the expectation comes from), one `expect:` line
/// (`expect: 400 close` or `expect: 200 200 open`), a `---` line, then the payload. Payload line breaks are
/// not sent; `\r`, `\n`, `\t`, `\0`, `\\` and `\xHH` escapes are.
pub(crate) fn load_corpus(dir: &Path) -> Vec<CorpusCase> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "http"))
        .collect();
    entries.sort();
    entries.iter().map(|path| parse_case(path)).collect()
}

fn parse_case(path: &Path) -> CorpusCase {
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let (meta, payload) = text
        .split_once("\n---\n")
        .unwrap_or_else(|| panic!("{name}: no `---` line"));
    let expect = meta
        .lines()
        .find_map(|line| line.strip_prefix("expect:"))
        .unwrap_or_else(|| panic!("{name}: no `expect:` line"));
    let mut words: Vec<&str> = expect.split_whitespace().collect();
    let close = match words.pop() {
        Some("close") => true,
        Some("open") => false,
        other => panic!("{name}: expect line must end in close or open, got {other:?}"),
    };
    let statuses = words
        .iter()
        .map(|w| w.parse().unwrap_or_else(|_| panic!("{name}: bad status {w}")))
        .collect();
    CorpusCase {
        name,
        payload: unescape(&payload.replace('\n', "")),
        statuses,
        close,
    }
}

fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            continue;
        }
        match chars.next() {
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("\\xHH escape"));
            }
            other => panic!("unknown escape \\{other:?}"),
        }
    }
    out
}

/// The follow-up request that proves a connection is still usable.
pub(crate) const FOLLOW_UP: &[u8] = b"GET /dev/echo HTTP/1.1\r\nHost: a\r\n\r\n";

/// Runs one corpus case against `addr`; returns a description of the mismatch, if any.
pub(crate) fn run_case(addr: SocketAddr, case: &CorpusCase) -> Result<(), String> {
    let mut conn = RawConn::connect(addr);
    conn.send(&case.payload);
    let mut got = Vec::new();
    for _ in &case.statuses {
        match conn.response() {
            Some(response) => got.push(response.status),
            None => break,
        }
    }
    if got != case.statuses {
        return Err(format!("{}: statuses {got:?}, expected {:?}", case.name, case.statuses));
    }
    if case.close {
        if !conn.closed() {
            return Err(format!("{}: connection left open, expected close", case.name));
        }
    } else {
        conn.send(FOLLOW_UP);
        match conn.response() {
            Some(response) if response.status == 200 => {}
            other => return Err(format!("{}: connection not reusable: {other:?}", case.name)),
        }
    }
    Ok(())
}

impl RawConn {
    /// Whatever bytes arrive next (at least one), for non-HTTP/1 exchanges.
    pub(crate) fn read_some(&mut self) -> Vec<u8> {
        if self.buf.is_empty() {
            self.fill();
        }
        std::mem::take(&mut self.buf)
    }
}

impl RawConn {
    /// Everything until the server closes the connection.
    pub(crate) fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }
}

impl RawConn {
    /// Waits for the interim `100 Continue` a server sends when it starts reading a body sent with
    /// `Expect: 100-continue`: proof that the request is in flight, not merely in a socket buffer.
    pub(crate) fn expect_continue(&mut self) {
        const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
        while self.buf.len() < CONTINUE.len() {
            assert!(self.fill(), "connection closed before 100 Continue");
        }
        assert_eq!(&self.buf[..CONTINUE.len()], CONTINUE, "expected 100 Continue");
        self.buf.drain(..CONTINUE.len());
    }
}
