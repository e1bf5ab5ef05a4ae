//! HTTP/1.1 heads on a backend connection: the request head the gateway writes, the response head it reads.
//!
//! The request head is byte for byte what hyper's client wrote before (lower-case names in the map's order,
//! framing headers added last, a bodiless request framed by nothing); `wire_tests.rs` compares the two on the wire.

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version, request};
use std::mem::MaybeUninit;

/// How a request body goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestFraming {
    /// No body bytes at all.
    Empty,
    /// Exactly this many bytes (`Content-Length`).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Writes the request line and headers of `parts` into `out` (cleared first) and says how the body follows.
/// `body_end` is whether the body is known to be empty; `exact` its exact length when known.
pub(crate) fn encode_request(
    parts: &mut request::Parts,
    body_end: bool,
    exact: Option<u64>,
    out: &mut Vec<u8>,
) -> RequestFraming {
    let framing = set_framing(&mut parts.headers, body_end, exact);
    out.clear();
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b' ');
    match parts.uri.path_and_query() {
        Some(target) => out.extend_from_slice(target.as_str().as_bytes()),
        None => out.push(b'/'),
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    framing
}

/// hyper's client rules: a bodiless request loses any `Transfer-Encoding` and gets no length; otherwise a
/// `Content-Length` the caller set is kept, else the body's exact length is sent, else the body is chunked.
fn set_framing(headers: &mut HeaderMap, body_end: bool, exact: Option<u64>) -> RequestFraming {
    if body_end {
        headers.remove(TRANSFER_ENCODING);
        return RequestFraming::Empty;
    }
    if headers.contains_key(TRANSFER_ENCODING) {
        if !is_chunked(headers)
            && let http::header::Entry::Occupied(mut entry) = headers.entry(TRANSFER_ENCODING)
            && let Some(last) = entry.iter_mut().next_back()
        {
            let mut chunked = last.as_bytes().to_vec();
            chunked.extend_from_slice(b", chunked");
            if let Ok(value) = HeaderValue::from_bytes(&chunked) {
                *last = value;
            }
        }
        headers.remove(CONTENT_LENGTH);
        return RequestFraming::Chunked;
    }
    if let Some(length) = content_length(headers) {
        return RequestFraming::Length(length);
    }
    match exact {
        Some(length) => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
            RequestFraming::Length(length)
        }
        None => {
            headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            RequestFraming::Chunked
        }
    }
}

/// Whether the last transfer coding of the last `Transfer-Encoding` header is `chunked`.
fn is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .next_back()
        .is_some_and(ends_in_chunked)
}

/// Whether the last coding a `Transfer-Encoding` value lists is `chunked`.
fn ends_in_chunked(value: &HeaderValue) -> bool {
    tollgate_http1::fields::last_coding_is_chunked(value.as_bytes())
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
fn lists(value: &HeaderValue, token: &str) -> bool {
    tollgate_http1::fields::lists_token(value.as_bytes(), token.as_bytes())
}

/// The one value of every `Content-Length` header (all must agree), if any and valid.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    match headers.get_all(CONTENT_LENGTH).iter().fold(Length::Absent, fold_length) {
        Length::Is(length) => Some(length),
        Length::Absent | Length::Invalid => None,
    }
}

/// Whether a `Connection` header lists `token`.
pub(crate) fn connection_has(headers: &HeaderMap, token: &str) -> bool {
    headers.get_all(CONNECTION).iter().any(|value| lists(value, token))
}

/// How a response body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body: an answer to `HEAD`, a 204 or 304, or `Content-Length: 0`.
    Empty,
    Length(u64),
    Chunked,
    /// Until the backend closes the connection.
    UntilClose,
}

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) framing: BodyFraming,
    /// Whether the connection may carry another request after this answer's body.
    pub(crate) keep_alive: bool,
}

/// Why a response head was refused.
#[derive(Debug)]
pub(crate) struct HeadError(pub(crate) String);

/// hyper's default limit on response headers.
const MAX_HEADERS: usize = 100;

/// Parses the response head at the start of `buf`: `Ok(None)` while it is incomplete, else its length in bytes
/// and the head. An informational (1xx) answer comes back as such; the caller skips it.
pub(crate) fn parse_response(buf: &[u8], method: &Method) -> Result<Option<(usize, ResponseHead)>, HeadError> {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let length =
        match httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut response, buf, &mut slots) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(err) => return Err(HeadError(format!("invalid HTTP response head: {err}"))),
        };
    let code = response.code.unwrap_or_default();
    let status = StatusCode::from_u16(code).map_err(|_| HeadError(format!("invalid status code {code}")))?;
    let version = if response.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    // One copy of the head; header values are slices of it.
    let head = Bytes::copy_from_slice(buf.get(..length).unwrap_or_default());
    let base = buf.as_ptr() as usize;
    let mut headers = HeaderMap::with_capacity(response.headers.len());
    // The framing headers are noted on the way (a name compare each), not looked up in the map afterwards.
    let mut facts = Facts::default();
    for header in response.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| HeadError(format!("invalid header name `{}`", header.name)))?;
        // httparse's values are slices of `buf`, so of the copy at the same offsets.
        let start = (header.value.as_ptr() as usize).wrapping_sub(base);
        let end = start.saturating_add(header.value.len());
        if end > head.len() {
            return Err(HeadError(format!("invalid value of header `{}`", header.name)));
        }
        let value = HeaderValue::from_maybe_shared(head.slice(start..end))
            .map_err(|_| HeadError(format!("invalid value of header `{}`", header.name)))?;
        facts.note(&name, &value);
        headers.append(name, value);
    }
    let framing = facts.body_framing(status, method)?;
    let keep_alive = match version {
        Version::HTTP_10 => facts.keep_alive,
        _ => !facts.close,
    } && framing != BodyFraming::UntilClose;
    Ok(Some((
        length,
        ResponseHead {
            status,
            version,
            headers,
            framing,
            keep_alive,
        },
    )))
}

/// What an answer's framing headers say.
#[derive(Default)]
struct Facts {
    transfer_encoding: bool,
    /// Whether the last transfer coding of the last `Transfer-Encoding` is `chunked`.
    chunked: bool,
    length: Length,
    close: bool,
    keep_alive: bool,
}

/// Every `Content-Length` value seen, folded.
#[derive(Default, Clone, Copy, PartialEq)]
enum Length {
    #[default]
    Absent,
    Is(u64),
    /// Not a number, or two values that differ.
    Invalid,
}

impl Facts {
    fn note(&mut self, name: &HeaderName, value: &HeaderValue) {
        if *name == TRANSFER_ENCODING {
            self.transfer_encoding = true;
            self.chunked = ends_in_chunked(value);
        } else if *name == CONTENT_LENGTH {
            self.length = fold_length(self.length, value);
        } else if *name == CONNECTION {
            self.close |= lists(value, "close");
            self.keep_alive |= lists(value, "keep-alive");
        }
    }

    fn body_framing(&self, status: StatusCode, method: &Method) -> Result<BodyFraming, HeadError> {
        if *method == Method::HEAD
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
        {
            return Ok(BodyFraming::Empty);
        }
        if self.transfer_encoding {
            return Ok(if self.chunked {
                BodyFraming::Chunked
            } else {
                BodyFraming::UntilClose
            });
        }
        match self.length {
            Length::Absent => Ok(BodyFraming::UntilClose),
            Length::Is(0) => Ok(BodyFraming::Empty),
            Length::Is(length) => Ok(BodyFraming::Length(length)),
            Length::Invalid => Err(HeadError("invalid content-length in the response".to_owned())),
        }
    }
}

/// `seen` with the comma-separated lengths of `value` added: all must be the same number.
fn fold_length(mut seen: Length, value: &HeaderValue) -> Length {
    let Ok(text) = value.to_str() else {
        return Length::Invalid;
    };
    for part in text.split(',').map(str::trim) {
        let parsed = tollgate_http1::fields::decimal_length(part.as_bytes());
        seen = match (seen, parsed) {
            (Length::Absent, Some(length)) => Length::Is(length),
            (Length::Is(before), Some(length)) if before == length => Length::Is(length),
            _ => return Length::Invalid,
        };
    }
    seen
}
