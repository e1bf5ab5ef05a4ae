//! An OpenAPI operation → a [`Method`]: parameters, body models, responses, security, validator,
//! integration.

use super::api::{check_schema_refs, check_validator_name, valid_parameter_name};
use super::context::{Ctx, index, join};
use super::integration;
use super::paths::Builder;
use super::security::SchemeKind;
use crate::model::{
    AuthorizationType, ContentModel, HttpMethod, Located, Method, MethodParameter, MethodResponse, Model,
    ParameterLocation, ResourceId, ResponseHeader, SpecVersion,
};
use crate::value::{Value, ValueKind};

const OAS2_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "consumes",
    "produces",
    "parameters",
    "responses",
    "schemes",
    "deprecated",
    "security",
];
const OAS3_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
];
const OPERATION_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-auth",
];

pub(crate) fn read<'a>(
    builder: &mut Builder<'_, 'a>,
    resource: ResourceId,
    http_method: HttpMethod,
    operation: &'a Value,
    path: &str,
    shared_parameters: &[(&'a Value, String)],
) -> Option<Method> {
    let fields = builder.ctx.object(operation, path)?;
    let known = if builder.ctx.version == SpecVersion::Swagger2 {
        OAS2_FIELDS
    } else {
        OAS3_FIELDS
    };
    builder
        .ctx
        .check_keys(fields, path, known, OPERATION_EXTENSIONS, "an operation");
    let resource_path = builder
        .resources
        .get(resource.index())
        .map_or_else(|| "/".to_owned(), |r| r.path.clone());

    let operation_id = builder
        .ctx
        .string_member(operation, "operationId", path)
        .map(|id| id.value);
    let (request_parameters, mut request_models) =
        read_parameters(builder, operation, path, shared_parameters, &resource_path);
    if let Some(body) = operation.get("requestBody") {
        request_models.extend(read_request_body(builder, body, &join(path, "requestBody")));
    }
    let responses = read_responses(builder, operation, path);
    let security = read_security(builder, operation, path);

    let request_validator = match operation.get("x-amazon-apigateway-request-validator") {
        Some(value) => {
            let validator_path = join(path, "x-amazon-apigateway-request-validator");
            builder.ctx.string(value, &validator_path).and_then(|name| {
                check_validator_name(builder.ctx, &name, &validator_path, builder.validators).then_some(name.value)
            })
        }
        None => builder.default_validator.clone(),
    };

    let integration = match operation.get("x-amazon-apigateway-integration") {
        Some(value) => {
            let integration_path = join(path, "x-amazon-apigateway-integration");
            builder.ctx.resolve(value, &integration_path).and_then(|value| {
                let method_view = integration::MethodView {
                    parameters: &request_parameters,
                    responses: &responses,
                };
                integration::read(builder.ctx, value, &integration_path, &method_view)
            })
        }
        None => {
            builder.ctx.error(
                operation_key_span(builder.ctx, operation),
                path,
                format!("{http_method} {resource_path} has no `x-amazon-apigateway-integration`"),
                "AWS refuses to deploy a method without an integration",
            );
            None
        }
    };

    Some(Method {
        http_method,
        operation_id,
        authorization: security.authorization,
        authorizer: security.authorizer,
        authorization_scopes: security.scopes,
        api_key_required: security.api_key_required,
        request_validator,
        request_parameters,
        request_models,
        responses,
        integration,
        span: operation.span(),
    })
}

/// A short span to point at for problems of a whole operation: its first key.
fn operation_key_span(_ctx: &Ctx<'_>, operation: &Value) -> crate::Span {
    match operation.as_object().and_then(|members| members.first()) {
        Some(member) => member.key_span,
        None => operation.span(),
    }
}

/// Path-item and operation parameters (the operation's win for the same name and location).
fn read_parameters<'a>(
    builder: &mut Builder<'_, 'a>,
    operation: &'a Value,
    path: &str,
    shared: &[(&'a Value, String)],
    resource_path: &str,
) -> (Vec<MethodParameter>, Vec<ContentModel>) {
    let mut all: Vec<(&'a Value, String)> = Vec::new();
    let own: Vec<(&'a Value, String)> = match operation.get("parameters") {
        Some(parameters) => {
            let parameters_path = join(path, "parameters");
            let items = builder.ctx.array(parameters, &parameters_path).unwrap_or(&[]);
            items
                .iter()
                .enumerate()
                .map(|(at, value)| (value, index(&parameters_path, at)))
                .collect()
        }
        None => Vec::new(),
    };
    let mut resolved_own = Vec::new();
    for (value, parameter_path) in &own {
        if let Some(resolved) = builder.ctx.resolve(value, parameter_path) {
            resolved_own.push((resolved, parameter_path.clone()));
        }
    }
    let identity = |value: &Value| {
        (
            value.get("name").and_then(Value::as_str).map(str::to_owned),
            value.get("in").and_then(Value::as_str).map(str::to_owned),
        )
    };
    for (value, parameter_path) in shared {
        let Some(resolved) = builder.ctx.resolve(value, parameter_path) else {
            continue;
        };
        if !resolved_own.iter().any(|(own, _)| identity(own) == identity(resolved)) {
            all.push((resolved, parameter_path.clone()));
        }
    }
    all.extend(resolved_own);

    let mut parameters: Vec<MethodParameter> = Vec::new();
    let mut models = Vec::new();
    for (value, parameter_path) in all {
        if builder.ctx.object(value, &parameter_path).is_none() {
            continue;
        }
        let Some(name) = builder.ctx.string_member(value, "name", &parameter_path) else {
            builder.ctx.error(
                value.span(),
                &parameter_path,
                "parameter without `name`",
                "expected `name` and `in`",
            );
            continue;
        };
        let Some(location) = builder.ctx.string_member(value, "in", &parameter_path) else {
            builder.ctx.error(
                value.span(),
                &parameter_path,
                "parameter without `in`",
                "expected `in`: path, query or header",
            );
            continue;
        };
        let location = match location.value.as_str() {
            "path" => ParameterLocation::Path,
            "query" => ParameterLocation::QueryString,
            "header" => ParameterLocation::Header,
            "body" if builder.ctx.version == SpecVersion::Swagger2 => {
                models.extend(read_body_parameter(builder, operation, value, &parameter_path));
                continue;
            }
            "formData" | "cookie" => {
                builder.ctx.warning(
                    location.span,
                    &join(&parameter_path, "in"),
                    format!("`in: {}` parameters are ignored by API Gateway", location.value),
                    "only path, query and header parameters become method request parameters",
                );
                continue;
            }
            _ => {
                builder.ctx.error(
                    location.span,
                    &join(&parameter_path, "in"),
                    format!("unknown parameter location `{}`", location.value),
                    "expected path, query or header",
                );
                continue;
            }
        };
        if !valid_parameter_name(&name.value) {
            builder.ctx.error(
                name.span,
                &join(&parameter_path, "name"),
                format!("invalid parameter name `{}`", name.value),
                "API Gateway parameter names match ^[a-zA-Z0-9._$-]+$",
            );
            continue;
        }
        let required = match value.get("required") {
            Some(flag) => builder
                .ctx
                .boolean(flag, &join(&parameter_path, "required"))
                .unwrap_or(false),
            None => false,
        };
        if location == ParameterLocation::Path && !path_has_variable(resource_path, &name.value) {
            builder.ctx.warning(
                name.span,
                &join(&parameter_path, "name"),
                format!("path parameter `{}` is not in the path `{resource_path}`", name.value),
                "it can never be present; a required one makes every request fail validation",
            );
        }
        if let Some(first) = parameters
            .iter()
            .find(|existing| existing.location == location && existing.name == name.value)
        {
            let first = first.span;
            let diagnostic = crate::Diagnostic::error(
                builder.ctx.source,
                value.span(),
                format!("parameter `{}` declared twice", name.value),
            )
            .with_label("duplicate")
            .with_path(parameter_path.clone())
            .with_related(builder.ctx.source, first, "first declared here");
            builder.ctx.push(diagnostic);
            continue;
        }
        parameters.push(MethodParameter {
            location,
            name: name.value,
            required,
            span: value.span(),
        });
    }
    (parameters, models)
}

fn path_has_variable(resource_path: &str, name: &str) -> bool {
    resource_path
        .split('/')
        .any(|segment| segment == format!("{{{name}}}") || segment == format!("{{{name}+}}"))
}

/// OAS2 `in: body`: the schema becomes the model for each `consumes` media type.
fn read_body_parameter<'a>(
    builder: &mut Builder<'_, 'a>,
    operation: &'a Value,
    parameter: &'a Value,
    path: &str,
) -> Vec<ContentModel> {
    let Some(schema) = parameter.get("schema") else {
        return Vec::new();
    };
    let Some(model) = model_for_schema(builder, schema, &join(path, "schema")) else {
        return Vec::new();
    };
    media_types(builder, operation, "consumes")
        .into_iter()
        .map(|content_type| ContentModel {
            content_type,
            model: model.clone(),
        })
        .collect()
}

/// OAS2 `consumes` / `produces` of the operation, else of the document, else `application/json`.
fn media_types(builder: &mut Builder<'_, '_>, operation: &Value, key: &str) -> Vec<String> {
    let list = operation.get(key).or_else(|| builder.ctx.root.get(key));
    let types: Vec<String> = list
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if types.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        types
    }
}

/// OAS3 `requestBody.content`: one model per media type.
fn read_request_body<'a>(builder: &mut Builder<'_, 'a>, body: &'a Value, path: &str) -> Vec<ContentModel> {
    let Some(body) = builder.ctx.resolve(body, path) else {
        return Vec::new();
    };
    content_models(builder, body, path)
}

/// OAS3 `content: {media type: {schema}}` → models.
fn content_models<'a>(builder: &mut Builder<'_, 'a>, parent: &'a Value, path: &str) -> Vec<ContentModel> {
    let Some(content) = parent.get("content") else {
        return Vec::new();
    };
    let content_path = join(path, "content");
    let Some(members) = builder.ctx.object(content, &content_path) else {
        return Vec::new();
    };
    let mut models = Vec::new();
    for member in members {
        let Some(schema) = member.value.get("schema") else {
            continue;
        };
        let schema_path = join(&join(&content_path, &member.key), "schema");
        if let Some(model) = model_for_schema(builder, schema, &schema_path) {
            models.push(ContentModel {
                content_type: member.key.clone(),
                model,
            });
        }
    }
    models
}

/// The model a schema stands for: a `$ref` to a model, or a new model for an inline schema.
fn model_for_schema<'a>(builder: &mut Builder<'_, 'a>, schema: &'a Value, path: &str) -> Option<String> {
    if let Some(reference) = schema.get("$ref") {
        let target = reference.as_str()?;
        let name = target
            .strip_prefix("#/definitions/")
            .or_else(|| target.strip_prefix("#/components/schemas/"))
            .map(|name| name.replace("~1", "/").replace("~0", "~"));
        if let Some(name) = name.filter(|name| builder.models.iter().any(|model| &model.name == name)) {
            return Some(name);
        }
        // AWS imports with a warning ("missing model reference") and leaves the body without a model.
        builder.ctx.warning(
            reference.span(),
            &join(path, "$ref"),
            format!("`{target}` is not a model of this document"),
            "the body gets no model, so it is not validated",
        );
        return None;
    }
    if !matches!(schema.kind(), ValueKind::Object(_)) {
        builder.ctx.error(
            schema.span(),
            path,
            "expected a schema object",
            format!("found {}", schema.kind_name()),
        );
        return None;
    }
    check_schema_refs(builder.ctx, schema, path);
    let name = format!("InlineModel{}", builder.inline_models.len() + 1);
    builder.inline_models.push(Model {
        name: name.clone(),
        content_type: "application/json".to_owned(),
        schema: schema.clone(),
        span: schema.span(),
    });
    Some(name)
}

fn read_responses<'a>(builder: &mut Builder<'_, 'a>, operation: &'a Value, path: &str) -> Vec<MethodResponse> {
    let Some(responses) = operation.get("responses") else {
        return Vec::new();
    };
    let responses_path = join(path, "responses");
    let Some(members) = builder.ctx.object(responses, &responses_path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for member in members {
        let response_path = join(&responses_path, &member.key);
        let code = member.key.as_str();
        let valid = code.len() == 3
            && code.chars().all(|c| c.is_ascii_digit())
            && matches!(code.as_bytes().first(), Some(b'1'..=b'5'));
        if !valid {
            builder.ctx.warning(
                member.key_span,
                &response_path,
                format!("response `{code}` ignored"),
                "API Gateway method responses are status codes from 100 to 599",
            );
            continue;
        }
        let Some(response) = builder.ctx.resolve(&member.value, &response_path) else {
            continue;
        };
        if builder.ctx.object(response, &response_path).is_none() {
            continue;
        }
        let headers = read_response_headers(builder, response, &response_path);
        let models = match builder.ctx.version {
            SpecVersion::Swagger2 => match response.get("schema") {
                Some(schema) => match model_for_schema(builder, schema, &join(&response_path, "schema")) {
                    Some(model) => media_types(builder, operation, "produces")
                        .into_iter()
                        .map(|content_type| ContentModel {
                            content_type,
                            model: model.clone(),
                        })
                        .collect(),
                    None => Vec::new(),
                },
                None => Vec::new(),
            },
            SpecVersion::OpenApi3 => content_models(builder, response, &response_path),
        };
        out.push(MethodResponse {
            status_code: code.to_owned(),
            headers,
            models,
            span: member.key_span,
        });
    }
    out
}

fn read_response_headers<'a>(builder: &mut Builder<'_, 'a>, response: &'a Value, path: &str) -> Vec<ResponseHeader> {
    let Some(headers) = response.get("headers") else {
        return Vec::new();
    };
    let headers_path = join(path, "headers");
    let Some(members) = builder.ctx.object(headers, &headers_path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for member in members {
        let header_path = join(&headers_path, &member.key);
        let Some(header) = builder.ctx.resolve(&member.value, &header_path) else {
            continue;
        };
        let required = match header.get("required") {
            Some(flag) => builder
                .ctx
                .boolean(flag, &join(&header_path, "required"))
                .unwrap_or(false),
            None => false,
        };
        if !valid_parameter_name(&member.key) {
            builder.ctx.error(
                member.key_span,
                &header_path,
                format!("invalid header name `{}`", member.key),
                "API Gateway parameter names match ^[a-zA-Z0-9._$-]+$",
            );
            continue;
        }
        out.push(ResponseHeader {
            name: member.key.clone(),
            required,
        });
    }
    out
}

struct Security {
    authorization: AuthorizationType,
    authorizer: Option<String>,
    scopes: Vec<String>,
    api_key_required: bool,
}

fn read_security<'a>(builder: &mut Builder<'_, 'a>, operation: &'a Value, path: &str) -> Security {
    let mut security = Security {
        authorization: AuthorizationType::None,
        authorizer: None,
        scopes: Vec::new(),
        api_key_required: false,
    };
    if let Some(requirements) = operation.get("security") {
        let security_path = join(path, "security");
        let items = builder.ctx.array(requirements, &security_path).unwrap_or(&[]);
        for (at, requirement) in items.iter().enumerate() {
            let requirement_path = index(&security_path, at);
            let Some(members) = builder.ctx.object(requirement, &requirement_path) else {
                continue;
            };
            for member in members {
                let scheme_path = join(&requirement_path, &member.key);
                let scopes: Vec<Located<String>> = builder.ctx.strings(&member.value, &scheme_path);
                match builder.schemes.kind(&member.key).cloned() {
                    None => {
                        let names: Vec<&str> = builder.schemes.kinds.iter().map(|(name, _)| name.as_str()).collect();
                        let label = if names.is_empty() { "no security schemes are defined".to_owned() } else { format!("expected one of: {}", names.join(", ")) };
                        builder.ctx.error(member.key_span, &scheme_path, format!("unknown security scheme `{}`", member.key), label);
                    }
                    Some(SchemeKind::ApiKey) => security.api_key_required = true,
                    Some(SchemeKind::Sigv4) => set_authorization(builder, &mut security, AuthorizationType::AwsIam, None, member.key_span, &scheme_path),
                    Some(SchemeKind::Authorizer(kind)) => {
                        let authorization = match kind {
                            crate::model::AuthorizerType::CognitoUserPools => AuthorizationType::CognitoUserPools,
                            _ => AuthorizationType::Custom,
                        };
                        set_authorization(builder, &mut security, authorization, Some(member.key.clone()), member.key_span, &scheme_path);
                        security.scopes.extend(scopes.into_iter().map(|scope| scope.value));
                    }
                    Some(SchemeKind::Other) => builder.ctx.warning(
                        member.key_span,
                        &scheme_path,
                        format!("security scheme `{}` is ignored by API Gateway", member.key),
                        "it is neither an API key (x-api-key header), IAM (awsSigv4) nor an x-amazon-apigateway-authorizer",
                    ),
                }
            }
        }
    }
    if let Some(auth) = operation.get("x-amazon-apigateway-auth") {
        let auth_path = join(path, "x-amazon-apigateway-auth");
        if let Some(kind) = builder.ctx.string_member(auth, "type", &auth_path) {
            match kind.value.to_ascii_uppercase().as_str() {
                "NONE" => security.authorization = AuthorizationType::None,
                "AWS_IAM" => security.authorization = AuthorizationType::AwsIam,
                _ => builder.ctx.error(
                    kind.span,
                    &join(&auth_path, "type"),
                    format!("unknown authorization type `{}`", kind.value),
                    "expected NONE or AWS_IAM",
                ),
            }
        }
    }
    security
}

fn set_authorization(
    builder: &mut Builder<'_, '_>,
    security: &mut Security,
    authorization: AuthorizationType,
    authorizer: Option<String>,
    span: crate::Span,
    path: &str,
) {
    if security.authorization != AuthorizationType::None
        && (security.authorization != authorization || security.authorizer != authorizer)
    {
        builder.ctx.error(
            span,
            path,
            "a method has one authorizer",
            "this operation already names another authorizer or IAM",
        );
        return;
    }
    security.authorization = authorization;
    security.authorizer = authorizer;
}
