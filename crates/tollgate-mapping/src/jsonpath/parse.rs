//! JSONPath text → [`JsonPath`].

use super::{CompareOp, Filter, JsonPath, JsonPathError, Operand, Segment, Selector};
use crate::json::Json;

/// Deepest nesting of parentheses, negations and filters inside filters.
const MAX_NESTING: usize = 32;

pub(super) fn compile(text: &str) -> Result<JsonPath, JsonPathError> {
    let trimmed = text.trim();
    let lead = text.len() - text.trim_start().len();
    if trimmed.is_empty() {
        return Err(JsonPathError {
            offset: 0,
            message: "the path is empty".into(),
        });
    }
    // Jayway reads `a.b` as `$.a.b`; we parse the same text with the prefix and shift offsets back.
    let (source, shift) = if trimmed.starts_with('$') {
        (trimmed.to_owned(), lead as isize)
    } else {
        (format!("$.{trimmed}"), lead as isize - 2)
    };
    let mut parser = Parser {
        src: &source,
        pos: 1,
        depth: 0,
    };
    let result = parser.segments(false).and_then(|segments| {
        if parser.pos < source.len() {
            Err(parser.error("unexpected character"))
        } else {
            Ok(segments)
        }
    });
    match result {
        Ok(segments) => Ok(JsonPath {
            source: text.into(),
            definite: is_definite(&segments),
            segments,
        }),
        Err(mut err) => {
            err.offset = (err.offset as isize + shift).max(0) as usize;
            Err(err)
        }
    }
}

fn is_definite(segments: &[Segment]) -> bool {
    let last = segments.len().saturating_sub(1);
    segments.iter().enumerate().all(|(i, segment)| match segment {
        Segment::Child(Selector::Name(_) | Selector::Index(_)) => true,
        // Jayway merges several names at the leaf into one object, so that case stays definite.
        Segment::Child(Selector::Names(_)) => i == last,
        _ => false,
    })
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> JsonPathError {
        JsonPathError {
            offset: self.pos,
            message: message.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn enter(&mut self) -> Result<(), JsonPathError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error("filter nested too deeply"));
        }
        Ok(())
    }

    /// Reads segments until the end of the text or, inside a filter, the first character that cannot continue a
    /// path.
    fn segments(&mut self, in_filter: bool) -> Result<Vec<Segment>, JsonPathError> {
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.peek_at(1) == Some(b'.') => {
                    self.pos += 2;
                    let selector = match self.peek() {
                        Some(b'[') => self.bracket()?,
                        Some(b'*') => {
                            self.pos += 1;
                            Selector::Wildcard
                        }
                        _ => Selector::Name(self.dot_name(in_filter)?),
                    };
                    segments.push(Segment::Descendant(selector));
                }
                Some(b'.') => {
                    self.pos += 1;
                    let selector = match self.peek() {
                        Some(b'[') => self.bracket()?,
                        Some(b'*') => {
                            self.pos += 1;
                            Selector::Wildcard
                        }
                        _ => Selector::Name(self.dot_name(in_filter)?),
                    };
                    segments.push(Segment::Child(selector));
                }
                Some(b'[') => {
                    let selector = self.bracket()?;
                    segments.push(Segment::Child(selector));
                }
                None => return Ok(segments),
                Some(_) if in_filter => return Ok(segments),
                Some(_) => return Err(self.error("expected `.`, `..` or `[`")),
            }
        }
    }

    fn dot_name(&mut self, in_filter: bool) -> Result<Box<str>, JsonPathError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            match b {
                b'.' | b'[' => break,
                b'(' => return Err(self.error("JSONPath functions are not supported")),
                b' ' | b'\t' | b'\n' | b'\r' if !in_filter => {
                    return Err(self.error("use bracket notation ['my name'] for names with blanks"));
                }
                b' ' | b'\t' | b'\n' | b'\r' | b')' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b',' | b']'
                    if in_filter =>
                {
                    break;
                }
                _ => self.pos += 1,
            }
        }
        if self.pos == start {
            return Err(self.error("expected a property name"));
        }
        Ok(self.src[start..self.pos].into())
    }

    fn bracket(&mut self) -> Result<Selector, JsonPathError> {
        self.pos += 1;
        self.skip_ws();
        let selector = match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Selector::Wildcard
            }
            Some(b'?') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    return Err(self.error("expected `(` after `?`"));
                }
                self.pos += 1;
                self.enter()?;
                let filter = self.or_expr()?;
                self.depth -= 1;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.error("expected `)` to close the filter"));
                }
                self.pos += 1;
                Selector::Filter(Box::new(filter))
            }
            Some(b'\'' | b'"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b',') {
                        break;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if !matches!(self.peek(), Some(b'\'' | b'"')) {
                        return Err(self.error("expected a quoted name"));
                    }
                    names.push(self.quoted()?);
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some(b'-' | b'0'..=b'9' | b':') => self.indexes()?,
            _ => return Err(self.error("expected `*`, `?(`, a quoted name, an index or a slice")),
        };
        self.skip_ws();
        if self.peek() != Some(b']') {
            return Err(self.error("expected `]`"));
        }
        self.pos += 1;
        Ok(selector)
    }

    fn indexes(&mut self) -> Result<Selector, JsonPathError> {
        let first = self.opt_int()?;
        self.skip_ws();
        if self.peek() == Some(b':') {
            self.pos += 1;
            self.skip_ws();
            let end = self.opt_int()?;
            self.skip_ws();
            if self.peek() == Some(b':') {
                return Err(self.error("slice steps are not supported"));
            }
            return Ok(Selector::Slice { start: first, end });
        }
        let Some(first) = first else {
            return Err(self.error("expected an index"));
        };
        let mut list = vec![first];
        while self.peek() == Some(b',') {
            self.pos += 1;
            self.skip_ws();
            match self.opt_int()? {
                Some(i) => list.push(i),
                None => return Err(self.error("expected an index")),
            }
            self.skip_ws();
        }
        Ok(if list.len() == 1 {
            Selector::Index(first)
        } else {
            Selector::Indexes(list)
        })
    }

    fn opt_int(&mut self) -> Result<Option<i64>, JsonPathError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if self.pos == digits {
            if self.pos != start {
                return Err(self.error("expected a digit"));
            }
            return Ok(None);
        }
        self.src[start..self.pos].parse().map(Some).map_err(|_| JsonPathError {
            offset: start,
            message: "index out of range".into(),
        })
    }

    /// A single- or double-quoted string with backslash escapes, starting at its quote.
    fn quoted(&mut self) -> Result<Box<str>, JsonPathError> {
        let start = self.pos;
        let quote = self.peek().unwrap_or(b'\'');
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == char::from(quote) {
                self.pos += i + 1;
                return Ok(out.into_boxed_str());
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, 'b')) => out.push('\u{8}'),
                    Some((_, 'f')) => out.push('\u{c}'),
                    Some((_, other)) => out.push(other),
                    None => break,
                }
            } else {
                out.push(c);
            }
        }
        Err(JsonPathError {
            offset: start,
            message: "unterminated string".into(),
        })
    }

    fn or_expr(&mut self) -> Result<Filter, JsonPathError> {
        let mut left = self.and_expr()?;
        loop {
            self.skip_ws();
            if !self.rest().starts_with("||") {
                return Ok(left);
            }
            self.pos += 2;
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
    }

    fn and_expr(&mut self) -> Result<Filter, JsonPathError> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            if !self.rest().starts_with("&&") {
                return Ok(left);
            }
            self.pos += 2;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Filter, JsonPathError> {
        self.skip_ws();
        match self.peek() {
            Some(b'!') if self.peek_at(1) != Some(b'=') => {
                self.pos += 1;
                self.enter()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Filter::Not(Box::new(inner)))
            }
            Some(b'(') => {
                self.pos += 1;
                self.enter()?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.error("expected `)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Result<Filter, JsonPathError> {
        let left = self.operand()?;
        self.skip_ws();
        let op = match self.peek() {
            Some(b'=') if self.peek_at(1) == Some(b'=') => Some((CompareOp::Eq, 2)),
            Some(b'=') if self.peek_at(1) == Some(b'~') => {
                return Err(self.error("regular-expression filters (`=~`) are not supported"));
            }
            Some(b'!') if self.peek_at(1) == Some(b'=') => Some((CompareOp::Ne, 2)),
            Some(b'<') if self.peek_at(1) == Some(b'=') => Some((CompareOp::Le, 2)),
            Some(b'>') if self.peek_at(1) == Some(b'=') => Some((CompareOp::Ge, 2)),
            Some(b'<') => Some((CompareOp::Lt, 1)),
            Some(b'>') => Some((CompareOp::Gt, 1)),
            Some(b'a'..=b'z') => return Err(self.error("this filter operator is not supported")),
            _ => None,
        };
        let Some((op, len)) = op else {
            return match left {
                Operand::Path { .. } => Ok(Filter::Exists(left)),
                Operand::Literal(_) => Err(self.error("expected a comparison operator")),
            };
        };
        self.pos += len;
        self.skip_ws();
        let right = self.operand()?;
        Ok(Filter::Compare(left, op, right))
    }

    fn operand(&mut self) -> Result<Operand, JsonPathError> {
        self.skip_ws();
        match self.peek() {
            Some(b'@' | b'$') => {
                let relative = self.peek() == Some(b'@');
                let start = self.pos;
                self.pos += 1;
                self.enter()?;
                let segments = self.segments(true)?;
                self.depth -= 1;
                let source: Box<str> = self.src[start..self.pos].into();
                let definite = is_definite(&segments);
                Ok(Operand::Path {
                    relative,
                    path: JsonPath {
                        source,
                        segments,
                        definite,
                    },
                })
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Json::String(self.quoted()?.into()))),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'/') => Err(self.error("regular-expression filters are not supported")),
            _ => {
                for (word, value) in [
                    ("true", Json::Bool(true)),
                    ("false", Json::Bool(false)),
                    ("null", Json::Null),
                ] {
                    if self.rest().starts_with(word) {
                        self.pos += word.len();
                        return Ok(Operand::Literal(value));
                    }
                }
                Err(self.error("expected `@`, `$` or a literal"))
            }
        }
    }

    fn number(&mut self) -> Result<Operand, JsonPathError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while let Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') = self.peek() {
            // A sign only right after an exponent mark; anywhere else it ends the number.
            if matches!(self.peek(), Some(b'+' | b'-'))
                && !matches!(self.src.as_bytes().get(self.pos - 1), Some(b'e' | b'E'))
            {
                break;
            }
            self.pos += 1;
        }
        let text = &self.src[start..self.pos];
        match crate::json::parse(text) {
            Ok(number @ Json::Number(_)) => Ok(Operand::Literal(number)),
            _ => Err(JsonPathError {
                offset: start,
                message: "invalid number".into(),
            }),
        }
    }
}
