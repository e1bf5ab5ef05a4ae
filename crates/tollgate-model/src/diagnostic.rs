//! Located problems and their rustc-style rendering.

use std::fmt;

use crate::source::{LineCol, SourceFile, Span, line_col_of};

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The definition cannot be served as written (AWS would reject the import or the deployment).
    Error,
    /// Accepted, but probably not what was meant (AWS imports it, sometimes with a warning of its own).
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains a [`Diagnostic`] (e.g. the first of two duplicate keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// Its line and column in the same file.
    pub position: LineCol,
    /// What is there.
    pub message: String,
}

/// One problem found in a definition file, with its place.
///
/// Build one with [`Diagnostic::error`] or [`Diagnostic::warning`] and the `with_*` methods; print it with
/// [`Diagnostic::render`] (rustc style, with the source line and carets) or with `Display`
/// (`file:line:col: severity: message`, one line).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// File name as given to [`crate::load`].
    pub file: String,
    /// The bytes the problem is about.
    pub span: Span,
    /// Line and column of `span.start`.
    pub position: LineCol,
    /// Where in the document tree, as keys joined by `.` (e.g.
    /// `paths./pets.get.x-amazon-apigateway-integration.type`); empty for problems outside the tree.
    pub path: String,
    /// The headline: what is wrong.
    pub message: String,
    /// Text shown beside the carets: what was expected there. May be empty.
    pub label: String,
    /// Other places that explain this one.
    pub related: Vec<Related>,
    /// Extra lines shown after the snippet (`= help: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span` of `source`.
    #[must_use]
    pub fn error(source: &SourceFile, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            Severity::Error,
            source.name(),
            span,
            source.line_col(span.start),
            message.into(),
        )
    }

    /// A warning at `span` of `source`.
    #[must_use]
    pub fn warning(source: &SourceFile, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            Severity::Warning,
            source.name(),
            span,
            source.line_col(span.start),
            message.into(),
        )
    }

    fn new(severity: Severity, file: &str, span: Span, position: LineCol, message: String) -> Diagnostic {
        Diagnostic {
            severity,
            file: file.to_owned(),
            span,
            position,
            path: String::new(),
            message,
            label: String::new(),
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the text shown beside the carets.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Sets the key path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = path.into();
        self
    }

    /// Adds a related location of the same file.
    #[must_use]
    pub fn with_related(mut self, source: &SourceFile, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            position: source.line_col(span.start),
            message: message.into(),
        });
        self
    }

    /// Adds a note line (`= note: ...`).
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error (not a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The rustc-style report, given the text of the file the diagnostic is about:
    ///
    /// ```text
    /// error: unknown integration type `mokc`
    ///   --> api.yaml:12:15
    ///    |
    /// 12 |         type: mokc
    ///    |               ^^^^ expected one of mock, http, http_proxy, aws, aws_proxy
    ///    |
    ///    = at: paths./pets.get.x-amazon-apigateway-integration.type
    /// ```
    ///
    /// The output ends with a newline. A span past the end of `source` is shown at the end.
    #[must_use]
    pub fn render(&self, source: &str) -> String {
        let primary = line_col_of(source, self.span.start);
        let mut lines: Vec<u32> = vec![primary.line];
        lines.extend(
            self.related
                .iter()
                .map(|related| line_col_of(source, related.span.start).line),
        );
        let width = lines.iter().map(|line| line.to_string().len()).max().unwrap_or(1);
        let pad = " ".repeat(width);

        let mut out = format!("{}: {}\n", self.severity, self.message);
        out.push_str(&format!("{pad}--> {}:{}:{}\n", self.file, primary.line, primary.column));
        out.push_str(&format!("{pad} |\n"));
        snippet(&mut out, source, self.span, &self.label, '^', width);
        for related in &self.related {
            let at = line_col_of(source, related.span.start);
            out.push_str(&format!("{pad}::: {}:{}:{}\n", self.file, at.line, at.column));
            out.push_str(&format!("{pad} |\n"));
            snippet(&mut out, source, related.span, &related.message, '-', width);
        }
        if !self.path.is_empty() || !self.notes.is_empty() {
            out.push_str(&format!("{pad} |\n"));
        }
        if !self.path.is_empty() {
            out.push_str(&format!("{pad} = at: {}\n", self.path));
        }
        for note in &self.notes {
            out.push_str(&format!("{pad} = {note}\n"));
        }
        out
    }
}

/// Writes `NN | line` and the marker line under it for the first line of `span`.
fn snippet(out: &mut String, source: &str, span: Span, label: &str, marker: char, width: usize) {
    let start = (span.start as usize).min(source.len());
    let line_start = source
        .as_bytes()
        .get(..start)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |at| at + 1);
    let line_end = source
        .as_bytes()
        .get(start..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
        .map_or(source.len(), |at| start + at);
    let line = source.get(line_start..line_end).unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let number = line_col_of(source, span.start).line;
    let prefix = source.get(line_start..start).unwrap_or("");
    // Keep tabs so the markers line up with the text above them whatever the tab width.
    let indent: String = prefix.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    // A span may start on the line break itself (or a `\r` before it): mark one column there.
    let span_end = (span.end as usize).min(line_start + line.len()).max(start);
    let marked = source
        .get(start..span_end)
        .map_or(0, |text| text.chars().count())
        .max(1);
    // Control characters (a lone `\r`, ...) would garble the terminal; show each as one space.
    let shown: String = line
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect();
    out.push_str(&format!("{number:>width$} | {shown}\n"));
    let markers: String = std::iter::repeat_n(marker, marked).collect();
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    out.push_str(&format!("{:width$} | {indent}{markers}{label}\n", ""));
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.position, self.severity, self.message
        )?;
        if !self.label.is_empty() {
            write!(f, " ({})", self.label)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Renders every diagnostic of `diagnostics` against `source`, separated by blank lines.
#[must_use]
pub fn render_all(diagnostics: &[Diagnostic], source: &str) -> String {
    let mut out = String::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&diagnostic.render(source));
    }
    out
}
