//! YAML (1.2, core schema) into the located tree, through `saphyr-parser`'s event stream.
//!
//! Supported: block and flow styles, all scalar styles, anchors and aliases (expansion is bounded), merge keys
//! (`<<`), `!!str`-style core tags. Plain scalars resolve by the core schema (`true`, `1`, `1.5`, `null`, `~`);
//! quoted scalars stay strings. Mapping keys are read as text (`200:` is the key `"200"`). Rejected: more than
//! one document, complex (collection) keys, application tags such as CloudFormation's `!Sub`, duplicate keys.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle as YamlStyle, Span as YamlSpan, Tag};

use crate::diagnostic::Diagnostic;
use crate::json::MAX_DEPTH;
use crate::source::{SourceFile, Span, clamp_u32};
use crate::value::{Member, Number, ScalarStyle, Value, ValueKind};

/// Upper bound on nodes created, aliases expanded included ("billion laughs").
const MAX_NODES: usize = 1_000_000;

/// Reads the text as one YAML document.
pub(crate) fn parse(source: &SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Option<Value> {
    let mut builder = Builder {
        source,
        offsets: CharOffsets::new(source.text()),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
        documents: 0,
        diagnostics,
    };
    let mut parser = Parser::new_from_str(source.text());
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => match builder.event(event, span) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    builder.diagnostics.push(*error);
                    return None;
                }
            },
            Err(error) => {
                let at = builder.offsets.byte(error.marker().index());
                let message = format!("invalid YAML: {}", error.info());
                let span = char_span(source.text(), at);
                builder
                    .diagnostics
                    .push(Diagnostic::error(source, span, message).with_label("here"));
                return None;
            }
        }
    }
    if builder.root.is_none() {
        let span = Span::empty(0);
        builder
            .diagnostics
            .push(Diagnostic::error(source, span, "the file holds no YAML document"));
    }
    builder.root.take()
}

/// Maps saphyr's character indices to byte offsets.
enum CharOffsets {
    Ascii,
    Table(Vec<u32>),
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        if text.is_ascii() {
            return CharOffsets::Ascii;
        }
        let mut table: Vec<u32> = text.char_indices().map(|(at, _)| clamp_u32(at)).collect();
        table.push(clamp_u32(text.len()));
        CharOffsets::Table(table)
    }

    fn byte(&self, char_index: usize) -> u32 {
        match self {
            CharOffsets::Ascii => clamp_u32(char_index),
            CharOffsets::Table(table) => table.get(char_index).or_else(|| table.last()).copied().unwrap_or(0),
        }
    }
}

fn char_span(text: &str, at: u32) -> Span {
    let len = text
        .get(at as usize..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    Span::new(at, at + clamp_u32(len))
}

enum Frame {
    Sequence {
        start: u32,
        end: u32,
        anchor: usize,
        items: Vec<Value>,
    },
    Mapping {
        start: u32,
        end: u32,
        anchor: usize,
        members: Vec<Member>,
        key: Option<(String, Span)>,
        merged: Vec<Member>,
    },
}

struct Builder<'s, 'd> {
    source: &'s SourceFile,
    offsets: CharOffsets,
    stack: Vec<Frame>,
    /// Anchor id → (value, node count).
    anchors: HashMap<usize, (Value, usize)>,
    root: Option<Value>,
    nodes: usize,
    documents: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

type Built<T> = Result<T, Box<Diagnostic>>;

impl Builder<'_, '_> {
    fn span(&self, span: YamlSpan) -> Span {
        Span::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn error(&self, span: Span, message: String, label: &str) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(self.source, span, message).with_label(label))
    }

    /// Handles one event; `Ok(false)` stops reading.
    fn event(&mut self, event: Event<'_>, yaml_span: YamlSpan) -> Built<bool> {
        let span = self.span(yaml_span);
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => return Ok(false),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.error(
                        span,
                        "more than one YAML document in the file".to_owned(),
                        "a definition is a single document; remove this `---` and what follows",
                    ));
                }
            }
            Event::Alias(id) => {
                let Some((value, count)) = self.anchors.get(&id).cloned() else {
                    return Err(self.error(
                        span,
                        "alias to an unknown anchor".to_owned(),
                        "no anchor of this name before",
                    ));
                };
                self.count(count, span)?;
                // Keep the anchored node's own spans: errors inside it point at its definition.
                self.complete(value, 0, span, true)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, span)?;
                let in_key_position = matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }));
                if in_key_position && tag.is_none() {
                    let key = text.into_owned();
                    if let Some(Frame::Mapping { key: slot, .. }) = self.stack.last_mut() {
                        *slot = Some((key.clone(), span));
                    }
                    if anchor != 0 {
                        let value = Value::string(span, key, scalar_style(style));
                        self.anchors.insert(anchor, (value, 1));
                    }
                    return Ok(true);
                }
                let span = trim_block_end(self.source.text(), span, style);
                let value = self.scalar(&text, style, tag.as_deref(), span)?;
                self.complete(value, anchor, span, false)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.collection_tag(tag.as_deref(), "seq", span)?;
                self.enter(span)?;
                self.stack.push(Frame::Sequence {
                    start: span.start,
                    end: span.end,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.collection_tag(tag.as_deref(), "map", span)?;
                self.enter(span)?;
                self.stack.push(Frame::Mapping {
                    start: span.start,
                    end: span.end,
                    anchor,
                    members: Vec::new(),
                    key: None,
                    merged: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence {
                    start,
                    end,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let end = end.max(items.last().map_or(end, |item| item.span().end));
                    let value = Value::new(Span::new(start, end), ValueKind::Array(items));
                    self.complete(value, anchor, span, false)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    start,
                    end,
                    anchor,
                    mut members,
                    merged,
                    ..
                }) = self.stack.pop()
                {
                    // Merged keys (`<<`) fill in only what the mapping does not set itself.
                    for member in merged {
                        if !members.iter().any(|own| own.key == member.key) {
                            members.push(member);
                        }
                    }
                    let end = end.max(
                        members
                            .iter()
                            .map(|member| member.value.span().end)
                            .max()
                            .unwrap_or(end),
                    );
                    let value = Value::new(Span::new(start, end), ValueKind::Object(members));
                    self.complete(value, anchor, span, false)?;
                }
            }
        }
        Ok(true)
    }

    fn enter(&self, span: Span) -> Built<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(
                span,
                "document nested too deeply".to_owned(),
                &format!("at most {MAX_DEPTH} levels of sequences and mappings"),
            ));
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize, span: Span) -> Built<()> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(self.error(
                span,
                "document too large after expanding aliases".to_owned(),
                &format!("at most {MAX_NODES} values"),
            ));
        }
        Ok(())
    }

    fn collection_tag(&self, tag: Option<&Tag>, expected: &str, span: Span) -> Built<()> {
        match tag {
            None => Ok(()),
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == expected => Ok(()),
            Some(tag) => Err(self.error(
                span,
                format!("unsupported YAML tag `{}`", tag_name(tag)),
                "definitions are plain data; tags such as CloudFormation's `!Sub` are not evaluated",
            )),
        }
    }

    /// A finished value goes into its parent (or becomes the document).
    fn complete(&mut self, value: Value, anchor: usize, event_span: Span, from_alias: bool) -> Built<()> {
        if anchor != 0 {
            let count = node_count(&value);
            self.anchors.insert(anchor, (value.clone(), count));
        }
        let source = self.source;
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
            }
            Some(Frame::Sequence { items, end, .. }) => {
                *end = (*end).max(if from_alias { event_span.end } else { value.span().end });
                items.push(value);
            }
            Some(Frame::Mapping {
                members,
                key,
                merged,
                end,
                ..
            }) => {
                let Some((key_text, key_span)) = key.take() else {
                    // A collection (or tagged scalar, or alias) in key position.
                    let label = match value.as_str() {
                        Some(_) => "keys must be plain text, without tags or aliases",
                        None => "keys must be plain text",
                    };
                    return Err(Box::new(
                        Diagnostic::error(source, value.span(), "unsupported mapping key").with_label(label),
                    ));
                };
                *end = (*end).max(if from_alias { event_span.end } else { value.span().end });
                if key_text == "<<" {
                    merge_into(merged, &value);
                    return Ok(());
                }
                if let Some(first) = members.iter().find(|member| member.key == key_text) {
                    let error = Diagnostic::error(source, key_span, format!("duplicate key `{key_text}`"))
                        .with_label("this key appears twice in the same mapping")
                        .with_related(source, first.key_span, "first defined here");
                    self.diagnostics.push(error);
                    return Ok(());
                }
                members.push(Member {
                    key: key_text,
                    key_span,
                    value,
                });
            }
        }
        Ok(())
    }

    /// Resolves a scalar by the YAML 1.2 core schema (plain scalars) or its core tag.
    fn scalar(&self, text: &str, style: YamlStyle, tag: Option<&Tag>, span: Span) -> Built<Value> {
        let string = || Value::string(span, text.to_owned(), scalar_style(style));
        let Some(tag) = tag else {
            if style != YamlStyle::Plain {
                return Ok(string());
            }
            return Ok(resolve_plain(text).map_or_else(string, |kind| Value::new(span, kind)));
        };
        if !tag.is_yaml_core_schema() {
            // `!` alone is the non-specific tag: a string.
            if tag.handle == "!" && tag.suffix.is_empty() {
                return Ok(string());
            }
            return Err(self.error(
                span,
                format!("unsupported YAML tag `{}`", tag_name(tag)),
                "definitions are plain data; tags such as CloudFormation's `!Sub` are not evaluated",
            ));
        }
        let resolved = match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => return Ok(string()),
            "null" => resolve_plain(text).filter(|kind| matches!(kind, ValueKind::Null)),
            "bool" => resolve_plain(text).filter(|kind| matches!(kind, ValueKind::Bool(_))),
            "int" => resolve_plain(text)
                .filter(|kind| matches!(kind, ValueKind::Number(n) if !n.as_str().contains(['.', 'e', 'E']))),
            "float" => resolve_plain(text).filter(|kind| matches!(kind, ValueKind::Number(_))),
            _ => None,
        };
        resolved.map(|kind| Value::new(span, kind)).ok_or_else(|| {
            self.error(
                span,
                format!("`{text}` is not a valid `!!{}`", tag.suffix),
                "value does not match its tag",
            )
        })
    }
}

/// Block scalar spans run into the next line's indentation; end them after the last line break instead.
fn trim_block_end(text: &str, span: Span, style: YamlStyle) -> Span {
    if !matches!(style, YamlStyle::Literal | YamlStyle::Folded) {
        return span;
    }
    let bytes = text.as_bytes();
    let mut end = span.end as usize;
    while end > span.start as usize && matches!(bytes.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    Span::new(span.start, clamp_u32(end))
}

fn tag_name(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn scalar_style(style: YamlStyle) -> ScalarStyle {
    match style {
        YamlStyle::Plain => ScalarStyle::Plain,
        YamlStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        YamlStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        YamlStyle::Literal => ScalarStyle::Literal,
        YamlStyle::Folded => ScalarStyle::Folded,
    }
}

/// `<<: *base` or `<<: [*a, *b]`: members from earlier entries win over later ones.
fn merge_into(merged: &mut Vec<Member>, value: &Value) {
    let sources: Vec<&Value> = match value.kind() {
        ValueKind::Array(items) => items.iter().collect(),
        _ => vec![value],
    };
    for source in sources {
        for member in source.as_object().unwrap_or(&[]) {
            if !merged.iter().any(|existing| existing.key == member.key) {
                merged.push(member.clone());
            }
        }
    }
}

fn node_count(value: &Value) -> usize {
    // Iterative, so a deep value does not recurse here.
    let mut count = 0usize;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        count += 1;
        match value.kind() {
            ValueKind::Array(items) => pending.extend(items.iter()),
            ValueKind::Object(members) => pending.extend(members.iter().map(|member| &member.value)),
            _ => {}
        }
    }
    count
}

/// The core schema's resolution of a plain scalar; `None` means a string.
fn resolve_plain(text: &str) -> Option<ValueKind> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(ValueKind::Null),
        "true" | "True" | "TRUE" => return Some(ValueKind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(ValueKind::Bool(false)),
        _ => {}
    }
    let number = |literal: String| Some(ValueKind::Number(Number::from_json_literal(literal)));
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16)
            .ok()
            .and_then(|value| number(value.to_string()));
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return u64::from_str_radix(octal, 8)
            .ok()
            .and_then(|value| number(value.to_string()));
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            unsigned.get(..at).unwrap_or(""),
            Some(unsigned.get(at + 1..).unwrap_or("")),
        ),
        None => (unsigned, None),
    };
    let (integer, fraction) = match mantissa.find('.') {
        Some(at) => (
            mantissa.get(..at).unwrap_or(""),
            Some(mantissa.get(at + 1..).unwrap_or("")),
        ),
        None => (mantissa, None),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer)
        || !fraction.is_none_or(all_digits)
        || (integer.is_empty() && fraction.is_none_or(str::is_empty))
    {
        return None;
    }
    let exponent = match exponent {
        None => None,
        Some(exponent) => {
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !all_digits(digits) || fraction.is_none() && integer.is_empty() {
                return None;
            }
            Some(exponent)
        }
    };
    // Rewrite into JSON number syntax: no `+`, no leading zeros, digits on both sides of the point.
    let integer = integer.trim_start_matches('0');
    let mut literal = String::new();
    if negative {
        literal.push('-');
    }
    literal.push_str(if integer.is_empty() { "0" } else { integer });
    if let Some(fraction) = fraction {
        literal.push('.');
        literal.push_str(if fraction.is_empty() { "0" } else { fraction });
    }
    if let Some(exponent) = exponent {
        literal.push('e');
        literal.push_str(exponent);
    }
    number(literal)
}
