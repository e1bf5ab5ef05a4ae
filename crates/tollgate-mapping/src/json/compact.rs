//! Compact JSON straight from JSON text, without building a tree: what `$input.json('$')` needs, at close to
//! copying speed. The output is byte for byte what `write_compact(&parse(text)?)` writes.

use super::JsonError;
use super::parse::{MAX_DEPTH, parse_string_at, string_stop};
use super::write::write_json_string;

/// Objects with more keys than this check for repeated keys with a hash set instead of a linear scan.
const LINEAR_KEY_CHECK: usize = 16;

/// Appends the compact form of the JSON document `text` to `out`.
///
/// Returns `Ok(false)` when an object repeats a key: only the tree keeps JSON's "first position, last value"
/// rule, so the caller must fall back to [`super::parse`]. A key written with escapes (rare; `"\u0061"` repeats
/// `"a"`) is left to the tree too. On `Ok(false)` and on errors, `out` holds partial output
/// the caller should discard.
pub fn write_compact_text(text: &str, out: &mut String) -> Result<bool, JsonError> {
    let mut c = Compactor {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out,
        keys: Vec::new(),
    };
    c.skip_ws();
    if !c.value(0)? {
        return Ok(false);
    }
    c.skip_ws();
    if c.pos != c.bytes.len() {
        return Err(c.error("trailing characters after the JSON value"));
    }
    Ok(true)
}

struct Compactor<'a, 'o> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: &'o mut String,
    /// Keys of the objects being copied (while they are small), innermost last: one buffer for the document.
    keys: Vec<&'a str>,
}

impl<'a> Compactor<'a, '_> {
    fn error(&self, message: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<bool, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.out.push_str(word);
            Ok(true)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    /// Copies one value; `false` when a repeated key was found.
    fn value(&mut self, depth: usize) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                self.string()?;
                Ok(true)
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                let (_, end) = super::parse::number_end(self.bytes, self.pos).map_err(|offset| JsonError {
                    offset,
                    message: "expected a digit",
                })?;
                self.pos = end;
                self.out.push_str(&self.text[start..end]);
                Ok(true)
            }
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// Copies a string; returns its decoded text when it had escapes (for key comparison), else the raw slice.
    fn string(&mut self) -> Result<std::borrow::Cow<'a, str>, JsonError> {
        let start = self.pos + 1;
        if let Some(end) = string_stop(self.bytes, start) {
            match self.bytes.get(end) {
                Some(b'"') => {
                    // No escapes: the text, quotes included, is already canonical.
                    self.out.push_str(&self.text[start - 1..end + 1]);
                    self.pos = end + 1;
                    return Ok(std::borrow::Cow::Borrowed(&self.text[start..end]));
                }
                Some(b'\\') => {}
                _ => {
                    return Err(JsonError {
                        offset: end,
                        message: "control character in a string",
                    });
                }
            }
        }
        let (decoded, next) = parse_string_at(self.text, self.pos)?;
        write_json_string(&decoded, self.out);
        self.pos = next;
        Ok(std::borrow::Cow::Owned(decoded))
    }

    fn object(&mut self, depth: usize) -> Result<bool, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.pos += 1;
        self.out.push('{');
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push('}');
            return Ok(true);
        }
        let base = self.keys.len();
        let mut set: Option<std::collections::HashSet<&'a str>> = None;
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let std::borrow::Cow::Borrowed(key) = self.string()? else {
                return Ok(false);
            };
            let repeated = match &mut set {
                Some(set) => !set.insert(key),
                None if self.keys.len() - base >= LINEAR_KEY_CHECK => {
                    let mut all: std::collections::HashSet<_> = self.keys.drain(base..).collect();
                    let repeated = !all.insert(key);
                    set = Some(all);
                    repeated
                }
                None => {
                    // Lengths and first bytes tell most keys apart without a call to `memcmp`.
                    let same = |known: &&str| {
                        known.len() == key.len() && known.as_bytes().first() == key.as_bytes().first() && *known == key
                    };
                    let repeated = self.keys.get(base..).is_some_and(|known| known.iter().any(same));
                    self.keys.push(key);
                    repeated
                }
            };
            if repeated {
                return Ok(false);
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after an object key"));
            }
            self.pos += 1;
            self.out.push(':');
            self.skip_ws();
            if !self.value(depth)? {
                return Ok(false);
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(',');
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.out.push('}');
                    self.keys.truncate(base);
                    return Ok(true);
                }
                Some(_) => return Err(self.error("expected `,` or `}` in an object")),
                None => return Err(self.error("unexpected end of input in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<bool, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.pos += 1;
        self.out.push('[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.out.push(']');
            return Ok(true);
        }
        loop {
            self.skip_ws();
            if !self.value(depth)? {
                return Ok(false);
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(',');
                }
                Some(b']') => {
                    self.pos += 1;
                    self.out.push(']');
                    return Ok(true);
                }
                Some(_) => return Err(self.error("expected `,` or `]` in an array")),
                None => return Err(self.error("unexpected end of input in an array")),
            }
        }
    }
}
