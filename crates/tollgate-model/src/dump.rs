//! A stable, human-readable text dump of a [`RestApi`], for golden tests and `tollgate validate --dump`-style
//! tools. Every located item shows its `line:col` in the definition; templates show where each of their first
//! lines starts in the file, which pins the template position map.

use std::fmt::Write as _;

use crate::model::{
    GatewayResponse, Integration, IntegrationResponse, Located, MappingTemplate, Method, ParameterMapping, RestApi,
};
use crate::source::{LineCol, SourceFile, Span};
use crate::value::write_json_string;

/// How many template lines get their file position listed.
const TEMPLATE_LINES_SHOWN: usize = 4;

/// The dump of `api`.
#[must_use]
pub fn to_text(api: &RestApi) -> String {
    let mut out = String::new();
    let source = &api.source;
    let _ = writeln!(out, "spec: {:?}", api.spec_version);
    let _ = writeln!(out, "title: {}", opt(api.title.as_deref()));
    let _ = writeln!(out, "version: {}", opt(api.version.as_deref()));
    let _ = writeln!(out, "base_path: {}", opt(api.base_path.as_deref()));
    let _ = writeln!(out, "api_key_source: {:?}", api.api_key_source);
    let _ = writeln!(out, "binary_media_types: [{}]", api.binary_media_types.join(", "));
    let _ = writeln!(
        out,
        "minimum_compression_size: {}",
        api.minimum_compression_size
            .map_or("-".to_owned(), |size| size.to_string())
    );
    if let Some(policy) = &api.policy {
        let _ = writeln!(out, "policy: {}", policy.to_json());
    }
    for validator in &api.request_validators {
        let _ = writeln!(
            out,
            "validator {}: body={} parameters={}",
            quoted(&validator.name),
            validator.validate_request_body,
            validator.validate_request_parameters
        );
    }
    for authorizer in &api.authorizers {
        let _ = writeln!(
            out,
            "authorizer {}: {} ttl={}",
            authorizer.name,
            authorizer.authorizer_type.as_str(),
            authorizer.result_ttl_seconds
        );
        if let Some(auth_type) = &authorizer.auth_type {
            let _ = writeln!(out, "  authtype: {auth_type}");
        }
        located_line(&mut out, source, "  uri", authorizer.authorizer_uri.as_ref());
        located_line(
            &mut out,
            source,
            "  credentials",
            authorizer.authorizer_credentials.as_ref(),
        );
        for identity in &authorizer.identity_source {
            let _ = writeln!(out, "  identity_source: {}", identity.value);
        }
        located_line(
            &mut out,
            source,
            "  validation",
            authorizer.identity_validation_expression.as_ref(),
        );
        for arn in &authorizer.provider_arns {
            let _ = writeln!(out, "  provider: {arn}");
        }
    }
    for response in &api.gateway_responses {
        gateway_response(&mut out, source, response);
    }
    for model in &api.models {
        let _ = writeln!(
            out,
            "model {} ({}) @{}: {}",
            model.name,
            model.content_type,
            at(source, model.span),
            model.schema.to_json()
        );
    }
    for resource in &api.resources {
        let parent = resource.parent.map_or("-".to_owned(), |parent| parent.0.to_string());
        let _ = writeln!(
            out,
            "resource {} {} parent={} part={} @{}",
            resource.id.0,
            resource.path,
            parent,
            quoted(&resource.path_part),
            at(source, resource.span)
        );
        for method in &resource.methods {
            method_text(&mut out, source, method);
        }
    }
    out
}

fn method_text(out: &mut String, source: &SourceFile, method: &Method) {
    let _ = writeln!(
        out,
        "  method {} @{} op={} auth={} authorizer={} scopes=[{}] api_key={} validator={}",
        method.http_method,
        at(source, method.span),
        opt(method.operation_id.as_deref()),
        method.authorization.as_str(),
        opt(method.authorizer.as_deref()),
        method.authorization_scopes.join(", "),
        method.api_key_required,
        opt(method.request_validator.as_deref())
    );
    for parameter in &method.request_parameters {
        let _ = writeln!(
            out,
            "    parameter {} required={}",
            parameter.expression(),
            parameter.required
        );
    }
    for model in &method.request_models {
        let _ = writeln!(out, "    body {} -> {}", model.content_type, model.model);
    }
    for response in &method.responses {
        let headers: Vec<String> = response
            .headers
            .iter()
            .map(|header| {
                if header.required {
                    format!("{}!", header.name)
                } else {
                    header.name.clone()
                }
            })
            .collect();
        let models: Vec<String> = response
            .models
            .iter()
            .map(|model| format!("{} -> {}", model.content_type, model.model))
            .collect();
        let _ = writeln!(
            out,
            "    response {} headers=[{}] models=[{}]",
            response.status_code,
            headers.join(", "),
            models.join(", ")
        );
    }
    if let Some(integration) = &method.integration {
        integration_text(out, source, integration);
    }
}

fn integration_text(out: &mut String, source: &SourceFile, integration: &Integration) {
    let _ = writeln!(
        out,
        "    integration {} @{} passthrough={} timeout={} content_handling={} connection={}{} tls_skip_verify={}",
        integration.integration_type.as_str(),
        at(source, integration.span),
        integration.passthrough_behavior.as_str(),
        integration.timeout_millis,
        integration.content_handling.map_or("-", |handling| handling.as_str()),
        integration.connection_type.as_str(),
        integration
            .connection_id
            .as_deref()
            .map_or(String::new(), |id| format!(" {id}")),
        integration.tls_insecure_skip_verification
    );
    located_line(out, source, "      http_method", integration.http_method.as_ref());
    located_line(out, source, "      uri", integration.uri.as_ref());
    located_line(out, source, "      credentials", integration.credentials.as_ref());
    for key in &integration.cache_key_parameters {
        let _ = writeln!(out, "      cache_key {}", key.value);
    }
    if let Some(namespace) = &integration.cache_namespace {
        let _ = writeln!(out, "      cache_namespace {namespace}");
    }
    for mapping in &integration.request_parameters {
        mapping_line(out, source, "      request_parameter", mapping);
    }
    for template in &integration.request_templates {
        template_text(out, source, "      request_template", template);
    }
    for response in &integration.responses {
        integration_response(out, source, response);
    }
}

fn integration_response(out: &mut String, source: &SourceFile, response: &IntegrationResponse) {
    let pattern = response
        .selection_pattern
        .as_ref()
        .map_or("default".to_owned(), |pattern| {
            format!("{} @{}", quoted(&pattern.value), at(source, pattern.span))
        });
    let _ = writeln!(
        out,
        "      response {pattern} -> {} @{} content_handling={}",
        response.status_code.value,
        at(source, response.status_code.span),
        response.content_handling.map_or("-", |handling| handling.as_str())
    );
    for mapping in &response.response_parameters {
        mapping_line(out, source, "        response_parameter", mapping);
    }
    for template in &response.response_templates {
        template_text(out, source, "        response_template", template);
    }
}

fn gateway_response(out: &mut String, source: &SourceFile, response: &GatewayResponse) {
    let status = response
        .status_code
        .as_ref()
        .map_or("-".to_owned(), |status| status.value.clone());
    let _ = writeln!(
        out,
        "gateway_response {} status={} @{}",
        response.response_type,
        status,
        at(source, response.span)
    );
    for mapping in &response.response_parameters {
        mapping_line(out, source, "  parameter", mapping);
    }
    for template in &response.response_templates {
        template_text(out, source, "  template", template);
    }
}

fn mapping_line(out: &mut String, source: &SourceFile, label: &str, mapping: &ParameterMapping) {
    let _ = writeln!(
        out,
        "{label} {} @{} <- {} @{}",
        mapping.target.value,
        at(source, mapping.target.span),
        mapping.source.value,
        at(source, mapping.source.span)
    );
}

fn template_text(out: &mut String, source: &SourceFile, label: &str, template: &MappingTemplate) {
    let text = template.template.text();
    let mut starts = Vec::new();
    for (line, _) in text.split('\n').enumerate().take(TEMPLATE_LINES_SHOWN) {
        let position = LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: 1,
        };
        starts.push(source.line_col(template.template.file_offset_at(position)).to_string());
    }
    let _ = writeln!(
        out,
        "{label} {} @{} lines=[{}] {}",
        template.content_type,
        at(source, template.template.origin()),
        starts.join(", "),
        quoted(text)
    );
}

fn located_line(out: &mut String, source: &SourceFile, label: &str, value: Option<&Located<String>>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{label} {} @{}", value.value, at(source, value.span));
    }
}

fn at(source: &SourceFile, span: Span) -> String {
    source.line_col(span.start).to_string()
}

fn opt(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

fn quoted(text: &str) -> String {
    let mut out = String::new();
    write_json_string(text, &mut out);
    out
}
