//! Gateway responses (spec §7): AWS's defaults per type, the API's customizations compiled at deploy time,
//! and [`respond`], the one place a [`GatewayError`] becomes a response.

// Generated from spec/gateway-responses.toml; rustfmt would make it differ from the generator's output.
#[rustfmt::skip]
mod table;
mod template;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use tollgate_model::{GatewayResponseType, RestApi};

use crate::body::ResponseBody;
use crate::cx::Values;
use crate::error::GatewayError;
use crate::param::{self, Side, Source};
pub(crate) use template::GatewayTemplate;

/// How an un-customized type's body is written (spec §7 "Byte-exactness").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyForm {
    /// `{"message":"X"}`.
    Compact,
    /// `{"message": "X"}`.
    Spaced,
    /// `{"Message":"X"}`.
    Capital,
    /// `{"message":null}`.
    Null,
    /// The message as plain text; not customizable.
    Plain,
}

/// AWS's defaults for one type.
#[derive(Clone, Debug)]
pub(crate) struct Defaults {
    pub(crate) kind: GatewayResponseType,
    pub(crate) status: Option<u16>,
    pub(crate) error_type: &'static str,
    /// `error_type` as a header value, validated at compile time.
    pub(crate) error_type_header: HeaderValue,
    pub(crate) message: Option<&'static str>,
    pub(crate) form: BodyForm,
    pub(crate) fallback: Option<GatewayResponseType>,
}

/// The defaults of `kind`.
pub(crate) fn defaults(kind: GatewayResponseType) -> &'static Defaults {
    table::TABLE
        .iter()
        .find(|d| d.kind == kind)
        .unwrap_or(&API_CONFIGURATION_ERROR)
}

/// Used only if the table lacked a type, which `every_type_has_defaults` rules out.
static API_CONFIGURATION_ERROR: Defaults = Defaults {
    kind: GatewayResponseType::ApiConfigurationError,
    status: Some(500),
    error_type: "InternalServerErrorException",
    error_type_header: HeaderValue::from_static("InternalServerErrorException"),
    message: Some("Internal server error"),
    form: BodyForm::Spaced,
    fallback: Some(GatewayResponseType::Default5xx),
};

/// One customized type, compiled.
#[derive(Debug)]
struct Custom {
    kind: GatewayResponseType,
    status: Option<StatusCode>,
    headers: Vec<(HeaderName, Source)>,
    template: Option<GatewayTemplate>,
}

/// The gateway responses of a deployment: the API's customizations over AWS's defaults.
#[derive(Debug, Default)]
pub(crate) struct GatewayResponses {
    custom: Vec<Custom>,
}

/// A problem in a customization, reported by the deployment compiler at `span`.
pub(crate) struct CompileProblem {
    pub(crate) span: tollgate_model::Span,
    pub(crate) message: String,
}

impl GatewayResponses {
    /// Compiles `x-amazon-apigateway-gateway-responses`.
    pub(crate) fn compile(api: &RestApi, problems: &mut Vec<CompileProblem>) -> GatewayResponses {
        let mut custom = Vec::new();
        for response in &api.gateway_responses {
            let kind = response.response_type;
            if kind == GatewayResponseType::RequestTooLarge {
                problems.push(CompileProblem {
                    span: response.span,
                    message: "REQUEST_TOO_LARGE cannot be customized (AWS answers it before the API is involved)"
                        .to_owned(),
                });
                continue;
            }
            let status = response.status_code.as_ref().and_then(|code| {
                match code
                    .value
                    .parse::<u16>()
                    .ok()
                    .filter(|n| (100..=599).contains(n))
                    .and_then(|n| StatusCode::from_u16(n).ok())
                {
                    Some(status) => Some(status),
                    None => {
                        problems.push(CompileProblem {
                            span: code.span,
                            message: format!("invalid status code `{}`", code.value),
                        });
                        None
                    }
                }
            });
            let mut headers = Vec::new();
            for mapping in &response.response_parameters {
                let target = param::parse_response_target(&mapping.target.value, "gatewayresponse.header.");
                let name = target.and_then(|name| {
                    HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("invalid header name `{name}`"))
                });
                match (name, param::parse_source(&mapping.source.value, Side::GatewayResponse)) {
                    (Ok(name), Ok(source)) => headers.push((name, source)),
                    (Err(message), _) => problems.push(CompileProblem {
                        span: mapping.target.span,
                        message,
                    }),
                    (_, Err(message)) => problems.push(CompileProblem {
                        span: mapping.source.span,
                        message,
                    }),
                }
            }
            let chosen = response
                .response_templates
                .iter()
                .find(|t| t.content_type.eq_ignore_ascii_case("application/json"))
                .or_else(|| response.response_templates.first());
            let template = chosen.map(|t| GatewayTemplate::compile(t.template.text()));
            custom.push(Custom {
                kind,
                status,
                headers,
                template,
            });
        }
        GatewayResponses { custom }
    }

    fn get(&self, kind: GatewayResponseType) -> Option<&Custom> {
        self.custom.iter().find(|c| c.kind == kind)
    }
}

/// What the request context must know about the error while its gateway response is rendered
/// (`$context.error.*`).
#[derive(Clone, Debug)]
pub(crate) struct ErrorInfo {
    pub(crate) kind: GatewayResponseType,
    pub(crate) message: Option<String>,
    /// `$context.error.validationErrorString` (request validation only).
    pub(crate) validation_error: Option<String>,
    /// Replaces the type's default status (a Lambda proxy's 502); a customized status still wins.
    pub(crate) status: Option<u16>,
}

impl ErrorInfo {
    pub(crate) fn of(err: &GatewayError) -> ErrorInfo {
        let kind = err.response_type();
        let message = match err {
            GatewayError::BadRequestParameters { missing } => {
                Some(format!("Missing required request parameters: [{}]", missing.join(", ")))
            }
            GatewayError::AccessDenied { message } => Some(message.clone()),
            _ => defaults(kind).message.map(str::to_owned),
        };
        let validation_error = match err {
            GatewayError::InvalidRequestBody { validation } => Some(validation.clone()),
            _ => None,
        };
        ErrorInfo {
            kind,
            message,
            validation_error,
            status: err.status_override(),
        }
    }

    /// `$context.error.messageString`: the message as a JSON string, or `null`.
    pub(crate) fn message_string(&self, out: &mut String) {
        match &self.message {
            Some(message) => tollgate_mapping::json::write_json_string(message, out),
            None => out.push_str("null"),
        }
    }
}

/// The gateway response for `error`: status, `x-amzn-ErrorType`, `Content-Type`, mapped headers and body.
/// The caller adds the headers every response carries (request ids).
pub(crate) fn respond(responses: &GatewayResponses, info: &ErrorInfo, values: &dyn Values) -> Response<ResponseBody> {
    let own = defaults(info.kind);
    if own.form == BodyForm::Plain {
        let mut response = Response::new(ResponseBody::full(own.message.unwrap_or("").as_bytes().to_vec()));
        *response.status_mut() = status_or_500(own.status);
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        return response;
    }
    let custom = responses
        .get(info.kind)
        .or_else(|| own.fallback.and_then(|fallback| responses.get(fallback)));
    let status = custom
        .and_then(|c| c.status)
        .unwrap_or_else(|| status_or_500(info.status.or(own.status)));
    let body = match custom.and_then(|c| c.template.as_ref()) {
        Some(template) => Bytes::from(template.render(values)),
        None => default_body(own.form, info),
    };
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, crate::headers::APPLICATION_JSON);
    if !own.error_type.is_empty() {
        headers.insert(crate::headers::X_AMZN_ERROR_TYPE.clone(), own.error_type_header.clone());
    }
    if let Some(custom) = custom {
        for (name, source) in &custom.headers {
            let mut value = String::new();
            if values.source(source, &mut value)
                && let Ok(value) = HeaderValue::from_str(&value)
            {
                headers.insert(name.clone(), value);
            }
        }
    }
    response
}

fn status_or_500(status: Option<u16>) -> StatusCode {
    status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The bytes AWS sends for an un-customized type.
fn default_body(form: BodyForm, info: &ErrorInfo) -> Bytes {
    let mut out = String::with_capacity(64);
    match form {
        BodyForm::Compact => out.push_str("{\"message\":"),
        BodyForm::Spaced => out.push_str("{\"message\": "),
        BodyForm::Capital => out.push_str("{\"Message\":"),
        BodyForm::Null | BodyForm::Plain => {}
    }
    match form {
        BodyForm::Null => out.push_str("{\"message\":null}"),
        BodyForm::Plain => out.push_str(info.message.as_deref().unwrap_or("")),
        _ => {
            info.message_string(&mut out);
            out.push('}');
        }
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests;
