//! Decodes a chunked request body and finds where it ends, so the connection knows where the next head starts.
//!
//! Stricter than most parsers: line ends must be CRLF
//! (a bare LF in a chunk line is how parsers disagree, see the HTTP Garden findings), sizes are bare hex without
//! sign, `0x` or spaces, and chunk lines and trailers are capped. Anything else ends the connection after a 400.

use super::head::MAX_HEADER_BYTES;

/// The longest chunk-size line accepted (size, extensions, CRLF); chunk extensions carry no meaning here.
const MAX_CHUNK_LINE: usize = 4096;
/// Sixteen hex digits already exceed any body we accept; more is an attack on the integer, not a real size.
const MAX_SIZE_DIGITS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size { digits: usize },
    /// After the size: extensions or whitespace up to CR.
    Extension,
    /// Saw CR at the end of a chunk-size line.
    SizeLf,
    /// Inside chunk data.
    Data,
    /// After chunk data, expecting CR.
    DataCr,
    /// After chunk data and CR, expecting LF.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// Inside a trailer field line.
    Trailer,
    /// Saw CR at the end of a trailer line.
    TrailerLf,
    /// Saw CR of the final empty line.
    EndLf,
    /// The body is complete.
    Done,
}

/// A framing error in a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FramingError;

/// Tracks one chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunked {
    state: State,
    size: u64,
    line: usize,
    trailers: usize,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size { digits: 0 },
            size: 0,
            line: 0,
            trailers: 0,
        }
    }
}

impl Chunked {
    /// Consumes bytes of the body; returns how many belong to it and whether the body ended there.
    /// On a framing error, returns the offset just past the offending byte.
    #[cfg(test)]
    pub(crate) fn advance(&mut self, input: &[u8]) -> Result<(usize, bool), (usize, FramingError)> {
        self.decode(input, |_| {})
    }

    /// As `advance`, handing each piece of chunk data to `data` on the way.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        mut data: impl FnMut(&[u8]),
    ) -> Result<(usize, bool), (usize, FramingError)> {
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Done {
                return Ok((i, true));
            }
            if self.state == State::Data {
                let take = usize::try_from(self.size).unwrap_or(usize::MAX).min(input.len() - i);
                data(input.get(i..i + take).unwrap_or_default());
                i += take;
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let byte = input.get(i).copied().unwrap_or_default();
            i += 1;
            if self.step(byte).is_err() {
                return Err((i, FramingError));
            }
        }
        Ok((i, self.state == State::Done))
    }

    fn step(&mut self, byte: u8) -> Result<(), FramingError> {
        self.line += 1;
        if self.line > MAX_CHUNK_LINE {
            return Err(FramingError);
        }
        self.state = match (self.state, byte) {
            (State::Size { digits }, b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F') => {
                if digits == MAX_SIZE_DIGITS {
                    return Err(FramingError);
                }
                let value = (byte as char).to_digit(16).unwrap_or_default();
                self.size = self.size.checked_mul(16).ok_or(FramingError)? | u64::from(value);
                State::Size { digits: digits + 1 }
            }
            (State::Size { digits: 0 }, _) => return Err(FramingError),
            (State::Size { .. } | State::Extension, b'\r') => State::SizeLf,
            (State::Size { .. } | State::Extension, b';' | b' ' | b'\t') => State::Extension,
            (State::Extension, b'\n' | 0) => return Err(FramingError),
            (State::Extension, _) => State::Extension,
            (State::SizeLf, b'\n') => {
                self.line = 0;
                if self.size == 0 {
                    State::TrailerStart
                } else {
                    State::Data
                }
            }
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => {
                self.line = 0;
                self.size = 0;
                State::Size { digits: 0 }
            }
            (State::TrailerStart, b'\r') => State::EndLf,
            (State::EndLf, b'\n') => State::Done,
            (State::TrailerStart | State::Trailer, b'\n' | 0) => return Err(FramingError),
            (State::Trailer, b'\r') => State::TrailerLf,
            (State::TrailerStart | State::Trailer, _) => {
                self.trailers += 1;
                if self.trailers > MAX_HEADER_BYTES {
                    return Err(FramingError);
                }
                State::Trailer
            }
            (State::TrailerLf, b'\n') => {
                self.line = 0;
                State::TrailerStart
            }
            _ => return Err(FramingError),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &[u8]) -> Result<(usize, bool), (usize, FramingError)> {
        Chunked::default().advance(body)
    }

    #[test]
    fn finds_the_end_of_a_body() {
        assert_eq!(run(b"5\r\nhello\r\n0\r\n\r\nGET /"), Ok((15, true)));
        assert_eq!(run(b"5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"), Ok((29, true)));
        assert_eq!(run(b"A\r\n0123456789\r\n0\r\n"), Ok((18, false)));
    }

    #[test]
    fn hands_over_the_data() {
        let mut data = Vec::new();
        let mut chunked = Chunked::default();
        let body = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX: 1\r\n\r\nnext";
        assert_eq!(
            chunked.decode(body, |piece| data.extend_from_slice(piece)),
            Ok((body.len() - 4, true))
        );
        assert_eq!(data, b"abc0123456789abcdef");
    }

    #[test]
    fn resumes_byte_by_byte() {
        let body = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        let mut chunked = Chunked::default();
        for (index, byte) in body.iter().enumerate() {
            let (used, done) = chunked.advance(std::slice::from_ref(byte)).unwrap();
            assert_eq!(used, 1);
            assert_eq!(done, index == body.len() - 1);
        }
    }

    #[test]
    fn rejects_ambiguous_framing() {
        for bad in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhello\n0\r\n\r\n",
            b"0\r\n\n",
            b"\r\n",
            b"11111111111111111\r\n",
        ] {
            assert!(run(bad).is_err(), "{}", String::from_utf8_lossy(bad).escape_debug());
        }
    }
}
