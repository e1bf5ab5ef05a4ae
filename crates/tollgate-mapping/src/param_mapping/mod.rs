//! Parameter mappings: `requestParameters` (`integration.request.header.x` ← `method.request.querystring.q`),
//! `responseParameters` (`method.response.header.x` ← `integration.response.body.a`) and gateway-response
//! header mappings (`gatewayresponse.header.x` ← `method.request.header.y`).
//!
//! Expressions are parsed when a deployment is built ([`ParameterMapping::parse`]), with typed errors that point
//! into the expression; evaluation ([`ParameterMapping::evaluate`]) only looks values up. An absent source
//! leaves the target unset (AWS-recorded).

mod eval;
mod parse;

use std::fmt;

pub use eval::{IntegrationResponseView, MappedValue, MappingError, MappingInput};

use crate::jsonpath::JsonPath;

/// Where a mapping is declared; it decides which sources and targets are legal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSide {
    /// An integration's `requestParameters`.
    Request,
    /// An integration response's `responseParameters`.
    Response,
    /// A gateway response's `responseParameters`.
    GatewayResponse,
}

/// A value a mapping reads.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Source {
    /// `method.request.path.NAME`.
    MethodPath(String),
    /// `method.request.querystring.NAME` (the last value when repeated).
    MethodQuery(String),
    /// `method.request.multivaluequerystring.NAME` (every value).
    MethodMultiQuery(String),
    /// `method.request.header.NAME` (the last value when repeated).
    MethodHeader(String),
    /// `method.request.multivalueheader.NAME` (every value).
    MethodMultiHeader(String),
    /// `method.request.body` (raw) or `method.request.body.JSONPATH`.
    MethodBody(Option<JsonPath>),
    /// `integration.response.header.NAME`.
    IntegrationHeader(String),
    /// `integration.response.multivalueheader.NAME`.
    IntegrationMultiHeader(String),
    /// `integration.response.body` (raw) or `integration.response.body.JSONPATH`.
    IntegrationBody(Option<JsonPath>),
    /// `stageVariables.NAME`.
    StageVariable(String),
    /// `context.NAME` (dotted: `context.identity.sourceIp`).
    Context(String),
    /// `'literal'`.
    Literal(String),
}

/// Where a mapped value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// `integration.request.path.NAME`.
    IntegrationPath(String),
    /// `integration.request.querystring.NAME`.
    IntegrationQuery(String),
    /// `integration.request.header.NAME`.
    IntegrationHeader(String),
    /// `method.response.header.NAME`.
    MethodResponseHeader(String),
    /// `gatewayresponse.header.NAME`.
    GatewayResponseHeader(String),
}

impl Target {
    /// The parameter name (`x` in `integration.request.header.x`).
    pub fn name(&self) -> &str {
        match self {
            Target::IntegrationPath(n)
            | Target::IntegrationQuery(n)
            | Target::IntegrationHeader(n)
            | Target::MethodResponseHeader(n)
            | Target::GatewayResponseHeader(n) => n,
        }
    }
}

/// One parsed `target ← source` mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterMapping {
    /// Where the value goes.
    pub target: Target,
    /// Where it comes from.
    pub source: Source,
}

/// Which half of a mapping an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key (`integration.request.header.x`).
    Target,
    /// The value (`method.request.querystring.q`).
    Source,
}

/// A malformed mapping expression, found when the deployment is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Which half is wrong.
    pub part: Part,
    /// Byte offset into that half.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = match self.part {
            Part::Target => "mapping target",
            Part::Source => "mapping source",
        };
        write!(f, "invalid {part} at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

impl ParameterMapping {
    /// Parses `target` (the key) and `source` (the value) of a mapping declared on `side`.
    pub fn parse(target: &str, source: &str, side: MappingSide) -> Result<ParameterMapping, ParseError> {
        Ok(ParameterMapping {
            target: parse::target(target, side)?,
            source: parse::source(source, side)?,
        })
    }
}

impl Source {
    /// Parses a source expression legal on `side`.
    pub fn parse(text: &str, side: MappingSide) -> Result<Source, ParseError> {
        parse::source(text, side)
    }
}

impl Target {
    /// Parses a target expression legal on `side`.
    pub fn parse(text: &str, side: MappingSide) -> Result<Target, ParseError> {
        parse::target(text, side)
    }
}

#[cfg(test)]
mod tests;
