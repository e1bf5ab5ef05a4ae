//! `Deployment::compile`: a model and a stage into an immutable snapshot the request path only evaluates.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, StatusCode};
use regex::Regex;
use tollgate_model::{
    Diagnostic, Integration, IntegrationResponse, IntegrationType, Method, PassthroughBehavior, Resource, RestApi,
    SourceFile, Span, Stage,
};

use crate::gateway_response::{CompileProblem, GatewayResponses};
use crate::headers;
use crate::param::{self, RequestTargetKind, Side, Source};
use crate::router::{RouteMethod, Router};
use crate::templates::{TemplateSet, Templates};
use crate::uri_template::UriTemplate;

/// Settings of a compile that do not come from the definition or the stage.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CompileOptions {
    /// `$context.apiId` (10 lowercase alphanumerics in AWS); default: derived from the API title.
    pub api_id: Option<String>,
    /// `$context.accountId`.
    pub account_id: String,
    /// The region in `$context.domainName`.
    pub region: String,
    /// `$context.deploymentId` (6 characters in AWS); default: derived from the definition's bytes.
    pub deployment_id: Option<String>,
    /// API keys, usage plans and stage settings (`--usage-plans`); `None`: no keys, AWS's account throttle.
    pub usage_plans: Option<Arc<crate::usage_plans::UsagePlans>>,
    /// The keys of the Cognito user pools the API's `COGNITO_USER_POOLS` authorizers name (`--jwks`).
    pub user_pool_keys: crate::phases::authorizer::UserPoolKeys,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            api_id: None,
            account_id: "123456789012".to_owned(),
            region: "us-east-1".to_owned(),
            deployment_id: None,
            usage_plans: None,
            user_pool_keys: Default::default(),
        }
    }
}

/// One API definition compiled for one stage: immutable, shared by every request that uses it.
#[derive(Debug)]
pub struct Deployment {
    pub(crate) stage: Box<str>,
    pub(crate) api_id: Box<str>,
    pub(crate) account_id: Box<str>,
    pub(crate) deployment_id: Box<str>,
    pub(crate) domain_name: Box<str>,
    pub(crate) stage_variables: BTreeMap<String, String>,
    /// The same, as the pairs templates read.
    pub(crate) stage_variable_list: Vec<(String, String)>,
    pub(crate) router: Router,
    pub(crate) methods: Vec<CompiledMethod>,
    pub(crate) gateway_responses: GatewayResponses,
    /// API keys, usage plans, throttles and the stage cache (`phases`).
    pub(crate) usage: crate::phases::StageUsage,
    /// The authorizer result cache and the method ARN's prefix (`phases::authorizer`).
    pub(crate) authorizers: crate::phases::authorizer::StageAuthorizers,
    /// `x-amazon-apigateway-binary-media-types`, parsed once.
    pub(crate) binary_media_types: tollgate_lambda_event::BinaryMediaTypes,
    /// `User-Agent: AmazonAPIGateway_<apiId>`, prepared once.
    pub(crate) user_agent: http::HeaderValue,
    pub(crate) api_id_header: http::HeaderValue,
    warnings: Vec<Diagnostic>,
}

impl Deployment {
    /// The stage name (the first path segment of requests it serves).
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// `$context.apiId`.
    pub fn api_id(&self) -> &str {
        &self.api_id
    }

    /// Problems that did not stop the compile (e.g. a mapped header the method response does not declare),
    /// located like errors; the server logs them or `tollgate validate` prints them.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Compiles `api` for `stage`: routes, templates, selection patterns, parameter mappings, integration
    /// URIs and gateway responses.
    ///
    /// # Errors
    ///
    /// Every problem at once, each located in the definition file.
    pub fn compile(api: &RestApi, stage: &Stage, options: &CompileOptions) -> Result<Deployment, Vec<Diagnostic>> {
        let mut cx = Compiler {
            source: &api.source,
            stage,
            diagnostics: Vec::new(),
            templates: Templates::default(),
        };
        let api_id = options
            .api_id
            .clone()
            .unwrap_or_else(|| derived_id(api.title.as_deref().unwrap_or("api"), 10));
        let deployment_id = options
            .deployment_id
            .clone()
            .unwrap_or_else(|| derived_id(api.source.text(), 6));
        let mut router = Router::default();
        let mut methods = Vec::new();
        let mut validation = crate::validate::Compiler::new(api, &api_id);
        for resource in &api.resources {
            for method in &resource.methods {
                let id = u32::try_from(methods.len()).unwrap_or(u32::MAX);
                let route_method = RouteMethod::from_name(method.http_method.as_str()).unwrap_or(RouteMethod::Any);
                if let Err(err) = router.insert(&resource.path, route_method, id) {
                    cx.error(resource.span, err.to_string());
                }
                let mut compiled = cx.method(resource, method);
                compiled.validation = validation.method(&resource.path, method, &mut cx.diagnostics);
                methods.push(compiled);
            }
        }
        let (usage, usage_warnings) =
            crate::phases::compile(api, stage, options.usage_plans.as_deref(), &deployment_id, &mut methods);
        cx.diagnostics.extend(usage_warnings);
        let arn = crate::phases::authorizer::ArnParts {
            region: &options.region,
            account_id: &options.account_id,
            api_id: &api_id,
        };
        let authorizers = crate::phases::authorizer::compile(
            api,
            stage,
            &options.user_pool_keys,
            &arn,
            &mut methods,
            &mut cx.diagnostics,
        );
        if let Err(err) = router.validate() {
            cx.error(api.root().map_or(Span::empty(0), |r| r.span), err.to_string());
        }
        let mut problems = Vec::new();
        let gateway_responses = GatewayResponses::compile(api, &mut problems);
        for CompileProblem { span, message } in problems {
            cx.error(span, message);
        }
        if cx.diagnostics.iter().any(Diagnostic::is_error) {
            cx.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
            return Err(cx.diagnostics);
        }
        let user_agent = http::HeaderValue::from_str(&format!("AmazonAPIGateway_{api_id}"))
            .unwrap_or_else(|_| http::HeaderValue::from_static("AmazonAPIGateway"));
        let api_id_header = http::HeaderValue::from_str(&api_id).unwrap_or_else(|_| http::HeaderValue::from_static(""));
        Ok(Deployment {
            stage: stage.name.as_str().into(),
            domain_name: format!("{api_id}.execute-api.{}.amazonaws.com", options.region).into(),
            api_id: api_id.into(),
            account_id: options.account_id.as_str().into(),
            deployment_id: deployment_id.into(),
            stage_variables: stage.variables.clone(),
            stage_variable_list: stage.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            router,
            methods,
            gateway_responses,
            usage,
            authorizers,
            binary_media_types: tollgate_lambda_event::BinaryMediaTypes::new(&api.binary_media_types),
            user_agent,
            api_id_header,
            warnings: cx.diagnostics,
        })
    }
}

/// A deterministic AWS-shaped id (lowercase alphanumerics) from `seed`.
fn derived_id(seed: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in seed.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..len)
        .map(|_| {
            let c = ALPHABET[(hash % ALPHABET.len() as u64) as usize];
            hash = (hash / ALPHABET.len() as u64) ^ hash.rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            char::from(c)
        })
        .collect()
}

/// A method ready to serve.
#[derive(Debug)]
pub(crate) struct CompiledMethod {
    pub(crate) resource_path: Box<str>,
    pub(crate) resource_id: Box<str>,
    pub(crate) integration: Plan,
    /// Its API key requirement, stage throttle and cache settings (`phases`).
    pub(crate) usage: crate::phases::MethodUsage,
    /// Request validation (spec §9.1); `None` without a validator.
    pub(crate) validation: Option<Arc<crate::validate::MethodValidation>>,
    /// The method's Lambda or Cognito authorizer (`phases::authorizer`); `None` without one.
    pub(crate) authorizer: Option<crate::phases::authorizer::MethodAuthorizer>,
}

/// How a method reaches its backend.
#[derive(Debug)]
pub(crate) enum Plan {
    /// MOCK.
    Mock(Arc<NonProxy>),
    /// HTTP (non-proxy).
    Http(Arc<NonProxy>, HttpTarget),
    /// HTTP_PROXY.
    HttpProxy(ProxyPlan),
    /// AWS (a service other than Lambda `Invoke`).
    Aws(Arc<NonProxy>, crate::aws_service::AwsPlan),
    /// AWS with a Lambda `Invoke` URI (non-proxy Lambda).
    Lambda(Arc<NonProxy>, crate::lambda_plan::LambdaPlan),
    /// AWS_PROXY.
    LambdaProxy(Box<crate::lambda_plan::LambdaProxyPlan>),
    /// A type this build does not run yet (AWS, AWS_PROXY: issues 5 and 6), or no integration at all.
    Unavailable(&'static str),
}

/// Where an HTTP or HTTP_PROXY integration sends requests.
#[derive(Debug)]
pub(crate) struct HttpTarget {
    /// `None`: the client's method (`ANY`).
    pub(crate) method: Option<http::Method>,
    pub(crate) uri: UriTemplate,
    pub(crate) timeout: Duration,
}

/// An HTTP_PROXY integration.
#[derive(Debug)]
pub(crate) struct ProxyPlan {
    pub(crate) target: HttpTarget,
    pub(crate) request_parameters: Vec<RequestMapping>,
}

/// The non-proxy part shared by MOCK, HTTP (and AWS later).
#[derive(Debug)]
pub(crate) struct NonProxy {
    pub(crate) request_parameters: Vec<RequestMapping>,
    pub(crate) request_templates: TemplateSet,
    pub(crate) passthrough: PassthroughBehavior,
    pub(crate) responses: Vec<CompiledResponse>,
    /// `contentHandling` of the request payload (spec §3).
    pub(crate) content_handling: Option<tollgate_model::ContentHandling>,
}

/// `integration.request.<kind>.<name>` ← source.
#[derive(Debug)]
pub(crate) struct RequestMapping {
    pub(crate) kind: RequestTargetKind,
    pub(crate) name: Box<str>,
    pub(crate) header: Option<HeaderName>,
    pub(crate) source: Source,
}

/// An integration response.
#[derive(Debug)]
pub(crate) struct CompiledResponse {
    /// `None`: the default response.
    pub(crate) pattern: Option<Regex>,
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(HeaderName, Source)>,
    pub(crate) templates: TemplateSet,
    /// `contentHandling` of the response payload (spec §3).
    pub(crate) content_handling: Option<tollgate_model::ContentHandling>,
}

struct Compiler<'a> {
    source: &'a SourceFile,
    stage: &'a Stage,
    diagnostics: Vec<Diagnostic>,
    templates: Templates,
}

impl Compiler<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(self.source, span, message));
    }

    fn method(&mut self, resource: &Resource, method: &Method) -> CompiledMethod {
        let integration = match &method.integration {
            None => Plan::Unavailable("the method has no x-amazon-apigateway-integration"),
            Some(integration) => self.integration(method, integration),
        };
        CompiledMethod {
            resource_path: resource.path.as_str().into(),
            resource_id: derived_id(&resource.path, 6).into(),
            usage: Default::default(),
            integration,
            validation: None,
            authorizer: None,
        }
    }

    fn integration(&mut self, method: &Method, integration: &Integration) -> Plan {
        match integration.integration_type {
            IntegrationType::Mock => Plan::Mock(Arc::new(self.non_proxy(method, integration))),
            IntegrationType::Http => {
                let non_proxy = self.non_proxy(method, integration);
                match self.http_target(integration) {
                    Some(target) => Plan::Http(Arc::new(non_proxy), target),
                    None => Plan::Unavailable("invalid HTTP integration"),
                }
            }
            IntegrationType::HttpProxy => {
                let request_parameters = self.request_parameters(integration);
                match self.http_target(integration) {
                    Some(target) => Plan::HttpProxy(ProxyPlan {
                        target,
                        request_parameters,
                    }),
                    None => Plan::Unavailable("invalid HTTP_PROXY integration"),
                }
            }
            IntegrationType::Aws if crate::lambda_plan::is_lambda_invoke(integration) => {
                let non_proxy = self.non_proxy(method, integration);
                match crate::lambda_plan::compile(integration, self.stage, self.source, &mut self.diagnostics) {
                    Ok(plan) => Plan::Lambda(Arc::new(non_proxy), plan),
                    Err(why) => Plan::Unavailable(why),
                }
            }
            IntegrationType::Aws => {
                let non_proxy = self.non_proxy(method, integration);
                match crate::aws_service::compile(integration, self.source, &mut self.diagnostics) {
                    Ok(plan) => Plan::Aws(Arc::new(non_proxy), plan),
                    Err(why) => Plan::Unavailable(why),
                }
            }
            IntegrationType::AwsProxy => {
                let request_parameters = self.request_parameters(integration);
                match crate::lambda_plan::compile(integration, self.stage, self.source, &mut self.diagnostics) {
                    Ok(lambda) => Plan::LambdaProxy(Box::new(crate::lambda_plan::LambdaProxyPlan {
                        lambda,
                        request_parameters,
                        operation_name: method.operation_id.as_deref().map(Box::from),
                    })),
                    Err(why) => Plan::Unavailable(why),
                }
            }
            _ => Plan::Unavailable("unknown integration type"),
        }
    }

    fn http_target(&mut self, integration: &Integration) -> Option<HttpTarget> {
        let Some(uri) = &integration.uri else {
            self.error(integration.span, "an HTTP integration needs a `uri`");
            return None;
        };
        let method = match &integration.http_method {
            None => None,
            Some(m) if m.value.eq_ignore_ascii_case("ANY") => None,
            Some(m) => match http::Method::from_bytes(m.value.to_ascii_uppercase().as_bytes()) {
                Ok(method) => Some(method),
                Err(_) => {
                    self.error(m.span, format!("invalid integration httpMethod `{}`", m.value));
                    return None;
                }
            },
        };
        let variables = &self.stage.variables;
        match UriTemplate::compile(&uri.value, |name| variables.get(name).cloned()) {
            Ok(uri) => Some(HttpTarget {
                method,
                uri,
                timeout: Duration::from_millis(u64::from(integration.timeout_millis.clamp(50, 29_000))),
            }),
            Err(message) => {
                self.error(uri.span, message);
                None
            }
        }
    }

    fn request_parameters(&mut self, integration: &Integration) -> Vec<RequestMapping> {
        let mut out = Vec::new();
        for mapping in &integration.request_parameters {
            let (kind, name) = match param::parse_request_target(&mapping.target.value) {
                Ok(target) => target,
                Err(message) => {
                    self.error(mapping.target.span, message);
                    continue;
                }
            };
            let header = match kind {
                RequestTargetKind::Header => match HeaderName::from_bytes(name.as_bytes()) {
                    Ok(header) => Some(header),
                    Err(_) => {
                        self.error(mapping.target.span, format!("invalid header name `{name}`"));
                        continue;
                    }
                },
                _ => None,
            };
            match param::parse_source(&mapping.source.value, Side::IntegrationRequest) {
                Ok(source) => out.push(RequestMapping {
                    kind,
                    name: name.into(),
                    header,
                    source,
                }),
                Err(message) => self.error(mapping.source.span, message),
            }
        }
        out
    }

    fn non_proxy(&mut self, method: &Method, integration: &Integration) -> NonProxy {
        let request_parameters = self.request_parameters(integration);
        let request_templates =
            self.templates
                .compile_set(&integration.request_templates, self.source, &mut self.diagnostics);
        let responses = integration
            .responses
            .iter()
            .filter_map(|r| self.response(method, r))
            .collect();
        NonProxy {
            request_parameters,
            request_templates,
            passthrough: integration.passthrough_behavior,
            responses,
            content_handling: integration.content_handling,
        }
    }

    fn response(&mut self, method: &Method, response: &IntegrationResponse) -> Option<CompiledResponse> {
        let pattern = match &response.selection_pattern {
            None => None,
            Some(pattern) => match selection_regex(&pattern.value) {
                Ok(regex) => Some(regex),
                Err(message) => {
                    self.error(pattern.span, message);
                    return None;
                }
            },
        };
        let status = match response
            .status_code
            .value
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
        {
            Some(status) if (100..=599).contains(&status.as_u16()) => status,
            _ => {
                self.error(
                    response.status_code.span,
                    format!("invalid status code `{}`", response.status_code.value),
                );
                return None;
            }
        };
        let declared = method.response(&response.status_code.value);
        let mut headers = Vec::new();
        for mapping in &response.response_parameters {
            let name = match param::parse_response_target(&mapping.target.value, "method.response.header.") {
                Ok(name) => name,
                Err(message) => {
                    self.error(mapping.target.span, message);
                    continue;
                }
            };
            if let Some(declared) = declared
                && !declared.headers.iter().any(|h| h.name.eq_ignore_ascii_case(name))
            {
                self.diagnostics.push(
                    Diagnostic::warning(
                        self.source,
                        mapping.target.span,
                        format!(
                            "header `{name}` is not declared on method response {}",
                            response.status_code.value
                        ),
                    )
                    .with_note("AWS rejects the import; Tollgate maps the header anyway"),
                );
            }
            let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
                self.error(mapping.target.span, format!("invalid header name `{name}`"));
                continue;
            };
            match param::parse_source(&mapping.source.value, Side::MethodResponse) {
                Ok(source) => headers.push((header, source)),
                Err(message) => self.error(mapping.source.span, message),
            }
        }
        let templates = self
            .templates
            .compile_set(&response.response_templates, self.source, &mut self.diagnostics);
        Some(CompiledResponse {
            pattern,
            status,
            headers,
            templates,
            content_handling: response.content_handling,
        })
    }
}

/// A selection pattern as AWS applies it: Java regex over the whole string, `.` not matching `\n`.
/// The `regex` crate's syntax is close to Java's for what patterns use; lookaround and backreferences are
/// rejected (they do not compile), which keeps matching linear. Size limits bound compile cost.
pub(crate) fn selection_regex(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|err| {
            // The regex crate's message repeats the pattern over several lines; its last line is the reason.
            let text = err.to_string();
            let reason = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim_start_matches("error: ");
            format!("invalid selection pattern `{pattern}`: {reason}")
        })
}

/// Whether a header mapping targets a header AWS refuses to map (HTTP and MOCK).
pub(crate) fn unmappable(mapping: &RequestMapping) -> bool {
    mapping.kind == RequestTargetKind::Header && headers::is_unmappable_request_header(&mapping.name)
}
