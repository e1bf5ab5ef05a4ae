//! AWS integration URIs: `arn:aws:apigateway:REGION:[SUBDOMAIN.]SERVICE:action/ACTION[&P=V…]` and
//! `arn:aws:apigateway:REGION:[SUBDOMAIN.]SERVICE:path/PATH`.
//!
//! Source: API Gateway API reference, Integration `uri` ("For AWS or AWS_PROXY integrations, the URI is of the form
//! arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api} … action can be used for an
//! AWS service action-based API, using an Action={name}&{p1}={v1}&p2={v2}... query string", with the examples
//! `s3:action/GetObject&Bucket={bucket}&Key={key}` and `s3:path/{bucket}/{key}`), and the developer guide's
//! `lambda:path//2015-03-31/functions/…/invocations` form (DG/integration-request-basic-setup.html).
//!
//! Parsing happens once at load time; [`IntegrationUri::resolve`] fills in `${stageVariables.x}` and `{param}`
//! per request, and hands out the precomputed target when the URI has no placeholders.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::services::{Service, ServiceTable};
use crate::template::{Placeholders, Slot, Template, TemplateError};

/// The longest integration URI accepted (API Gateway's own limit is not documented; this bounds the work).
pub const MAX_URI_LEN: usize = 8 * 1024;

/// An AWS partition: which DNS suffix the service endpoints live under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: `amazonaws.com`.
    Aws,
    /// `aws-cn`: `amazonaws.com.cn`.
    AwsCn,
    /// `aws-us-gov`: `amazonaws.com`.
    AwsUsGov,
}

impl Partition {
    fn parse(s: &str) -> Option<Partition> {
        match s {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::AwsCn),
            "aws-us-gov" => Some(Partition::AwsUsGov),
            _ => None,
        }
    }

    /// The DNS suffix of public service endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
        }
    }

    /// The partition as written in ARNs.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }
}

/// A parsed AWS integration URI.
#[derive(Debug, Clone)]
pub struct IntegrationUri {
    partition: Partition,
    region: Arc<str>,
    service: Arc<Service>,
    subdomain: Option<Arc<str>>,
    shape: Shape,
    /// The target when the URI has no placeholders, so requests borrow it.
    fixed: Option<AwsTarget>,
}

#[derive(Debug, Clone)]
enum Shape {
    Action { action: Template, params: Template },
    Path { path: Template, query: Option<Template> },
}

/// What one request calls: a service in a region, and an action or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTarget {
    partition: Partition,
    region: Arc<str>,
    service: Arc<Service>,
    subdomain: Option<Arc<str>>,
    operation: Operation,
}

/// The operation part of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `action/NAME&P=V`: sent to `/` with `Action=NAME&P=V` in the query string.
    Action {
        /// The action name, e.g. `SendMessage`.
        name: String,
        /// The URI's `P=V&…` parameters after the action, already URL-encoded; may be empty.
        params: String,
    },
    /// `path/PATH`: sent to `/PATH`.
    Path {
        /// The URL-encoded path, starting with `/`.
        path: String,
        /// The URL-encoded query written in the URI after `?`; may be empty.
        query: String,
    },
}

impl AwsTarget {
    /// The service row.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The region the URI names.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The partition the URI names.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The URI's subdomain (`abc` in `abc.iotdata`).
    pub fn subdomain(&self) -> Option<&str> {
        self.subdomain.as_deref()
    }

    /// The action or path.
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// The action name of an `action/` URI.
    pub fn action(&self) -> Option<&str> {
        match &self.operation {
            Operation::Action { name, .. } => Some(name),
            Operation::Path { .. } => None,
        }
    }

    /// The function of a Lambda `path/2015-03-31/functions/FUNCTION/invocations` URI: a name, or a (qualified)
    /// function ARN, percent-decoded.
    pub fn lambda_function(&self) -> Option<Cow<'_, str>> {
        if self.service.name() != "lambda" {
            return None;
        }
        let Operation::Path { path, .. } = &self.operation else {
            return None;
        };
        let function = path
            .strip_prefix("/2015-03-31/functions/")?
            .strip_suffix("/invocations")?;
        if function.is_empty() {
            return None;
        }
        Some(percent_encoding::percent_decode_str(function).decode_utf8_lossy())
    }
}

impl IntegrationUri {
    /// Parses an integration URI against the services of `table`.
    pub fn parse(uri: &str, table: &ServiceTable) -> Result<IntegrationUri, UriError> {
        let err = |kind: UriErrorKind, span: Range<usize>| Err(UriError::new(kind, uri, span));
        if uri.len() > MAX_URI_LEN {
            return err(UriErrorKind::TooLong, MAX_URI_LEN..uri.len());
        }
        if let Some(at) = uri.find(|c: char| c.is_whitespace() || c.is_control()) {
            let end = at + uri[at..].chars().next().map_or(1, char::len_utf8);
            return err(UriErrorKind::InvalidCharacter, at..end);
        }
        if !uri.starts_with("arn:") {
            let end = uri.find(':').unwrap_or(uri.len());
            return err(UriErrorKind::NotAnIntegrationArn, 0..end);
        }
        // arn : partition : apigateway : region : service : rest
        let mut fields = [0..0, 0..0, 0..0, 0..0, 0..0];
        let mut start = 0;
        for field in &mut fields {
            let Some(colon) = uri[start..].find(':') else {
                return err(UriErrorKind::NotAnIntegrationArn, start..uri.len());
            };
            *field = start..start + colon;
            start += colon + 1;
        }
        let [arn, partition, apigateway, region, service] = fields;
        let rest = start..uri.len();
        if &uri[arn.clone()] != "arn" {
            return err(UriErrorKind::NotAnIntegrationArn, arn);
        }
        let Some(partition_value) = Partition::parse(&uri[partition.clone()]) else {
            return err(UriErrorKind::UnknownPartition, partition);
        };
        if &uri[apigateway.clone()] != "apigateway" {
            return err(UriErrorKind::NotAnIntegrationArn, apigateway);
        }
        let region_text = &uri[region.clone()];
        if region_text.contains(['$', '{']) {
            return err(UriErrorKind::PlaceholderNotAllowed, region);
        }
        if !is_region(region_text) {
            return err(UriErrorKind::InvalidRegion, region);
        }
        let service_text = &uri[service.clone()];
        if service_text.contains(['$', '{']) {
            return err(UriErrorKind::PlaceholderNotAllowed, service);
        }
        let (subdomain, service_name, name_span) = match service_text.rsplit_once('.') {
            Some((sub, name)) => {
                let sub_span = service.start..service.start + sub.len();
                if !is_subdomain(sub) {
                    return err(UriErrorKind::InvalidSubdomain, sub_span);
                }
                (Some(sub), name, sub_span.end + 1..service.end)
            }
            None => (None, service_text, service),
        };
        let Some(service_row) = table.get(service_name) else {
            return err(UriErrorKind::UnknownService, name_span);
        };
        if subdomain.is_none() && service_row.requires_subdomain() {
            return err(UriErrorKind::SubdomainRequired, name_span);
        }
        let rest_text = &uri[rest.clone()];
        let Some((kind, tail)) = rest_text.split_once('/') else {
            return err(UriErrorKind::MissingOperation, rest);
        };
        let tail_start = rest.start + kind.len() + 1;
        let template_error = |e: TemplateError, base: usize| {
            let (kind, span) = match e {
                TemplateError::Unclosed(s) => (UriErrorKind::UnclosedPlaceholder, s),
                TemplateError::BadName(s) => (UriErrorKind::InvalidPlaceholder, s),
                TemplateError::UnmatchedClose(s) => (UriErrorKind::UnmatchedBrace, s),
            };
            UriError::new(kind, uri, base + span.start..base + span.end)
        };
        let shape = match kind {
            "action" => {
                let (action, params) = tail.split_once('&').unwrap_or((tail, ""));
                if action.is_empty() {
                    return err(UriErrorKind::MissingAction, tail_start..tail_start + action.len());
                }
                let action_template =
                    Template::parse(action, Slot::Query).map_err(|e| template_error(e, tail_start))?;
                if let Some(name) = action_template.as_static()
                    && !is_action_name(name)
                {
                    return err(UriErrorKind::InvalidAction, tail_start..tail_start + action.len());
                }
                let params_start = tail_start + action.len() + 1;
                let params = Template::parse(params, Slot::Query).map_err(|e| template_error(e, params_start))?;
                Shape::Action {
                    action: action_template,
                    params,
                }
            }
            "path" => {
                // `path//2015-03-31/…` (the developer guide's Lambda form) and `path/2015-03-31/…` mean the same.
                let path_text = tail.strip_prefix('/').unwrap_or(tail);
                let path_start = tail_start + (tail.len() - path_text.len());
                if path_text.is_empty() {
                    return err(UriErrorKind::EmptyPath, tail_start.saturating_sub(1)..uri.len());
                }
                let (path_part, query_part) = match path_text.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (path_text, None),
                };
                let path = Template::parse(path_part, Slot::Path).map_err(|e| template_error(e, path_start))?;
                let query_start = path_start + path_part.len() + 1;
                let query = query_part
                    .map(|q| Template::parse(q, Slot::Query).map_err(|e| template_error(e, query_start)))
                    .transpose()?;
                Shape::Path { path, query }
            }
            _ => return err(UriErrorKind::UnknownOperationKind, rest.start..rest.start + kind.len()),
        };
        let mut parsed = IntegrationUri {
            partition: partition_value,
            region: region_text.into(),
            service: service_row.clone(),
            subdomain: subdomain.map(Arc::from),
            shape,
            fixed: None,
        };
        if parsed.is_static() {
            parsed.fixed = parsed.render(&crate::template::NoPlaceholders).ok();
        }
        Ok(parsed)
    }

    /// The service row.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The region the URI names.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Whether the URI has no `${stageVariables.x}` or `{param}` placeholders.
    pub fn is_static(&self) -> bool {
        match &self.shape {
            Shape::Action { action, params } => action.is_static() && params.is_static(),
            Shape::Path { path, query } => path.is_static() && query.as_ref().is_none_or(Template::is_static),
        }
    }

    /// Whether this is a Lambda `Invoke` URI (`lambda:path/2015-03-31/functions/…/invocations`), which the runtime
    /// sends through [`crate::LambdaInvoker`].
    pub fn is_lambda_invoke(&self) -> bool {
        if self.service.name() != "lambda" {
            return false;
        }
        match &self.shape {
            Shape::Path { path, query: None } => {
                let mut probe = String::new();
                path.render_into(&LambdaProbe, &mut probe);
                probe.starts_with("2015-03-31/functions/") && probe.ends_with("/invocations")
            }
            _ => false,
        }
    }

    /// The target for one request. A URI without placeholders returns its precomputed target.
    pub fn resolve(&self, vars: &dyn Placeholders) -> Result<Cow<'_, AwsTarget>, ResolveError> {
        match &self.fixed {
            Some(target) => Ok(Cow::Borrowed(target)),
            None => self.render(vars).map(Cow::Owned),
        }
    }

    fn render(&self, vars: &dyn Placeholders) -> Result<AwsTarget, ResolveError> {
        let operation = match &self.shape {
            Shape::Action { action, params } => {
                let name = action.render(vars);
                if !is_action_name(&name) {
                    return Err(ResolveError::InvalidAction(name));
                }
                Operation::Action {
                    name,
                    params: params.render(vars),
                }
            }
            Shape::Path { path, query } => {
                let mut rendered = String::with_capacity(64);
                rendered.push('/');
                path.render_into(vars, &mut rendered);
                Operation::Path {
                    path: rendered,
                    query: query.as_ref().map(|q| q.render(vars)).unwrap_or_default(),
                }
            }
        };
        Ok(AwsTarget {
            partition: self.partition,
            region: self.region.clone(),
            service: self.service.clone(),
            subdomain: self.subdomain.clone(),
            operation,
        })
    }
}

/// Renders placeholders as a non-empty marker so the shape of a templated Lambda path can be checked at load time.
struct LambdaProbe;

impl Placeholders for LambdaProbe {
    fn stage_variable(&self, _: &str) -> Option<&str> {
        Some("x")
    }
    fn path_parameter(&self, _: &str) -> Option<&str> {
        Some("x")
    }
}

/// Why an integration URI was rejected at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriError {
    kind: UriErrorKind,
    span: Range<usize>,
    offending: String,
}

/// The kinds of [`UriError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriErrorKind {
    /// Longer than [`MAX_URI_LEN`].
    TooLong,
    /// Whitespace or a control character.
    InvalidCharacter,
    /// Not of the form `arn:PARTITION:apigateway:REGION:SERVICE:…`.
    NotAnIntegrationArn,
    /// A partition other than `aws`, `aws-cn`, `aws-us-gov`.
    UnknownPartition,
    /// The region is not like `us-east-1`.
    InvalidRegion,
    /// `${…}` or `{…}` where placeholders are not allowed (region, service).
    PlaceholderNotAllowed,
    /// The subdomain before the service is not a DNS label.
    InvalidSubdomain,
    /// The service is not in the service table.
    UnknownService,
    /// The service's endpoint needs a `subdomain.` before its name.
    SubdomainRequired,
    /// No `action/…` or `path/…` after the service.
    MissingOperation,
    /// Neither `action` nor `path`.
    UnknownOperationKind,
    /// `action/` with no action name.
    MissingAction,
    /// The action name is not letters and digits.
    InvalidAction,
    /// `path/` with no path.
    EmptyPath,
    /// `${` or `{` without its `}`.
    UnclosedPlaceholder,
    /// A placeholder that is neither `${stageVariables.NAME}` nor `{NAME}`.
    InvalidPlaceholder,
    /// A `}` without its `{`.
    UnmatchedBrace,
}

impl UriError {
    fn new(kind: UriErrorKind, uri: &str, span: Range<usize>) -> UriError {
        let offending = uri.get(span.clone()).unwrap_or_default().to_owned();
        UriError { kind, span, offending }
    }

    /// What is wrong.
    pub fn kind(&self) -> UriErrorKind {
        self.kind
    }

    /// The byte range of the offending part within the URI.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The offending part of the URI.
    pub fn offending(&self) -> &str {
        &self.offending
    }
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            UriErrorKind::TooLong => "integration URI is too long",
            UriErrorKind::InvalidCharacter => "whitespace or control character in integration URI",
            UriErrorKind::NotAnIntegrationArn => {
                "expected an AWS integration URI `arn:aws:apigateway:REGION:SERVICE:action/ACTION` or `…:path/PATH`"
            }
            UriErrorKind::UnknownPartition => "unknown partition (expected `aws`, `aws-cn` or `aws-us-gov`)",
            UriErrorKind::InvalidRegion => "invalid region",
            UriErrorKind::PlaceholderNotAllowed => {
                "placeholders are allowed only in the action or path of an integration URI"
            }
            UriErrorKind::InvalidSubdomain => "invalid subdomain",
            UriErrorKind::UnknownService => "unknown AWS service (not in the service table)",
            UriErrorKind::SubdomainRequired => "this service needs a subdomain (`SUBDOMAIN.SERVICE`)",
            UriErrorKind::MissingOperation => "expected `action/ACTION` or `path/PATH` after the service",
            UriErrorKind::UnknownOperationKind => "expected `action` or `path`",
            UriErrorKind::MissingAction => "missing action name after `action/`",
            UriErrorKind::InvalidAction => "action names are letters and digits",
            UriErrorKind::EmptyPath => "empty path after `path/`",
            UriErrorKind::UnclosedPlaceholder => "unclosed placeholder",
            UriErrorKind::InvalidPlaceholder => "expected `${stageVariables.NAME}` or `{NAME}`",
            UriErrorKind::UnmatchedBrace => "`}` without `{`",
        };
        write!(f, "{what}: `{}` at column {}", self.offending, self.span.start + 1)
    }
}

impl std::error::Error for UriError {}

/// Why a URI with placeholders could not be turned into a target for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// The action rendered from stage variables is not a valid action name.
    InvalidAction(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::InvalidAction(name) => write!(f, "integration URI action `{name}` is not a valid action"),
        }
    }
}

impl std::error::Error for ResolveError {}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
        })
}

fn is_action_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}
