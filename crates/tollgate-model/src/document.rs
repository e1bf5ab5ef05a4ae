//! Reading any JSON or YAML document into the located tree, for the files that sit beside an API definition
//! (usage plans, stage settings): the same readers and the same `file:line:col` diagnostics as [`crate::load`],
//! without the OpenAPI import.

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span, clamp_u32};
use crate::value::Value;

/// A document read by [`parse_document`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Document {
    /// The file, for rendering diagnostics and for locating the tree's spans.
    pub source: SourceFile,
    /// The tree; `None` when the text is not a JSON or YAML document.
    pub root: Option<Value>,
    /// Syntax errors (and duplicate keys), in document order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `bytes` as JSON (when the first significant character is `{` or `[`) or YAML, at most `max_bytes`.
///
/// `file_name` is used in messages only. Nesting and alias expansion are bounded as for API definitions.
#[must_use]
pub fn parse_document(file_name: &str, bytes: &[u8], max_bytes: usize) -> Document {
    let mut diagnostics = Vec::new();
    if bytes.len() > max_bytes {
        let source = SourceFile::new(file_name, "");
        diagnostics.push(
            Diagnostic::error(
                &source,
                Span::empty(0),
                format!("file too large: {} bytes", bytes.len()),
            )
            .with_label(format!("at most {max_bytes} bytes are accepted")),
        );
        return Document {
            source,
            root: None,
            diagnostics,
        };
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.valid_up_to();
            let text = String::from_utf8_lossy(bytes.get(..valid).unwrap_or(&[])).into_owned();
            let source = SourceFile::new(file_name, &text);
            diagnostics.push(
                Diagnostic::error(&source, Span::empty(clamp_u32(valid)), "the file is not valid UTF-8")
                    .with_label("invalid byte sequence here"),
            );
            return Document {
                source,
                root: None,
                diagnostics,
            };
        }
    };
    let source = SourceFile::new(file_name, text);
    let body = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    let root = if body.starts_with('{') || body.starts_with('[') {
        crate::json::parse(&source, &mut diagnostics)
    } else {
        crate::yaml::parse(&source, &mut diagnostics)
    };
    let root = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        root
    };
    Document {
        source,
        root,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_yaml_alike() {
        let json = parse_document("a.json", br#"{"a": [1, "x"]}"#, 1000);
        let yaml = parse_document("a.yaml", b"a:\n  - 1\n  - x\n", 1000);
        assert!(json.diagnostics.is_empty() && yaml.diagnostics.is_empty());
        let (json, yaml) = (json.root.unwrap(), yaml.root.unwrap());
        assert_eq!(json.to_json(), yaml.to_json());
        assert_eq!(json.get("a").unwrap().as_array().unwrap().len(), 2);
    }

    #[test]
    fn reports_syntax_errors_located() {
        let doc = parse_document("bad.yaml", b"a: 1\na: 2\n", 1000);
        assert!(doc.root.is_none());
        let first = &doc.diagnostics[0];
        assert_eq!((first.file.as_str(), first.position.line), ("bad.yaml", 2));
        let big = parse_document("big.json", b"{}", 1);
        assert!(big.root.is_none() && big.diagnostics[0].message.contains("too large"));
        let binary = parse_document("b.yaml", b"a: \xff", 100);
        assert!(binary.root.is_none() && binary.diagnostics[0].message.contains("UTF-8"));
    }
}
