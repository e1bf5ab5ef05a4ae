//! Errors with spans, reported like rustc: `error: …`, ` --> name:line:col`, the source line and a caret.
//!
//! `line:col` is computed only when an error is shown. Columns count characters from 1.

use std::fmt;
use std::sync::Arc;

/// A byte range in a template's source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// When an error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// While compiling the template (Velocity's parse errors, and this engine's compile-time checks).
    Compile,
    /// While rendering (Velocity's `MethodInvocationException` and friends, and the render limits).
    Render,
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The template is not valid VTL (Velocity's `ParseException`).
    Syntax,
    /// The template is larger than [`Limits::max_template_bytes`](crate::Limits).
    TemplateTooLarge,
    /// Brackets or directives nest deeper than [`Limits::max_nesting`](crate::Limits).
    NestingTooDeep,
    /// A construct this engine deliberately does not run (`#parse`, `#include`: no file access).
    Unsupported,
    /// The host rejected a call at compile time, or failed one at render time.
    Host,
    /// A method threw (index out of bounds, bad regex, …): Velocity's `MethodInvocationException`.
    Invocation,
    /// Output grew past [`Limits::max_output_bytes`](crate::Limits).
    OutputLimit,
    /// The step budget ([`Limits::fuel`](crate::Limits)) ran out.
    OutOfFuel,
    /// Macro, `#define` or `#evaluate` nesting went deeper than [`Limits::max_call_depth`](crate::Limits).
    RecursionLimit,
    /// A collection would grow past [`Limits::max_collection_len`](crate::Limits).
    CollectionLimit,
}

impl ErrorKind {
    /// The phase errors of this kind belong to.
    pub fn phase(self) -> Phase {
        match self {
            ErrorKind::Syntax | ErrorKind::TemplateTooLarge | ErrorKind::NestingTooDeep | ErrorKind::Unsupported => {
                Phase::Compile
            }
            ErrorKind::Host
            | ErrorKind::Invocation
            | ErrorKind::OutputLimit
            | ErrorKind::OutOfFuel
            | ErrorKind::RecursionLimit
            | ErrorKind::CollectionLimit => Phase::Render,
        }
    }
}

/// A compile or render error, one pointer wide.
pub struct Error(Box<Repr>);

struct Repr {
    kind: ErrorKind,
    phase: Phase,
    message: String,
    name: Arc<str>,
    source: Option<Arc<str>>,
    span: Option<Span>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Repr {
            kind,
            phase: kind.phase(),
            message: message.into(),
            name: Arc::from(""),
            source: None,
            span: None,
        }))
    }

    pub(crate) fn with_phase(mut self, phase: Phase) -> Error {
        self.0.phase = phase;
        self
    }

    pub(crate) fn with_span(mut self, span: Span) -> Error {
        if self.0.span.is_none() {
            self.0.span = Some(span);
        }
        self
    }

    pub(crate) fn with_template(mut self, name: &Arc<str>, source: &Arc<str>) -> Error {
        if self.0.source.is_none() {
            self.0.name = name.clone();
            self.0.source = Some(source.clone());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Compile or render.
    pub fn phase(&self) -> Phase {
        self.0.phase
    }

    /// The message, without position.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The template's name as given to [`Engine::compile`](crate::Engine::compile).
    pub fn template_name(&self) -> &str {
        &self.0.name
    }

    /// Where in the source, when known.
    pub fn span(&self) -> Option<Span> {
        self.0.span
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self) -> Option<(u32, u32)> {
        let (source, span) = (self.0.source.as_deref()?, self.0.span?);
        let (line, col, _) = locate(source, span.start as usize);
        Some((line, col))
    }

    /// A rustc-style report: message, `--> name:line:col`, the source line and a caret under the span.
    pub fn report(&self) -> String {
        let mut out = format!("error: {}\n", self.0.message);
        let (Some(source), Some(span)) = (self.0.source.as_deref(), self.0.span) else {
            out.push_str(&format!(" --> {}\n", self.0.name));
            return out;
        };
        let (line, col, line_text) = locate(source, span.start as usize);
        let gutter = line.to_string().len();
        let pad = " ".repeat(gutter);
        out.push_str(&format!(
            "{pad}--> {}:{line}:{col}\n{pad} |\n{line} | {line_text}\n{pad} | ",
            self.0.name
        ));
        let before: String = line_text
            .chars()
            .take(col as usize - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let span_len = source
            .get(span.start as usize..(span.end as usize).min(source.len()))
            .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
            .clamp(1, line_text.chars().count().saturating_sub(col as usize - 1).max(1));
        out.push_str(&before);
        out.push_str(&"^".repeat(span_len));
        out.push('\n');
        out
    }
}

/// Line (1-based), column (1-based, characters) and the text of the line holding byte `offset`.
/// `\n`, `\r\n` and a lone `\r` end lines, as in Velocity's character stream.
fn locate(source: &str, offset: usize) -> (u32, u32, &str) {
    let offset = offset.min(source.len());
    let mut line = 1u32;
    let mut line_start = 0usize;
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < offset {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let mut start = line_start;
    while !source.is_char_boundary(start) {
        start += 1;
    }
    let rest = &source[start..];
    let line_end = rest.find(['\n', '\r']).map_or(source.len(), |e| start + e);
    let upto = source.get(start..offset.max(start)).unwrap_or("");
    let col = u32::try_from(upto.chars().count())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    (line, col, &source[start..line_end])
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col() {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.0.name, self.0.message),
            None if self.0.name.is_empty() => f.write_str(&self.0.message),
            None => write!(f, "{}: {}", self.0.name, self.0.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("phase", &self.0.phase)
            .field("message", &self.0.message)
            .field("name", &self.0.name)
            .field("span", &self.0.span)
            .finish()
    }
}

impl std::error::Error for Error {}

/// Every compile error of one template (at least one).
#[derive(Debug)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The first error.
    pub fn first(&self) -> Option<&Error> {
        self.0.first()
    }

    /// All reports, one after another.
    pub fn report(&self) -> String {
        self.0.iter().map(Error::report).collect::<Vec<_>>().join("\n")
    }
}

impl std::ops::Deref for Errors {
    type Target = [Error];
    fn deref(&self) -> &[Error] {
        &self.0
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl From<Error> for Errors {
    fn from(e: Error) -> Errors {
        Errors(vec![e])
    }
}
