//! The HTTP request API Gateway sends to an AWS service for an AWS integration: the rendered mapping template is
//! the raw service request body, framed by the target's protocol.
//!
//! What is added, and why (shared/spec/aws-rest-api.md §5, AWS row):
//! * `Accept: application/json` unless a mapping sets `Accept`: services that can answer XML or JSON (SQS, SNS,
//!   STS) answer JSON, as recorded in test_sqs_request_and_response_xml_templates_integration.
//! * `action/NAME&P=V` URIs go to `/` with `Action=NAME&P=V` in the query string, then the mapped
//!   `integration.request.querystring.*` parameters (API reference, Integration `uri`; recorded for SSM in
//!   test_apigateway_ssm::test_ssm_aws_integration).
//! * For JSON-protocol services an `action/NAME` URI also gets `X-Amz-Target: PREFIX.NAME` and the protocol's
//!   `Content-Type` (`application/x-amz-json-1.0`/`-1.1`): the recorded DynamoDB, Kinesis and Step Functions
//!   integrations send only a JSON template and no headers.
//! * Otherwise the method request's `Content-Type` is forwarded with a body; an SQS `path/` integration therefore
//!   maps `Content-Type: 'application/x-www-form-urlencoded'` itself, as every recorded SQS setup does.
//! * Mapped headers (`integration.request.header.*`, request overrides) are applied last and win.

use std::fmt;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Uri};
use percent_encoding::utf8_percent_encode;

use crate::services::{Protocol, SigningFlavor};
use crate::template::QUERY_VALUE;
use crate::uri::{AwsTarget, Operation};

/// The integration request as the runtime has it after parameter mapping and template rendering.
#[derive(Debug, Clone)]
pub struct IntegrationRequest<'a> {
    /// The integration's `httpMethod`.
    pub method: &'a Method,
    /// Mapped `integration.request.querystring.*` parameters, unencoded, in order.
    pub query: &'a [(&'a str, &'a str)],
    /// Mapped `integration.request.header.*` headers and header overrides, in order; a later one replaces an
    /// earlier one of the same name.
    pub headers: &'a [(&'a str, &'a str)],
    /// The method request's `Content-Type`, forwarded with a body unless something above sets one.
    pub content_type: Option<&'a str>,
    /// The rendered template, or the passed-through body.
    pub body: Bytes,
}

/// Where a service is reached: scheme, authority and an optional base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    https: bool,
    authority: String,
    base_path: String,
}

impl Endpoint {
    /// Parses an endpoint URL such as `http://127.0.0.1:4566` or `https://sqs.us-east-1.amazonaws.com`.
    pub fn parse(url: &str) -> Result<Endpoint, EndpointError> {
        let uri: Uri = url.parse().map_err(|_| EndpointError(url.to_owned()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(EndpointError(url.to_owned())),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| EndpointError(url.to_owned()))?
            .as_str()
            .to_owned();
        if uri.query().is_some() || authority.contains('@') {
            return Err(EndpointError(url.to_owned()));
        }
        let base_path = uri.path().trim_end_matches('/').to_owned();
        Ok(Endpoint {
            https,
            authority,
            base_path,
        })
    }

    /// The public HTTPS endpoint of a target: `https://HOST`.
    pub fn public(target: &AwsTarget) -> Endpoint {
        let host = target.service().hostname(
            target.region(),
            target.partition().dns_suffix(),
            target.subdomain(),
            target.action(),
        );
        Endpoint {
            https: true,
            authority: host,
            base_path: String::new(),
        }
    }

    /// The host and port, as sent in `Host`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Whether requests use TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// An endpoint URL that is not an absolute `http://` or `https://` URL without query or user info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid endpoint URL `{}` (expected http:// or https:// with a host)",
            self.0
        )
    }
}

impl std::error::Error for EndpointError {}

/// A request ready to sign and send.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URI.
    pub uri: Uri,
    /// Headers, including `Host`; signing adds `Authorization` and `X-Amz-Date`.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The SigV4 region.
    pub signing_region: String,
    /// The SigV4 service name.
    pub signing_name: String,
    /// The SigV4 variant.
    pub signing_flavor: SigningFlavor,
}

/// Why the integration request could not be turned into a service request; the runtime answers 500.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// A mapped header that API Gateway does not let AWS integrations set (spec §4.1) or that signing owns.
    ReservedHeader(String),
    /// A header name that is not a valid HTTP token.
    InvalidHeaderName(String),
    /// A header value with characters HTTP does not allow (line breaks, NUL).
    InvalidHeaderValue(String),
    /// The URI built from endpoint, path and query is not a valid URI.
    InvalidUri(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::ReservedHeader(name) => write!(f, "header `{name}` cannot be mapped for an AWS integration"),
            RequestError::InvalidHeaderName(name) => write!(f, "invalid header name `{name}`"),
            RequestError::InvalidHeaderValue(name) => write!(f, "invalid value for header `{name}`"),
            RequestError::InvalidUri(uri) => write!(f, "invalid service request URI `{uri}`"),
        }
    }
}

impl std::error::Error for RequestError {}

/// Headers a mapping may not set on an AWS integration: hop-by-hop and framing headers (spec §4.1: mapping one
/// is a 500) and the headers SigV4 signing writes.
const RESERVED: &[&str] = &[
    "authorization",
    "connection",
    "content-length",
    "expect",
    "host",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "x-amz-content-sha256",
    "x-amz-date",
    "x-amz-security-token",
];

/// Whether `name` (any case) is a header an AWS integration mapping cannot set.
pub fn is_reserved_header(name: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// Builds the service request for `target` at `endpoint`.
pub fn build_request(
    target: &AwsTarget,
    endpoint: &Endpoint,
    request: &IntegrationRequest<'_>,
) -> Result<WireRequest, RequestError> {
    let service = target.service();
    let mut path_and_query = String::with_capacity(128);
    path_and_query.push_str(&endpoint.base_path);
    let mut query = String::new();
    let mut json_target = None;
    match target.operation() {
        Operation::Action { name, params } => {
            path_and_query.push('/');
            query.push_str("Action=");
            query.push_str(name);
            if !params.is_empty() {
                query.push('&');
                query.push_str(params);
            }
            if service.protocol() == Protocol::Json {
                json_target = service.action_target(name);
            }
        }
        Operation::Path { path, query: uri_query } => {
            path_and_query.push_str(path);
            query.push_str(uri_query);
        }
    }
    for (name, value) in request.query {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(name, QUERY_VALUE));
        query.push('=');
        query.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    if !query.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&query);
    }
    let scheme = if endpoint.https { "https://" } else { "http://" };
    let full = format!("{scheme}{}{path_and_query}", endpoint.authority);
    let uri: Uri = full.parse().map_err(|_| RequestError::InvalidUri(full.clone()))?;

    let has_body = !request.body.is_empty() && !matches!(*request.method, Method::GET | Method::HEAD);
    let mut headers = HeaderMap::with_capacity(8 + request.headers.len());
    let host = HeaderValue::from_str(&endpoint.authority)
        .map_err(|_| RequestError::InvalidHeaderValue(HOST.as_str().to_owned()))?;
    headers.insert(HOST, host);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    match (&json_target, service.json_content_type()) {
        (Some(target), Some(content_type)) => {
            let target = HeaderValue::from_str(target)
                .map_err(|_| RequestError::InvalidHeaderValue("X-Amz-Target".to_owned()))?;
            headers.insert(HeaderName::from_static("x-amz-target"), target);
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        _ => {
            if has_body && let Some(content_type) = request.content_type {
                let value = HeaderValue::from_str(content_type)
                    .map_err(|_| RequestError::InvalidHeaderValue(CONTENT_TYPE.as_str().to_owned()))?;
                headers.insert(CONTENT_TYPE, value);
            }
        }
    }
    for (name, value) in request.headers {
        if is_reserved_header(name) {
            return Err(RequestError::ReservedHeader((*name).to_owned()));
        }
        let header =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| RequestError::InvalidHeaderName((*name).to_owned()))?;
        let value = HeaderValue::from_str(value).map_err(|_| RequestError::InvalidHeaderValue((*name).to_owned()))?;
        headers.insert(header, value);
    }

    Ok(WireRequest {
        method: request.method.clone(),
        uri,
        headers,
        body: if has_body { request.body.clone() } else { Bytes::new() },
        signing_region: service.signing_region(target.region()).to_owned(),
        signing_name: service.signing_name().to_owned(),
        signing_flavor: service.signing(),
    })
}
