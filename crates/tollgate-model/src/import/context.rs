//! The reader's state and the typed accessors every part of the import uses.

use crate::ImportOptions;
use crate::diagnostic::Diagnostic;
use crate::model::{Located, SpecVersion};
use crate::source::{SourceFile, Span};
use crate::template::TemplateSource;
use crate::value::{Member, Value, ValueKind};

/// Longest `$ref` chain followed before giving up (cycles).
const MAX_REF_HOPS: usize = 32;

pub(crate) struct Ctx<'a> {
    pub(crate) source: &'a SourceFile,
    pub(crate) root: &'a Value,
    pub(crate) options: &'a ImportOptions,
    pub(crate) version: SpecVersion,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// `parent.key`, or `key` at the root.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub(crate) fn index(parent: &str, at: usize) -> String {
    format!("{parent}[{at}]")
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(source: &'a SourceFile, root: &'a Value, options: &'a ImportOptions) -> Ctx<'a> {
        Ctx {
            source,
            root,
            options,
            version: SpecVersion::OpenApi3,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Span, path: &str, message: impl Into<String>, label: impl Into<String>) {
        let diagnostic = Diagnostic::error(self.source, span, message)
            .with_label(label)
            .with_path(path);
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn warning(&mut self, span: Span, path: &str, message: impl Into<String>, label: impl Into<String>) {
        let diagnostic = Diagnostic::warning(self.source, span, message)
            .with_label(label)
            .with_path(path);
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The members of an object; `null` reads as empty; anything else is an error.
    pub(crate) fn object(&mut self, value: &'a Value, path: &str) -> Option<&'a [Member]> {
        match value.kind() {
            ValueKind::Object(members) => Some(members),
            ValueKind::Null => Some(&[]),
            _ => {
                self.error(
                    value.span(),
                    path,
                    "expected an object",
                    format!("found {}", value.kind_name()),
                );
                None
            }
        }
    }

    /// The items of an array; `null` reads as empty.
    pub(crate) fn array(&mut self, value: &'a Value, path: &str) -> Option<&'a [Value]> {
        match value.kind() {
            ValueKind::Array(items) => Some(items),
            ValueKind::Null => Some(&[]),
            _ => {
                self.error(
                    value.span(),
                    path,
                    "expected an array",
                    format!("found {}", value.kind_name()),
                );
                None
            }
        }
    }

    /// A scalar as text: strings as they are, numbers as written, booleans as `true`/`false`.
    pub(crate) fn scalar_text(&self, value: &Value) -> Option<String> {
        match value.kind() {
            ValueKind::String(text) => Some(text.clone()),
            ValueKind::Number(number) => Some(number.as_str().to_owned()),
            ValueKind::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// A string (numbers and booleans are accepted as their text, as AWS's importer does).
    pub(crate) fn string(&mut self, value: &'a Value, path: &str) -> Option<Located<String>> {
        match self.scalar_text(value) {
            Some(text) => Some(Located::new(text, value.span())),
            None => {
                self.error(
                    value.span(),
                    path,
                    "expected a string",
                    format!("found {}", value.kind_name()),
                );
                None
            }
        }
    }

    /// An optional string member: absent or `null` gives `None`.
    pub(crate) fn string_member(&mut self, parent: &'a Value, key: &str, path: &str) -> Option<Located<String>> {
        let value = parent.get(key).filter(|value| !value.is_null())?;
        self.string(value, &join(path, key))
    }

    /// A boolean (`"true"`/`"false"` strings accepted).
    pub(crate) fn boolean(&mut self, value: &'a Value, path: &str) -> Option<bool> {
        match value.kind() {
            ValueKind::Bool(flag) => Some(*flag),
            ValueKind::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
            ValueKind::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.error(
                    value.span(),
                    path,
                    "expected a boolean",
                    format!("found {}; expected true or false", value.kind_name()),
                );
                None
            }
        }
    }

    /// An integer (numeric strings accepted: AWS documents some integers as strings).
    pub(crate) fn integer(&mut self, value: &'a Value, path: &str) -> Option<i64> {
        let parsed = match value.kind() {
            ValueKind::Number(number) => number.as_i64(),
            ValueKind::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                value.span(),
                path,
                "expected an integer",
                format!("found {}", describe_value(value)),
            );
        }
        parsed
    }

    /// An array of strings.
    pub(crate) fn strings(&mut self, value: &'a Value, path: &str) -> Vec<Located<String>> {
        let Some(items) = self.array(value, path) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(at, item)| self.string(item, &index(path, at)))
            .collect()
    }

    /// Follows `$ref` (local JSON pointers only) until a value without one.
    pub(crate) fn resolve(&mut self, value: &'a Value, path: &str) -> Option<&'a Value> {
        let mut current = value;
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = current.get("$ref") else {
                return Some(current);
            };
            let Some(target) = reference.as_str() else {
                self.error(
                    reference.span(),
                    &join(path, "$ref"),
                    "expected a string",
                    format!("found {}", reference.kind_name()),
                );
                return None;
            };
            match self.pointer(target) {
                Some(next) => current = next,
                None => {
                    let label = if target.starts_with('#') {
                        "no such location in this document".to_owned()
                    } else {
                        "references to other files are not supported; inline the definition".to_owned()
                    };
                    self.error(
                        reference.span(),
                        &join(path, "$ref"),
                        format!("unresolvable reference `{target}`"),
                        label,
                    );
                    return None;
                }
            }
        }
        self.error(
            value.span(),
            path,
            "reference cycle",
            format!("more than {MAX_REF_HOPS} `$ref` hops"),
        );
        None
    }

    /// The value at a local JSON pointer (`#/components/schemas/Pet`).
    pub(crate) fn pointer(&self, target: &str) -> Option<&'a Value> {
        let pointer = target.strip_prefix('#')?;
        let mut current = self.root;
        if pointer.is_empty() {
            return Some(current);
        }
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = percent_decode(token).replace("~1", "/").replace("~0", "~");
            current = match current.kind() {
                ValueKind::Object(_) => current.get(&token)?,
                ValueKind::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Warns about keys that are neither `known` fields, `extensions` handled here, nor vendor extensions.
    pub(crate) fn check_keys(
        &mut self,
        members: &[Member],
        path: &str,
        known: &[&str],
        extensions: &[&str],
        what: &str,
    ) {
        for member in members {
            let key = member.key.as_str();
            if known.contains(&key) || extensions.contains(&key) {
                continue;
            }
            let member_path = join(path, key);
            if key.starts_with("x-amazon-apigateway-") {
                let label = match closest(key, extensions) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("not an API Gateway extension of {what}"),
                };
                self.warning(
                    member.key_span,
                    &member_path,
                    format!("unknown extension `{key}` ignored"),
                    label,
                );
            } else if !key.starts_with("x-") {
                let label = match closest(key, known) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("not a field of {what}"),
                };
                self.warning(
                    member.key_span,
                    &member_path,
                    format!("unknown key `{key}` ignored"),
                    label,
                );
            }
        }
    }

    /// Warns about keys of an extension object that AWS does not define.
    pub(crate) fn check_fields(&mut self, members: &[Member], path: &str, known: &[&str], what: &str) {
        for member in members {
            if known.contains(&member.key.as_str()) {
                continue;
            }
            let label = match closest(&member.key, known) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("expected one of {}", known.join(", ")),
            };
            self.warning(
                member.key_span,
                &join(path, &member.key),
                format!("unknown field `{}` of {what} ignored", member.key),
                label,
            );
        }
    }

    /// The template text of a string scalar with its map to the file.
    pub(crate) fn template(&self, value: &Value, text: &str) -> TemplateSource {
        TemplateSource::from_value(self.source.text(), value, text)
    }
}

/// A short description of a value for "found ..." labels.
pub(crate) fn describe_value(value: &Value) -> String {
    match value.kind() {
        ValueKind::String(text) if text.chars().count() <= 40 => format!("\"{text}\""),
        ValueKind::Number(number) => number.as_str().to_owned(),
        _ => value.kind_name().to_owned(),
    }
}

/// The candidate nearest to `word` by edit distance, if near enough to be a typo.
pub(crate) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|candidate| (edit_distance(&word, &candidate.to_ascii_lowercase()), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 4).clamp(1, 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = current.get(j).copied().unwrap_or(0) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

fn percent_decode(token: &str) -> String {
    if !token.contains('%') {
        return token.to_owned();
    }
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let hex = bytes.get(at + 1..at + 3).and_then(|hex| std::str::from_utf8(hex).ok());
        match (byte, hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                at += 3;
            }
            _ => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<'a> Ctx<'a> {
    /// `parent.key` if present and not `null` (helper with the context's lifetime).
    pub(crate) fn root_value<'v>(&self, parent: &'v Value, key: &str) -> Option<&'v Value> {
        parent.get(key).filter(|value| !value.is_null())
    }
}
