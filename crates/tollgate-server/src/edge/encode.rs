//! The head of an HTTP/1 answer, byte for byte as hyper 1.x's server writes it (`proto/h1/role.rs`,
//! `Server::encode`, and the connection's `enforce_version`), so that clients see the same answers they saw when
//! hyper served the edge: lowercase names in the map's order, the framing headers hyper adds or drops, and a
//! `date` field when the answer has none. `wire_tests.rs` checks the two side by side.

use http::header::{CONNECTION, CONTENT_LENGTH, DATE, HeaderValue, TRAILER, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, StatusCode, Version, response};

use super::date;
use tollgate_http1::fields::{decimal_length, last_coding_is_chunked, lists_token};

/// What the request says about its answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exchange {
    /// A `HEAD` request: the answer has no body, whatever its headers say.
    pub(crate) head: bool,
    /// An HTTP/1.0 request: the answer is HTTP/1.0 and cannot be chunked.
    pub(crate) http10: bool,
    /// Whether the connection may live on after the answer (the client allows it and the server is not stopping).
    pub(crate) keep_alive: bool,
}

/// What the answer's body is, before it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLength {
    /// The body has already ended.
    None,
    /// The body knows its exact length.
    Known(u64),
    /// It does not.
    Unknown,
}

/// How the body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes (0: no body at all, whatever the handler's body holds).
    Length(u64),
    Chunked,
    /// Until the connection closes (HTTP/1.0 without a length).
    CloseDelimited,
}

/// A written head: how its body is framed and whether the connection closes after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoded {
    pub(crate) framing: Framing,
    pub(crate) last: bool,
}

/// The answer's own headers contradict each other (two different lengths, a length after a transfer coding, an
/// unparsable length): hyper refuses to write such a head and closes the connection; so does the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidHead;

/// Writes the head of `parts` into `out`.
pub(crate) fn head(
    out: &mut Vec<u8>,
    parts: &mut response::Parts,
    body: BodyLength,
    exchange: Exchange,
) -> Result<Encoded, InvalidHead> {
    let mut keep_alive = exchange.keep_alive;
    let mut body = body;
    let mut version = if exchange.http10 {
        if !connection_lists(&parts.headers, b"keep-alive") {
            match parts.version {
                Version::HTTP_10 => keep_alive = false,
                Version::HTTP_11 if keep_alive => {
                    parts.headers.append(CONNECTION, HeaderValue::from_static("keep-alive"));
                }
                _ => {}
            }
        }
        Version::HTTP_10
    } else {
        if !keep_alive && !connection_lists(&parts.headers, b"close") {
            parts.headers.append(CONNECTION, HeaderValue::from_static("close"));
        }
        parts.version
    };
    let mut last = !keep_alive;
    if parts.status == StatusCode::SWITCHING_PROTOCOLS {
        last = true;
    } else if parts.status.is_informational() {
        // hyper cannot answer with a 1xx: it writes an empty 500 instead and closes.
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        version = Version::HTTP_11;
        parts.headers.clear();
        body = BodyLength::None;
        last = true;
    }
    status_line(out, version, parts.status);
    headers(out, parts, body, exchange.head, version, last)
}

/// Whether the answer's `Connection` fields list `token`.
fn connection_lists(headers: &HeaderMap, token: &[u8]) -> bool {
    headers
        .get_all(CONNECTION)
        .iter()
        .any(|value| lists_token(value.as_bytes(), token))
}

fn status_line(out: &mut Vec<u8>, version: Version, status: StatusCode) {
    if version == Version::HTTP_11 && status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        return;
    }
    out.extend_from_slice(match version {
        Version::HTTP_10 => b"HTTP/1.0 ",
        // hyper coerces HTTP/2 (and would panic on others); the edge writes HTTP/1.1 for all of them.
        _ => b"HTTP/1.1 ",
    });
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn can_chunk(head_request: bool, status: StatusCode) -> bool {
    !head_request && !status.is_informational() && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

fn can_have_content_length(status: StatusCode) -> bool {
    !status.is_informational() && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

/// hyper's `encode_headers` with its lowercase name writer.
fn headers(
    out: &mut Vec<u8>,
    parts: &response::Parts,
    body: BodyLength,
    head_request: bool,
    version: Version,
    mut last: bool,
) -> Result<Encoded, InvalidHead> {
    let status = parts.status;
    let chunkable = version != Version::HTTP_10 && can_chunk(head_request, status);
    let mut framing = Framing::Length(0);
    let mut wrote_len = false;
    let mut wrote_date = false;
    let mut is_name_written = false;
    let mut must_write_chunked = false;
    let mut previous_length: Option<u64> = None;
    let mut current: Option<&HeaderName> = None;
    let end_joined_line = |out: &mut Vec<u8>, is_name_written: bool, must_write_chunked: bool| {
        if is_name_written {
            out.extend_from_slice(if must_write_chunked { b", chunked\r\n" } else { b"\r\n" });
        }
    };
    for (name, value) in &parts.headers {
        if current.is_none_or(|current| !std::ptr::eq(current, name)) {
            current = Some(name);
            end_joined_line(out, is_name_written, must_write_chunked);
            is_name_written = false;
        }
        if *name == CONTENT_LENGTH {
            if wrote_len && !is_name_written {
                return Err(InvalidHead);
            }
            match body {
                BodyLength::Known(known) => {
                    if !is_name_written {
                        framing = Framing::Length(known);
                        joined_start(out, b"content-length: ", value);
                        wrote_len = true;
                        is_name_written = true;
                    }
                    continue;
                }
                BodyLength::Unknown => {
                    let len = decimal_length(value.as_bytes()).ok_or(InvalidHead)?;
                    match previous_length {
                        Some(previous) if previous != len => return Err(InvalidHead),
                        Some(_) => continue,
                        None => {
                            framing = Framing::Length(len);
                            joined_start(out, b"content-length: ", value);
                            wrote_len = true;
                            is_name_written = true;
                            previous_length = Some(len);
                            continue;
                        }
                    }
                }
                BodyLength::None if !head_request => continue,
                BodyLength::None => {}
            }
            wrote_len = true;
        } else if *name == TRANSFER_ENCODING {
            if wrote_len && !is_name_written {
                return Err(InvalidHead);
            }
            if !chunkable {
                continue;
            }
            wrote_len = true;
            must_write_chunked = !last_coding_is_chunked(value.as_bytes());
            if joined(out, &mut is_name_written, b"transfer-encoding: ", value) {
                framing = Framing::Chunked;
            }
            continue;
        } else if *name == CONNECTION {
            if !last && lists_token(value.as_bytes(), b"close") {
                last = true;
            }
            joined(out, &mut is_name_written, b"connection: ", value);
            continue;
        } else if *name == DATE {
            wrote_date = true;
        } else if *name == TRAILER {
            if !chunkable {
                continue;
            }
            joined(out, &mut is_name_written, b"trailer: ", value);
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    end_joined_line(out, is_name_written, must_write_chunked);

    if !wrote_len {
        framing = match body {
            BodyLength::Unknown if chunkable => {
                out.extend_from_slice(b"transfer-encoding: chunked\r\n");
                Framing::Chunked
            }
            BodyLength::Unknown => Framing::CloseDelimited,
            BodyLength::None | BodyLength::Known(0) => {
                if can_have_content_length(status) && !head_request {
                    out.extend_from_slice(b"content-length: 0\r\n");
                }
                Framing::Length(0)
            }
            BodyLength::Known(len) if can_have_content_length(status) => {
                out.extend_from_slice(b"content-length: ");
                out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
                out.extend_from_slice(b"\r\n");
                Framing::Length(len)
            }
            BodyLength::Known(_) => Framing::Length(0),
        };
    }
    if !can_chunk(head_request, status) {
        framing = Framing::Length(0);
    }
    if wrote_date {
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(b"date: ");
        date::extend(out);
        out.extend_from_slice(b"\r\n\r\n");
    }
    if framing == Framing::CloseDelimited {
        last = true;
    }
    Ok(Encoded { framing, last })
}

fn joined_start(out: &mut Vec<u8>, name_with_colon: &[u8], value: &HeaderValue) {
    out.extend_from_slice(name_with_colon);
    out.extend_from_slice(value.as_bytes());
}

/// A value of a field whose values are joined on one line, as hyper writes `transfer-encoding`, `connection` and
/// `trailer`: the name and the value for the first, `, ` and the value after it. True when this value started the
/// field.
fn joined(out: &mut Vec<u8>, is_name_written: &mut bool, name_with_colon: &[u8], value: &HeaderValue) -> bool {
    if *is_name_written {
        out.extend_from_slice(b", ");
        out.extend_from_slice(value.as_bytes());
        return false;
    }
    *is_name_written = true;
    joined_start(out, name_with_colon, value);
    true
}
