//! A strict JSON parser (RFC 8259) that keeps number literals and key order, with a nesting limit.
//!
//! Strings and numbers are slices of one shared copy of the input ([`JsonStr`]); only strings with escapes are
//! decoded into their own buffer. Containers are collected on two scratch stacks and moved into their final,
//! exactly sized allocation when they close, so a document costs one allocation per container.

use std::fmt;
use std::sync::Arc;

use super::object::{JsonObject, KeySet, small_repeats_a_key};
use super::{Json, JsonStr};

/// Deepest nesting of arrays and objects accepted (serde_json's default, so no input can exhaust the stack).
pub const MAX_DEPTH: usize = 128;

/// The largest text parsed: strings are addressed with 32-bit offsets (API Gateway payloads stop at 10 MB).
const MAX_TEXT: usize = u32::MAX as usize - 1;

/// Initial room on the scratch stacks (items of open arrays, members of open objects).
const SCRATCH: usize = 32;

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
    check_length(text)?;
    let shared: Arc<str> = Arc::from(text);
    parse_with(&shared, &mut TreeBuilder { shared: &shared })
}

fn check_length(text: &str) -> Result<(), JsonError> {
    if text.len() > MAX_TEXT {
        return Err(JsonError {
            offset: MAX_TEXT,
            message: "JSON text longer than 4 GiB",
        });
    }
    Ok(())
}

/// What a parse builds: the parser checks the grammar and hands the builder each value in document order, so
/// every builder accepts exactly the texts [`parse`] accepts (a template's `$input.path('$')` builds its values
/// straight from the text, without a [`Json`] tree in between).
pub(crate) trait Builder {
    /// A value built.
    type Value;
    /// An object key.
    type Key;

    /// `null`, `true` or `false`.
    fn literal(&mut self, value: Option<bool>) -> Self::Value;
    /// Whether [`Builder::number`] uses its `short` argument (when not, the parser only checks the grammar).
    const READS_NUMBERS: bool = false;
    /// A number: its literal `text[start..end]`, which the grammar checked, and its value when it has a short form
    /// (always [`Short::Other`] unless the builder [reads numbers](Builder::READS_NUMBERS)).
    fn number(&mut self, text: &str, start: usize, end: usize, short: Short) -> Result<Self::Value, JsonError>;
    /// A string without escapes: `text[start..end]`.
    fn string(&mut self, text: &str, start: usize, end: usize) -> Result<Self::Value, JsonError>;
    /// A string with escapes, decoded.
    fn decoded(&mut self, text: String) -> Self::Value;
    /// An object key without escapes: `text[start..end]`.
    fn key(&mut self, text: &str, start: usize, end: usize) -> Result<Self::Key, JsonError>;
    /// An object key with escapes, decoded.
    fn decoded_key(&mut self, text: String) -> Self::Key;
    /// The array of `items[start..]` (which it drains).
    fn array(&mut self, items: &mut Vec<Self::Value>, start: usize) -> Self::Value;
    /// An array of scalars only, `text[start..end]` (brackets included) holding `len` items, which the grammar
    /// checked: the builder may keep the text and build the items when someone looks (`Some`), or have the parser
    /// build them now (`None`, the default; the parser then reads the array again).
    fn scalar_array(&mut self, _text: &str, _start: usize, _end: usize, _len: usize) -> Option<Self::Value> {
        None
    }
    /// Whether [`Builder::scalar_array`] may keep arrays: only then does the parser look ahead.
    fn defers_scalar_arrays(&self) -> bool {
        false
    }
    /// The object of `members[start..]` in document order (which it drains); a repeated key keeps its first
    /// position and takes the last value, as json-smart's `LinkedHashMap.put` does.
    fn object(&mut self, members: &mut Vec<(Self::Key, Self::Value)>, start: usize) -> Self::Value;
}

/// Parses `text` (one JSON value surrounded by optional whitespace) with `builder`.
pub(crate) fn parse_with<B: Builder>(text: &str, builder: &mut B) -> Result<B::Value, JsonError> {
    check_length(text)?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        // Room for a typical document's open containers, so the stacks rarely grow.
        items: Vec::with_capacity(SCRATCH.min(text.len() / 2)),
        members: Vec::with_capacity(SCRATCH.min(text.len() / 4)),
        builder,
    };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(value)
}

/// Builds the [`Json`] tree: strings and numbers are slices of one shared copy of the text.
struct TreeBuilder<'a> {
    shared: &'a Arc<str>,
}

impl TreeBuilder<'_> {
    fn slice(&self, start: usize, end: usize) -> Result<JsonStr, JsonError> {
        JsonStr::slice(self.shared, start, end).ok_or_else(|| error_at(start, "JSON text longer than 4 GiB"))
    }
}

impl Builder for TreeBuilder<'_> {
    type Value = Json;
    type Key = JsonStr;

    fn literal(&mut self, value: Option<bool>) -> Json {
        value.map_or(Json::Null, Json::Bool)
    }

    fn number(&mut self, _text: &str, start: usize, end: usize, _short: Short) -> Result<Json, JsonError> {
        self.slice(start, end).map(Json::Number)
    }

    fn string(&mut self, _text: &str, start: usize, end: usize) -> Result<Json, JsonError> {
        self.slice(start, end).map(Json::String)
    }

    fn decoded(&mut self, text: String) -> Json {
        Json::String(JsonStr::from(text))
    }

    fn key(&mut self, _text: &str, start: usize, end: usize) -> Result<JsonStr, JsonError> {
        self.slice(start, end)
    }

    fn decoded_key(&mut self, text: String) -> JsonStr {
        JsonStr::from(text)
    }

    fn array(&mut self, items: &mut Vec<Json>, start: usize) -> Json {
        Json::Array(items.drain(start..).collect())
    }

    fn object(&mut self, members: &mut Vec<(JsonStr, Json)>, start: usize) -> Json {
        // Most objects repeat no key: their members move into the object as they are.
        if members.get(start..).and_then(small_repeats_a_key) == Some(false) {
            let unique: Arc<[(JsonStr, Json)]> = members.drain(start..).collect();
            return Json::Object(JsonObject::from_unique(unique, KeySet::default()));
        }
        let mut keys = KeySet::default();
        let count = members.len().saturating_sub(start);
        for at in 0..count {
            let (Some(known), Some((key, _))) = (members.get(..start + at), members.get(start + at)) else {
                break;
            };
            if keys.position(key, known, start).is_some() {
                return Json::Object(JsonObject::from_members(members.drain(start..)));
            }
            keys.add_in(key, at, known, start);
        }
        let unique: Arc<[(JsonStr, Json)]> = members.drain(start..).collect();
        Json::Object(JsonObject::from_unique(unique, keys))
    }
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

/// A number's value when it has one of the short forms bodies are made of, read while its grammar is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Short {
    /// An integer of at most 18 digits (always an `i64`).
    Integer(i64),
    /// A decimal whose digits make an integer of at most 2^53 scaled by at most 10^±22: one exact `f64`
    /// multiplication or division, so correctly rounded as `f64::from_str` is (Clinger's fast path).
    Double(f64),
    /// Any other number: its literal needs the general parse.
    Other,
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// [`number_end`] that also reads the number's [`Short`] form in the same pass.
#[inline]
pub(crate) fn number_scan(bytes: &[u8], mut pos: usize) -> Result<(Short, usize), usize> {
    let negative = bytes.get(pos) == Some(&b'-');
    if negative {
        pos += 1;
    }
    // The digits of the integer and fraction parts make the mantissa; it wraps past 19 digits, but is only used with
    // at most 18.
    let mut mantissa: u64 = 0;
    let int_start = pos;
    match bytes.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            while let Some(&d @ b'0'..=b'9') = bytes.get(pos) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                pos += 1;
            }
        }
        _ => return Err(pos),
    }
    let mut digits = pos - int_start;
    let mut fraction = 0;
    let decimal = bytes.get(pos) == Some(&b'.');
    if decimal {
        pos += 1;
        let fraction_start = pos;
        while let Some(&d @ b'0'..=b'9') = bytes.get(pos) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            pos += 1;
        }
        fraction = pos - fraction_start;
        if fraction == 0 {
            return Err(pos);
        }
        digits += fraction;
    }
    let mut exponent: i32 = 0;
    let mut exponent_digits = 0;
    let scientific = matches!(bytes.get(pos), Some(b'e' | b'E'));
    if scientific {
        pos += 1;
        let exponent_negative = match bytes.get(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        while let Some(&d @ b'0'..=b'9') = bytes.get(pos) {
            if exponent_digits < 4 {
                exponent = exponent * 10 + i32::from(d - b'0');
            }
            exponent_digits += 1;
            pos += 1;
        }
        if exponent_digits == 0 {
            return Err(pos);
        }
        if exponent_negative {
            exponent = -exponent;
        }
    }
    let short = if digits > 18 {
        Short::Other
    } else if !decimal && !scientific {
        let n = mantissa as i64;
        Short::Integer(if negative { -n } else { n })
    } else if exponent_digits > 4 || mantissa > 1 << 53 {
        Short::Other
    } else {
        let scale = exponent - fraction as i32;
        match EXACT_POWERS_OF_TEN.get(scale.unsigned_abs() as usize) {
            Some(power) => {
                let magnitude = if scale < 0 {
                    mantissa as f64 / power
                } else {
                    mantissa as f64 * power
                };
                Short::Double(if negative { -magnitude } else { magnitude })
            }
            None => Short::Other,
        }
    };
    Ok((short, pos))
}

/// Every byte of a word set to `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

const LOW_BITS: u64 = splat(0x01);
const HIGH_BITS: u64 = splat(0x80);

/// The offset of the first byte at or after `from` that ends a run of plain string text: `"`, `\\` or a control
/// character. Eight bytes at a time: a string's text costs a few instructions per word instead of per byte.
#[inline]
pub(super) fn string_stop(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for chunk in words.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        let word = u64::from_le_bytes(word);
        // A byte's high bit is set in `hits` where it is a quote, a backslash or below 0x20. Borrows can also mark
        // bytes above a real hit, never below one, so the lowest mark is exact.
        let quote = word ^ splat(b'"');
        let backslash = word ^ splat(b'\\');
        let hits = (quote.wrapping_sub(LOW_BITS) & !quote)
            | (backslash.wrapping_sub(LOW_BITS) & !backslash)
            | (word.wrapping_sub(splat(0x20)) & !word);
        let hits = hits & HIGH_BITS;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

fn error_at(offset: usize, message: &'static str) -> JsonError {
    JsonError { offset, message }
}

/// Decodes a string from `start` (after its opening quote) whose first escape is at `*pos`; leaves `*pos` after
/// the closing quote.
fn decode_rest(text: &str, pos: &mut usize, start: usize) -> Result<String, JsonError> {
    let bytes = text.as_bytes();
    // The decoded text is no longer than the escaped one: find where that ends (skipping escaped characters) and
    // allocate once.
    let mut end = *pos;
    while let Some(&b) = bytes.get(end) {
        match b {
            b'"' => break,
            b'\\' => end += 2,
            _ => end += 1,
        }
    }
    let mut out = String::with_capacity(end.min(bytes.len()) - start);
    out.push_str(text.get(start..*pos).unwrap_or_default());
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

struct Parser<'a, B: Builder> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Items of the arrays being parsed, innermost last.
    items: Vec<B::Value>,
    /// Members of the objects being parsed, innermost last.
    members: Vec<(B::Key, B::Value)>,
    builder: &'a mut B,
}

/// A string read by [`Parser::string`].
enum Scanned {
    /// Without escapes: the text is `text[start..end]`.
    Plain(usize, usize),
    /// With escapes, decoded.
    Decoded(String),
}

impl<B: Builder> Parser<'_, B> {
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

    fn expect_literal(&mut self, literal: &'static str, value: Option<bool>) -> Result<B::Value, JsonError> {
        self.skip_literal(literal)?;
        Ok(self.builder.literal(value))
    }

    fn skip_literal(&mut self, literal: &'static str) -> Result<(), JsonError> {
        if self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal.as_bytes()))
        {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    /// Checks the array opening at `self.pos` as [`Parser::array`] would, without building it, while its items are
    /// scalars: `Some(item count)` with `self.pos` after the array, or `None` with `self.pos` back at the `[` when an
    /// item is an array or an object. Fails where [`Parser::array`] would, with the same error.
    fn skip_scalar_array(&mut self) -> Result<Option<usize>, JsonError> {
        let open = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Some(0));
        }
        let mut len = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {
                    let _text = self.string()?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    let ((), end) =
                        number_end(self.bytes, self.pos).map_err(|offset| error_at(offset, "expected a digit"))?;
                    self.pos = end;
                }
                Some(b'{' | b'[') => {
                    self.pos = open;
                    return Ok(None);
                }
                Some(b't') => self.skip_literal("true")?,
                Some(b'f') => self.skip_literal("false")?,
                Some(b'n') => self.skip_literal("null")?,
                Some(_) => return Err(self.error("expected a JSON value")),
                None => return Err(self.error("unexpected end of input")),
            }
            len += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Some(len));
                }
                Some(_) => return Err(self.error("expected `,` or `]` in an array")),
                None => return Err(self.error("unexpected end of input in an array")),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<B::Value, JsonError> {
        match self.peek() {
            Some(b'"') => self.string_value(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b't') => self.expect_literal("true", Some(true)),
            Some(b'f') => self.expect_literal("false", Some(false)),
            Some(b'n') => self.expect_literal("null", None),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// [`Parser::value`] inside a container: strings and numbers (most members and items) read here, without a
    /// recursive call.
    #[inline(always)]
    fn inner_value(&mut self, depth: usize) -> Result<B::Value, JsonError> {
        match self.peek() {
            Some(b'"') => self.string_value(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.value(depth),
        }
    }

    #[inline(always)]
    fn string_value(&mut self) -> Result<B::Value, JsonError> {
        match self.string()? {
            Scanned::Plain(start, end) => self.builder.string(self.text, start, end),
            Scanned::Decoded(decoded) => Ok(self.builder.decoded(decoded)),
        }
    }

    fn object(&mut self, depth: usize) -> Result<B::Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.pos += 1;
        self.skip_ws();
        let start = self.members.len();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(self.builder.object(&mut self.members, start));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = match self.string()? {
                Scanned::Plain(start, end) => self.builder.key(self.text, start, end)?,
                Scanned::Decoded(decoded) => self.builder.decoded_key(decoded),
            };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after an object key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.inner_value(depth)?;
            self.members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(self.builder.object(&mut self.members, start));
                }
                Some(_) => return Err(self.error("expected `,` or `}` in an object")),
                None => return Err(self.error("unexpected end of input in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<B::Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        if self.builder.defers_scalar_arrays() {
            let open = self.pos;
            if let Some(len) = self.skip_scalar_array()? {
                if let Some(value) = self.builder.scalar_array(self.text, open, self.pos, len) {
                    return Ok(value);
                }
                self.pos = open;
            }
        }
        self.pos += 1;
        self.skip_ws();
        let start = self.items.len();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(self.builder.array(&mut self.items, start));
        }
        loop {
            self.skip_ws();
            let item = self.inner_value(depth)?;
            self.items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.builder.array(&mut self.items, start));
                }
                Some(_) => return Err(self.error("expected `,` or `]` in an array")),
                None => return Err(self.error("unexpected end of input in an array")),
            }
        }
    }

    #[inline(always)]
    fn number(&mut self) -> Result<B::Value, JsonError> {
        let start = self.pos;
        let scanned = if B::READS_NUMBERS {
            number_scan(self.bytes, self.pos)
        } else {
            number_end(self.bytes, self.pos).map(|((), end)| (Short::Other, end))
        };
        let (short, end) = scanned.map_err(|offset| error_at(offset, "expected a digit"))?;
        self.pos = end;
        self.builder.number(self.text, start, end, short)
    }

    /// Reads a string starting at its opening quote.
    #[inline(always)]
    fn string(&mut self) -> Result<Scanned, JsonError> {
        let start = self.pos + 1;
        match string_stop(self.bytes, start) {
            Some(end) if self.bytes.get(end) == Some(&b'"') => {
                self.pos = end + 1;
                Ok(Scanned::Plain(start, end))
            }
            stop => self.string_with_escapes(start, stop).map(Scanned::Decoded),
        }
    }

    /// The rest of [`Parser::string`]: a string with escapes, or an error (`stop` is where the plain text ended).
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self, start: usize, stop: Option<usize>) -> Result<String, JsonError> {
        let Some(stop) = stop else {
            self.pos = self.bytes.len();
            return Err(self.error("unterminated string"));
        };
        self.pos = stop;
        if self.peek() != Some(b'\\') {
            return Err(self.error("control character in a string"));
        }
        decode_rest(self.text, &mut self.pos, start)
    }
}
