//! Front end: size and nesting guards, the pest grammar (`vtl.pest`) and the lowering of pest's pairs into
//! the owned syntax tree ([`ast`]). pest's `Pairs` never leave this module.

pub(crate) mod ast;
pub(crate) mod lower;

use crate::error::{Error, ErrorKind, Span};

pub(crate) use self::lower::parse;

#[derive(pest_derive::Parser)]
#[grammar = "syntax/vtl.pest"]
pub(crate) struct VtlParser;

/// Rejects sources that nest brackets or block directives deeper than `max`, before pest (a recursive-descent
/// parser) sees them. Counts every `(`, `[`, `{` and block opener against `)`, `]`, `}` and `#end`.
pub(crate) fn check_nesting(source: &str, max: u32) -> Result<(), Error> {
    let bytes = source.as_bytes();
    let mut depth: u32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' => {
                let rest = &bytes[i + 1..];
                let opens = [&b"if"[..], b"foreach", b"macro", b"define", b"literal", b"@"];
                if rest.starts_with(b"end") || rest.starts_with(b"{end}") {
                    depth = depth.saturating_sub(1);
                } else if opens.iter().any(|o| rest.starts_with(o)) {
                    depth += 1;
                }
            }
            _ => {}
        }
        if depth > max {
            return Err(Error::new(
                ErrorKind::NestingTooDeep,
                format!("brackets or directives nest deeper than {max} levels"),
            )
            .with_span(Span::new(i, i + 1)));
        }
        i += 1;
    }
    Ok(())
}
