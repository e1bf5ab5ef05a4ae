//! API-wide settings: info, models, validators, gateway responses, binary media types, compression, API key
//! source, base path.

use super::context::{Ctx, describe_value, join};
use crate::model::{
    ApiKeySource, GatewayResponse, GatewayResponseType, Located, MappingTemplate, Model, ParameterMapping,
    RequestValidator, SpecVersion,
};
use crate::value::{Value, ValueKind};

/// Root-level extensions the importer knows (read, or accepted and ignored because they do not affect the
/// data plane).
pub(crate) const ROOT_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-policy",
    // Accepted and ignored: documentation, endpoint type, export metadata, tags, HTTP API settings.
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-importexport-version",
    "x-amazon-apigateway-tag-value",
    "x-amazon-apigateway-cors",
    "x-amazon-apigateway-security-policy",
    "x-amazon-apigateway-endpoint-access-mode",
    "x-amazon-apigateway-disable-execute-api-endpoint",
];

/// Largest mapping template AWS accepts (300 KB).
pub(crate) const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

pub(crate) fn read_info(ctx: &mut Ctx<'_>) -> (Option<String>, Option<String>, Option<String>) {
    let Some(info) = ctx.root.get("info") else {
        return (None, None, None);
    };
    if ctx.object(info, "info").is_none() {
        return (None, None, None);
    }
    let title = ctx.string_member(info, "title", "info").map(|title| title.value);
    let description = ctx.string_member(info, "description", "info").map(|text| text.value);
    let version = ctx.string_member(info, "version", "info").map(|text| text.value);
    (title, description, version)
}

pub(crate) fn read_models(ctx: &mut Ctx<'_>) -> Vec<Model> {
    let root = ctx.root;
    let (container, path) = match ctx.version {
        SpecVersion::Swagger2 => (root.get("definitions"), "definitions".to_owned()),
        SpecVersion::OpenApi3 => {
            if let Some(components) = root.get("components")
                && let Some(members) = ctx.object(components, "components")
            {
                ctx.check_keys(
                    members,
                    "components",
                    &[
                        "schemas",
                        "responses",
                        "parameters",
                        "examples",
                        "requestBodies",
                        "headers",
                        "securitySchemes",
                        "links",
                        "callbacks",
                    ],
                    &["x-amazon-apigateway-integrations"],
                    "components",
                );
            }
            (
                root.get("components").and_then(|components| components.get("schemas")),
                "components.schemas".to_owned(),
            )
        }
    };
    let Some(container) = container else {
        return Vec::new();
    };
    let Some(members) = ctx.object(container, &path) else {
        return Vec::new();
    };
    let mut models = Vec::new();
    for member in members {
        let model_path = join(&path, &member.key);
        if member.key.is_empty() || !member.key.chars().all(|c| c.is_ascii_alphanumeric()) {
            ctx.warning(
                member.key_span,
                &model_path,
                format!("model name `{}` is not alphanumeric", member.key),
                "API Gateway model names are letters and digits only",
            );
        }
        if !matches!(member.value.kind(), ValueKind::Object(_) | ValueKind::Bool(_)) {
            ctx.error(
                member.value.span(),
                &model_path,
                "expected a schema object",
                format!("found {}", member.value.kind_name()),
            );
            continue;
        }
        check_schema_refs(ctx, &member.value, &model_path);
        models.push(Model {
            name: member.key.clone(),
            content_type: "application/json".to_owned(),
            schema: member.value.clone(),
            span: member.value.span(),
        });
    }
    models
}

/// Every `$ref` inside a schema must resolve in this document (AWS rejects a model with a dangling reference).
pub(crate) fn check_schema_refs(ctx: &mut Ctx<'_>, schema: &Value, path: &str) {
    let mut pending: Vec<(&Value, String)> = vec![(schema, path.to_owned())];
    while let Some((value, path)) = pending.pop() {
        match value.kind() {
            ValueKind::Object(members) => {
                for member in members {
                    let member_path = join(&path, &member.key);
                    if member.key == "$ref" {
                        match member.value.as_str() {
                            Some(target) if ctx.pointer(target).is_some() => {}
                            Some(target) => {
                                let label = if target.starts_with('#') {
                                    "no such model in this document"
                                } else {
                                    "references to other files are not supported; inline the definition"
                                };
                                ctx.error(
                                    member.value.span(),
                                    &member_path,
                                    format!("unresolvable reference `{target}`"),
                                    label,
                                );
                            }
                            None => ctx.error(
                                member.value.span(),
                                &member_path,
                                "expected a string",
                                "a `$ref` is a JSON pointer",
                            ),
                        }
                    } else {
                        pending.push((&member.value, member_path));
                    }
                }
            }
            ValueKind::Array(items) => {
                for (at, item) in items.iter().enumerate() {
                    pending.push((item, format!("{path}[{at}]")));
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn read_request_validators(ctx: &mut Ctx<'_>) -> Vec<RequestValidator> {
    let root = ctx.root;
    let path = "x-amazon-apigateway-request-validators";
    let Some(container) = root.get(path) else {
        return Vec::new();
    };
    let Some(members) = ctx.object(container, path) else {
        return Vec::new();
    };
    let mut validators = Vec::new();
    for member in members {
        let validator_path = join(path, &member.key);
        let Some(fields) = ctx.object(&member.value, &validator_path) else {
            continue;
        };
        ctx.check_fields(
            fields,
            &validator_path,
            &["validateRequestBody", "validateRequestParameters"],
            "a request validator",
        );
        let mut flag = |key: &str| {
            member
                .value
                .get(key)
                .and_then(|value| ctx.boolean(value, &join(&validator_path, key)))
                .unwrap_or(false)
        };
        let validate_request_body = flag("validateRequestBody");
        let validate_request_parameters = flag("validateRequestParameters");
        validators.push(RequestValidator {
            name: member.key.clone(),
            validate_request_body,
            validate_request_parameters,
            span: member.value.span(),
        });
    }
    validators
}

/// The root `x-amazon-apigateway-request-validator`: the default for operations without their own.
pub(crate) fn read_default_validator(ctx: &mut Ctx<'_>, validators: &[RequestValidator]) -> Option<String> {
    let root = ctx.root;
    let key = "x-amazon-apigateway-request-validator";
    let value = root.get(key)?;
    let name = ctx.string(value, key)?;
    check_validator_name(ctx, &name, key, validators).then_some(name.value)
}

pub(crate) fn check_validator_name(
    ctx: &mut Ctx<'_>,
    name: &Located<String>,
    path: &str,
    validators: &[RequestValidator],
) -> bool {
    if validators.iter().any(|validator| validator.name == name.value) {
        return true;
    }
    let label = if validators.is_empty() {
        "no `x-amazon-apigateway-request-validators` are defined".to_owned()
    } else {
        let names: Vec<&str> = validators.iter().map(|validator| validator.name.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    };
    ctx.error(
        name.span,
        path,
        format!("unknown request validator `{}`", name.value),
        label,
    );
    false
}

pub(crate) fn read_gateway_responses(ctx: &mut Ctx<'_>) -> Vec<GatewayResponse> {
    let root = ctx.root;
    let path = "x-amazon-apigateway-gateway-responses";
    let Some(container) = root.get(path) else {
        return Vec::new();
    };
    let Some(members) = ctx.object(container, path) else {
        return Vec::new();
    };
    let mut responses = Vec::new();
    for member in members {
        let response_path = join(path, &member.key);
        let Some(response_type) = GatewayResponseType::parse(&member.key) else {
            let names: Vec<&str> = GatewayResponseType::ALL.iter().map(|kind| kind.as_str()).collect();
            let label = match super::context::closest(&member.key, &names) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("expected one of {}", names.join(", ")),
            };
            ctx.error(
                member.key_span,
                &response_path,
                format!("unknown gateway response type `{}`", member.key),
                label,
            );
            continue;
        };
        let value = &member.value;
        let Some(fields) = ctx.object(value, &response_path) else {
            continue;
        };
        ctx.check_fields(
            fields,
            &response_path,
            &[
                "statusCode",
                "responseParameters",
                "responseTemplates",
                "defaultResponse",
            ],
            "a gateway response",
        );
        let status_code = ctx.string_member(value, "statusCode", &response_path);
        if let Some(status) = &status_code {
            check_status_code(ctx, status, &join(&response_path, "statusCode"));
        }
        let response_parameters = read_mappings(ctx, value, "responseParameters", &response_path);
        for mapping in &response_parameters {
            let target = mapping.target.as_str();
            let name = target.strip_prefix("gatewayresponse.header.");
            if !name.is_some_and(valid_parameter_name) {
                ctx.error(
                    mapping.target.span,
                    &join(&join(&response_path, "responseParameters"), target),
                    format!("invalid gateway response parameter `{target}`"),
                    "expected `gatewayresponse.header.NAME` (NAME of letters, digits and ._$-)",
                );
            }
        }
        let response_templates = read_templates(ctx, value, "responseTemplates", &response_path);
        responses.push(GatewayResponse {
            response_type,
            status_code,
            response_parameters,
            response_templates,
            span: value.span(),
        });
    }
    responses
}

/// Whether `name` is a valid parameter name: `^[a-zA-Z0-9._$-]+$`.
pub(crate) fn valid_parameter_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "._$-".contains(c))
}

/// A status code must be three digits from 100 to 599.
pub(crate) fn check_status_code(ctx: &mut Ctx<'_>, status: &Located<String>, path: &str) -> bool {
    let valid = status.value.len() == 3
        && status.value.chars().all(|c| c.is_ascii_digit())
        && matches!(status.value.as_bytes().first(), Some(b'1'..=b'5'));
    if !valid {
        ctx.error(
            status.span,
            path,
            format!("invalid status code `{}`", status.value),
            "expected a status code from 100 to 599",
        );
    }
    valid
}

/// `key: {target: source, ...}` (`requestParameters`, `responseParameters`).
pub(crate) fn read_mappings<'a>(ctx: &mut Ctx<'a>, parent: &'a Value, key: &str, path: &str) -> Vec<ParameterMapping> {
    let Some(value) = parent.get(key) else {
        return Vec::new();
    };
    let path = join(path, key);
    let Some(members) = ctx.object(value, &path) else {
        return Vec::new();
    };
    let mut mappings = Vec::new();
    for member in members {
        let member_path = join(&path, &member.key);
        if let Some(source) = ctx.string(&member.value, &member_path) {
            mappings.push(ParameterMapping {
                target: Located::new(member.key.clone(), member.key_span),
                source,
            });
        }
    }
    mappings
}

/// `key: {content-type: template, ...}` (`requestTemplates`, `responseTemplates`).
pub(crate) fn read_templates<'a>(ctx: &mut Ctx<'a>, parent: &'a Value, key: &str, path: &str) -> Vec<MappingTemplate> {
    let Some(value) = parent.get(key) else {
        return Vec::new();
    };
    let path = join(path, key);
    let Some(members) = ctx.object(value, &path) else {
        return Vec::new();
    };
    let mut templates = Vec::new();
    for member in members {
        let member_path = join(&path, &member.key);
        if member.value.is_null() {
            // AWS exports write an empty template as `null` in some versions; it means "no template text".
            templates.push(MappingTemplate {
                content_type: member.key.clone(),
                template: crate::template::TemplateSource::unmapped("", member.value.span()),
            });
            continue;
        }
        let Some(text) = member.value.as_str() else {
            ctx.error(
                member.value.span(),
                &member_path,
                "expected the template text",
                format!("found {}", member.value.kind_name()),
            );
            continue;
        };
        if text.len() > MAX_TEMPLATE_BYTES {
            ctx.error(
                member.value.span(),
                &member_path,
                "mapping template too large",
                format!("{} bytes; at most {MAX_TEMPLATE_BYTES}", text.len()),
            );
            continue;
        }
        if !member.key.contains('/') {
            ctx.warning(
                member.key_span,
                &member_path,
                format!("`{}` is not a media type", member.key),
                "expected a content type such as application/json",
            );
        }
        let template = ctx.template(&member.value, text);
        templates.push(MappingTemplate {
            content_type: member.key.clone(),
            template,
        });
    }
    templates
}

pub(crate) fn read_binary_media_types(ctx: &mut Ctx<'_>) -> Vec<String> {
    let root = ctx.root;
    let key = "x-amazon-apigateway-binary-media-types";
    let Some(value) = root.get(key) else {
        return Vec::new();
    };
    let mut types = Vec::new();
    for item in ctx.strings(value, key) {
        if !item.value.contains('/') {
            ctx.warning(
                item.span,
                key,
                format!("`{}` is not a media type", item.value),
                "expected type/subtype, e.g. image/png or */*",
            );
        }
        types.push(item.value);
    }
    types
}

/// AWS's range for `minimumCompressionSize`.
const MAX_COMPRESSION_SIZE: i64 = 10_485_760;

pub(crate) fn read_minimum_compression_size(ctx: &mut Ctx<'_>) -> Option<u32> {
    let root = ctx.root;
    let key = "x-amazon-apigateway-minimum-compression-size";
    let value = root.get(key)?;
    let size = ctx.integer(value, key)?;
    if !(0..=MAX_COMPRESSION_SIZE).contains(&size) {
        ctx.error(
            value.span(),
            key,
            "minimum compression size out of range",
            format!("expected 0 to {MAX_COMPRESSION_SIZE}, found {size}"),
        );
        return None;
    }
    u32::try_from(size).ok()
}

pub(crate) fn read_api_key_source(ctx: &mut Ctx<'_>) -> Option<ApiKeySource> {
    let root = ctx.root;
    let key = "x-amazon-apigateway-api-key-source";
    let value = root.get(key)?;
    let text = ctx.string(value, key)?;
    if text.value.eq_ignore_ascii_case("HEADER") {
        Some(ApiKeySource::Header)
    } else if text.value.eq_ignore_ascii_case("AUTHORIZER") {
        Some(ApiKeySource::Authorizer)
    } else {
        ctx.error(
            text.span,
            key,
            format!("invalid API key source {}", describe_value(value)),
            "expected HEADER or AUTHORIZER",
        );
        None
    }
}

/// The document's base path: OAS2 `basePath`; OAS3 the first `basePath` server variable, else the path of
/// `servers[0].url` (AWS's rules).
pub(crate) fn read_base_path(ctx: &mut Ctx<'_>) -> Option<String> {
    let root = ctx.root;
    let raw = match ctx.version {
        SpecVersion::Swagger2 => ctx.string_member(root, "basePath", "")?.value,
        SpecVersion::OpenApi3 => {
            let servers = root.get("servers")?;
            let servers = ctx.array(servers, "servers")?;
            let variable = servers.iter().find_map(|server| {
                server
                    .get("variables")?
                    .get("basePath")?
                    .get("default")?
                    .as_str()
                    .map(str::to_owned)
            });
            match variable {
                Some(variable) => variable,
                None => url_path(servers.first()?.get("url")?.as_str()?),
            }
        }
    };
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        None
    } else {
        Some(format!("/{trimmed}"))
    }
}

/// The path of a server URL (`https://h/prod` → `/prod`), with `{variables}` left as written.
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    if url.contains("://") {
        after_scheme
            .find('/')
            .map_or(String::new(), |at| after_scheme.get(at..).unwrap_or("").to_owned())
    } else {
        after_scheme.to_owned()
    }
}
