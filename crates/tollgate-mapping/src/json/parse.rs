//! A strict JSON parser (RFC 8259) that keeps number literals and key order, with a nesting limit.
//!
//! Strings and numbers are slices of one shared copy of the input ([`JsonStr`]); only strings with escapes are
//! decoded into their own buffer. Containers are collected on two scratch stacks and moved into their final,
//! exactly sized allocation when they close, so a document costs one allocation per container.

use std::fmt;
use std::sync::Arc;

use super::object::{JsonObject, KeySet};
use super::{Json, JsonStr};

/// Deepest nesting of arrays and objects accepted (serde_json's default, so no input can exhaust the stack).
pub const MAX_DEPTH: usize = 128;

/// The largest text parsed: strings are addressed with 32-bit offsets (API Gateway payloads stop at 10 MB).
const MAX_TEXT: usize = u32::MAX as usize - 1;

/// Why a text is not JSON, and the byte offset where that became clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset into the input.
    pub offset: usize,
    /// What was wrong there.
    pub message: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// Parses one JSON value surrounded by optional whitespace.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    if text.len() > MAX_TEXT {
        return Err(JsonError {
            offset: MAX_TEXT,
            message: "JSON text longer than 4 GiB",
        });
    }
    parse_shared(&Arc::from(text))
}

/// [`parse`] of a text already in an `Arc<str>`: strings in the tree share it.
pub(crate) fn parse_shared(text: &Arc<str>) -> Result<Json, JsonError> {
    if text.len() > MAX_TEXT {
        return Err(JsonError {
            offset: MAX_TEXT,
            message: "JSON text longer than 4 GiB",
        });
    }
    let mut parser = Parser {
        shared: text,
        bytes: text.as_bytes(),
        pos: 0,
        items: Vec::new(),
        members: Vec::new(),
    };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(value)
}

/// Reads the string whose opening quote is at `pos`: its unescaped text and the offset after its closing quote.
pub(super) fn parse_string_at(text: &str, pos: usize) -> Result<(String, usize), JsonError> {
    let bytes = text.as_bytes();
    let start = pos + 1;
    let mut end = start;
    loop {
        match bytes.get(end) {
            Some(b'"') => return Ok((text.get(start..end).unwrap_or_default().to_owned(), end + 1)),
            Some(b'\\') => break,
            Some(0..=0x1f) => return Err(error_at(end, "control character in a string")),
            Some(_) => end += 1,
            None => return Err(error_at(end, "unterminated string")),
        }
    }
    let mut pos = end;
    let decoded = decode_rest(text, &mut pos, start)?;
    Ok((decoded, pos))
}

/// The end of the number starting at `pos` (RFC 8259 grammar), or the offset where it stopped being one.
pub(super) fn number_end(bytes: &[u8], mut pos: usize) -> Result<((), usize), usize> {
    let digits = |pos: &mut usize| {
        let start = *pos;
        while let Some(b'0'..=b'9') = bytes.get(*pos) {
            *pos += 1;
        }
        *pos - start
    };
    if bytes.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match bytes.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            digits(&mut pos);
        }
        _ => return Err(pos),
    }
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        if digits(&mut pos) == 0 {
            return Err(pos);
        }
    }
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        if digits(&mut pos) == 0 {
            return Err(pos);
        }
    }
    Ok(((), pos))
}

fn error_at(offset: usize, message: &'static str) -> JsonError {
    JsonError { offset, message }
}

/// Decodes a string from `start` (after its opening quote) whose first escape is at `*pos`; leaves `*pos` after
/// the closing quote.
fn decode_rest(text: &str, pos: &mut usize, start: usize) -> Result<String, JsonError> {
    let bytes = text.as_bytes();
    let mut out = String::from(text.get(start..*pos).unwrap_or_default());
    loop {
        let run_start = *pos;
        while let Some(&b) = bytes.get(*pos) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            *pos += 1;
        }
        // The run ends on an ASCII byte or at the end, so it is a whole number of UTF-8 characters.
        out.push_str(text.get(run_start..*pos).unwrap_or_default());
        match bytes.get(*pos) {
            Some(b'"') => {
                *pos += 1;
                return Ok(out);
            }
            Some(b'\\') => {
                *pos += 1;
                escape(bytes, pos, &mut out)?;
            }
            Some(_) => return Err(error_at(*pos, "control character in a string")),
            None => return Err(error_at(*pos, "unterminated string")),
        }
    }
}

/// Decodes the escape after a backslash at `*pos`.
fn escape(bytes: &[u8], pos: &mut usize, out: &mut String) -> Result<(), JsonError> {
    let Some(&b) = bytes.get(*pos) else {
        return Err(error_at(*pos, "unterminated escape"));
    };
    *pos += 1;
    let c = match b {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(bytes, pos)?;
            if (0xD800..0xDC00).contains(&unit) && bytes.get(*pos..).is_some_and(|rest| rest.starts_with(b"\\u")) {
                let save = *pos;
                *pos += 2;
                let low = hex4(bytes, pos)?;
                if (0xDC00..0xE000).contains(&low) {
                    let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    char::from_u32(code).unwrap_or('\u{FFFD}')
                } else {
                    *pos = save;
                    '\u{FFFD}'
                }
            } else {
                // A lone surrogate cannot live in a Rust string; Java would keep it, we write U+FFFD.
                char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}')
            }
        }
        _ => {
            *pos -= 1;
            return Err(error_at(*pos, "invalid escape"));
        }
    };
    out.push(c);
    Ok(())
}

fn hex4(bytes: &[u8], pos: &mut usize) -> Result<u16, JsonError> {
    let Some(digits) = bytes.get(*pos..*pos + 4) else {
        return Err(error_at(*pos, "expected four hex digits"));
    };
    let mut unit: u16 = 0;
    for &d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(error_at(*pos, "expected four hex digits")),
        };
        unit = unit * 16 + u16::from(v);
    }
    *pos += 4;
    Ok(unit)
}

struct Parser<'a> {
    shared: &'a Arc<str>,
    bytes: &'a [u8],
    pos: usize,
    /// Items of the arrays being parsed, innermost last.
    items: Vec<Json>,
    /// Members of the objects being parsed, innermost last.
    members: Vec<(JsonStr, Json)>,
}

impl Parser<'_> {
    fn error(&self, message: &'static str) -> JsonError {
        error_at(self.pos, message)
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &'static str, value: Json) -> Result<Json, JsonError> {
        if self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal.as_bytes()))
        {
            self.pos += literal.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b't') => self.expect_literal("true", Json::Bool(true)),
            Some(b'f') => self.expect_literal("false", Json::Bool(false)),
            Some(b'n') => self.expect_literal("null", Json::Null),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(JsonObject::new()));
        }
        let start = self.members.len();
        let mut keys = KeySet::default();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after an object key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            // A repeated key keeps its first position and takes the last value, as LinkedHashMap.put does.
            match keys.position(&key, &self.members, start) {
                Some(at) => {
                    if let Some(slot) = self.members.get_mut(start + at) {
                        slot.1 = value;
                    }
                }
                None => {
                    keys.add_in(&key, self.members.len() - start, &self.members, start);
                    self.members.push((key, value));
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    let members: Arc<[(JsonStr, Json)]> = self.members.drain(start..).collect();
                    return Ok(Json::Object(JsonObject::from_unique(members, keys)));
                }
                Some(_) => return Err(self.error("expected `,` or `}` in an object")),
                None => return Err(self.error("unexpected end of input in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(Arc::default()));
        }
        let start = self.items.len();
        loop {
            self.skip_ws();
            let item = self.value(depth)?;
            self.items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(self.items.drain(start..).collect()));
                }
                Some(_) => return Err(self.error("expected `,` or `]` in an array")),
                None => return Err(self.error("unexpected end of input in an array")),
            }
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        let ((), end) = number_end(self.bytes, self.pos).map_err(|offset| error_at(offset, "expected a digit"))?;
        self.pos = end;
        self.slice(start, end).map(Json::Number)
    }

    fn slice(&self, start: usize, end: usize) -> Result<JsonStr, JsonError> {
        JsonStr::slice(self.shared, start, end).ok_or_else(|| error_at(start, "JSON text longer than 4 GiB"))
    }

    /// Reads a string starting at its opening quote.
    fn string(&mut self) -> Result<JsonStr, JsonError> {
        self.pos += 1;
        let start = self.pos;
        // Most strings have no escapes: they stay slices of the input.
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    self.pos += 1;
                    return self.slice(start, self.pos - 1);
                }
                b'\\' => break,
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => self.pos += 1,
            }
        }
        if self.peek().is_none() {
            return Err(self.error("unterminated string"));
        }
        let decoded = decode_rest(self.shared, &mut self.pos, start)?;
        Ok(JsonStr::from(decoded))
    }
}
