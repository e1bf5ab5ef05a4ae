//! The request-validation phase (spec §9.1): after the API key, before cache and integration, for every
//! integration type (proxies included).
//!
//! A method's `x-amazon-apigateway-request-validator` names a validator `{validateRequestParameters,
//! validateRequestBody}`. Parameters: every `required` method request parameter must be present and not blank,
//! else 400 BAD_REQUEST_PARAMETERS `Missing required request parameters: [a, b]`, names ordered as their full
//! keys sort (`method.request.header.*` → `path.*` → `querystring.*`, recorded); a required path parameter
//! the resource path does not have is always missing (recorded). The body is checked only once the parameters
//! pass (recorded): the model for the request's media type (no `Content-Type` = `application/json`), else the
//! `$default` model; no model, no check (doc). A failure is 400 BAD_REQUEST_BODY `Invalid request body` with
//! `$context.error.validationErrorString` (see `report`).

mod report;
mod schema;

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderName;
use serde_json::Value;
use tollgate_model::{Diagnostic, Method, ParameterLocation, RestApi};

use schema::{CompiledModel, ModelCompiler};

use crate::body::BoxError;
use crate::cx::RequestCx;
use crate::error::GatewayError;
use crate::gateway::Inner;

/// The request body after validation: the client's body untouched (so HTTP_PROXY still streams it), or the
/// bytes validation read and checked.
#[derive(Debug)]
pub(crate) enum ValidatedBody<B> {
    Untouched(B),
    Read(Bytes),
}

/// What one method checks.
#[derive(Debug)]
pub(crate) struct MethodValidation {
    /// Required parameters in AWS's report order; empty when the validator does not check parameters.
    required: Vec<Required>,
    /// Body models; `None` when the validator does not check bodies.
    body: Option<BodyModels>,
}

#[derive(Debug)]
struct Required {
    location: ParameterLocation,
    name: Box<str>,
    /// The header to look up (`None` when the name is not a valid header name: then it is always missing).
    header: Option<HeaderName>,
    /// The resource path has no such parameter.
    absent_from_path: bool,
}

#[derive(Debug)]
struct BodyModels {
    /// Media type (lower case) → model, in definition order.
    by_type: Vec<(Box<str>, Arc<CompiledModel>)>,
    default: Option<Arc<CompiledModel>>,
}

/// Compiles the validation of each method of one API.
#[derive(Debug)]
pub(crate) struct Compiler<'a> {
    api: &'a RestApi,
    models: ModelCompiler,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(api: &'a RestApi, api_id: &str) -> Compiler<'a> {
        Compiler {
            api,
            models: ModelCompiler::new(api, api_id),
        }
    }

    /// The validation of `method` on the resource `resource_path`, or `None` when it has no validator (or one
    /// that checks nothing). Models that do not compile are reported into `diagnostics`.
    pub(crate) fn method(
        &mut self,
        resource_path: &str,
        method: &Method,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Arc<MethodValidation>> {
        let name = method.request_validator.as_deref()?;
        let validator = self.api.request_validator(name)?;
        let mut required = Vec::new();
        if validator.validate_request_parameters {
            let mut keyed: Vec<(String, Required)> = method
                .request_parameters
                .iter()
                .filter(|p| p.required)
                .map(|p| {
                    let absent_from_path =
                        p.location == ParameterLocation::Path && !has_path_parameter(resource_path, &p.name);
                    (
                        p.expression(),
                        Required {
                            location: p.location,
                            name: p.name.as_str().into(),
                            header: HeaderName::from_bytes(p.name.as_bytes()).ok(),
                            absent_from_path,
                        },
                    )
                })
                .collect();
            // AWS lists the names as their full keys sort: header, then path, then querystring (recorded).
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            required = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let body = if validator.validate_request_body {
            let mut by_type = Vec::new();
            let mut default = None;
            for content in &method.request_models {
                let Some(model) = self.models.model(self.api, &content.model, diagnostics) else {
                    continue;
                };
                if content.content_type == "$default" {
                    default = Some(model);
                } else {
                    by_type.push((content.content_type.to_ascii_lowercase().into(), model));
                }
            }
            Some(BodyModels { by_type, default })
        } else {
            None
        };
        if required.is_empty() && body.is_none() {
            return None;
        }
        Some(Arc::new(MethodValidation { required, body }))
    }
}

/// Whether the resource path template has `{name}` or `{name+}`.
fn has_path_parameter(resource_path: &str, name: &str) -> bool {
    resource_path.split('/').any(|segment| {
        segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .map(|s| s.strip_suffix('+').unwrap_or(s))
            == Some(name)
    })
}

/// Phase: validate the request of the routed method. Returns the body for the integration: read into memory
/// when the body was checked, else untouched (so HTTP_PROXY still streams unvalidated bodies).
pub(crate) async fn run<B>(inner: &Inner, cx: &mut RequestCx<'_>, body: B) -> Result<ValidatedBody<B>, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let Some(validation) = cx.method_route.and_then(|m| m.validation.as_deref()) else {
        return Ok(ValidatedBody::Untouched(body));
    };
    check_parameters(cx, validation)?;
    let Some(model) = validation.body.as_ref().and_then(|b| b.model_for(cx)) else {
        return Ok(ValidatedBody::Untouched(body));
    };
    let bytes = crate::body::collect_limited(body, inner.options.max_body_bytes)
        .await
        .map_err(|err| match err {
            None => GatewayError::RequestTooLarge,
            Some(err) => GatewayError::BadRequestBody {
                detail: err.to_string(),
            },
        })?;
    check_body(model, &bytes)?;
    Ok(ValidatedBody::Read(bytes))
}

fn check_parameters(cx: &RequestCx<'_>, validation: &MethodValidation) -> Result<(), GatewayError> {
    let missing: Vec<&str> = validation
        .required
        .iter()
        .filter(|r| !present(cx, r))
        .map(|r| &*r.name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(GatewayError::BadRequestParameters {
        missing: missing.into_iter().map(str::to_owned).collect(),
    })
}

/// Present and not blank (doc: "included and not blank"; a value of only whitespace is blank, [unk] decided).
fn present(cx: &RequestCx<'_>, required: &Required) -> bool {
    let non_blank = |v: &str| !v.trim().is_empty();
    match required.location {
        ParameterLocation::Header => required.header.as_ref().is_some_and(|name| {
            cx.headers
                .get_all(name)
                .iter()
                .any(|v| non_blank(&String::from_utf8_lossy(v.as_bytes())))
        }),
        ParameterLocation::Path => !required.absent_from_path && cx.path_param(&required.name).is_some_and(non_blank),
        ParameterLocation::QueryString => cx.query.all(&required.name).any(non_blank),
    }
}

impl BodyModels {
    /// The model for the request's media type, else `$default`.
    fn model_for(&self, cx: &RequestCx<'_>) -> Option<&CompiledModel> {
        let content_type = cx
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or("application/json", crate::templates::media_type);
        self.by_type
            .iter()
            .find(|(media, _)| media.eq_ignore_ascii_case(content_type))
            .map(|(_, model)| &**model)
            .or(self.default.as_deref())
    }
}

/// Checks a body against its model. An empty body is checked as `{}` (recorded: an empty body fails a model
/// with required properties; an empty object is what the body reads as, [unk] beyond that).
fn check_body(model: &CompiledModel, bytes: &[u8]) -> Result<(), GatewayError> {
    let instance: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        // serde_json stops at 128 levels of nesting, which bounds the validator's recursion too.
        match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(err) => {
                return Err(GatewayError::InvalidRequestBody {
                    validation: format!("[{}]", json_error(&err)),
                });
            }
        }
    };
    if model.validator.is_valid(&instance) {
        return Ok(());
    }
    Err(GatewayError::InvalidRequestBody {
        validation: report::report(model, &instance),
    })
}

/// The report for a body that is not JSON at all ([unk]: AWS's parser message is not known; this names the
/// position like Jackson's `JsonParseException` does).
fn json_error(err: &serde_json::Error) -> String {
    let reason = err.to_string();
    let reason = reason.split(" at line ").next().unwrap_or(&reason);
    format!(
        "Invalid JSON in the request body: {reason} (line: {}, column: {})",
        err.line(),
        err.column()
    )
}

#[cfg(test)]
mod tests {
    use super::has_path_parameter;

    #[test]
    fn path_parameters_of_the_resource() {
        assert!(has_path_parameter("/nested/{test}", "test"));
        assert!(has_path_parameter("/files/{path+}", "path"));
        assert!(!has_path_parameter("/nested/{test}", "issuer"));
        assert!(!has_path_parameter("/nested/test", "test"));
    }
}
