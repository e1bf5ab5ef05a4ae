//! Mapping expression text → [`Source`] / [`Target`].

use super::{MappingSide, ParseError, Part, Source, Target};

/// A prefix and the variant its name goes into.
type Prefixes<T> = &'static [(&'static str, fn(String) -> T)];
use crate::jsonpath::JsonPath;

/// AWS's rule for parameter names: `^[a-zA-Z0-9._$-]+$`.
fn check_name(part: Part, text: &str, start: usize) -> Result<String, ParseError> {
    let name = &text[start..];
    if name.is_empty() {
        return Err(ParseError {
            part,
            offset: start,
            message: "expected a parameter name".into(),
        });
    }
    if let Some(bad) = name.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '-'))) {
        return Err(ParseError {
            part,
            offset: start + bad,
            message: "a parameter name may hold only letters, digits and `._$-`".into(),
        });
    }
    Ok(name.to_owned())
}

pub(super) fn target(text: &str, side: MappingSide) -> Result<Target, ParseError> {
    let prefixes: Prefixes<Target> = match side {
        MappingSide::Request => &[
            ("integration.request.path.", Target::IntegrationPath),
            ("integration.request.querystring.", Target::IntegrationQuery),
            ("integration.request.header.", Target::IntegrationHeader),
        ],
        MappingSide::Response => &[("method.response.header.", Target::MethodResponseHeader)],
        MappingSide::GatewayResponse => &[("gatewayresponse.header.", Target::GatewayResponseHeader)],
    };
    for (prefix, make) in prefixes {
        if text.starts_with(prefix) {
            return Ok(make(check_name(Part::Target, text, prefix.len())?));
        }
    }
    let expected: Vec<String> = prefixes.iter().map(|(p, _)| format!("`{p}NAME`")).collect();
    Err(ParseError {
        part: Part::Target,
        offset: 0,
        message: format!("expected {}", expected.join(" or ")),
    })
}

pub(super) fn source(text: &str, side: MappingSide) -> Result<Source, ParseError> {
    let err = |offset: usize, message: String| ParseError {
        part: Part::Source,
        offset,
        message,
    };
    if let Some(rest) = text.strip_prefix('\'') {
        return match rest.strip_suffix('\'') {
            Some(literal) => Ok(Source::Literal(literal.to_owned())),
            None => Err(err(text.len(), "a literal must end with `'`".into())),
        };
    }
    let named: Prefixes<Source> = match side {
        MappingSide::Request => &[
            ("method.request.path.", Source::MethodPath),
            ("method.request.querystring.", Source::MethodQuery),
            ("method.request.multivaluequerystring.", Source::MethodMultiQuery),
            ("method.request.header.", Source::MethodHeader),
            ("method.request.multivalueheader.", Source::MethodMultiHeader),
            ("stageVariables.", Source::StageVariable),
        ],
        MappingSide::Response => &[
            ("integration.response.header.", Source::IntegrationHeader),
            ("integration.response.multivalueheader.", Source::IntegrationMultiHeader),
            ("stageVariables.", Source::StageVariable),
        ],
        MappingSide::GatewayResponse => &[
            ("method.request.path.", Source::MethodPath),
            ("method.request.querystring.", Source::MethodQuery),
            ("method.request.multivaluequerystring.", Source::MethodMultiQuery),
            ("method.request.header.", Source::MethodHeader),
            ("method.request.multivalueheader.", Source::MethodMultiHeader),
            ("stageVariables.", Source::StageVariable),
        ],
    };
    for (prefix, make) in named {
        if text.starts_with(prefix) {
            return Ok(make(check_name(Part::Source, text, prefix.len())?));
        }
    }
    if let Some(name) = text.strip_prefix("context.") {
        if name.is_empty() || name.split('.').any(str::is_empty) {
            return Err(err("context.".len(), "expected a context variable name".into()));
        }
        return Ok(Source::Context(name.to_owned()));
    }
    let body = match side {
        MappingSide::Request => Some((
            "method.request.body",
            Source::MethodBody as fn(Option<JsonPath>) -> Source,
        )),
        MappingSide::Response => Some(("integration.response.body", Source::IntegrationBody as fn(_) -> Source)),
        MappingSide::GatewayResponse => None,
    };
    if let Some((prefix, make)) = body
        && let Some(rest) = text.strip_prefix(prefix)
    {
        if rest.is_empty() {
            return Ok(make(None));
        }
        if let Some(path) = rest.strip_prefix('.') {
            // AWS writes the JSONPath without its `$.`; Jayway's reading of a path without `$` is the same.
            let start = prefix.len() + 1;
            let path = JsonPath::compile(path).map_err(|e| err(start + e.offset, e.message))?;
            return Ok(make(Some(path)));
        }
    }
    let expected = match side {
        MappingSide::Request => {
            "`method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME`, \
             `method.request.body[.JSONPATH]`, `stageVariables.NAME`, `context.NAME` or `'literal'`"
        }
        MappingSide::Response => {
            "`integration.response.{header|multivalueheader}.NAME`, `integration.response.body[.JSONPATH]`, \
             `stageVariables.NAME`, `context.NAME` or `'literal'`"
        }
        MappingSide::GatewayResponse => {
            "`method.request.{path|querystring|header}.NAME`, `stageVariables.NAME`, `context.NAME` or `'literal'`"
        }
    };
    Err(err(0, format!("expected {expected}")))
}
