//! The located document tree: JSON-like values with a source span on every node.
//!
//! Both the JSON and the YAML reader produce this tree, so the importer and its diagnostics do not care which
//! syntax a definition was written in. Models (JSON schemas), resource policies and documentation are kept in
//! the [`crate::RestApi`] as `Value`s.

use std::fmt::Write as _;

use crate::source::Span;

/// One node of a definition document, with the bytes it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    span: Span,
    kind: ValueKind,
    style: ScalarStyle,
}

/// What a [`Value`] holds.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// `null` (YAML: `null`, `~`, or nothing).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as written in JSON syntax (YAML `0x1F` becomes `31`).
    Number(Number),
    /// A string (YAML: a scalar that is not null, a boolean or a number under the core schema, or quoted).
    String(String),
    /// A list.
    Array(Vec<Value>),
    /// A mapping, in document order, keys unique.
    Object(Vec<Member>),
}

/// A key and value of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key text (YAML keys are read as text: `200:` is the key `"200"`).
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

/// A number literal in JSON syntax, e.g. `200`, `-1.5e3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number {
    literal: String,
}

impl Number {
    pub(crate) fn from_json_literal(literal: String) -> Number {
        Number { literal }
    }

    /// The literal, valid JSON number syntax.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.literal
    }

    /// The value as an `i64` if it is an integer that fits (`3.0` counts as `3`).
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        if let Ok(value) = self.literal.parse::<i64>() {
            return Some(value);
        }
        let float = self.as_f64()?;
        // Integral floats within i64's exactly representable range convert; others do not.
        if float.fract() == 0.0 && float.abs() < 9.0e15 {
            #[allow(clippy::cast_possible_truncation)]
            return Some(float as i64);
        }
        None
    }

    /// The value as an `f64` (may round).
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        self.literal.parse::<f64>().ok().filter(|value| value.is_finite())
    }
}

/// How a string scalar was written; needed to map positions inside the decoded text back to the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum ScalarStyle {
    /// Not a string, or synthesized.
    #[default]
    None,
    /// A JSON string literal (with quotes, escapes).
    Json,
    /// YAML plain scalar.
    Plain,
    /// YAML `'single'`.
    SingleQuoted,
    /// YAML `"double"`.
    DoubleQuoted,
    /// YAML `|` block.
    Literal,
    /// YAML `>` block.
    Folded,
}

impl Value {
    pub(crate) fn new(span: Span, kind: ValueKind) -> Value {
        Value {
            span,
            kind,
            style: ScalarStyle::None,
        }
    }

    pub(crate) fn string(span: Span, text: String, style: ScalarStyle) -> Value {
        Value {
            span,
            kind: ValueKind::String(text),
            style,
        }
    }

    /// Where the value is in the source (for strings: including quotes or the block header).
    #[must_use]
    pub fn span(&self) -> Span {
        self.span
    }

    /// What it holds.
    #[must_use]
    pub fn kind(&self) -> &ValueKind {
        &self.kind
    }

    pub(crate) fn style(&self) -> ScalarStyle {
        self.style
    }

    /// The string, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(text) => Some(text),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(value) => Some(value),
            _ => None,
        }
    }

    /// The number, if this is a number.
    #[must_use]
    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            ValueKind::Number(number) => Some(number),
            _ => None,
        }
    }

    /// The members, if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            ValueKind::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The items, if this is an array.
    #[must_use]
    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The member named `key`, if this is an object that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|member| member.key == key)
            .map(|member| &member.value)
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }

    /// A short name of the kind for messages: `a string`, `an object`, ...
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Number(_) => "a number",
            ValueKind::String(_) => "a string",
            ValueKind::Array(_) => "an array",
            ValueKind::Object(_) => "an object",
        }
    }

    /// Compact JSON text of the value (object keys in document order), e.g. to hand a model schema to a JSON
    /// Schema validator.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }
}

fn write_json(value: &Value, out: &mut String) {
    // The tree depth is bounded by the readers, so this recursion is bounded too.
    match &value.kind {
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(true) => out.push_str("true"),
        ValueKind::Bool(false) => out.push_str("false"),
        ValueKind::Number(number) => out.push_str(number.as_str()),
        ValueKind::String(text) => write_json_string(text, out),
        ValueKind::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        ValueKind::Object(members) => {
            out.push('{');
            for (index, member) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(&member.key, out);
                out.push(':');
                write_json(&member.value, out);
            }
            out.push('}');
        }
    }
}

/// Writes `text` as a JSON string literal.
pub(crate) fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
