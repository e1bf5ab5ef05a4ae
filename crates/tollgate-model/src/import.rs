//! OpenAPI (2.0 / 3.0) with `x-amazon-apigateway-*` extensions → [`RestApi`], reporting every problem.
//!
//! The reader walks the located tree once, builds the model and checks what API Gateway checks at import or
//! deployment time. It keeps going after a problem, so one run lists them all. Where AWS accepts something
//! questionable (it has `failonwarnings` for that), the reader warns instead of failing.

mod api;
mod context;
mod integration;
mod operation;
mod paths;
mod security;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ApiKeySource, RestApi, SpecVersion};
use crate::source::{SourceFile, Span, clamp_u32};
use crate::value::Value;
use crate::{ImportOptions, Loaded};

use context::Ctx;

pub(crate) fn load(file_name: &str, bytes: &[u8], options: &ImportOptions) -> Loaded {
    let mut diagnostics = Vec::new();
    if bytes.len() > options.max_bytes {
        let source = SourceFile::new(file_name, "");
        diagnostics.push(
            Diagnostic::error(
                &source,
                Span::empty(0),
                format!("definition too large: {} bytes", bytes.len()),
            )
            .with_label(format!("at most {} bytes are accepted", options.max_bytes)),
        );
        return Loaded {
            api: None,
            diagnostics,
            source,
        };
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.valid_up_to();
            let text = String::from_utf8_lossy(bytes.get(..valid).unwrap_or(&[])).into_owned();
            let source = SourceFile::new(file_name, &text);
            let at = clamp_u32(valid);
            diagnostics.push(
                Diagnostic::error(&source, Span::empty(at), "the file is not valid UTF-8")
                    .with_label("invalid byte sequence here"),
            );
            return Loaded {
                api: None,
                diagnostics,
                source,
            };
        }
    };
    let source = SourceFile::new(file_name, text);
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let looks_like_json = body.trim_start().starts_with('{');
    let root = if looks_like_json {
        crate::json::parse(&source, &mut diagnostics)
    } else {
        crate::yaml::parse(&source, &mut diagnostics)
    };
    let api = root.and_then(|root| {
        let mut ctx = Ctx::new(&source, &root, options);
        let api = read_document(&mut ctx);
        diagnostics.append(&mut ctx.diagnostics);
        api
    });
    diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.severity == Severity::Warning));
    let fatal = diagnostics
        .iter()
        .any(|diagnostic| diagnostic.is_error() || options.fail_on_warnings);
    Loaded {
        api: if fatal { None } else { api },
        diagnostics,
        source,
    }
}

/// The document root: version, API-wide settings, then paths.
fn read_document(ctx: &mut Ctx<'_>) -> Option<RestApi> {
    let root = ctx.root;
    let Some(members) = root.as_object() else {
        ctx.error(
            root.span(),
            "",
            "the definition is not an OpenAPI document",
            format!("expected an object, found {}", root.kind_name()),
        );
        return None;
    };
    let version = read_version(ctx, root)?;
    ctx.version = version;
    let known: &[&str] = match version {
        SpecVersion::Swagger2 => &[
            "swagger",
            "info",
            "host",
            "basePath",
            "schemes",
            "consumes",
            "produces",
            "paths",
            "definitions",
            "parameters",
            "responses",
            "securityDefinitions",
            "security",
            "tags",
            "externalDocs",
        ],
        SpecVersion::OpenApi3 => &[
            "openapi",
            "info",
            "servers",
            "paths",
            "components",
            "security",
            "tags",
            "externalDocs",
        ],
    };
    ctx.check_keys(members, "", known, api::ROOT_EXTENSIONS, "the document root");

    let (title, description, api_version) = api::read_info(ctx);
    let models = api::read_models(ctx);
    let schemes = security::read_schemes(ctx);
    let request_validators = api::read_request_validators(ctx);
    let default_validator = api::read_default_validator(ctx, &request_validators);
    let gateway_responses = api::read_gateway_responses(ctx);
    let binary_media_types = api::read_binary_media_types(ctx);
    let minimum_compression_size = api::read_minimum_compression_size(ctx);
    let api_key_source = api::read_api_key_source(ctx).unwrap_or(ApiKeySource::Header);
    let policy = root.get("x-amazon-apigateway-policy").cloned();
    if let Some(security) = root.get("security") {
        ctx.warning(
            security.span(),
            "security",
            "root-level `security` is ignored by API Gateway",
            "declare `security` on each operation",
        );
    }
    let base_path = api::read_base_path(ctx);

    let mut builder = paths::Builder::new(
        ctx,
        &models,
        &schemes,
        &request_validators,
        default_validator,
        base_path.as_deref(),
    );
    builder.read_paths(root);
    let (resources, extra_models) = builder.finish();
    let mut models = models;
    models.extend(extra_models);

    Some(RestApi {
        source: ctx.source.clone(),
        spec_version: version,
        title,
        description,
        version: api_version,
        base_path,
        resources,
        binary_media_types,
        minimum_compression_size,
        api_key_source,
        gateway_responses,
        models,
        request_validators,
        authorizers: schemes.authorizers,
        policy,
    })
}

fn read_version(ctx: &mut Ctx<'_>, root: &Value) -> Option<SpecVersion> {
    if let Some(value) = root.get("swagger") {
        let text = ctx.scalar_text(value);
        if text.as_deref() == Some("2.0") {
            return Some(SpecVersion::Swagger2);
        }
        ctx.error(
            value.span(),
            "swagger",
            "unsupported Swagger version",
            "expected \"2.0\"",
        );
        return None;
    }
    if let Some(value) = root.get("openapi") {
        let text = ctx.scalar_text(value).unwrap_or_default();
        if text.starts_with("3.0") {
            return Some(SpecVersion::OpenApi3);
        }
        if text.starts_with("3.") {
            ctx.warning(
                value.span(),
                "openapi",
                format!("OpenAPI {text} is read as 3.0"),
                "API Gateway imports OpenAPI 2.0 and 3.0",
            );
            return Some(SpecVersion::OpenApi3);
        }
        ctx.error(value.span(), "openapi", "unsupported OpenAPI version", "expected 3.0.x");
        return None;
    }
    ctx.error(
        Span::new(root.span().start, root.span().start.saturating_add(1)),
        "",
        "not an OpenAPI document: no `swagger` or `openapi` version",
        "expected `swagger: \"2.0\"` or `openapi: 3.0.1` at the top level",
    );
    None
}
