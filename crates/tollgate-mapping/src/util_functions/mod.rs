//! The six `$util` functions as plain Rust functions, byte for byte as API Gateway's Java implementations.
//!
//! * `escapeJavaScript`: Apache Commons Lang 2.x `StringEscapeUtils.escapeJavaScript` (AWS documents the `'` →
//!   `\'` consequence), checked against commons-lang 2.6.
//! * `urlEncode` / `urlDecode`: `java.net.URLEncoder` / `URLDecoder` with UTF-8, checked against OpenJDK 17.
//! * `base64Encode` / `base64Decode`: RFC 4648 standard alphabet with padding over UTF-8 bytes.
//! * `parseJson`: lives in [`crate::json::parse`].

use std::fmt::{self, Write as _};

use base64::Engine as _;

/// Appends `escapeJavaScript(s)`: `"` `'` `\` `/` get a backslash; `\b \t \n \f \r` their short escapes; other
/// code units below 0x20 and every UTF-16 code unit above 0x7F become `\uXXXX` with uppercase hex.
pub fn escape_javascript(s: &str, out: &mut String) {
    out.reserve(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // Copy the longest run of characters that need no escape in one go.
        let safe = javascript_safe_run(rest.as_bytes());
        out.push_str(&rest[..safe]);
        rest = &rest[safe..];
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_unicode_escape(*unit, out);
                }
            }
        }
    }
}

/// Whether `escape_javascript` copies the byte `b` as it is.
#[inline]
fn javascript_safe(b: u8) -> bool {
    !matches!(b, b'"' | b'\'' | b'\\' | b'/' | 0..=0x1f | 0x80..)
}

/// The length of the run of bytes at the start of `bytes` that [`escape_javascript`] copies as they are: eight
/// bytes at a time (most text is such runs).
#[inline]
fn javascript_safe_run(bytes: &[u8]) -> usize {
    const fn splat(b: u8) -> u64 {
        u64::from_ne_bytes([b; 8])
    }
    // The high bit of a byte of `zero(word ^ splat(c))` is set where the byte is `c` (borrows only mark bytes
    // above a real mark, so the lowest mark is exact).
    const fn zero(x: u64) -> u64 {
        x.wrapping_sub(splat(0x01)) & !x
    }
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        let word = u64::from_le_bytes(word);
        let hits = (zero(word ^ splat(b'"'))
            | zero(word ^ splat(b'\''))
            | zero(word ^ splat(b'\\'))
            | zero(word ^ splat(b'/'))
            | (word.wrapping_sub(splat(0x20)) & !word)
            | word)
            & splat(0x80);
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let tail = bytes.get(at..).unwrap_or_default();
    at + tail.iter().position(|&b| !javascript_safe(b)).unwrap_or(tail.len())
}

/// Appends `\uXXXX` with uppercase hex digits.
fn push_unicode_escape(unit: u16, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xF)]));
    }
}

/// Appends `urlEncode(s)`: `application/x-www-form-urlencoded` as `URLEncoder.encode(s, "UTF-8")` — letters,
/// digits and `.-*_` stay, space becomes `+`, every other byte of the UTF-8 form becomes `%XX` (uppercase).
pub fn url_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// A malformed `%` escape, reported as `URLDecoder` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlDecodeError {
    /// Byte offset of the `%`.
    pub offset: usize,
}

impl fmt::Display for UrlDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "urlDecode: incomplete or illegal escape (%) pattern at byte {}",
            self.offset
        )
    }
}

impl std::error::Error for UrlDecodeError {}

/// `urlDecode(s)`: `URLDecoder.decode(s, "UTF-8")` — `+` becomes a space, runs of `%XX` are decoded as UTF-8
/// (malformed sequences become U+FFFD), and an incomplete or non-hex escape is an error.
pub fn url_decode(s: &str) -> Result<String, UrlDecodeError> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut pending: Vec<u8> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                pending.clear();
                while bytes.get(i) == Some(&b'%') {
                    let hi = bytes.get(i + 1).and_then(|b| char::from(*b).to_digit(16));
                    let lo = bytes.get(i + 2).and_then(|b| char::from(*b).to_digit(16));
                    let (Some(hi), Some(lo)) = (hi, lo) else {
                        return Err(UrlDecodeError { offset: i });
                    };
                    pending.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                out.push_str(&String::from_utf8_lossy(&pending));
            }
            b'+' => {
                out.push(' ');
                i += 1;
            }
            _ => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'%' && bytes[i] != b'+' {
                    i += 1;
                }
                // `%` and `+` are ASCII, so the run is whole UTF-8 characters.
                out.push_str(&s[start..i]);
            }
        }
    }
    Ok(out)
}

/// Appends `base64Encode(s)`: the standard alphabet with padding over the UTF-8 bytes.
pub fn base64_encode(s: &str, out: &mut String) {
    base64::engine::general_purpose::STANDARD.encode_string(s.as_bytes(), out);
}

/// Text that is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64DecodeError;

impl fmt::Display for Base64DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("base64Decode: the input is not valid base64")
    }
}

impl std::error::Error for Base64DecodeError {}

/// `base64Decode(s)`: the decoded bytes read as UTF-8 (malformed sequences become U+FFFD). Padding is optional.
pub fn base64_decode(s: &str) -> Result<String, Base64DecodeError> {
    let bytes = base64_decode_bytes(s)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })
}

/// The bytes a base64 text encodes (standard alphabet, padding optional).
pub fn base64_decode_bytes(s: &str) -> Result<Vec<u8>, Base64DecodeError> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT
        .decode(s.trim_end_matches(['\n', '\r']))
        .map_err(|_| Base64DecodeError)
}

#[cfg(test)]
mod tests;
