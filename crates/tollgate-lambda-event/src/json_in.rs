//! A strict, non-recursive JSON reader for the function's answer (RFC 8259, no extensions).
//!
//! The proxy response is at most three levels deep when valid, so the response parser reads it token by token
//! and rejects any structure where a scalar belongs, without descending into it. Only [`Reader::skip_value`]
//! walks arbitrary nesting, iteratively and with a depth cap. Strings borrow from the input unless they
//! contain escapes. An escaped lone surrogate (`\ud800`) becomes `?`, which is what a Java string holding it
//! turns into when encoded as UTF-8 (unknown on AWS; Jackson accepts such escapes).

use std::borrow::Cow;

use crate::json_out::clean_prefix_len;

/// Nesting beyond this is refused by `skip_value` (Jackson's default limit is 1000).
const MAX_DEPTH: usize = 1000;

/// Where the input stopped being JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
}

/// The type of the next value, known from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peek {
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// A scalar value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    String(Cow<'a, str>),
    /// The number's text as written.
    Number(&'a str),
    Bool(bool),
    Null,
}

pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

type Result<T> = std::result::Result<T, SyntaxError>;

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn error<T>(&self) -> Result<T> {
        Err(SyntaxError { offset: self.pos })
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and tells what comes next; `None` at the end of input.
    pub(crate) fn peek(&mut self) -> Result<Option<Peek>> {
        self.skip_whitespace();
        let Some(&byte) = self.bytes().get(self.pos) else {
            return Ok(None);
        };
        Ok(Some(match byte {
            b'{' => Peek::Object,
            b'[' => Peek::Array,
            b'"' => Peek::String,
            b'-' | b'0'..=b'9' => Peek::Number,
            b't' => Peek::True,
            b'f' => Peek::False,
            b'n' => Peek::Null,
            _ => return self.error(),
        }))
    }

    /// Whether the input has ended (after whitespace).
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.pos == self.text.len()
    }

    fn eat(&mut self, byte: u8) -> Result<()> {
        self.skip_whitespace();
        if self.bytes().get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.error()
        }
    }

    /// Consumes `{`.
    pub(crate) fn begin_object(&mut self) -> Result<()> {
        self.eat(b'{')
    }

    /// Consumes `[`.
    pub(crate) fn begin_array(&mut self) -> Result<()> {
        self.eat(b'[')
    }

    /// After `{` or a member: the next member's key, or `None` after consuming `}`.
    /// `first` is true right after `{`.
    pub(crate) fn next_key(&mut self, first: bool) -> Result<Option<Cow<'a, str>>> {
        self.skip_whitespace();
        match self.bytes().get(self.pos) {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !first => self.pos += 1,
            Some(b'"') if first => {}
            _ => return self.error(),
        }
        self.skip_whitespace();
        let key = self.string()?;
        self.eat(b':')?;
        Ok(Some(key))
    }

    /// After `[` or an element: whether another element follows (consuming `,`), or `false` after `]`.
    pub(crate) fn next_element(&mut self, first: bool) -> Result<bool> {
        self.skip_whitespace();
        match self.bytes().get(self.pos) {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            _ => self.error(),
        }
    }

    /// Reads a scalar; an object or array is an error here.
    pub(crate) fn scalar(&mut self) -> Result<Scalar<'a>> {
        match self.peek()? {
            Some(Peek::String) => Ok(Scalar::String(self.string()?)),
            Some(Peek::Number) => Ok(Scalar::Number(self.number()?)),
            Some(Peek::True) => self.literal("true").map(|()| Scalar::Bool(true)),
            Some(Peek::False) => self.literal("false").map(|()| Scalar::Bool(false)),
            Some(Peek::Null) => self.literal("null").map(|()| Scalar::Null),
            Some(Peek::Object | Peek::Array) | None => self.error(),
        }
    }

    fn literal(&mut self, word: &str) -> Result<()> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error()
        }
    }

    /// Reads a number (RFC 8259 grammar) and returns its text.
    fn number(&mut self) -> Result<&'a str> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut pos = start;
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - from
        };
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        match bytes.get(pos) {
            Some(b'0') => pos += 1,
            Some(b'1'..=b'9') => {
                digits(&mut pos);
            }
            _ => {
                self.pos = pos;
                return self.error();
            }
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return self.error();
            }
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return self.error();
            }
        }
        self.pos = pos;
        Ok(&self.text[start..pos])
    }

    /// Reads a string at the current position (which must be `"`).
    fn string(&mut self) -> Result<Cow<'a, str>> {
        let bytes = self.bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return self.error();
        }
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes. The plain run is scanned eight bytes at a time.
        self.pos += bytes.get(self.pos..).map_or(0, clean_prefix_len);
        match bytes.get(self.pos) {
            Some(b'"') => {
                let text = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(Cow::Borrowed(text));
            }
            Some(b'\\') => {}
            // A control character, or the end.
            _ => return self.error(),
        }
        let mut owned = String::with_capacity(self.pos - start + 16);
        owned.push_str(&self.text[start..self.pos]);
        loop {
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut owned)?;
                }
                Some(&byte) if byte < 0x20 => return self.error(),
                Some(_) => {
                    let run_start = self.pos;
                    self.pos += bytes.get(self.pos..).map_or(0, clean_prefix_len);
                    owned.push_str(&self.text[run_start..self.pos]);
                }
                None => return self.error(),
            }
        }
    }

    /// Decodes the escape after a `\` into `out`.
    fn escape(&mut self, out: &mut String) -> Result<()> {
        let Some(&byte) = self.bytes().get(self.pos) else {
            return self.error();
        };
        self.pos += 1;
        let decoded = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate pairs only with an immediately escaped low surrogate.
                        let rest = &self.bytes()[self.pos..];
                        if rest.starts_with(b"\\u") {
                            let save = self.pos;
                            self.pos += 2;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                                char::from_u32(code).unwrap_or('?')
                            } else {
                                self.pos = save;
                                '?'
                            }
                        } else {
                            '?'
                        }
                    }
                    0xDC00..=0xDFFF => '?',
                    _ => char::from_u32(u32::from(unit)).unwrap_or('?'),
                }
            }
            _ => {
                self.pos -= 1;
                return self.error();
            }
        };
        out.push(decoded);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16> {
        let mut value: u16 = 0;
        for _ in 0..4 {
            let digit = match self.bytes().get(self.pos) {
                Some(&b @ b'0'..=b'9') => b - b'0',
                Some(&b @ b'a'..=b'f') => b - b'a' + 10,
                Some(&b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return self.error(),
            };
            value = value << 4 | u16::from(digit);
            self.pos += 1;
        }
        Ok(value)
    }

    /// Skips one value of any shape, validating it; nesting deeper than `MAX_DEPTH` is an error.
    pub(crate) fn skip_value(&mut self) -> Result<()> {
        // One bit per open container: set for an object. Each closed container pops its bit.
        let mut stack: Vec<bool> = Vec::new();
        loop {
            // A value.
            match self.peek()? {
                Some(Peek::Object) => {
                    self.pos += 1;
                    if stack.len() == MAX_DEPTH {
                        return self.error();
                    }
                    stack.push(true);
                    if self.next_key(true)?.is_some() {
                        continue;
                    }
                    stack.pop();
                }
                Some(Peek::Array) => {
                    self.pos += 1;
                    if stack.len() == MAX_DEPTH {
                        return self.error();
                    }
                    stack.push(false);
                    if self.next_element(true)? {
                        continue;
                    }
                    stack.pop();
                }
                Some(_) => {
                    self.scalar()?;
                }
                None => return self.error(),
            }
            // After a value: close containers until one continues.
            loop {
                match stack.last() {
                    None => return Ok(()),
                    Some(true) => {
                        if self.next_key(false)?.is_some() {
                            break;
                        }
                    }
                    Some(false) => {
                        if self.next_element(false)? {
                            break;
                        }
                    }
                }
                stack.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(json: &str) -> Result<Cow<'_, str>> {
        Reader::new(json).string()
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        assert!(matches!(string(r#""plain""#), Ok(Cow::Borrowed("plain"))));
        assert_eq!(string(r#""a\"b\\c\/d\n\u00e9\uD83D\uDE00""#).unwrap(), "a\"b\\c/d\né😀");
    }

    /// What serde_json wrote reads back as the text, with escapes at every position within a word and plain runs
    /// of every length; only escape-free text is borrowed.
    #[test]
    fn reads_back_escaped_text_at_every_offset() {
        let pieces = ["a", "é", "\"", "\\", "\n", "\u{1}", "😀", "xxxxxxxx", "/", "\u{7f}"];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = next() % 40;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let json = serde_json::to_string(&text).unwrap();
            let read = string(&json).unwrap();
            assert_eq!(read, text, "{json}");
            assert_eq!(matches!(read, Cow::Borrowed(_)), !json.contains('\\'), "{json}");
        }
    }

    /// A raw control character is refused where it stands, after a plain run of any length.
    #[test]
    fn raw_controls_are_refused_at_their_offset() {
        for plain in 0..20 {
            for tail in ["", "\\n", "z\""] {
                let json = format!("\"{}\u{1f}{tail}\"", "x".repeat(plain));
                assert_eq!(string(&json), Err(SyntaxError { offset: 1 + plain }), "{json:?}");
                let escaped_first = format!("\"\\t{}\u{1f}{tail}\"", "x".repeat(plain));
                assert_eq!(
                    string(&escaped_first),
                    Err(SyntaxError { offset: 3 + plain }),
                    "{escaped_first:?}"
                );
            }
        }
    }

    #[test]
    fn lone_surrogates_become_question_marks() {
        assert_eq!(string(r#""x\ud800y""#).unwrap(), "x?y");
        assert_eq!(string(r#""x\udc00y""#).unwrap(), "x?y");
        assert_eq!(string(r#""\ud800\u0041""#).unwrap(), "?A");
    }

    #[test]
    fn strings_reject_raw_controls_and_bad_escapes() {
        assert!(string("\"a\nb\"").is_err());
        assert!(string(r#""\x""#).is_err());
        assert!(string(r#""\u12""#).is_err());
        assert!(string(r#""open"#).is_err());
    }

    #[test]
    fn numbers_follow_the_rfc_grammar() {
        for good in ["0", "-0", "200", "2.50", "1e3", "1E+3", "-1.5e-3"] {
            assert_eq!(Reader::new(good).number(), Ok(good), "{good}");
        }
        for bad in ["-", "01x", ".5", "1.", "1e", "+1"] {
            let mut reader = Reader::new(bad);
            let parsed = reader.number();
            assert!(parsed.is_err() || !reader.at_end(), "{bad}");
        }
    }

    #[test]
    fn skip_value_validates_any_shape() {
        for good in [r#"{"a":[1,{"b":null}],"c":"d"}"#, "[]", "{}", "[[[]]]", "true"] {
            let mut reader = Reader::new(good);
            assert_eq!(reader.skip_value(), Ok(()), "{good}");
            assert!(reader.at_end());
        }
        for bad in ["[1,]", "{\"a\"}", "{,}", "[1 2]", "{\"a\":1,}", "nul"] {
            assert!(Reader::new(bad).skip_value().is_err(), "{bad}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(Reader::new(&deep).skip_value().is_err());
    }
}
