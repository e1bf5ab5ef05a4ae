//! Gateway-response templates: not VTL, only `$context.*` and `$stageVariables.*` substitution (spec §7).

use crate::context_var::{ContextVar, Usage};
use crate::cx::Values;

/// A compiled gateway-response template.
#[derive(Debug)]
pub(crate) struct GatewayTemplate {
    pieces: Vec<Piece>,
}

#[derive(Debug)]
enum Piece {
    Text(Box<str>),
    Context(ContextVar),
    StageVariable(Box<str>),
}

impl GatewayTemplate {
    /// Compiles a template; `$context.x` with an unknown `x` renders nothing, like any absent value.
    pub(crate) fn compile(text: &str) -> GatewayTemplate {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (braced, body) = match after.strip_prefix('{') {
                Some(inner) => (true, inner),
                None => (false, after),
            };
            let mut len = body
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || b"._".contains(b))
                .count();
            while body[..len].ends_with('.') {
                len -= 1;
            }
            let name = &body[..len];
            let closed = !braced || body[len..].starts_with('}');
            let piece = if !closed {
                None
            } else if let Some(var) = name.strip_prefix("context.") {
                Some(Piece::Context(
                    ContextVar::parse(var, Usage::GatewayResponse).unwrap_or(ContextVar::Absent),
                ))
            } else {
                name.strip_prefix("stageVariables.")
                    .map(|var| Piece::StageVariable(var.into()))
            };
            match piece {
                Some(piece) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal).into()));
                    }
                    pieces.push(piece);
                    rest = &body[len + usize::from(braced)..];
                }
                None => {
                    literal.push('$');
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal.into()));
        }
        GatewayTemplate { pieces }
    }

    pub(crate) fn render(&self, values: &dyn Values) -> String {
        let mut out = String::with_capacity(128);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Context(var) => {
                    values.context(var, &mut out);
                }
                Piece::StageVariable(name) => {
                    if let Some(value) = values.stage_variable(name) {
                        out.push_str(value);
                    }
                }
            }
        }
        out
    }
}
