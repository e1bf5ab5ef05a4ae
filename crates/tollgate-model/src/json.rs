//! A strict JSON reader (RFC 8259) that keeps a span on every value.
//!
//! Syntax errors stop the read (the first one is reported with what was expected); duplicate keys do not
//! (each is reported with both locations, and reading goes on).

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span, clamp_u32};
use crate::value::{Member, Number, ScalarStyle, Value, ValueKind};

/// Nesting limit for arrays and objects, so recursion stays bounded.
pub(crate) const MAX_DEPTH: usize = 128;

/// Reads the whole text as one JSON value.
pub(crate) fn parse(source: &SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Option<Value> {
    let mut reader = Reader {
        source,
        text: source.text().as_bytes(),
        at: 0,
        diagnostics,
    };
    reader.skip_bom();
    let value = reader.value(0);
    match value {
        Ok(value) => {
            reader.skip_whitespace();
            if reader.at < reader.text.len() {
                let span = reader.char_span(reader.at);
                let error = Diagnostic::error(source, span, "unexpected content after the JSON document")
                    .with_label("expected the end of the file");
                reader.diagnostics.push(error);
                return None;
            }
            Some(value)
        }
        Err(error) => {
            reader.diagnostics.push(*error);
            None
        }
    }
}

struct Reader<'s, 'd> {
    source: &'s SourceFile,
    text: &'s [u8],
    at: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

type Parsed<T> = Result<T, Box<Diagnostic>>;

impl Reader<'_, '_> {
    fn skip_bom(&mut self) {
        if self.text.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.at = 3;
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(clamp_u32(start), clamp_u32(end))
    }

    /// The span of the character at `at` (empty at the end of the text).
    fn char_span(&self, at: usize) -> Span {
        let len = self
            .source
            .text()
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        self.span(at, at + len)
    }

    fn error(&self, span: Span, message: &str, label: &str) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(self.source, span, message).with_label(label))
    }

    fn unexpected(&self, expected: &str) -> Box<Diagnostic> {
        match self.source.text().get(self.at..).and_then(|rest| rest.chars().next()) {
            None => self.error(self.span(self.at, self.at), "unexpected end of file", expected),
            Some(c) => self.error(
                self.char_span(self.at),
                &format!("unexpected character {}", describe(c)),
                expected,
            ),
        }
    }

    fn value(&mut self, depth: usize) -> Parsed<Value> {
        self.skip_whitespace();
        let start = self.at;
        match self.text.get(self.at) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let text = self.string()?;
                Ok(Value::string(self.span(start, self.at), text, ScalarStyle::Json))
            }
            Some(b't') => self.literal("true", ValueKind::Bool(true)),
            Some(b'f') => self.literal("false", ValueKind::Bool(false)),
            Some(b'n') => self.literal("null", ValueKind::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, kind: ValueKind) -> Parsed<Value> {
        let start = self.at;
        if self.text.get(self.at..self.at + word.len()) == Some(word.as_bytes()) {
            self.at += word.len();
            return Ok(Value::new(self.span(start, self.at), kind));
        }
        let end = self
            .text
            .iter()
            .skip(start)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count()
            .max(1);
        Err(self.error(
            self.span(start, start + end),
            "invalid literal",
            &format!("expected `{word}`"),
        ))
    }

    fn number(&mut self) -> Parsed<Value> {
        let start = self.at;
        if self.text.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.text.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("expected a digit")),
        }
        if self.text.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
                return Err(self.unexpected("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.text.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.text.get(self.at) {
                self.at += 1;
            }
            if !self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
                return Err(self.unexpected("expected a digit in the exponent"));
            }
            self.digits();
        }
        let literal = String::from_utf8_lossy(self.text.get(start..self.at).unwrap_or(&[])).into_owned();
        Ok(Value::new(
            self.span(start, self.at),
            ValueKind::Number(Number::from_json_literal(literal)),
        ))
    }

    fn digits(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    /// Reads a string literal starting at its opening quote; `self.at` ends after the closing quote.
    fn string(&mut self) -> Parsed<String> {
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            let run_start = self.at;
            while let Some(&byte) = self.text.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is valid UTF-8 and runs end at ASCII bytes, so this slice is on char boundaries.
            out.push_str(self.source.text().get(run_start..self.at).unwrap_or(""));
            match self.text.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(b'\n' | b'\r') | None => {
                    return Err(self.error(
                        self.span(start, start + 1),
                        "unterminated string",
                        "this string has no closing `\"` on its line",
                    ));
                }
                Some(_) => {
                    return Err(self.error(
                        self.char_span(self.at),
                        "control character in a string",
                        "escape it (`\\t`, `\\u0001`, ...)",
                    ));
                }
            }
        }
    }

    /// Reads an escape at a backslash.
    fn escape(&mut self) -> Parsed<char> {
        let start = self.at;
        let simple = match self.text.get(self.at + 1) {
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'/') => Some('/'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            Some(b'u') => None,
            _ => {
                let span = self.span(start, (start + 2).min(self.text.len()));
                return Err(self.error(
                    span,
                    "invalid escape",
                    "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                ));
            }
        };
        if let Some(c) = simple {
            self.at += 2;
            return Ok(c);
        }
        let first = self.hex4(start)?;
        if (0xD800..0xDC00).contains(&first) {
            if self.text.get(self.at) == Some(&b'\\') && self.text.get(self.at + 1) == Some(&b'u') {
                let second_start = self.at;
                let second = self.hex4(second_start)?;
                if (0xDC00..0xE000).contains(&second) {
                    let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return char::from_u32(code).ok_or_else(|| self.bad_surrogate(start));
                }
            }
            return Err(self.bad_surrogate(start));
        }
        char::from_u32(first).ok_or_else(|| self.bad_surrogate(start))
    }

    /// Reads `\uXXXX` at `start`, leaving `self.at` after it.
    fn hex4(&mut self, start: usize) -> Parsed<u32> {
        let digits = self.text.get(start + 2..start + 6).unwrap_or(&[]);
        let valid = digits.len() == 4 && digits.iter().all(u8::is_ascii_hexdigit);
        let parsed = std::str::from_utf8(digits)
            .ok()
            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
        match parsed.filter(|_| valid) {
            Some(code) => {
                self.at = start + 6;
                Ok(code)
            }
            None => {
                let end = (start + 6).min(self.text.len());
                Err(self.error(
                    self.span(start, end),
                    "invalid unicode escape",
                    "expected `\\u` and four hex digits",
                ))
            }
        }
    }

    fn bad_surrogate(&self, start: usize) -> Box<Diagnostic> {
        self.error(
            self.span(start, start + 6),
            "unpaired surrogate in a unicode escape",
            "not a valid character",
        )
    }

    fn array(&mut self, depth: usize) -> Parsed<Value> {
        let start = self.at;
        self.enter(depth)?;
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.text.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Value::new(self.span(start, self.at), ValueKind::Array(items)));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.text.get(self.at) {
                Some(b',') => {
                    self.at += 1;
                    self.skip_whitespace();
                    if self.text.get(self.at) == Some(&b']') {
                        return Err(self.error(
                            self.char_span(self.at - 1),
                            "trailing comma",
                            "expected a value after `,`",
                        ));
                    }
                }
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::new(self.span(start, self.at), ValueKind::Array(items)));
                }
                _ => return Err(self.unexpected("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Parsed<Value> {
        let start = self.at;
        self.enter(depth)?;
        self.at += 1;
        let mut members: Vec<Member> = Vec::new();
        self.skip_whitespace();
        if self.text.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Value::new(self.span(start, self.at), ValueKind::Object(members)));
        }
        loop {
            self.skip_whitespace();
            if self.text.get(self.at) != Some(&b'"') {
                return Err(self.unexpected("expected a key in double quotes"));
            }
            let key_start = self.at;
            let key = self.string()?;
            let key_span = self.span(key_start, self.at);
            self.skip_whitespace();
            if self.text.get(self.at) != Some(&b':') {
                return Err(self.unexpected("expected `:` after the key"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            if let Some(first) = members.iter().find(|member| member.key == key) {
                let error = Diagnostic::error(self.source, key_span, format!("duplicate key `{key}`"))
                    .with_label("this key appears twice in the same object")
                    .with_related(self.source, first.key_span, "first defined here");
                self.diagnostics.push(error);
            } else {
                members.push(Member { key, key_span, value });
            }
            self.skip_whitespace();
            match self.text.get(self.at) {
                Some(b',') => {
                    self.at += 1;
                    self.skip_whitespace();
                    if self.text.get(self.at) == Some(&b'}') {
                        return Err(self.error(
                            self.char_span(self.at - 1),
                            "trailing comma",
                            "expected a key after `,`",
                        ));
                    }
                }
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::new(self.span(start, self.at), ValueKind::Object(members)));
                }
                _ => return Err(self.unexpected("expected `,` or `}`")),
            }
        }
    }

    fn enter(&self, depth: usize) -> Parsed<()> {
        if depth >= MAX_DEPTH {
            return Err(self.error(
                self.char_span(self.at),
                "document nested too deeply",
                &format!("at most {MAX_DEPTH} levels of arrays and objects"),
            ));
        }
        Ok(())
    }
}

/// `` `x` `` for printable characters, `U+0001` otherwise.
pub(crate) fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}
