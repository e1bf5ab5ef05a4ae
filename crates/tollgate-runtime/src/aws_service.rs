//! AWS service integrations (type `AWS`, every service but Lambda `Invoke`): the rendered mapping template is the
//! raw service request, and the raw service response goes to integration-response selection (spec §5, AWS row).
//!
//! The integration request is built exactly as for HTTP (parameter mappings, template selection and passthrough,
//! `$context.requestOverride`), then handed to `tollgate-aws`, which frames it for the service's protocol
//! (`Action=` for `action/` URIs, `X-Amz-Target` and `application/x-amz-json-1.x` for JSON-protocol actions,
//! `Accept: application/json`), signs it with SigV4 and sends it. The service's status selects the integration
//! response; its headers are dropped unless mapped; `Content-Type: application/json` and `X-Amzn-Trace-Id` are
//! API Gateway's (spec §8).

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http::header::CONTENT_TYPE;
use tollgate_aws::{
    AwsClient, AwsResponse, AwsTarget, IntegrationCredentials, IntegrationRequest, IntegrationUri, Placeholders,
    SendError, ServiceTable,
};
use tollgate_model::{Diagnostic, Integration, SourceFile};

use crate::cx::RequestCx;
use crate::deployment::NonProxy;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::headers;
use crate::integration::{self, Mapped};
use crate::pipeline::Answer;

/// A boxed future of a raw AWS service response.
pub type AwsFuture<'a> = Pin<Box<dyn Future<Output = Result<AwsResponse, SendError>> + Send + 'a>>;

/// Sends AWS integration requests and returns the raw service response. [`AwsClient`] is the production
/// implementation; the server may wrap it (e.g. to load the AWS configuration on first use), tests may record.
pub trait AwsSender: Send + Sync + fmt::Debug {
    /// Frames, signs (with `role`'s credentials, else the default chain's) and sends `request` to `target`,
    /// within `timeout`.
    fn send<'a>(
        &'a self,
        target: &'a AwsTarget,
        role: Option<&'a str>,
        request: &'a IntegrationRequest<'a>,
        timeout: Duration,
    ) -> AwsFuture<'a>;
}

impl AwsSender for AwsClient {
    fn send<'a>(
        &'a self,
        target: &'a AwsTarget,
        role: Option<&'a str>,
        request: &'a IntegrationRequest<'a>,
        timeout: Duration,
    ) -> AwsFuture<'a> {
        Box::pin(AwsClient::send(self, target, role, request, timeout))
    }
}

/// A compiled AWS service integration.
#[derive(Debug)]
pub(crate) struct AwsPlan {
    uri: IntegrationUri,
    credentials: IntegrationCredentials,
    method: http::Method,
    timeout: Duration,
}

/// Compiles the AWS-specific part of a type `AWS` integration: the URI against the built-in service table, the
/// `credentials` and the `httpMethod`. `Err` carries why the method cannot be served; problems in the definition
/// are also reported as diagnostics.
pub(crate) fn compile(
    integration: &Integration,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<AwsPlan, &'static str> {
    const INVALID: &str = "invalid AWS integration";
    let mut error = |span, message: String| diagnostics.push(Diagnostic::error(source, span, message));
    let Some(uri) = &integration.uri else {
        error(integration.span, "an AWS integration needs a `uri`".to_owned());
        return Err(INVALID);
    };
    let parsed = match IntegrationUri::parse(&uri.value, ServiceTable::builtin()) {
        Ok(parsed) => parsed,
        Err(err) => {
            error(uri.span, err.to_string());
            return Err(INVALID);
        }
    };
    if parsed.is_lambda_invoke() {
        return Err("Lambda integrations of type AWS are not available in this build");
    }
    let credentials = match IntegrationCredentials::parse(integration.credentials.as_ref().map(|c| c.value.as_str())) {
        Ok(credentials) => credentials,
        Err(err) => {
            let span = integration.credentials.as_ref().map_or(integration.span, |c| c.span);
            error(span, err.to_string());
            return Err(INVALID);
        }
    };
    // AWS requires `httpMethod` on AWS integrations (the service API's method, POST for action URIs).
    let method = match &integration.http_method {
        None => {
            error(
                integration.span,
                "an AWS integration needs an `httpMethod` (the service API's method, e.g. POST)".to_owned(),
            );
            return Err(INVALID);
        }
        Some(m) => match http::Method::from_bytes(m.value.to_ascii_uppercase().as_bytes()) {
            Ok(method) if method.as_str() != "ANY" => method,
            _ => {
                error(m.span, format!("invalid AWS integration httpMethod `{}`", m.value));
                return Err(INVALID);
            }
        },
    };
    Ok(AwsPlan {
        uri: parsed,
        credentials,
        method,
        timeout: Duration::from_millis(u64::from(integration.timeout_millis.clamp(50, 29_000))),
    })
}

/// Values for the URI's `{param}` and `${stageVariables.x}` placeholders and a templated `credentials` role.
struct UriValues<'a, 'd> {
    cx: &'a RequestCx<'d>,
    mapped: &'a Mapped,
    /// Path parameters taken from the request path, percent-decoded (the URI encodes them again).
    decoded: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a, 'd> UriValues<'a, 'd> {
    fn new(cx: &'a RequestCx<'d>, mapped: &'a Mapped) -> UriValues<'a, 'd> {
        let decoded = cx
            .path_params
            .iter()
            .map(|(name, raw)| (&**name, percent_encoding::percent_decode_str(raw).decode_utf8_lossy()))
            .collect();
        UriValues { cx, mapped, decoded }
    }
}

impl Placeholders for UriValues<'_, '_> {
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.cx
            .deployment
            .and_then(|d| d.stage_variables.get(name))
            .map(String::as_str)
    }

    /// `integration.request.path.NAME` (or a path override), else the method request's path parameter of the same
    /// name, as for HTTP integrations. A mapped value equal to a request path parameter came from the raw path and
    /// is decoded like it.
    fn path_parameter(&self, name: &str) -> Option<&str> {
        if let Some((_, value)) = self.mapped.path.iter().find(|(k, _)| &**k == name) {
            let from_path = self.cx.path_params.iter().position(|(_, raw)| raw == value);
            let decoded = from_path.and_then(|i| self.decoded.get(i)).map(|(_, v)| &**v);
            return Some(decoded.unwrap_or(value));
        }
        self.decoded.iter().find(|(k, _)| *k == name).map(|(_, value)| &**value)
    }
}

/// AWS: map the request, render or pass through the body, call the service within the timeout, then select and
/// map the integration response by the service's status.
pub(crate) async fn aws_service(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    non_proxy: &NonProxy,
    plan: &AwsPlan,
) -> Result<Answer, GatewayError> {
    let mut mapped = integration::map_request(cx, &non_proxy.request_parameters)?;
    let body = integration::request_body(cx, non_proxy)?.unwrap_or_else(|| cx.body.clone());
    integration::apply_request_overrides(cx, &mut mapped)?;
    let sender = inner
        .backends
        .aws
        .as_deref()
        .ok_or_else(|| GatewayError::config("no AWS client is configured for AWS integrations"))?;
    let started = Instant::now();
    let result = {
        let values = UriValues::new(cx, &mapped);
        let target = plan
            .uri
            .resolve(&values)
            .map_err(|err| GatewayError::config(err.to_string()))?;
        let role = plan.credentials.role_arn(&values);
        let query: Vec<(&str, &str)> = mapped.query.iter().map(|(k, v)| (&**k, v.as_str())).collect();
        let headers: Vec<(&str, &str)> = mapped.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let request = IntegrationRequest {
            method: &plan.method,
            query: &query,
            headers: &headers,
            content_type: cx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            body,
        };
        // The sender applies the timeout too; this bound also covers a sender that does not.
        tokio::time::timeout(
            plan.timeout,
            sender.send(&target, role.as_deref(), &request, plan.timeout),
        )
        .await
        .unwrap_or(Err(SendError::Timeout))
    };
    cx.integration.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let response = result.map_err(|err| {
        let err = gateway_error(err);
        cx.integration.error = Some(match &err {
            GatewayError::IntegrationTimeout => "timeout".to_owned(),
            other => other.detail().to_owned(),
        });
        err
    })?;
    let status = response.status.as_u16();
    cx.integration.status = Some(status);
    cx.integration.headers = response.headers;
    cx.integration.body = response.body.clone();
    let selected = integration::select_response(&non_proxy.responses, status)?;
    integration::respond(cx, selected, response.body, headers::Remap::NonProxy)
}

/// How a failed service call is answered: a timeout is 504 INTEGRATION_TIMEOUT, an unreachable or broken
/// endpoint 504 INTEGRATION_FAILURE, a request that cannot be built, signed or authorized (unmappable header,
/// role not assumable) 500 API_CONFIGURATION_ERROR (spec §4.1, §5 "Timeout").
fn gateway_error(err: SendError) -> GatewayError {
    match err {
        SendError::Timeout => GatewayError::IntegrationTimeout,
        err @ (SendError::Request(_) | SendError::Credentials(_) | SendError::Sign(_)) => {
            GatewayError::config(err.to_string())
        }
        err => GatewayError::IntegrationFailure {
            detail: err.to_string(),
        },
    }
}
