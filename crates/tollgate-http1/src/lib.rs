//! HTTP/1.1 wire pieces shared by Tollgate's own HTTP/1 code (the Lambda Runtime API server, the gateway's HTTP
//! backend client and the edge's server): no I/O, no dependencies.

pub mod date;
pub mod fields;

/// The longest chunk-size or trailer line.
pub const MAX_CHUNK_LINE: usize = 4096;
/// All trailer lines of one body together.
pub const MAX_TRAILERS: usize = 16 * 1024;

/// `value` without the optional whitespace around it.
pub fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

/// Where a chunked body's decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chunked {
    /// Expecting a chunk-size line.
    #[default]
    Size,
    /// Inside a chunk, this many bytes to go.
    Data(u64),
    /// Expecting the CRLF after a chunk.
    DataEnd,
    /// Reading trailer lines (this many bytes of them so far) up to the blank line.
    Trailers(usize),
    /// The body is complete.
    Done,
}

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the caller's limit.
    TooLarge,
    /// Malformed chunked framing, a closed connection or a timeout.
    Broken,
}

impl Chunked {
    /// Decodes what it can of `input` into `body` (at most `limit` bytes in all); returns the bytes of `input`
    /// consumed. Call again with more input until [`Chunked::Done`].
    pub fn step(&mut self, input: &[u8], body: &mut Vec<u8>, limit: usize) -> Result<usize, BodyError> {
        let mut at = 0;
        loop {
            let rest = input.get(at..).unwrap_or_default();
            match *self {
                Chunked::Done => return Ok(at),
                Chunked::Size => {
                    let Some(line) = line(rest)? else { return Ok(at) };
                    at += line.len() + 2;
                    let digits = trim_ows(line.split(|&b| b == b';').next().unwrap_or_default());
                    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
                        return Err(BodyError::Broken);
                    }
                    let size = digits.iter().fold(0u64, |n, &d| {
                        n * 16 + u64::from(char::from(d).to_digit(16).unwrap_or(0))
                    });
                    if size == 0 {
                        *self = Chunked::Trailers(0);
                    } else if body.len() as u64 + size > limit as u64 {
                        return Err(BodyError::TooLarge);
                    } else {
                        *self = Chunked::Data(size);
                    }
                }
                Chunked::Data(left) => {
                    if rest.is_empty() {
                        return Ok(at);
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    body.extend_from_slice(rest.get(..take).unwrap_or_default());
                    at += take;
                    let left = left - take as u64;
                    *self = if left == 0 {
                        Chunked::DataEnd
                    } else {
                        Chunked::Data(left)
                    };
                }
                Chunked::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        *self = Chunked::Size;
                    }
                    [] | [b'\r'] => return Ok(at),
                    _ => return Err(BodyError::Broken),
                },
                Chunked::Trailers(seen) => {
                    let Some(line) = line(rest)? else { return Ok(at) };
                    at += line.len() + 2;
                    let seen = seen + line.len() + 2;
                    if seen > MAX_TRAILERS {
                        return Err(BodyError::Broken);
                    }
                    *self = if line.is_empty() {
                        Chunked::Done
                    } else {
                        Chunked::Trailers(seen)
                    };
                }
            }
        }
    }
}

/// The line at the start of `input` without its CRLF; `None` while incomplete.
fn line(input: &[u8]) -> Result<Option<&[u8]>, BodyError> {
    match input.windows(2).position(|w| w == b"\r\n") {
        Some(end) if end <= MAX_CHUNK_LINE => Ok(input.get(..end)),
        Some(_) => Err(BodyError::Broken),
        None if input.len() > MAX_CHUNK_LINE => Err(BodyError::Broken),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &[u8], limit: usize) -> Result<(Vec<u8>, usize), BodyError> {
        let (mut decoder, mut body) = (Chunked::default(), Vec::new());
        let used = decoder.step(input, &mut body, limit)?;
        assert_eq!(decoder, Chunked::Done, "{:?}", String::from_utf8_lossy(input));
        Ok((body, used))
    }

    #[test]
    fn chunked_bodies() {
        // RFC 9112 §7.1: sizes in hex, extensions ignored, optional trailers.
        let (body, used) = decode(
            b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT",
            100,
        )
        .unwrap();
        assert_eq!((body.as_slice(), used), (&b"hello, world"[..], 47));
        // Byte by byte gives the same.
        let input = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        let (mut decoder, mut body, mut fed) = (Chunked::default(), Vec::new(), 0);
        for end in 1..=input.len() {
            fed += decoder.step(&input[fed..end], &mut body, 100).unwrap();
        }
        assert_eq!(
            (decoder, body.as_slice(), fed),
            (Chunked::Done, &b"abc0123456789abcdef"[..], input.len())
        );
        assert_eq!(decode(b"5\r\nhello\r\n0\r\n\r\n", 4), Err(BodyError::TooLarge));
        assert_eq!(decode(b"zz\r\n", 100), Err(BodyError::Broken));
        assert_eq!(decode(b"3\r\nabcX\r\n", 100), Err(BodyError::Broken));
        assert_eq!(decode(b"ffffffffffffffffff\r\n", 100), Err(BodyError::Broken));
        assert_eq!(decode(&[b'1'; MAX_CHUNK_LINE + 1], 100), Err(BodyError::Broken));
    }

    #[test]
    fn whitespace_around_values_goes() {
        assert_eq!(trim_ows(b" \t value \t"), b"value");
        assert_eq!(trim_ows(b"   "), b"");
    }
}
