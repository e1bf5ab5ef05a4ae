//! Parameter-mapping expressions (spec §4): sources and targets, parsed at compile time.

use tollgate_mapping::jsonpath::JsonPath;

use crate::context_var::{ContextVar, Usage};

/// Which side of the exchange a mapping reads from; decides which sources are legal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// `integration.request.*` targets: `method.request.*` sources.
    IntegrationRequest,
    /// `method.response.header.*` targets: `integration.response.*` sources.
    MethodResponse,
    /// `gatewayresponse.header.*` targets: `method.request.{header,path,querystring}` sources.
    GatewayResponse,
}

/// A compiled mapping source.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// `'value'`.
    Literal(Box<str>),
    /// `method.request.path.N`.
    RequestPath(Box<str>),
    /// `method.request.querystring.N` (last value).
    RequestQuery(Box<str>),
    /// `method.request.multivaluequerystring.N` (every value).
    RequestMultiQuery(Box<str>),
    /// `method.request.header.N` (last value).
    RequestHeader(Box<str>),
    /// `method.request.multivalueheader.N` (every value, comma-joined for headers).
    RequestMultiHeader(Box<str>),
    /// `method.request.body` or `method.request.body.<JSONPath>`.
    RequestBody(Option<Box<JsonPath>>),
    /// `integration.response.header.N`.
    ResponseHeader(Box<str>),
    /// `integration.response.multivalueheader.N`.
    ResponseMultiHeader(Box<str>),
    /// `integration.response.body` or `integration.response.body.<JSONPath>`.
    ResponseBody(Option<Box<JsonPath>>),
    /// `stageVariables.N`.
    StageVariable(Box<str>),
    /// `context.N`.
    Context(ContextVar),
}

/// Parses a source expression; the error is the message for the diagnostic.
pub(crate) fn parse_source(text: &str, side: Side) -> Result<Source, String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('\'') {
        let literal = inner
            .strip_suffix('\'')
            .ok_or("a literal must be enclosed in single quotes")?;
        return Ok(Source::Literal(literal.into()));
    }
    if let Some(name) = text.strip_prefix("stageVariables.") {
        return valid_name(name).map(|n| Source::StageVariable(n.into()));
    }
    if let Some(name) = text.strip_prefix("context.") {
        return ContextVar::parse(name, Usage::GatewayResponse)
            .filter(|var| !matches!(var, ContextVar::Absent))
            .map(Source::Context)
            .ok_or_else(|| format!("`context.{name}` is not a supported context variable"));
    }
    let request = match side {
        Side::IntegrationRequest | Side::GatewayResponse => text.strip_prefix("method.request."),
        Side::MethodResponse => None,
    };
    if let Some(rest) = request {
        let full = side == Side::IntegrationRequest;
        return match rest.split_once('.') {
            Some(("path", name)) => valid_name(name).map(|n| Source::RequestPath(n.into())),
            Some(("querystring", name)) => valid_name(name).map(|n| Source::RequestQuery(n.into())),
            Some(("header", name)) => valid_name(name).map(|n| Source::RequestHeader(n.into())),
            Some(("multivaluequerystring", name)) if full => {
                valid_name(name).map(|n| Source::RequestMultiQuery(n.into()))
            }
            Some(("multivalueheader", name)) if full => valid_name(name).map(|n| Source::RequestMultiHeader(n.into())),
            Some(("body", path)) if full => json_path(path).map(|p| Source::RequestBody(Some(Box::new(p)))),
            None if rest == "body" && full => Ok(Source::RequestBody(None)),
            _ => Err(format!("`{text}` is not a valid method request source")),
        };
    }
    if side == Side::MethodResponse
        && let Some(rest) = text.strip_prefix("integration.response.")
    {
        return match rest.split_once('.') {
            Some(("header", name)) => valid_name(name).map(|n| Source::ResponseHeader(n.into())),
            Some(("multivalueheader", name)) => valid_name(name).map(|n| Source::ResponseMultiHeader(n.into())),
            Some(("body", path)) => json_path(path).map(|p| Source::ResponseBody(Some(Box::new(p)))),
            None if rest == "body" => Ok(Source::ResponseBody(None)),
            _ => Err(format!("`{text}` is not a valid integration response source")),
        };
    }
    Err(format!(
        "`{text}` is not a valid mapping source: expected {}",
        expected(side)
    ))
}

fn expected(side: Side) -> &'static str {
    match side {
        Side::IntegrationRequest => {
            "method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME, method.request.body[.PATH], stageVariables.NAME, context.NAME or 'literal'"
        }
        Side::MethodResponse => {
            "integration.response.{header|multivalueheader}.NAME, integration.response.body[.PATH], stageVariables.NAME, context.NAME or 'literal'"
        }
        Side::GatewayResponse => {
            "method.request.{path|querystring|header}.NAME, stageVariables.NAME, context.NAME or 'literal'"
        }
    }
}

/// AWS's parameter name rule: `^[a-zA-Z0-9._$-]+$`.
fn valid_name(name: &str) -> Result<&str, String> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._$-".contains(&b)) {
        Ok(name)
    } else {
        Err(format!(
            "invalid parameter name `{name}`: use letters, digits and `._$-`"
        ))
    }
}

fn json_path(path: &str) -> Result<JsonPath, String> {
    JsonPath::compile(&format!("$.{path}")).map_err(|err| format!("invalid JSONPath `{path}`: {err}"))
}

/// Where an integration request mapping writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestTargetKind {
    Path,
    QueryString,
    Header,
}

/// Parses `integration.request.{path|querystring|header}.N`.
pub(crate) fn parse_request_target(text: &str) -> Result<(RequestTargetKind, &str), String> {
    let rest = text
        .strip_prefix("integration.request.")
        .ok_or_else(|| format!("`{text}` is not an integration request parameter: expected integration.request.{{path|querystring|header}}.NAME"))?;
    let (kind, name) = match rest.split_once('.') {
        Some(("path", name)) => (RequestTargetKind::Path, name),
        Some(("querystring", name)) => (RequestTargetKind::QueryString, name),
        Some(("header", name)) => (RequestTargetKind::Header, name),
        _ => {
            return Err(format!(
                "`{text}`: expected integration.request.{{path|querystring|header}}.NAME"
            ));
        }
    };
    Ok((kind, valid_name(name)?))
}

/// Parses `method.response.header.N` (or `gatewayresponse.header.N` for gateway responses).
pub(crate) fn parse_response_target<'t>(text: &'t str, prefix: &str) -> Result<&'t str, String> {
    let name = text
        .strip_prefix(prefix)
        .ok_or_else(|| format!("`{text}`: expected {prefix}NAME (only headers can be mapped)"))?;
    valid_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources() {
        assert!(matches!(parse_source("'x y'", Side::IntegrationRequest), Ok(Source::Literal(l)) if &*l == "x y"));
        assert!(matches!(
            parse_source("method.request.path.id", Side::IntegrationRequest),
            Ok(Source::RequestPath(_))
        ));
        assert!(matches!(
            parse_source("method.request.body.a.b", Side::IntegrationRequest),
            Ok(Source::RequestBody(Some(_)))
        ));
        assert!(matches!(
            parse_source("integration.response.header.X", Side::MethodResponse),
            Ok(Source::ResponseHeader(_))
        ));
        assert!(matches!(
            parse_source("context.requestId", Side::MethodResponse),
            Ok(Source::Context(ContextVar::RequestId))
        ));
        assert!(parse_source("method.request.path.id", Side::MethodResponse).is_err());
        assert!(parse_source("method.request.body", Side::GatewayResponse).is_err());
        assert!(parse_source("'open", Side::IntegrationRequest).is_err());
        assert!(parse_source("method.request.header.a b", Side::IntegrationRequest).is_err());
        assert!(parse_source("context.nope", Side::IntegrationRequest).is_err());
        assert_eq!(
            parse_request_target("integration.request.header.X-Id"),
            Ok((RequestTargetKind::Header, "X-Id"))
        );
        assert!(parse_request_target("integration.response.header.X").is_err());
        assert_eq!(
            parse_response_target("method.response.header.A", "method.response.header."),
            Ok("A")
        );
    }
}
