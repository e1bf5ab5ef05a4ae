//! `x-amazon-apigateway-integration` → [`Integration`], with the checks AWS makes when the integration and its
//! responses are put.

use super::api::{check_status_code, read_mappings, read_templates, valid_parameter_name};
use super::context::{Ctx, describe_value, join};
use crate::model::{
    ConnectionType, ContentHandling, HttpMethod, Integration, IntegrationResponse, IntegrationType, Located,
    MethodParameter, MethodResponse, ParameterLocation, PassthroughBehavior,
};
use crate::value::Value;

/// AWS's integration timeout range and default (milliseconds).
const MIN_TIMEOUT: i64 = 50;
const MAX_TIMEOUT: i64 = 29_000;
const DEFAULT_TIMEOUT: u32 = 29_000;

const FIELDS: &[&str] = &[
    "type",
    "httpMethod",
    "uri",
    "credentials",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "timeoutInMillis",
    "contentHandling",
    "cacheKeyParameters",
    "cacheNamespace",
    "connectionType",
    "connectionId",
    "tlsConfig",
    "responses",
    // HTTP API only; accepted and ignored.
    "integrationSubtype",
    "payloadFormatVersion",
];

const RESPONSE_FIELDS: &[&str] = &[
    "statusCode",
    "responseParameters",
    "responseTemplates",
    "contentHandling",
];

/// What the integration is checked against: the method's declared parameters and responses.
pub(crate) struct MethodView<'m> {
    pub(crate) parameters: &'m [MethodParameter],
    pub(crate) responses: &'m [MethodResponse],
}

pub(crate) fn read<'a>(
    ctx: &mut Ctx<'a>,
    value: &'a Value,
    path: &str,
    method: &MethodView<'_>,
) -> Option<Integration> {
    let fields = ctx.object(value, path)?;
    ctx.check_fields(fields, path, FIELDS, "x-amazon-apigateway-integration");

    // An unknown type is reported; reading goes on (as MOCK, never served) to report the rest too.
    let known_type = read_type(ctx, value, path);
    let integration_type = known_type.unwrap_or(IntegrationType::Mock);
    let http_method = ctx.string_member(value, "httpMethod", path);
    let uri = ctx.string_member(value, "uri", path);
    let credentials = ctx.string_member(value, "credentials", path);

    if known_type.is_some_and(|kind| kind != IntegrationType::Mock) {
        match &http_method {
            None => ctx.error(
                value.span(),
                path,
                format!("{} integration without `httpMethod`", integration_type.as_str()),
                "expected the method used toward the backend (POST for Lambda)",
            ),
            Some(method) if HttpMethod::parse(&method.value).is_none() => ctx.error(
                method.span,
                &join(path, "httpMethod"),
                format!("invalid integration HTTP method `{}`", method.value),
                "expected one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY",
            ),
            Some(_) => {}
        }
        check_uri(ctx, integration_type, uri.as_ref(), value, path);
    }

    let request_parameters = read_mappings(ctx, value, "requestParameters", path);
    for mapping in &request_parameters {
        let mapping_path = join(&join(path, "requestParameters"), mapping.target.as_str());
        check_request_target(ctx, &mapping.target, &mapping_path);
        check_declared_source(ctx, &mapping.source, &mapping_path, method.parameters);
    }
    let request_templates = read_templates(ctx, value, "requestTemplates", path);
    if integration_type.is_proxy() && !request_templates.is_empty() {
        ctx.warning(
            value.get("requestTemplates").map_or(value.span(), Value::span),
            &join(path, "requestTemplates"),
            format!(
                "request templates are not used by {} integrations",
                integration_type.as_str()
            ),
            "proxy integrations pass the request through",
        );
    }

    let passthrough_behavior = match value.get("passthroughBehavior") {
        None => PassthroughBehavior::WhenNoMatch,
        Some(behavior) => {
            let behavior_path = join(path, "passthroughBehavior");
            let text = ctx
                .string(behavior, &behavior_path)
                .map(|text| text.value.to_ascii_uppercase());
            match text.as_deref() {
                Some("WHEN_NO_MATCH") => PassthroughBehavior::WhenNoMatch,
                Some("WHEN_NO_TEMPLATES") => PassthroughBehavior::WhenNoTemplates,
                Some("NEVER") => PassthroughBehavior::Never,
                Some(_) => {
                    ctx.error(
                        behavior.span(),
                        &behavior_path,
                        format!("invalid passthrough behavior {}", describe_value(behavior)),
                        "expected one of when_no_match, when_no_templates, never",
                    );
                    PassthroughBehavior::WhenNoMatch
                }
                None => PassthroughBehavior::WhenNoMatch,
            }
        }
    };

    let timeout_millis = read_timeout(ctx, value, path);
    let content_handling = read_content_handling(ctx, value, path);

    let cache_key_parameters = match value.get("cacheKeyParameters") {
        Some(list) => ctx.strings(list, &join(path, "cacheKeyParameters")),
        None => Vec::new(),
    };
    for key in &cache_key_parameters {
        if key.value.starts_with("method.request.") {
            check_declared_source(ctx, key, &join(path, "cacheKeyParameters"), method.parameters);
        }
    }
    let cache_namespace = ctx.string_member(value, "cacheNamespace", path).map(|text| text.value);

    let connection_type = match ctx.string_member(value, "connectionType", path) {
        None => ConnectionType::Internet,
        Some(text) if text.value.eq_ignore_ascii_case("INTERNET") => ConnectionType::Internet,
        Some(text) if text.value.eq_ignore_ascii_case("VPC_LINK") => ConnectionType::VpcLink,
        Some(text) => {
            ctx.error(
                text.span,
                &join(path, "connectionType"),
                format!("invalid connection type `{}`", text.value),
                "expected INTERNET or VPC_LINK",
            );
            ConnectionType::Internet
        }
    };
    let connection_id = ctx.string_member(value, "connectionId", path).map(|text| text.value);
    if connection_type == ConnectionType::VpcLink && connection_id.is_none() {
        ctx.error(
            value.span(),
            path,
            "VPC_LINK integration without `connectionId`",
            "expected the VPC link id in `connectionId`",
        );
    }
    let tls_insecure_skip_verification = match value.get("tlsConfig") {
        None => false,
        Some(tls) => {
            let tls_path = join(path, "tlsConfig");
            match ctx.object(tls, &tls_path) {
                Some(fields) => {
                    ctx.check_fields(
                        fields,
                        &tls_path,
                        &["insecureSkipVerification", "serverNameToVerify"],
                        "tlsConfig",
                    );
                    match tls.get("insecureSkipVerification") {
                        Some(flag) => ctx
                            .boolean(flag, &join(&tls_path, "insecureSkipVerification"))
                            .unwrap_or(false),
                        None => false,
                    }
                }
                None => false,
            }
        }
    };

    let responses = read_responses(ctx, value, path, method, integration_type.is_proxy());

    Some(Integration {
        integration_type,
        http_method,
        uri,
        credentials,
        request_parameters,
        request_templates,
        passthrough_behavior,
        timeout_millis,
        content_handling,
        cache_key_parameters,
        cache_namespace,
        connection_type,
        connection_id,
        tls_insecure_skip_verification,
        responses,
        span: value.span(),
    })
}

fn read_type<'a>(ctx: &mut Ctx<'a>, value: &'a Value, path: &str) -> Option<IntegrationType> {
    let type_path = join(path, "type");
    let Some(type_value) = value.get("type") else {
        ctx.error(
            value.span(),
            path,
            "integration without `type`",
            "expected `type`: one of mock, http, http_proxy, aws, aws_proxy",
        );
        return None;
    };
    let text = ctx.string(type_value, &type_path)?;
    let parsed = IntegrationType::parse(&text.value);
    if parsed.is_none() {
        ctx.error(
            text.span,
            &type_path,
            format!("unknown integration type {}", describe_value(type_value)),
            "expected one of mock, http, http_proxy, aws, aws_proxy",
        );
    }
    parsed
}

fn check_uri(ctx: &mut Ctx<'_>, kind: IntegrationType, uri: Option<&Located<String>>, value: &Value, path: &str) {
    let Some(uri) = uri else {
        ctx.error(
            value.span(),
            path,
            format!("{} integration without `uri`", kind.as_str()),
            match kind {
                IntegrationType::Http | IntegrationType::HttpProxy => "expected the backend URL, e.g. https://example.com/{proxy}",
                _ => "expected an ARN such as arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/.../invocations",
            },
        );
        return;
    };
    let uri_path = join(path, "uri");
    let text = uri.as_str();
    match kind {
        IntegrationType::Http | IntegrationType::HttpProxy => {
            let lower = text.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                ctx.error(
                    uri.span,
                    &uri_path,
                    "Invalid HTTP endpoint specified for URI",
                    "expected an http:// or https:// URL",
                );
            }
        }
        IntegrationType::Aws | IntegrationType::AwsProxy => {
            let is_apigateway_arn = text.starts_with("arn:") && text.split(':').nth(2) == Some("apigateway");
            let has_target = text.contains(":path/") || text.contains(":action/");
            if !is_apigateway_arn || !has_target {
                ctx.error(
                    uri.span,
                    &uri_path,
                    "AWS ARN for integration must contain path or action",
                    "expected arn:aws:apigateway:{region}:{service}:path/{path} or :action/{Action}",
                );
            }
        }
        IntegrationType::Mock => {}
    }
}

/// `integration.request.{path|querystring|header|multivaluequerystring|multivalueheader}.N`.
fn check_request_target(ctx: &mut Ctx<'_>, target: &Located<String>, path: &str) {
    let valid = [
        "path",
        "querystring",
        "header",
        "multivaluequerystring",
        "multivalueheader",
    ]
    .iter()
    .any(|location| {
        target
            .as_str()
            .strip_prefix("integration.request.")
            .and_then(|rest| rest.strip_prefix(location))
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(valid_parameter_name)
    });
    if !valid {
        ctx.error(
            target.span,
            path,
            format!("invalid integration request parameter `{}`", target.as_str()),
            "expected integration.request.{path|querystring|header}.NAME (NAME of letters, digits and ._$-)",
        );
    }
}

/// A `method.request.{location}.N` source must be a declared method request parameter.
fn check_declared_source(ctx: &mut Ctx<'_>, source: &Located<String>, path: &str, parameters: &[MethodParameter]) {
    let Some(rest) = source.as_str().strip_prefix("method.request.") else {
        return;
    };
    let (location, name) = match rest.split_once('.') {
        Some(("path", name)) => (ParameterLocation::Path, name),
        Some(("querystring" | "multivaluequerystring", name)) => (ParameterLocation::QueryString, name),
        Some(("header" | "multivalueheader", name)) => (ParameterLocation::Header, name),
        // `method.request.body` and `method.request.body.a.b` need no declaration.
        _ => return,
    };
    if parameters
        .iter()
        .any(|parameter| parameter.location == location && parameter.name == name)
    {
        return;
    }
    let openapi_in = match location {
        ParameterLocation::Path => "path",
        ParameterLocation::QueryString => "query",
        ParameterLocation::Header => "header",
    };
    ctx.error(
        source.span,
        path,
        format!("`{}` is not a declared method request parameter", source.as_str()),
        format!("declare `{name}` in the operation's `parameters` with `in: {openapi_in}`"),
    );
}

fn read_timeout<'a>(ctx: &mut Ctx<'a>, value: &'a Value, path: &str) -> u32 {
    let Some(timeout) = ctx.root_value(value, "timeoutInMillis") else {
        return DEFAULT_TIMEOUT;
    };
    let timeout_path = join(path, "timeoutInMillis");
    let Some(millis) = ctx.integer(timeout, &timeout_path) else {
        return DEFAULT_TIMEOUT;
    };
    if millis < MIN_TIMEOUT {
        ctx.error(
            timeout.span(),
            &timeout_path,
            "integration timeout too short",
            format!("expected {MIN_TIMEOUT} to {MAX_TIMEOUT} ms, found {millis}"),
        );
        return DEFAULT_TIMEOUT;
    }
    if millis > MAX_TIMEOUT {
        // Regional and private APIs may go beyond 29 s after a quota increase, so AWS can accept this.
        ctx.warning(
            timeout.span(),
            &timeout_path,
            "integration timeout above 29,000 ms",
            format!("AWS accepts {millis} ms only for Regional or private APIs with a raised quota"),
        );
    }
    u32::try_from(millis).unwrap_or(DEFAULT_TIMEOUT)
}

fn read_content_handling<'a>(ctx: &mut Ctx<'a>, value: &'a Value, path: &str) -> Option<ContentHandling> {
    let handling = ctx.root_value(value, "contentHandling")?;
    let handling_path = join(path, "contentHandling");
    if handling.is_null() {
        return None;
    }
    let text = ctx.scalar_text(handling).unwrap_or_default();
    if text.eq_ignore_ascii_case("CONVERT_TO_TEXT") {
        Some(ContentHandling::ConvertToText)
    } else if text.eq_ignore_ascii_case("CONVERT_TO_BINARY") {
        Some(ContentHandling::ConvertToBinary)
    } else {
        ctx.error(
            handling.span(),
            &handling_path,
            format!("invalid content handling {}", describe_value(handling)),
            "expected CONVERT_TO_TEXT or CONVERT_TO_BINARY",
        );
        None
    }
}

/// Proxy integrations ignore integration responses, and exports carry `default: {statusCode: "200"}` for them
/// without a method response, so the declared-status check applies to non-proxy types only.
fn read_responses<'a>(
    ctx: &mut Ctx<'a>,
    value: &'a Value,
    path: &str,
    method: &MethodView<'_>,
    proxy: bool,
) -> Vec<IntegrationResponse> {
    let Some(responses) = value.get("responses") else {
        return Vec::new();
    };
    let responses_path = join(path, "responses");
    let Some(members) = ctx.object(responses, &responses_path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for member in members {
        let response_path = join(&responses_path, &member.key);
        let response = &member.value;
        let Some(fields) = ctx.object(response, &response_path) else {
            continue;
        };
        ctx.check_fields(fields, &response_path, RESPONSE_FIELDS, "an integration response");
        let selection_pattern = (member.key != "default").then(|| Located::new(member.key.clone(), member.key_span));
        let Some(status_code) = ctx.string_member(response, "statusCode", &response_path) else {
            ctx.error(
                member.key_span,
                &response_path,
                "integration response without `statusCode`",
                "expected the method response status, e.g. statusCode: \"200\"",
            );
            continue;
        };
        let status_path = join(&response_path, "statusCode");
        let declared = if check_status_code(ctx, &status_code, &status_path) {
            let declared = method
                .responses
                .iter()
                .find(|declared| declared.status_code == status_code.value);
            if declared.is_none() && !proxy {
                let label = if method.responses.is_empty() {
                    "the operation declares no `responses`".to_owned()
                } else {
                    let codes: Vec<&str> = method
                        .responses
                        .iter()
                        .map(|response| response.status_code.as_str())
                        .collect();
                    format!("declared responses: {}", codes.join(", "))
                };
                ctx.error(
                    status_code.span,
                    &status_path,
                    format!(
                        "status code {} is not a declared response of this method",
                        status_code.value
                    ),
                    label,
                );
            }
            declared
        } else {
            None
        };
        let response_parameters = read_mappings(ctx, response, "responseParameters", &response_path);
        for mapping in &response_parameters {
            let mapping_path = join(&join(&response_path, "responseParameters"), mapping.target.as_str());
            let Some(header) = mapping
                .target
                .as_str()
                .strip_prefix("method.response.header.")
                .filter(|name| valid_parameter_name(name))
            else {
                ctx.error(
                    mapping.target.span,
                    &mapping_path,
                    format!("invalid response parameter `{}`", mapping.target.as_str()),
                    "expected method.response.header.NAME",
                );
                continue;
            };
            if let Some(declared) = declared
                && !declared
                    .headers
                    .iter()
                    .any(|declared_header| declared_header.name == header)
            {
                ctx.error(
                    mapping.target.span,
                    &mapping_path,
                    format!(
                        "header `{header}` is not declared on method response {}",
                        declared.status_code
                    ),
                    format!(
                        "add `{header}` to `responses.{}.headers` of the operation",
                        declared.status_code
                    ),
                );
            }
        }
        let response_templates = read_templates(ctx, response, "responseTemplates", &response_path);
        let content_handling = read_content_handling(ctx, response, &response_path);
        out.push(IntegrationResponse {
            selection_pattern,
            status_code,
            response_parameters,
            response_templates,
            content_handling,
            span: response.span(),
        });
    }
    out
}
