//! Access logs in AWS's `$context` log-format style, rendered by the runtime after each response and handed
//! to a sink the server provides.
//!
//! A format is text with `$context.name` references, e.g. AWS's CLF example
//! `$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId`.
//! It is parsed once; rendering walks the pieces. A variable without a value renders `-`, as in AWS's logs.

use crate::context_var::{ContextVar, Usage};

/// A parsed access-log format.
#[derive(Clone, Debug)]
pub struct AccessLogFormat {
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(Box<str>),
    Var(ContextVar),
}

/// A format that names a variable AWS does not define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessLogFormatError {
    /// Byte offset of the `$context.` that starts the reference.
    pub offset: usize,
    /// The unknown name.
    pub name: String,
}

impl std::fmt::Display for AccessLogFormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown access-log variable `$context.{}` at byte {}",
            self.name, self.offset
        )
    }
}

impl std::error::Error for AccessLogFormatError {}

/// Where rendered access-log lines go. The server implements it (a buffered writer, a channel, ...); the
/// runtime calls it once per request, after the response head is built, on the request's task.
pub trait AccessLogSink: Send + Sync + std::fmt::Debug {
    /// Takes one rendered line (no trailing newline).
    fn write(&self, line: String);
}

const PREFIX: &str = "$context.";

impl AccessLogFormat {
    /// Parses a format; fails on the first unknown `$context.` variable.
    pub fn parse(format: &str) -> Result<AccessLogFormat, AccessLogFormatError> {
        let mut pieces = Vec::new();
        let mut rest = format;
        let mut consumed = 0;
        while let Some(at) = rest.find(PREFIX) {
            if at > 0 {
                pieces.push(Piece::Text(rest[..at].into()));
            }
            let after = &rest[at + PREFIX.len()..];
            let mut len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
                .count();
            while after[..len].ends_with('.') {
                len -= 1;
            }
            let name = &after[..len];
            let var = ContextVar::parse(name, Usage::AccessLog).ok_or_else(|| AccessLogFormatError {
                offset: consumed + at,
                name: name.to_owned(),
            })?;
            pieces.push(Piece::Var(var));
            let advance = at + PREFIX.len() + len;
            consumed += advance;
            rest = &rest[advance..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.into()));
        }
        Ok(AccessLogFormat { pieces })
    }

    /// AWS's JSON example format (the console's "JSON" preset, shortened to the common fields).
    pub fn aws_json_default() -> AccessLogFormat {
        let format = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}"#;
        AccessLogFormat::parse(format).unwrap_or(AccessLogFormat { pieces: Vec::new() })
    }

    /// Renders one line; `value` writes a variable's value and returns false when it has none.
    pub(crate) fn render(&self, mut value: impl FnMut(&ContextVar, &mut String) -> bool) -> String {
        let mut line = String::with_capacity(256);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => line.push_str(text),
                Piece::Var(var) => {
                    if !value(var, &mut line) {
                        line.push('-');
                    }
                }
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders() {
        let format = AccessLogFormat::parse(
            "$context.requestId [$context.requestTime] $context.status. $context.integration.latency",
        )
        .unwrap();
        let line = format.render(|var, out| match var {
            ContextVar::RequestId => {
                out.push_str("id");
                true
            }
            ContextVar::Status => {
                out.push_str("200");
                true
            }
            _ => false,
        });
        assert_eq!(line, "id [-] 200. -");
        let err = AccessLogFormat::parse("a $context.nope b").unwrap_err();
        assert_eq!((err.offset, err.name.as_str()), (2, "nope"));
        assert!(AccessLogFormat::aws_json_default().pieces.len() > 10);
    }
}
