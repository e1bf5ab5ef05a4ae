//! The per-request context every phase reads and writes.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::SystemTime;

use bytes::Bytes;
use http::HeaderMap;
use http::uri::PathAndQuery;
use tollgate_mapping::json::Json;
use tollgate_mapping::{ContextState, MethodRequest, RequestContext, TemplateInput};

use crate::clock::RequestIds;
use crate::context_var::ContextVar;
use crate::deployment::{CompiledMethod, Deployment};
use crate::gateway_response::ErrorInfo;
use crate::headers;
use crate::param::Source;
use crate::query::Query;
use crate::time_fmt;

/// Read access to request values for templates, mappings and logs.
pub(crate) trait Values {
    /// Appends `$context.<var>`; false when it has no value.
    fn context(&self, var: &ContextVar, out: &mut String) -> bool;
    /// `$stageVariables.<name>`.
    fn stage_variable(&self, name: &str) -> Option<&str>;
    /// Appends a mapping source's value; false when absent.
    fn source(&self, source: &Source, out: &mut String) -> bool;
}

/// What the integration answered, for response mappings and the access log.
#[derive(Debug, Default)]
pub(crate) struct IntegrationOutcome {
    pub(crate) status: Option<u16>,
    pub(crate) latency_ms: Option<u64>,
    pub(crate) error: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) body_json: Option<Option<Json>>,
}

/// `$context.path`, shared with the request URI's buffer when the path already has its shape (one leading
/// slash), else `/` + the path without its leading slashes.
#[derive(Clone, Debug, Default)]
pub(crate) enum ContextPath {
    #[default]
    Empty,
    /// The URI's path from this byte on.
    Shared(PathAndQuery, usize),
    Owned(String),
}

impl ContextPath {
    /// `/` + `trimmed`, where `trimmed` is `uri`'s path without its leading slashes.
    pub(crate) fn of(uri: &http::Uri, trimmed: &str) -> ContextPath {
        let path = uri.path();
        match (uri.path_and_query(), path.len().checked_sub(trimmed.len() + 1)) {
            (Some(whole), Some(start)) if path.get(start..).is_some_and(|p| p.starts_with('/')) => {
                ContextPath::Shared(whole.clone(), start)
            }
            _ => {
                let mut out = String::with_capacity(trimmed.len() + 1);
                out.push('/');
                out.push_str(trimmed);
                ContextPath::Owned(out)
            }
        }
    }
}

impl ContextPath {
    /// The path.
    pub(crate) fn as_str(&self) -> &str {
        self
    }
}

impl std::ops::Deref for ContextPath {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            ContextPath::Empty => "",
            ContextPath::Shared(whole, start) => whole.path().get(*start..).unwrap_or_default(),
            ContextPath::Owned(path) => path,
        }
    }
}

/// One request's state.
#[derive(Debug)]
pub(crate) struct RequestCx<'d> {
    pub(crate) deployment: Option<&'d Deployment>,
    pub(crate) method_route: Option<&'d CompiledMethod>,
    pub(crate) ids: RequestIds,
    pub(crate) started: SystemTime,
    pub(crate) method: http::Method,
    /// `$context.path`: `/{stage}{rest}` as received, leading slashes before the stage collapsed.
    pub(crate) context_path: ContextPath,
    /// The deployment's stage name; empty without a deployment.
    pub(crate) stage_name: &'d str,
    pub(crate) path_params: Vec<(Box<str>, String)>,
    pub(crate) query: Query,
    pub(crate) raw_query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) peer: Option<IpAddr>,
    pub(crate) body: Bytes,
    pub(crate) body_json: Option<Option<Json>>,
    pub(crate) error: Option<ErrorInfo>,
    pub(crate) integration: IntegrationOutcome,
    /// Filled after the response head is built, for the access log.
    pub(crate) status: u16,
    pub(crate) response_length: Option<u64>,
    pub(crate) finished: Option<SystemTime>,
    /// The client's header names with their case (server extension), for `$input.params().header`.
    pub(crate) original_names: Option<crate::OriginalHeaderNames>,
    /// `$input.params()` and `$context` for templates, built when the first dynamic template renders.
    pub(crate) template_env: Option<Box<(MethodRequest, RequestContext)>>,
    /// `$context` state shared by the request and response templates (overrides, carried keys).
    pub(crate) state: ContextState,
    /// API key, usage plan and cache state (`phases`).
    pub(crate) usage: crate::phases::RequestUsage,
    /// What the method's authorizer established (`phases::authorizer`); `None` without one.
    pub(crate) authorized: Option<crate::phases::authorizer::Authorized>,
}

impl RequestCx<'_> {
    /// The stage's variables as pairs, in the stage's order (the shape event writers take).
    pub(crate) fn stage_variable_pairs(&self) -> Vec<(&str, &str)> {
        self.deployment
            .map(|d| {
                d.stage_variable_list
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The method request's path parameters as pairs.
    pub(crate) fn path_parameter_pairs(&self) -> Vec<(&str, &str)> {
        self.path_params.iter().map(|(k, v)| (&**k, v.as_str())).collect()
    }

    /// The request header `name` if templates may see it (spec §4.3); the last value when repeated.
    pub(crate) fn visible_header(&self, name: &str) -> Option<&str> {
        if headers::is_invisible_request_header(name) {
            return None;
        }
        self.headers
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
    }

    pub(crate) fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v.as_str())
    }

    fn request_body_json(&self) -> Option<&Json> {
        self.body_json.as_ref().and_then(Option::as_ref)
    }

    /// Builds `$input.params()` and `$context` for templates, once per request.
    pub(crate) fn ensure_template_env(&mut self) {
        if self.template_env.is_some() {
            return;
        }
        // Read once: the names may come from the raw head, line by line.
        let names: Vec<&str> = self
            .original_names
            .as_ref()
            .map(|names| names.iter().collect())
            .unwrap_or_default();
        let original = |lower: &str| -> String {
            names
                .iter()
                .find(|o| o.eq_ignore_ascii_case(lower))
                .map_or_else(|| lower.to_owned(), |o| (*o).to_owned())
        };
        let headers = self
            .headers
            .iter()
            .filter_map(|(name, value)| Some((original(name.as_str()), value.to_str().ok()?.to_owned())))
            .collect();
        let path = self
            .path_params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let method = MethodRequest::new(path, self.query.to_pairs(), headers);
        let mut context = RequestContext::default();
        if let Some(dep) = self.deployment {
            context.account_id = dep.account_id.to_string();
            context.api_id = dep.api_id.to_string();
            context.deployment_id = dep.deployment_id.to_string();
            context.domain_name = dep.domain_name.to_string();
            context.domain_prefix = dep.api_id.to_string();
            context.stage = self.stage_name.to_owned();
        }
        if let Some(route) = self.method_route {
            context.resource_id = route.resource_id.to_string();
            context.resource_path = route.resource_path.to_string();
        }
        context.extended_request_id = self.ids.extended_request_id.to_string();
        context.http_method = self.method.as_str().to_owned();
        context.path = self.context_path.to_string();
        context.protocol = "HTTP/1.1".to_owned();
        context.request_id = self.ids.request_id.to_string();
        context.request_time = time_fmt::clf(self.started);
        context.request_time_epoch = i64::try_from(time_fmt::epoch_millis(self.started)).unwrap_or(i64::MAX);
        context.identity.source_ip = self.peer.map(|ip| ip.to_string());
        context.identity.user_agent = self
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if self.method_route.is_some_and(|m| m.usage.api_key_required) {
            let key = self.usage.api_key.as_ref();
            context.identity.api_key = Some(tollgate_mapping::context::ApiKey {
                key: key.map(|k| k.value.to_string()),
                id: key.map(|k| k.id.to_string()),
            });
        }
        context.authorizer = self.authorized.as_ref().map(|a| a.template_context());
        self.template_env = Some(Box::new((method, context)));
    }

    /// Renders `template` over `body` (the request body or the integration response body).
    pub(crate) fn render(
        &mut self,
        template: &crate::templates::Template,
        body: &[u8],
    ) -> Result<Bytes, crate::error::GatewayError> {
        if let crate::templates::Template::Static(bytes) = template {
            return Ok(bytes.clone());
        }
        self.ensure_template_env();
        let empty = (MethodRequest::default(), RequestContext::default());
        let env = self.template_env.as_deref().unwrap_or(&empty);
        // `from_utf8` validates a valid body many times faster than `from_utf8_lossy` walks it; only an
        // invalid one pays for the replacement characters.
        let body = match std::str::from_utf8(body) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(body),
        };
        let stage_variables = self.deployment.map_or(&[][..], |d| &d.stage_variable_list[..]);
        let input = TemplateInput {
            method: &env.0,
            body: &body,
            context: &env.1,
            stage_variables,
        };
        template.render(&input, &mut self.state)
    }

    /// Parses the request body once, when a mapping first needs it.
    pub(crate) fn ensure_body_json(&mut self) {
        if self.body_json.is_none() {
            self.body_json = Some(
                std::str::from_utf8(&self.body)
                    .ok()
                    .and_then(|t| tollgate_mapping::json::parse(t).ok()),
            );
        }
    }

    /// Parses the integration response body once, when a mapping first needs it.
    pub(crate) fn ensure_response_json(&mut self) {
        if self.integration.body_json.is_none() {
            let body = &self.integration.body;
            self.integration.body_json = Some(
                std::str::from_utf8(body)
                    .ok()
                    .and_then(|t| tollgate_mapping::json::parse(t).ok()),
            );
        }
    }
}

fn push_json_path(root: Option<&Json>, path: &tollgate_mapping::jsonpath::JsonPath, out: &mut String) -> bool {
    let Some(root) = root else { return false };
    match path.select(root) {
        Ok(selection) => match selection.into_json() {
            Some(Json::String(s)) => {
                out.push_str(&s);
                true
            }
            Some(other) => {
                tollgate_mapping::json::write_compact(&other, out);
                true
            }
            None => false,
        },
        Err(_) => false,
    }
}

impl Values for RequestCx<'_> {
    fn context(&self, var: &ContextVar, out: &mut String) -> bool {
        let dep = self.deployment;
        let route = self.method_route;
        match var {
            ContextVar::AccountId => push_opt(out, dep.map(|d| &*d.account_id)),
            ContextVar::ApiId => push_opt(out, dep.map(|d| &*d.api_id)),
            ContextVar::DeploymentId => push_opt(out, dep.map(|d| &*d.deployment_id)),
            ContextVar::DomainName => push_opt(out, dep.map(|d| &*d.domain_name)),
            ContextVar::DomainPrefix => push_opt(out, dep.map(|d| &*d.api_id)),
            ContextVar::ErrorMessage => push_opt(out, self.error.as_ref().and_then(|e| e.message.as_deref())),
            ContextVar::ErrorMessageString => match &self.error {
                Some(error) => {
                    error.message_string(out);
                    true
                }
                None => false,
            },
            ContextVar::ErrorResponseType => push_opt(out, self.error.as_ref().map(|e| e.kind.as_str())),
            ContextVar::ErrorValidationErrorString => {
                push_opt(out, self.error.as_ref().and_then(|e| e.validation_error.as_deref()))
            }
            ContextVar::ExtendedRequestId => push_opt(out, Some(self.ids.extended_request_id.as_str())),
            ContextVar::HttpMethod => push_opt(out, Some(self.method.as_str())),
            ContextVar::IdentitySourceIp => match self.peer {
                Some(ip) => write!(out, "{ip}").is_ok(),
                None => false,
            },
            ContextVar::IdentityUserAgent => push_opt(
                out,
                self.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()),
            ),
            ContextVar::IdentityApiKey => push_opt(out, self.usage.api_key.as_ref().map(|k| &*k.value)),
            ContextVar::IdentityApiKeyId => push_opt(out, self.usage.api_key.as_ref().map(|k| &*k.id)),
            ContextVar::IdentityOther | ContextVar::Absent => false,
            ContextVar::Authorizer(var) => self.authorized.as_ref().is_some_and(|a| a.push(var, out)),
            ContextVar::Path => push_opt(out, Some(&*self.context_path)),
            ContextVar::Protocol => push_opt(out, Some("HTTP/1.1")),
            ContextVar::RequestId => push_opt(out, Some(self.ids.request_id.as_str())),
            ContextVar::RequestTime => push_opt(out, Some(&time_fmt::clf(self.started))),
            ContextVar::RequestTimeEpoch => write!(out, "{}", time_fmt::epoch_millis(self.started)).is_ok(),
            ContextVar::ResourceId => push_opt(out, route.map(|r| &*r.resource_id)),
            ContextVar::ResourcePath => push_opt(out, route.map(|r| &*r.resource_path)),
            ContextVar::Stage => push_opt(out, Some(self.stage_name).filter(|s| !s.is_empty())),
            ContextVar::Status => write!(out, "{}", self.status).is_ok(),
            ContextVar::ResponseLength => match self.response_length {
                Some(len) => write!(out, "{len}").is_ok(),
                None => false,
            },
            ContextVar::ResponseLatency => match self.finished.and_then(|f| f.duration_since(self.started).ok()) {
                Some(latency) => write!(out, "{}", latency.as_millis()).is_ok(),
                None => false,
            },
            ContextVar::IntegrationStatus | ContextVar::IntegrationStatusLegacy => match self.integration.status {
                Some(status) => write!(out, "{status}").is_ok(),
                None => false,
            },
            ContextVar::IntegrationLatency | ContextVar::IntegrationLatencyLegacy => {
                match self.integration.latency_ms {
                    Some(ms) => write!(out, "{ms}").is_ok(),
                    None => false,
                }
            }
            ContextVar::IntegrationRequestId => false,
            ContextVar::IntegrationError | ContextVar::IntegrationErrorMessage => {
                push_opt(out, self.integration.error.as_deref())
            }
        }
    }

    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.deployment
            .and_then(|d| d.stage_variables.get(name))
            .map(String::as_str)
    }

    fn source(&self, source: &Source, out: &mut String) -> bool {
        match source {
            Source::Literal(text) => push_opt(out, Some(text)),
            Source::RequestPath(name) => push_opt(out, self.path_param(name)),
            Source::RequestQuery(name) => push_opt(out, self.query.last(name)),
            Source::RequestMultiQuery(name) => {
                let mut any = false;
                for value in self.query.all(name) {
                    if any {
                        out.push(',');
                    }
                    out.push_str(value);
                    any = true;
                }
                any
            }
            Source::RequestHeader(name) => push_opt(out, self.visible_header(name)),
            Source::RequestMultiHeader(name) => {
                if headers::is_invisible_request_header(name) {
                    return false;
                }
                let mut any = false;
                for value in self.headers.get_all(&**name).iter().filter_map(|v| v.to_str().ok()) {
                    if any {
                        out.push(',');
                    }
                    out.push_str(value);
                    any = true;
                }
                any
            }
            Source::RequestBody(None) => push_opt(out, std::str::from_utf8(&self.body).ok()),
            Source::RequestBody(Some(path)) => push_json_path(self.request_body_json(), path, out),
            Source::ResponseHeader(name) => push_opt(
                out,
                self.integration
                    .headers
                    .get_all(&**name)
                    .iter()
                    .next_back()
                    .and_then(|v| v.to_str().ok()),
            ),
            Source::ResponseMultiHeader(name) => {
                let mut any = false;
                for value in self
                    .integration
                    .headers
                    .get_all(&**name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                {
                    if any {
                        out.push(',');
                    }
                    out.push_str(value);
                    any = true;
                }
                any
            }
            Source::ResponseBody(None) => push_opt(out, std::str::from_utf8(&self.integration.body).ok()),
            Source::ResponseBody(Some(path)) => {
                push_json_path(self.integration.body_json.as_ref().and_then(Option::as_ref), path, out)
            }
            Source::StageVariable(name) => push_opt(out, self.stage_variable(name)),
            Source::Context(var) => self.context(var, out),
        }
    }
}

fn push_opt(out: &mut String, value: Option<&str>) -> bool {
    match value {
        Some(value) => {
            out.push_str(value);
            true
        }
        None => false,
    }
}
