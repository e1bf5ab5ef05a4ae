//! Decoding a `Transfer-Encoding: chunked` response body (RFC 9112 §7.1) from a connection's buffer.
//!
//! Chunk extensions are skipped, trailer fields read and dropped (API Gateway forwards none).

use std::io;

use bytes::Bytes;

/// The longest chunk-size line or trailer section accepted.
const MAX_LINE: usize = 4 * 1024;
const MAX_TRAILERS: usize = 64 * 1024;

/// Where the decoder is in the body.
#[derive(Debug, Default)]
pub(crate) enum Chunked {
    /// Before a chunk-size line.
    #[default]
    Size,
    /// Inside a chunk, with this many bytes to go.
    Data(u64),
    /// After a chunk's data, before its CRLF.
    DataEnd,
    /// After the last chunk, in the trailer section (this many bytes of it read).
    Trailers(usize),
    /// After the body's final CRLF.
    Done,
}

/// What one decoding step found.
#[derive(Debug)]
pub(crate) enum Step {
    Data(Bytes),
    /// The buffer ends inside a line: read more.
    NeedMore,
    /// The body is complete.
    End,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("invalid chunked body: {what}"))
}

impl Chunked {
    /// Decodes from the start of `buf`; returns how many bytes it consumed and what it found.
    pub(crate) fn decode(&mut self, buf: &[u8]) -> io::Result<(usize, Step)> {
        let mut used = 0;
        loop {
            let rest = buf.get(used..).unwrap_or_default();
            match self {
                Chunked::Done => return Ok((used, Step::End)),
                Chunked::Data(remaining) => {
                    if rest.is_empty() {
                        return Ok((used, Step::NeedMore));
                    }
                    let take = rest.len().min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    let data = Bytes::copy_from_slice(rest.get(..take).unwrap_or_default());
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        *self = Chunked::DataEnd;
                    }
                    return Ok((used + take, Step::Data(data)));
                }
                Chunked::DataEnd => {
                    if rest.len() < 2 {
                        return Ok((used, Step::NeedMore));
                    }
                    if !rest.starts_with(b"\r\n") {
                        return Err(invalid("no CRLF after a chunk"));
                    }
                    used += 2;
                    *self = Chunked::Size;
                }
                Chunked::Size => {
                    let Some(line) = line(rest)? else {
                        return Ok((used, Step::NeedMore));
                    };
                    used += line.len() + 2;
                    let size = chunk_size(line)?;
                    *self = if size == 0 {
                        Chunked::Trailers(0)
                    } else {
                        Chunked::Data(size)
                    };
                }
                Chunked::Trailers(read) => {
                    let Some(line) = line(rest)? else {
                        return Ok((used, Step::NeedMore));
                    };
                    used += line.len() + 2;
                    *read += line.len() + 2;
                    if line.is_empty() {
                        *self = Chunked::Done;
                    } else if *read > MAX_TRAILERS {
                        return Err(invalid("trailer section over 64 KiB"));
                    }
                }
            }
        }
    }
}

/// The line at the start of `buf`, without its CRLF; `None` if it is not complete yet.
fn line(buf: &[u8]) -> io::Result<Option<&[u8]>> {
    match buf.iter().take(MAX_LINE).position(|&b| b == b'\n') {
        Some(end) => match buf.get(..end) {
            Some([line @ .., b'\r']) => Ok(Some(line)),
            _ => Err(invalid("a line does not end in CRLF")),
        },
        None if buf.len() >= MAX_LINE => Err(invalid("line over 4 KiB")),
        None => Ok(None),
    }
}

/// The hexadecimal size before any `;extension` (and optional whitespace).
fn chunk_size(line: &[u8]) -> io::Result<u64> {
    let mut size: u64 = 0;
    let mut digits = 0;
    for &byte in line {
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            b';' | b' ' | b'\t' => break,
            _ => return Err(invalid("bad chunk size")),
        };
        digits += 1;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(digit)))
            .ok_or_else(|| invalid("chunk size overflows"))?;
    }
    if digits == 0 {
        return Err(invalid("missing chunk size"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `wire` fed in pieces of `step` bytes, as reads would deliver it.
    fn decode_in_pieces(wire: &[u8], step: usize) -> io::Result<(Vec<u8>, bool)> {
        let mut decoder = Chunked::default();
        let (mut buffered, mut fed, mut body) = (Vec::new(), 0, Vec::new());
        loop {
            let (used, found) = decoder.decode(&buffered)?;
            buffered.drain(..used);
            match found {
                Step::Data(data) => body.extend_from_slice(&data),
                Step::End => return Ok((body, true)),
                Step::NeedMore if fed >= wire.len() => return Ok((body, false)),
                Step::NeedMore => {
                    let next = (fed + step).min(wire.len());
                    buffered.extend_from_slice(&wire[fed..next]);
                    fed = next;
                }
            }
        }
    }

    #[test]
    fn chunks_extensions_and_trailers_decode_whatever_the_read_sizes() {
        let wire = b"5;name=value\r\nhello\r\nA \r\n, chunked!\r\n0\r\nx-trailer: 1\r\n\r\n";
        for step in 1..wire.len() + 1 {
            let (body, complete) = decode_in_pieces(wire, step).unwrap();
            assert_eq!(
                (body.as_slice(), complete),
                (&b"hello, chunked!"[..], true),
                "step {step}"
            );
        }
    }

    #[test]
    fn a_body_cut_short_is_incomplete() {
        let (body, complete) = decode_in_pieces(b"5\r\nhel", 64).unwrap();
        assert_eq!((body.as_slice(), complete), (&b"hel"[..], false));
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for wire in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\nhello\r\n",
            b"11111111111111111\r\n",
            &[b'1'; 5000],
        ] {
            let result = decode_in_pieces(wire, 7);
            assert!(
                result.is_err(),
                "{:?} decoded: {result:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }
}
