//! `${stageVariables.name}` and `{param}` placeholders in integration URIs and credentials, parsed once at load
//! time into parts so that a request only copies text and looks values up.

use std::ops::Range;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Values for the placeholders of an integration URI, supplied per request by the runtime.
pub trait Placeholders {
    /// The stage variable `name` (`${stageVariables.name}`); a missing variable renders as empty text.
    fn stage_variable(&self, name: &str) -> Option<&str>;
    /// The integration path parameter `name` (`{name}`, from `integration.request.path.name`).
    fn path_parameter(&self, name: &str) -> Option<&str>;
}

/// No placeholder values: what a URI without placeholders needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPlaceholders;

impl Placeholders for NoPlaceholders {
    fn stage_variable(&self, _: &str) -> Option<&str> {
        None
    }
    fn path_parameter(&self, _: &str) -> Option<&str> {
        None
    }
}

/// Placeholder values from two slices of name/value pairs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlaceholderValues<'a> {
    /// Stage variables.
    pub stage_variables: &'a [(&'a str, &'a str)],
    /// Integration path parameters.
    pub path_parameters: &'a [(&'a str, &'a str)],
}

impl Placeholders for PlaceholderValues<'_> {
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.stage_variables.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
    fn path_parameter(&self, name: &str) -> Option<&str> {
        self.path_parameters.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// Where a placeholder's value lands, which decides how it is percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A URI path: `/` stays, other reserved characters are encoded.
    Path,
    /// A query-string name or value: everything but RFC 3986 unreserved characters is encoded.
    Query,
    /// Text that is not part of a URL (a role ARN): inserted as it is.
    Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(Box<str>),
    StageVariable(Box<str>),
    PathParameter(Box<str>),
}

/// A parsed piece of text with placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Box<[Part]>,
    slot: Slot,
}

/// Why a placeholder could not be parsed; the range is relative to the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateError {
    Unclosed(Range<usize>),
    BadName(Range<usize>),
    UnmatchedClose(Range<usize>),
}

/// Characters that cannot appear raw in a URI; written text keeps everything else, including `%XX` escapes.
const NOT_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');
/// A path parameter value: encode what is not unreserved, except `/` (greedy `{proxy+}` values keep their
/// slashes) and the sub-delimiters that are valid in a path segment.
const PATH_VALUE: &AsciiSet = &NOT_URI.add(b'%').add(b'?').add(b'#').add(b'[').add(b']');
/// A query value: only RFC 3986 unreserved characters stay.
pub(crate) const QUERY_VALUE: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Template {
    /// Parses `text`, whose placeholders will land in `slot`.
    pub(crate) fn parse(text: &str, slot: Slot) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &text[i..];
            if rest.starts_with("${") {
                let Some(close) = rest.find('}') else {
                    return Err(TemplateError::Unclosed(i..text.len()));
                };
                let inner = &rest[2..close];
                let name = inner
                    .strip_prefix("stageVariables.")
                    .filter(|n| is_stage_variable_name(n));
                let Some(name) = name else {
                    return Err(TemplateError::BadName(i..i + close + 1));
                };
                flush(&mut literal, &mut parts, slot);
                parts.push(Part::StageVariable(name.into()));
                i += close + 1;
            } else if rest.starts_with('{') {
                let Some(close) = rest.find('}') else {
                    return Err(TemplateError::Unclosed(i..text.len()));
                };
                let inner = &rest[1..close];
                let name = inner.strip_suffix('+').unwrap_or(inner);
                if !is_parameter_name(name) {
                    return Err(TemplateError::BadName(i..i + close + 1));
                }
                flush(&mut literal, &mut parts, slot);
                parts.push(Part::PathParameter(name.into()));
                i += close + 1;
            } else if rest.starts_with('}') {
                return Err(TemplateError::UnmatchedClose(i..i + 1));
            } else {
                let next = rest
                    .find(['$', '{', '}'])
                    .map_or(rest.len(), |n| if n == 0 { 1 } else { n });
                literal.push_str(&rest[..next]);
                i += next;
            }
        }
        flush(&mut literal, &mut parts, slot);
        Ok(Template {
            parts: parts.into_boxed_slice(),
            slot,
        })
    }

    /// Whether the text has no placeholders.
    pub(crate) fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The text when there are no placeholders.
    pub(crate) fn as_static(&self) -> Option<&str> {
        match &*self.parts {
            [] => Some(""),
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// Writes the text with placeholders filled in; missing values render as empty text.
    pub(crate) fn render_into(&self, vars: &dyn Placeholders, out: &mut String) {
        for part in &*self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::StageVariable(name) => {
                    // Stage variable values are limited to URL-safe characters by API Gateway; anything else is
                    // encoded so the URI stays valid.
                    let value = vars.stage_variable(name).unwrap_or("");
                    match self.slot {
                        Slot::Raw => out.push_str(value),
                        Slot::Path | Slot::Query => out.extend(utf8_percent_encode(value, NOT_URI)),
                    }
                }
                Part::PathParameter(name) => {
                    let value = vars.path_parameter(name).unwrap_or("");
                    match self.slot {
                        Slot::Raw => out.push_str(value),
                        Slot::Path => out.extend(utf8_percent_encode(value, PATH_VALUE)),
                        Slot::Query => out.extend(utf8_percent_encode(value, QUERY_VALUE)),
                    }
                }
            }
        }
    }

    /// Renders into a new string.
    pub(crate) fn render(&self, vars: &dyn Placeholders) -> String {
        let mut out = String::new();
        self.render_into(vars, &mut out);
        out
    }
}

fn flush(literal: &mut String, parts: &mut Vec<Part>, slot: Slot) {
    if literal.is_empty() {
        return;
    }
    let text: String = match slot {
        Slot::Raw => std::mem::take(literal),
        Slot::Path | Slot::Query => {
            let encoded = utf8_percent_encode(literal, NOT_URI).to_string();
            literal.clear();
            encoded
        }
    };
    parts.push(Part::Text(text.into()));
}

/// Stage variable names: letters, digits and underscores (API Gateway's rule for stage variable names).
fn is_stage_variable_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Request parameter names: `^[a-zA-Z0-9._$-]+$` (spec §4).
fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: PlaceholderValues<'static> = PlaceholderValues {
        stage_variables: &[("fn", "my-fn"), ("q", "a b")],
        path_parameters: &[("key", "dir/a b&c"), ("id", "x=1&y")],
    };

    #[test]
    fn renders_each_slot_with_its_encoding() {
        let cases = [
            (
                "functions/${stageVariables.fn}/invocations",
                Slot::Path,
                "functions/my-fn/invocations",
            ),
            ("bucket/{key}", Slot::Path, "bucket/dir/a%20b&c"),
            ("bucket/{key+}", Slot::Path, "bucket/dir/a%20b&c"),
            ("Id={id}", Slot::Query, "Id=x%3D1%26y"),
            ("Q=${stageVariables.q}", Slot::Query, "Q=a%20b"),
            ("Q=${stageVariables.missing}", Slot::Query, "Q="),
            ("a b\"c", Slot::Path, "a%20b%22c"),
            ("100%25$x", Slot::Path, "100%25$x"),
            (
                "arn:aws:iam::1:role/${stageVariables.q}",
                Slot::Raw,
                "arn:aws:iam::1:role/a b",
            ),
        ];
        for (text, slot, expected) in cases {
            let template = Template::parse(text, slot).unwrap();
            assert_eq!(template.render(&VARS), expected, "{text}");
        }
    }

    #[test]
    fn static_text_is_known_at_parse_time() {
        assert_eq!(Template::parse("a/b", Slot::Path).unwrap().as_static(), Some("a/b"));
        assert_eq!(Template::parse("", Slot::Path).unwrap().as_static(), Some(""));
        assert!(!Template::parse("a/{b}", Slot::Path).unwrap().is_static());
    }

    #[test]
    fn bad_placeholders_name_their_span() {
        let cases = [
            ("a/${stageVariables.x", TemplateError::Unclosed(2..20)),
            ("a/${stage.x}", TemplateError::BadName(2..12)),
            ("a/${stageVariables.}", TemplateError::BadName(2..20)),
            ("a/{b c}", TemplateError::BadName(2..7)),
            ("a/{}", TemplateError::BadName(2..4)),
            ("a/{b", TemplateError::Unclosed(2..4)),
            ("a}b", TemplateError::UnmatchedClose(1..2)),
        ];
        for (text, expected) in cases {
            assert_eq!(Template::parse(text, Slot::Path).unwrap_err(), expected, "{text}");
        }
    }
}
