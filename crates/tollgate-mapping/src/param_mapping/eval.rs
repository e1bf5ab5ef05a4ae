//! Evaluating parsed mappings against one request.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use super::{ParameterMapping, Source};
use crate::context::RequestContext;
use crate::json::{self, Json, JsonError};
use crate::jsonpath::{BudgetExceeded, JsonPath, Selection};
use crate::request::MethodRequest;

/// What the integration answered, for response mappings.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationResponseView<'a> {
    /// The integration response headers in order, repeats included.
    pub headers: &'a [(String, String)],
    /// The integration response body as text.
    pub body: &'a str,
}

/// Everything a mapping may read for one request. JSON bodies are parsed at most once, on first use.
#[derive(Debug)]
pub struct MappingInput<'a> {
    method: &'a MethodRequest,
    method_body: &'a str,
    integration: Option<IntegrationResponseView<'a>>,
    stage_variables: &'a [(String, String)],
    context: &'a RequestContext,
    method_json: OnceCell<Result<Json, JsonError>>,
    integration_json: OnceCell<Result<Json, JsonError>>,
}

impl<'a> MappingInput<'a> {
    /// Input for request-side and gateway-response mappings.
    pub fn new(
        method: &'a MethodRequest,
        method_body: &'a str,
        stage_variables: &'a [(String, String)],
        context: &'a RequestContext,
    ) -> Self {
        MappingInput {
            method,
            method_body,
            integration: None,
            stage_variables,
            context,
            method_json: OnceCell::new(),
            integration_json: OnceCell::new(),
        }
    }

    /// Adds what the integration answered, for response-side mappings.
    pub fn with_integration_response(mut self, response: IntegrationResponseView<'a>) -> Self {
        self.integration = Some(response);
        self
    }
}

/// A mapped value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappedValue<'a> {
    /// One value.
    Single(Cow<'a, str>),
    /// Every value of a multi-value source, in order (never empty).
    Multi(Vec<&'a str>),
}

impl MappedValue<'_> {
    /// The value as one string: multi-values joined with `,` (how they travel in one header).
    pub fn joined(&self) -> Cow<'_, str> {
        match self {
            MappedValue::Single(s) => Cow::Borrowed(s.as_ref()),
            MappedValue::Multi(values) => Cow::Owned(values.join(",")),
        }
    }

    /// Every value (one for a single value).
    pub fn values(&self) -> Vec<&str> {
        match self {
            MappedValue::Single(s) => vec![s.as_ref()],
            MappedValue::Multi(values) => values.clone(),
        }
    }
}

/// A mapping that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MappingError {
    /// A `*.body.JSONPATH` source met a body that is not JSON (LocalStack answers 400 `Invalid JSON in request
    /// body`; AWS's answer is not recorded).
    InvalidJsonBody(JsonError),
    /// The JSONPath exceeded its work budget.
    Budget,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MappingError::InvalidJsonBody(e) => write!(f, "the body is not JSON: {e}"),
            MappingError::Budget => BudgetExceeded.fmt(f),
        }
    }
}

impl std::error::Error for MappingError {}

impl ParameterMapping {
    /// The value this mapping gives its target, or `None` when the source is absent (the target stays unset).
    pub fn evaluate<'a>(&'a self, input: &'a MappingInput<'a>) -> Result<Option<MappedValue<'a>>, MappingError> {
        let single = |v: Option<&'a str>| Ok(v.map(|s| MappedValue::Single(Cow::Borrowed(s))));
        let multi = |values: Vec<&'a str>| {
            Ok(if values.is_empty() {
                None
            } else {
                Some(MappedValue::Multi(values))
            })
        };
        match &self.source {
            Source::MethodPath(name) => single(input.method.path_param(name)),
            Source::MethodQuery(name) => single(input.method.query_param(name)),
            Source::MethodMultiQuery(name) => multi(input.method.query_values(name).collect()),
            Source::MethodHeader(name) => single(input.method.header(name)),
            Source::MethodMultiHeader(name) => multi(input.method.header_values(name).collect()),
            Source::StageVariable(name) => single(
                input
                    .stage_variables
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str()),
            ),
            Source::Context(name) => Ok(input.context.lookup(name).map(MappedValue::Single)),
            Source::Literal(value) => single(Some(value)),
            Source::IntegrationHeader(name) => {
                let headers = input.integration.map(|r| r.headers).unwrap_or_default();
                single(
                    headers
                        .iter()
                        .rev()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str()),
                )
            }
            Source::IntegrationMultiHeader(name) => {
                let headers = input.integration.map(|r| r.headers).unwrap_or_default();
                multi(
                    headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str())
                        .collect(),
                )
            }
            Source::MethodBody(path) => body_value(input.method_body, &input.method_json, path.as_ref()),
            Source::IntegrationBody(path) => match input.integration {
                Some(response) => body_value(response.body, &input.integration_json, path.as_ref()),
                None => Ok(None),
            },
        }
    }
}

fn body_value<'a>(
    body: &'a str,
    parsed: &'a OnceCell<Result<Json, JsonError>>,
    path: Option<&JsonPath>,
) -> Result<Option<MappedValue<'a>>, MappingError> {
    let Some(path) = path else {
        return Ok(Some(MappedValue::Single(Cow::Borrowed(body))));
    };
    let doc = parsed
        .get_or_init(|| json::parse(body))
        .as_ref()
        .map_err(|e| MappingError::InvalidJsonBody(e.clone()))?;
    let selection = path.select(doc).map_err(|_| MappingError::Budget)?;
    let value = match selection {
        Selection::Missing => return Ok(None),
        Selection::One(Cow::Borrowed(Json::String(s))) => return Ok(Some(MappedValue::Single(Cow::Borrowed(s)))),
        Selection::One(v) if v.is_null() => return Ok(None),
        other => other.into_json(),
    };
    Ok(value.map(|v| match v {
        Json::String(s) => MappedValue::Single(Cow::Owned(s.into())),
        other => MappedValue::Single(Cow::Owned(other.to_compact())),
    }))
}
