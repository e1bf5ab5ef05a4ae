//! One raw HTTP/1 request head: checked against the edge rules and turned into the request the gateway sees.
//!
//! The rules are stricter than hyper's: hyper accepts `Content-Length` together with `Transfer-Encoding` (chunked
//! wins and the length is silently dropped) and its header-size cap can be bypassed (hyper issue #4081, measured in
//! reliability-security-scale.md §1.1). The head is parsed once, with `httparse` (the parser hyper uses), and the
//! request is built from that parse the way hyper builds it (method, target, lowercase names, values sharing
//! one copy of the head).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version};
use tollgate_http1::fields::lists_token;

/// AWS: "total combined size of all header values" (names, values, line ends, whitespace), Regional APIs.
pub(crate) const MAX_HEADER_BYTES: usize = 10_240;
/// AWS: URL length 10,240 characters (Regional); the request line adds a method and a version to it.
pub(crate) const MAX_REQUEST_LINE: usize = 10_240 + 32;
/// AWS documents no header count; hyper and Envoy both stop at 100 (431), and hyper would answer on its own past it.
pub(crate) const MAX_HEADERS: usize = 100;
/// AWS: request payload 10 MB.
pub(crate) const MAX_BODY: u64 = 10_485_760;
/// The largest head the connection ever buffers: past this a rejection is certain.
pub(crate) const MAX_HEAD: usize = MAX_REQUEST_LINE + MAX_HEADER_BYTES + 4;

/// Why a request is refused at the edge; each maps to one status and closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Malformed or ambiguous framing (CL+TE, duplicate CL, obs-fold, NUL, bad chunk sizes, …): 400.
    BadRequest(&'static str),
    /// The request line is longer than AWS's URL limit: 414.
    UriTooLong,
    /// The header section is larger than AWS's 10,240 bytes or has more than [`MAX_HEADERS`] fields: 431.
    HeadersTooLarge,
    /// The body is (or grows) larger than AWS's 10 MB payload limit: 413 with AWS's plain-text message.
    PayloadTooLarge,
    /// A transfer coding other than `chunked`: 501 (RFC 9112 §6.1).
    UnsupportedTransferCoding,
    /// The body did not arrive within the body timeout: 408.
    BodyTimeout,
}

/// How the body after a head is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: neither `Content-Length` nor `Transfer-Encoding`.
    Empty,
    /// A body of exactly this many bytes.
    Length(u64),
    /// A chunked body.
    Chunked,
}

/// Where a buffered head stands.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// More bytes are needed.
    Incomplete,
    /// The head is `buf[..len]`, terminator included.
    Complete(usize),
    /// The head is already too large.
    Reject(Rejection),
}

/// Finds the end of the head at the start of `buf` (leading empty lines already skipped) or says it is too large.
pub(crate) fn scan(buf: &[u8]) -> Scan {
    let Some(line_end) = buf.iter().position(|&b| b == b'\n') else {
        return if buf.len() > MAX_REQUEST_LINE {
            Scan::Reject(Rejection::UriTooLong)
        } else {
            Scan::Incomplete
        };
    };
    if line_end + 1 > MAX_REQUEST_LINE {
        return Scan::Reject(Rejection::UriTooLong);
    }
    let mut i = line_end;
    // `i` is always the index of a '\n' that ends a line; the head ends at the first empty line after it.
    loop {
        match buf.get(i + 1..) {
            Some([b'\n', ..]) => return checked_end(line_end, i + 2, 1),
            Some([b'\r', b'\n', ..]) => return checked_end(line_end, i + 3, 2),
            Some([] | [b'\r']) | None => break,
            Some(rest) => match rest.iter().position(|&b| b == b'\n') {
                Some(next) => i = i + 1 + next,
                None => break,
            },
        }
    }
    if buf.len() - (line_end + 1) > MAX_HEADER_BYTES + 2 {
        Scan::Reject(Rejection::HeadersTooLarge)
    } else {
        Scan::Incomplete
    }
}

fn checked_end(line_end: usize, end: usize, terminator: usize) -> Scan {
    let header_bytes = end - terminator - (line_end + 1);
    if header_bytes > MAX_HEADER_BYTES {
        Scan::Reject(Rejection::HeadersTooLarge)
    } else {
        Scan::Complete(end)
    }
}

/// A head that passed every rule.
#[derive(Debug)]
pub(crate) struct Inspected {
    pub(crate) framing: Framing,
    /// The head itself, which the request's header values share: `http` lowercases names, but API Gateway hands
    /// custom header names to Lambda as sent (peers.md fact 14), and they are read from here when asked for.
    pub(crate) head: Bytes,
    /// The request, without its body.
    pub(crate) request: Request<()>,
    /// Whether the client lets the connection live on after this exchange (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    pub(crate) keep_alive: bool,
    /// `Expect: 100-continue` (the last `Expect` field decides, as in hyper).
    pub(crate) expect_continue: bool,
}

/// Checks one complete head (as found by [`scan`]) against the edge rules and builds its request.
pub(crate) fn inspect(head: &[u8]) -> Result<Inspected, Rejection> {
    // Header values and the target share this one copy of the head.
    let head = Bytes::copy_from_slice(head);
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    // The request line and the empty line are not fields; everything else may be one.
    let fields = lines.saturating_sub(2);
    if fields > MAX_HEADERS {
        return Err(Rejection::HeadersTooLarge);
    }
    // Most heads have a handful of fields: a small array on the stack, a vector for the rest (clearing 100
    // entries per request costs more than parsing a typical head).
    let mut small = [httparse::EMPTY_HEADER; 16];
    let mut large = Vec::new();
    let storage: &mut [httparse::Header<'_>] = if fields <= small.len() {
        &mut small
    } else {
        large.resize(fields, httparse::EMPTY_HEADER);
        &mut large
    };
    let mut request = httparse::Request::new(storage);
    match request.parse(&head) {
        Ok(httparse::Status::Complete(len)) if len == head.len() => {}
        Ok(_) => return Err(Rejection::BadRequest("head does not end where expected")),
        Err(httparse::Error::TooManyHeaders) => return Err(Rejection::HeadersTooLarge),
        Err(_) => return Err(Rejection::BadRequest("malformed request head")),
    }
    let http10 = request.version == Some(0);
    if request.method == Some("CONNECT") {
        return Err(Rejection::BadRequest("CONNECT is not supported"));
    }
    let mut keep_alive = !http10;
    let mut saw_close = false;
    let mut expect_continue = false;
    let mut content_length: Option<u64> = None;
    let mut content_length_fields = 0usize;
    let mut transfer_encoding_fields = 0usize;
    let mut chunked_last = false;
    let mut codings = 0usize;
    let mut hosts = 0usize;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            content_length_fields += 1;
            content_length = Some(parse_content_length(header.value)?);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoding_fields += 1;
            for coding in header.value.split(|&b| b == b',') {
                let coding = coding.trim_ascii();
                if coding.is_empty() {
                    continue;
                }
                if chunked_last {
                    // RFC 9112 §6.3: chunked must be the final coding, and applied once.
                    return Err(Rejection::BadRequest("chunked is not the final transfer coding"));
                }
                codings += 1;
                chunked_last = coding.eq_ignore_ascii_case(b"chunked");
            }
        } else if header.name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if header.name.eq_ignore_ascii_case("connection") {
            // Once any Connection line asks to close, a later keep-alive does not undo it.
            if saw_close || lists_token(header.value, b"close") {
                saw_close = true;
                keep_alive = false;
            } else if !keep_alive {
                keep_alive = lists_token(header.value, b"keep-alive");
            }
        } else if header.name.eq_ignore_ascii_case("expect") {
            expect_continue = header.value.eq_ignore_ascii_case(b"100-continue");
        }
    }
    if content_length_fields > 0 && transfer_encoding_fields > 0 {
        // RFC 9112 §6.3 allows "TE wins", but that is how smuggling starts; Envoy and nginx refuse the pair.
        return Err(Rejection::BadRequest("both Content-Length and Transfer-Encoding"));
    }
    if content_length_fields > 1 {
        return Err(Rejection::BadRequest("more than one Content-Length"));
    }
    if hosts > 1 || (hosts == 0 && !http10) {
        return Err(Rejection::BadRequest("an HTTP/1.1 request needs exactly one Host"));
    }
    let framing = if transfer_encoding_fields > 0 {
        if http10 {
            return Err(Rejection::BadRequest("Transfer-Encoding in an HTTP/1.0 request"));
        }
        match (chunked_last, codings) {
            (true, 1) => Framing::Chunked,
            (true, _) => return Err(Rejection::UnsupportedTransferCoding),
            (false, 0) => return Err(Rejection::BadRequest("empty Transfer-Encoding")),
            (false, _) => return Err(Rejection::BadRequest("chunked is not the final transfer coding")),
        }
    } else {
        match content_length {
            Some(len) if len > MAX_BODY => return Err(Rejection::PayloadTooLarge),
            Some(0) | None => Framing::Empty,
            Some(len) => Framing::Length(len),
        }
    };
    let method = request
        .method
        .and_then(|method| Method::from_bytes(method.as_bytes()).ok())
        .ok_or(Rejection::BadRequest("malformed method"))?;
    let target = request.path.ok_or(Rejection::BadRequest("no request target"))?;
    let uri = Uri::from_maybe_shared(head.slice_ref(target.as_bytes()))
        .map_err(|_| Rejection::BadRequest("malformed request target"))?;
    let mut headers = HeaderMap::with_capacity(request.headers.len());
    for header in request.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| Rejection::BadRequest("malformed header name"))?;
        let value = HeaderValue::from_maybe_shared(head.slice_ref(header.value))
            .map_err(|_| Rejection::BadRequest("malformed header value"))?;
        headers.append(name, value);
    }
    let mut built = Request::new(());
    *built.method_mut() = method;
    *built.uri_mut() = uri;
    *built.version_mut() = if http10 { Version::HTTP_10 } else { Version::HTTP_11 };
    *built.headers_mut() = headers;
    Ok(Inspected {
        framing,
        head,
        request: built,
        keep_alive,
        expect_continue,
    })
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6): no sign, no list, no hex; too many digits is too large.
fn parse_content_length(value: &[u8]) -> Result<u64, Rejection> {
    let digits = value.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Rejection::BadRequest("Content-Length is not a decimal number"));
    }
    let mut len: u64 = 0;
    for &digit in digits {
        len = match len
            .checked_mul(10)
            .and_then(|len| len.checked_add(u64::from(digit - b'0')))
        {
            Some(len) => len,
            None => return Err(Rejection::PayloadTooLarge),
        };
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect_str(head: &str) -> Result<Framing, Rejection> {
        inspect(head.as_bytes()).map(|inspected| inspected.framing)
    }

    #[test]
    fn scan_finds_crlf_and_bare_lf_ends() {
        assert_eq!(scan(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest"), Scan::Complete(27));
        assert_eq!(scan(b"GET / HTTP/1.1\nHost: a\n\nrest"), Scan::Complete(24));
        assert_eq!(scan(b"GET / HTTP/1.1\r\nHost: a\r\n\r"), Scan::Incomplete);
        assert_eq!(scan(b"GET / HTTP/1.1\r\nHost: a"), Scan::Incomplete);
        assert_eq!(scan(b"GET / HTTP/1.1\r\n\r\n"), Scan::Complete(18));
    }

    #[test]
    fn scan_caps_the_request_line_and_the_header_section() {
        let long_line = format!("GET /{} HTTP/1.1", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(scan(long_line.as_bytes()), Scan::Reject(Rejection::UriTooLong));
        let exactly = format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "v".repeat(MAX_HEADER_BYTES - 5));
        assert!(matches!(scan(exactly.as_bytes()), Scan::Complete(_)));
        let over = format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "v".repeat(MAX_HEADER_BYTES - 4));
        assert_eq!(scan(over.as_bytes()), Scan::Reject(Rejection::HeadersTooLarge));
        let unterminated = format!("GET / HTTP/1.1\r\nx: {}", "v".repeat(MAX_HEADER_BYTES + 8));
        assert_eq!(scan(unterminated.as_bytes()), Scan::Reject(Rejection::HeadersTooLarge));
    }

    #[test]
    fn inspect_keeps_names_as_sent() {
        let inspected = inspect(b"GET / HTTP/1.1\r\nHost: a\r\ntEsT-HEADeR: 1\r\nx-b: 2\r\nX-B: 3\r\n\r\n").unwrap();
        let names = tollgate_runtime::OriginalHeaderNames::from_head(inspected.head);
        let names: Vec<&str> = names.iter().collect();
        assert_eq!(names, ["Host", "tEsT-HEADeR", "x-b", "X-B"]);
    }

    #[test]
    fn inspect_framing() {
        assert_eq!(inspect_str("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Ok(Framing::Empty));
        assert_eq!(
            inspect_str("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            inspect_str("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(inspect_str("GET / HTTP/1.0\r\n\r\n"), Ok(Framing::Empty));
    }

    #[test]
    fn inspect_caps_the_body_by_its_declared_length() {
        let at_cap = format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {MAX_BODY}\r\n\r\n");
        assert_eq!(inspect_str(&at_cap), Ok(Framing::Length(MAX_BODY)));
        let over = format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert_eq!(inspect_str(&over), Err(Rejection::PayloadTooLarge));
        let huge = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert_eq!(inspect_str(huge), Err(Rejection::PayloadTooLarge));
    }
}
