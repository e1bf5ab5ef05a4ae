//! The REST API model: what an imported definition means, ready for the runtime to compile.
//!
//! Names follow AWS's API Gateway resource model (`RestApi`, `Resource`, `Method`, `Integration`,
//! `IntegrationResponse`, `GatewayResponse`, ...), not the OpenAPI document shape: `$ref`s are resolved,
//! `x-amazon-apigateway-any-method` is a method `ANY`, security requirements became authorization settings,
//! and defaults AWS applies at import are filled in (passthrough `WHEN_NO_MATCH`, timeout 29,000 ms, ...).
//!
//! Every item that can still fail to compile later (templates, selection patterns, parameter-mapping
//! expressions, URIs, regular expressions) keeps its [`Span`] in [`RestApi::source`], so a compiler can report
//! `file:line:col` with [`crate::Diagnostic`].

use std::fmt;

use crate::source::{SourceFile, Span};
use crate::template::TemplateSource;
use crate::value::Value;

/// A value together with the bytes of the definition file it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it is in [`RestApi::source`] (for strings: the whole scalar, quotes included).
    pub span: Span,
}

impl<T> Located<T> {
    /// A located value.
    pub fn new(value: T, span: Span) -> Located<T> {
        Located { value, span }
    }
}

impl Located<String> {
    /// The string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// Which OpenAPI version the definition was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecVersion {
    /// `swagger: "2.0"`.
    Swagger2,
    /// `openapi: 3.x.y`.
    OpenApi3,
}

/// An imported REST API: resources, methods, integrations and the API-wide settings.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RestApi {
    /// The definition file, for reporting errors at `file:line:col` (see [`crate::Diagnostic::error`]).
    pub source: SourceFile,
    /// OpenAPI 2.0 or 3.0.
    pub spec_version: SpecVersion,
    /// `info.title` (AWS: the API name).
    pub title: Option<String>,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.version`.
    pub version: Option<String>,
    /// The base path found in the document (OAS2 `basePath`; OAS3 `basePath` server variable or
    /// `servers[0].url` path), before the import mode was applied. Informational: the resources already
    /// reflect [`crate::BasePathMode`].
    pub base_path: Option<String>,
    /// All resources; the index is the [`ResourceId`]. The root `/` is always first.
    pub resources: Vec<Resource>,
    /// `x-amazon-apigateway-binary-media-types` (`*/*` allowed).
    pub binary_media_types: Vec<String>,
    /// `x-amazon-apigateway-minimum-compression-size` (0–10,485,760); `None`: compression off.
    pub minimum_compression_size: Option<u32>,
    /// `x-amazon-apigateway-api-key-source`; `HEADER` by default.
    pub api_key_source: ApiKeySource,
    /// Customized gateway responses (`x-amazon-apigateway-gateway-responses`), in document order; types not
    /// listed keep AWS's defaults.
    pub gateway_responses: Vec<GatewayResponse>,
    /// Models (OAS2 `definitions`, OAS3 `components.schemas`, plus inline body schemas), in document order.
    pub models: Vec<Model>,
    /// `x-amazon-apigateway-request-validators`.
    pub request_validators: Vec<RequestValidator>,
    /// Authorizers from security schemes carrying `x-amazon-apigateway-authorizer`.
    pub authorizers: Vec<Authorizer>,
    /// `x-amazon-apigateway-policy`: the resource policy document, kept as data.
    pub policy: Option<Value>,
}

impl RestApi {
    /// The root resource `/`.
    #[must_use]
    pub fn root(&self) -> Option<&Resource> {
        self.resources.first()
    }

    /// The resource with this id.
    #[must_use]
    pub fn resource(&self, id: ResourceId) -> Option<&Resource> {
        self.resources.get(id.index())
    }

    /// The resource whose full path template is `path` (e.g. `/pets/{petId}`).
    #[must_use]
    pub fn resource_by_path(&self, path: &str) -> Option<&Resource> {
        self.resources.iter().find(|resource| resource.path == path)
    }

    /// Every method with its resource, resources in id order.
    pub fn methods(&self) -> impl Iterator<Item = (&Resource, &Method)> {
        self.resources
            .iter()
            .flat_map(|resource| resource.methods.iter().map(move |method| (resource, method)))
    }

    /// The model named `name`.
    #[must_use]
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|model| model.name == name)
    }

    /// The authorizer named `name`.
    #[must_use]
    pub fn authorizer(&self, name: &str) -> Option<&Authorizer> {
        self.authorizers.iter().find(|authorizer| authorizer.name == name)
    }

    /// The request validator named `name`.
    #[must_use]
    pub fn request_validator(&self, name: &str) -> Option<&RequestValidator> {
        self.request_validators.iter().find(|validator| validator.name == name)
    }

    /// The customization of a gateway response type, if the definition has one.
    #[must_use]
    pub fn gateway_response(&self, response_type: GatewayResponseType) -> Option<&GatewayResponse> {
        self.gateway_responses
            .iter()
            .find(|response| response.response_type == response_type)
    }
}

/// Index of a [`Resource`] in [`RestApi::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub u32);

impl ResourceId {
    /// The root resource's id.
    pub const ROOT: ResourceId = ResourceId(0);

    /// The index into [`RestApi::resources`].
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A node of the resource tree: one path segment and the methods declared on it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Resource {
    /// This resource's id.
    pub id: ResourceId,
    /// The parent; `None` for the root.
    pub parent: Option<ResourceId>,
    /// The last segment as written (`pets`, `{petId}`, `{proxy+}`); empty for the root.
    pub path_part: String,
    /// The full path template (`/pets/{petId}`); `/` for the root.
    pub path: String,
    /// Children, in the order they were created: literal children and at most one variable child.
    pub children: Vec<ResourceId>,
    /// Methods, in document order; at most one per HTTP method.
    pub methods: Vec<Method>,
    /// The `paths` key that declared it, or that of the first path that created it as an intermediate
    /// resource; the `paths` object for the root when `/` is not declared.
    pub span: Span,
}

impl Resource {
    /// What kind of segment `path_part` is.
    #[must_use]
    pub fn segment(&self) -> PathSegment<'_> {
        PathSegment::parse(&self.path_part)
    }

    /// The method declared for `http_method` (exact; `ANY` is a method of its own).
    #[must_use]
    pub fn method(&self, http_method: HttpMethod) -> Option<&Method> {
        self.methods.iter().find(|method| method.http_method == http_method)
    }
}

/// A path segment of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSegment<'a> {
    /// The root (empty segment).
    Root,
    /// A literal segment, matched exactly.
    Literal(&'a str),
    /// `{name}`: one whole segment.
    Variable(&'a str),
    /// `{name+}`: all remaining segments (at least one).
    Greedy(&'a str),
}

impl<'a> PathSegment<'a> {
    /// Classifies a segment as written.
    #[must_use]
    pub fn parse(part: &'a str) -> PathSegment<'a> {
        if part.is_empty() {
            return PathSegment::Root;
        }
        match part.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
            Some(inner) => match inner.strip_suffix('+') {
                Some(name) => PathSegment::Greedy(name),
                None => PathSegment::Variable(inner),
            },
            None => PathSegment::Literal(part),
        }
    }

    /// Whether this is `{x}` or `{x+}`.
    #[must_use]
    pub fn is_variable(self) -> bool {
        matches!(self, PathSegment::Variable(_) | PathSegment::Greedy(_))
    }
}

/// An HTTP method API Gateway routes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    /// `DELETE`.
    Delete,
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
    /// `PATCH`.
    Patch,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `ANY` (`x-amazon-apigateway-any-method`): every method without its own declaration.
    Any,
}

impl HttpMethod {
    /// Every method, in AWS's alphabetical order, `ANY` last.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Delete,
        HttpMethod::Get,
        HttpMethod::Head,
        HttpMethod::Options,
        HttpMethod::Patch,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Any,
    ];

    /// The upper-case name (`GET`, `ANY`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Delete => "DELETE",
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Any => "ANY",
        }
    }

    /// Parses a method name, case-insensitively.
    #[must_use]
    pub fn parse(name: &str) -> Option<HttpMethod> {
        HttpMethod::ALL
            .into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A method of a resource: its request contract, authorization, responses and integration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Method {
    /// The HTTP method (or `ANY`).
    pub http_method: HttpMethod,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// How callers are authorized.
    pub authorization: AuthorizationType,
    /// The [`Authorizer`] name for `CUSTOM` and `COGNITO_USER_POOLS`.
    pub authorizer: Option<String>,
    /// OAuth scopes required (Cognito): the scopes listed with the authorizer in `security`.
    pub authorization_scopes: Vec<String>,
    /// Whether an API key is required (the operation's `security` names an `x-api-key` scheme).
    pub api_key_required: bool,
    /// The request validator name: the operation's `x-amazon-apigateway-request-validator`, else the root's.
    pub request_validator: Option<String>,
    /// Declared request parameters (`method.request.{path|querystring|header}.N`), in document order;
    /// path-item parameters merged in.
    pub request_parameters: Vec<MethodParameter>,
    /// Body model per content type (OAS2 `in: body` with `consumes`; OAS3 `requestBody.content`).
    pub request_models: Vec<ContentModel>,
    /// Method responses, in document order.
    pub responses: Vec<MethodResponse>,
    /// The integration; `None` if the operation has no `x-amazon-apigateway-integration` (AWS creates the
    /// method without one, and invoking it fails).
    pub integration: Option<Integration>,
    /// The operation object.
    pub span: Span,
}

impl Method {
    /// The method response for `status_code`.
    #[must_use]
    pub fn response(&self, status_code: &str) -> Option<&MethodResponse> {
        self.responses
            .iter()
            .find(|response| response.status_code == status_code)
    }

    /// The declared request parameter `location`.`name`.
    #[must_use]
    pub fn request_parameter(&self, location: ParameterLocation, name: &str) -> Option<&MethodParameter> {
        self.request_parameters
            .iter()
            .find(|parameter| parameter.location == location && parameter.name == name)
    }
}

/// How a method authorizes callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationType {
    /// Open.
    None,
    /// SigV4 (`x-amazon-apigateway-authtype: awsSigv4`).
    AwsIam,
    /// A Lambda authorizer (token or request).
    Custom,
    /// A Cognito user pool authorizer.
    CognitoUserPools,
}

impl AuthorizationType {
    /// AWS's name: `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizationType::None => "NONE",
            AuthorizationType::AwsIam => "AWS_IAM",
            AuthorizationType::Custom => "CUSTOM",
            AuthorizationType::CognitoUserPools => "COGNITO_USER_POOLS",
        }
    }
}

/// Where a method request parameter is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParameterLocation {
    /// `method.request.path.N`.
    Path,
    /// `method.request.querystring.N`.
    QueryString,
    /// `method.request.header.N`.
    Header,
}

impl ParameterLocation {
    /// `path`, `querystring` or `header`, as in mapping expressions.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterLocation::Path => "path",
            ParameterLocation::QueryString => "querystring",
            ParameterLocation::Header => "header",
        }
    }
}

/// A declared method request parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodParameter {
    /// Path, query string or header.
    pub location: ParameterLocation,
    /// The name (`^[a-zA-Z0-9._$-]+$`).
    pub name: String,
    /// `required` (feeds request validation).
    pub required: bool,
    /// The parameter object.
    pub span: Span,
}

impl MethodParameter {
    /// The mapping-expression form: `method.request.header.X-Id`.
    #[must_use]
    pub fn expression(&self) -> String {
        format!("method.request.{}.{}", self.location.as_str(), self.name)
    }
}

/// A model used for a content type (request body, method response body).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentModel {
    /// The media type, e.g. `application/json`.
    pub content_type: String,
    /// The [`Model`] name.
    pub model: String,
}

/// A declared method response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodResponse {
    /// The status code, three digits (`200`).
    pub status_code: String,
    /// Declared headers: the `method.response.header.N` targets response mappings may set.
    pub headers: Vec<ResponseHeader>,
    /// Body models per content type.
    pub models: Vec<ContentModel>,
    /// The response object (or its key).
    pub span: Span,
}

/// A header declared on a method response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHeader {
    /// The header name as written.
    pub name: String,
    /// OAS3 `required`; OAS2 has no such field (always `false`).
    pub required: bool,
}

/// The integration type, `x-amazon-apigateway-integration.type` (case-insensitive in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntegrationType {
    /// `MOCK`: no backend; the request template yields `{"statusCode": N}`.
    Mock,
    /// `HTTP`: non-proxy HTTP with mapping templates.
    Http,
    /// `HTTP_PROXY`: the request passes through to an HTTP backend.
    HttpProxy,
    /// `AWS`: non-proxy AWS service (or Lambda) with mapping templates.
    Aws,
    /// `AWS_PROXY`: Lambda proxy integration.
    AwsProxy,
}

impl IntegrationType {
    /// AWS's upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationType::Mock => "MOCK",
            IntegrationType::Http => "HTTP",
            IntegrationType::HttpProxy => "HTTP_PROXY",
            IntegrationType::Aws => "AWS",
            IntegrationType::AwsProxy => "AWS_PROXY",
        }
    }

    /// Parses a type name case-insensitively (`mock`, `AWS_PROXY`, ...).
    #[must_use]
    pub fn parse(name: &str) -> Option<IntegrationType> {
        [
            IntegrationType::Mock,
            IntegrationType::Http,
            IntegrationType::HttpProxy,
            IntegrationType::Aws,
            IntegrationType::AwsProxy,
        ]
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether the request and response pass through without mapping templates (`HTTP_PROXY`, `AWS_PROXY`).
    #[must_use]
    pub fn is_proxy(self) -> bool {
        matches!(self, IntegrationType::HttpProxy | IntegrationType::AwsProxy)
    }
}

/// `passthroughBehavior`: what happens to a body whose content type has no request template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassthroughBehavior {
    /// `WHEN_NO_MATCH` (the default): pass the body through untransformed when no template matches.
    WhenNoMatch,
    /// `WHEN_NO_TEMPLATES`: pass through only when there are no templates at all; else 415.
    WhenNoTemplates,
    /// `NEVER`: 415 unless a template matches.
    Never,
}

impl PassthroughBehavior {
    /// AWS's upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PassthroughBehavior::WhenNoMatch => "WHEN_NO_MATCH",
            PassthroughBehavior::WhenNoTemplates => "WHEN_NO_TEMPLATES",
            PassthroughBehavior::Never => "NEVER",
        }
    }
}

/// `contentHandling`: payload conversion between text and binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentHandling {
    /// `CONVERT_TO_TEXT`.
    ConvertToText,
    /// `CONVERT_TO_BINARY`.
    ConvertToBinary,
}

impl ContentHandling {
    /// AWS's upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ContentHandling::ConvertToText => "CONVERT_TO_TEXT",
            ContentHandling::ConvertToBinary => "CONVERT_TO_BINARY",
        }
    }
}

/// `connectionType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionType {
    /// `INTERNET` (the default).
    Internet,
    /// `VPC_LINK`: a private integration through `connectionId`.
    VpcLink,
}

impl ConnectionType {
    /// AWS's upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Internet => "INTERNET",
            ConnectionType::VpcLink => "VPC_LINK",
        }
    }
}

/// A parameter mapping `target: source`, e.g. `integration.request.header.x-id: method.request.path.id`.
///
/// The expression syntax is checked by the compiler of the runtime/mapping crates, which report errors at the
/// spans kept here.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ParameterMapping {
    /// The key, e.g. `method.response.header.Content-Type`.
    pub target: Located<String>,
    /// The value, e.g. `integration.response.header.Content-Type` or `'literal'`.
    pub source: Located<String>,
}

/// A mapping template for one content type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MappingTemplate {
    /// The media type key, e.g. `application/json`.
    pub content_type: String,
    /// The template text with its location in the definition file.
    pub template: TemplateSource,
}

/// `x-amazon-apigateway-integration`: how a method reaches its backend.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Integration {
    /// `type`.
    pub integration_type: IntegrationType,
    /// `httpMethod`: the method used toward the backend (`POST` for Lambda); `ANY` allowed for HTTP_PROXY.
    pub http_method: Option<Located<String>>,
    /// `uri`: an `http(s)://` URL (HTTP types, may contain `{param}` and `${stageVariables.x}`) or an
    /// `arn:aws:apigateway:...` (AWS types).
    pub uri: Option<Located<String>>,
    /// `credentials`: an IAM role ARN, or `arn:aws:iam::*:user/*` for the caller's credentials.
    pub credentials: Option<Located<String>>,
    /// `requestParameters` (`integration.request.{path|querystring|header}.N` ← source), in document order.
    pub request_parameters: Vec<ParameterMapping>,
    /// `requestTemplates`, in document order.
    pub request_templates: Vec<MappingTemplate>,
    /// `passthroughBehavior` (default `WHEN_NO_MATCH`).
    pub passthrough_behavior: PassthroughBehavior,
    /// `timeoutInMillis` (50–29,000; default 29,000).
    pub timeout_millis: u32,
    /// `contentHandling` of the request payload.
    pub content_handling: Option<ContentHandling>,
    /// `cacheKeyParameters` (`method.request.*` names).
    pub cache_key_parameters: Vec<Located<String>>,
    /// `cacheNamespace`.
    pub cache_namespace: Option<String>,
    /// `connectionType` (default `INTERNET`).
    pub connection_type: ConnectionType,
    /// `connectionId` (VPC link id).
    pub connection_id: Option<String>,
    /// `tlsConfig.insecureSkipVerification`.
    pub tls_insecure_skip_verification: bool,
    /// `responses`, in document order (selection follows this order; the default one has no pattern).
    pub responses: Vec<IntegrationResponse>,
    /// The `x-amazon-apigateway-integration` object.
    pub span: Span,
}

impl Integration {
    /// The default integration response (key `default`), if any.
    #[must_use]
    pub fn default_response(&self) -> Option<&IntegrationResponse> {
        self.responses
            .iter()
            .find(|response| response.selection_pattern.is_none())
    }
}

/// An entry of `x-amazon-apigateway-integration.responses`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct IntegrationResponse {
    /// The key: a regular expression matched against the whole integration status code (HTTP, AWS, MOCK) or
    /// Lambda `errorMessage`; `None` for the `default` key.
    pub selection_pattern: Option<Located<String>>,
    /// `statusCode`: the method response status (must be declared on the method).
    pub status_code: Located<String>,
    /// `responseParameters` (`method.response.header.N` ← source).
    pub response_parameters: Vec<ParameterMapping>,
    /// `responseTemplates`, in document order.
    pub response_templates: Vec<MappingTemplate>,
    /// `contentHandling` of the response payload.
    pub content_handling: Option<ContentHandling>,
    /// The response object.
    pub span: Span,
}

/// The gateway response types (AWS's closed set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs)] // Each variant is AWS's type name in Rust case; see `as_str`.
pub enum GatewayResponseType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestParameters,
    BadRequestBody,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
}

impl GatewayResponseType {
    /// Every type, in AWS's documented order.
    pub const ALL: [GatewayResponseType; 21] = [
        GatewayResponseType::AccessDenied,
        GatewayResponseType::ApiConfigurationError,
        GatewayResponseType::AuthorizerConfigurationError,
        GatewayResponseType::AuthorizerFailure,
        GatewayResponseType::BadRequestParameters,
        GatewayResponseType::BadRequestBody,
        GatewayResponseType::Default4xx,
        GatewayResponseType::Default5xx,
        GatewayResponseType::ExpiredToken,
        GatewayResponseType::IntegrationFailure,
        GatewayResponseType::IntegrationTimeout,
        GatewayResponseType::InvalidApiKey,
        GatewayResponseType::InvalidSignature,
        GatewayResponseType::MissingAuthenticationToken,
        GatewayResponseType::QuotaExceeded,
        GatewayResponseType::RequestTooLarge,
        GatewayResponseType::ResourceNotFound,
        GatewayResponseType::Throttled,
        GatewayResponseType::Unauthorized,
        GatewayResponseType::UnsupportedMediaType,
        GatewayResponseType::WafFiltered,
    ];

    /// AWS's name, e.g. `MISSING_AUTHENTICATION_TOKEN`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayResponseType::AccessDenied => "ACCESS_DENIED",
            GatewayResponseType::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            GatewayResponseType::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            GatewayResponseType::AuthorizerFailure => "AUTHORIZER_FAILURE",
            GatewayResponseType::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            GatewayResponseType::BadRequestBody => "BAD_REQUEST_BODY",
            GatewayResponseType::Default4xx => "DEFAULT_4XX",
            GatewayResponseType::Default5xx => "DEFAULT_5XX",
            GatewayResponseType::ExpiredToken => "EXPIRED_TOKEN",
            GatewayResponseType::IntegrationFailure => "INTEGRATION_FAILURE",
            GatewayResponseType::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            GatewayResponseType::InvalidApiKey => "INVALID_API_KEY",
            GatewayResponseType::InvalidSignature => "INVALID_SIGNATURE",
            GatewayResponseType::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            GatewayResponseType::QuotaExceeded => "QUOTA_EXCEEDED",
            GatewayResponseType::RequestTooLarge => "REQUEST_TOO_LARGE",
            GatewayResponseType::ResourceNotFound => "RESOURCE_NOT_FOUND",
            GatewayResponseType::Throttled => "THROTTLED",
            GatewayResponseType::Unauthorized => "UNAUTHORIZED",
            GatewayResponseType::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            GatewayResponseType::WafFiltered => "WAF_FILTERED",
        }
    }

    /// Parses AWS's name (exact, upper case).
    #[must_use]
    pub fn parse(name: &str) -> Option<GatewayResponseType> {
        GatewayResponseType::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for GatewayResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A customized gateway response (`x-amazon-apigateway-gateway-responses.TYPE`).
///
/// Its templates are not VTL: only `$context.*` and `$stageVariables.*` are substituted.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GatewayResponse {
    /// The type.
    pub response_type: GatewayResponseType,
    /// `statusCode`; `None` keeps the type's default status.
    pub status_code: Option<Located<String>>,
    /// `responseParameters` (`gatewayresponse.header.N` ← source).
    pub response_parameters: Vec<ParameterMapping>,
    /// `responseTemplates`, in document order.
    pub response_templates: Vec<MappingTemplate>,
    /// The response object.
    pub span: Span,
}

/// A model: a JSON Schema (draft 4) kept as data, for request validation and documentation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Model {
    /// The name (the `definitions` / `components.schemas` key; inline schemas get a generated name).
    pub name: String,
    /// `application/json`.
    pub content_type: String,
    /// The schema as written, kept as data for a JSON Schema (draft 4) validator. `$ref`s stay as in the
    /// document (`#/definitions/Name`, `#/components/schemas/Name`) and are known to resolve; AWS's own form
    /// is `https://apigateway.amazonaws.com/restapis/{restapi_id}/models/{Name}`.
    pub schema: Value,
    /// The schema object.
    pub span: Span,
}

/// A request validator (`x-amazon-apigateway-request-validators.NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestValidator {
    /// The name methods refer to.
    pub name: String,
    /// `validateRequestBody`.
    pub validate_request_body: bool,
    /// `validateRequestParameters`.
    pub validate_request_parameters: bool,
    /// The validator object.
    pub span: Span,
}

/// `x-amazon-apigateway-api-key-source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApiKeySource {
    /// The `X-API-Key` header (default).
    #[default]
    Header,
    /// The `usageIdentifierKey` returned by a Lambda authorizer.
    Authorizer,
}

/// The kind of an authorizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizerType {
    /// `token`: a Lambda authorizer given one header's value.
    Token,
    /// `request`: a Lambda authorizer given headers, query strings, stage variables and context.
    Request,
    /// `cognito_user_pools`: JWTs from Cognito user pools.
    CognitoUserPools,
}

impl AuthorizerType {
    /// AWS's upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizerType::Token => "TOKEN",
            AuthorizerType::Request => "REQUEST",
            AuthorizerType::CognitoUserPools => "COGNITO_USER_POOLS",
        }
    }
}

/// An authorizer (a security scheme with `x-amazon-apigateway-authorizer`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Authorizer {
    /// The security scheme name methods refer to.
    pub name: String,
    /// Token, request or Cognito.
    pub authorizer_type: AuthorizerType,
    /// `x-amazon-apigateway-authtype` as written (`custom`, `oauth2`, `cognito_user_pools`), informational.
    pub auth_type: Option<String>,
    /// `authorizerUri`: the Lambda invocation ARN (token/request).
    pub authorizer_uri: Option<Located<String>>,
    /// `authorizerCredentials`: the role API Gateway assumes to invoke it.
    pub authorizer_credentials: Option<Located<String>>,
    /// `identitySource`, split on commas and trimmed (`method.request.header.Authorization`, ...). For a token
    /// or Cognito authorizer without one, the scheme's header `name`.
    pub identity_source: Vec<Located<String>>,
    /// `identityValidationExpression`: a regular expression the token must match (token/Cognito).
    pub identity_validation_expression: Option<Located<String>>,
    /// `authorizerResultTtlInSeconds` (0–3600; default 300; 0 disables caching).
    pub result_ttl_seconds: u32,
    /// `providerARNs`: Cognito user pool ARNs.
    pub provider_arns: Vec<String>,
    /// The security scheme object.
    pub span: Span,
}
