//! A Lambda proxy event (payload format 1.0, what `sam local generate-event apigateway aws-proxy` prints) read
//! back into the method request it describes, so tools can render mapping templates for a recorded request.
//!
//! Every field is optional: a missing method is `GET`, a missing path `/`, the resource defaults to the path,
//! the stage to `prod`, `requestContext.path` to `/{stage}{path}`, and the remaining `$context` values to
//! [`RequestContext::example`]'s. `multiValueHeaders` / `multiValueQueryStringParameters` win over their
//! single-value twins because they keep repeats. A body with `isBase64Encoded: true` stays base64 text, which is
//! how templates see binary payloads.

use std::fmt;

use crate::context::{ApiKey, Authorizer, ClientCert, Identity, RequestContext};
use crate::json::{self, Json, JsonError};
use crate::request::MethodRequest;

/// The method request an event describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRequest {
    /// Path parameters, query string and headers.
    pub method: MethodRequest,
    /// The body as templates see it (base64 text for a base64 event body).
    pub body: String,
    /// Whether the event's body was base64 (`isBase64Encoded`).
    pub body_is_base64: bool,
    /// `stageVariables`.
    pub stage_variables: Vec<(String, String)>,
    /// `requestContext`, completed with defaults.
    pub context: RequestContext,
}

/// An event that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON.
    Json(JsonError),
    /// A field of the wrong shape.
    Field {
        /// The field, as a dotted path (`requestContext.identity`).
        field: String,
        /// What it should be.
        expected: &'static str,
    },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Json(e) => write!(f, "the event is not JSON: {e}"),
            EventError::Field { field, expected } => write!(f, "event field `{field}` must be {expected}"),
        }
    }
}

impl std::error::Error for EventError {}

fn field_error(field: &str, expected: &'static str) -> EventError {
    EventError::Field {
        field: field.to_owned(),
        expected,
    }
}

/// Reads a Lambda proxy event (payload 1.0).
pub fn parse_proxy_event(text: &str) -> Result<EventRequest, EventError> {
    let event = json::parse(text).map_err(EventError::Json)?;
    if !matches!(event, Json::Object(_)) {
        return Err(field_error("(root)", "an object"));
    }
    let http_method = string(&event, "httpMethod", "httpMethod")?.unwrap_or("GET").to_owned();
    let path = string(&event, "path", "path")?.unwrap_or("/").to_owned();
    let resource = string(&event, "resource", "resource")?.unwrap_or(&path).to_owned();

    let headers = match pairs_multi(&event, "multiValueHeaders")? {
        Some(h) => h,
        None => pairs(&event, "headers")?,
    };
    let query = match pairs_multi(&event, "multiValueQueryStringParameters")? {
        Some(q) => q,
        None => pairs(&event, "queryStringParameters")?,
    };
    let path_params = pairs(&event, "pathParameters")?;
    let stage_variables = pairs(&event, "stageVariables")?;
    let body_is_base64 = match event.get("isBase64Encoded") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(field_error("isBase64Encoded", "a boolean")),
    };
    let body = string(&event, "body", "body")?.unwrap_or("").to_owned();
    let method = MethodRequest::new(path_params, query, headers);

    let empty = Json::Object(Default::default());
    let rc = match event.get("requestContext") {
        None | Some(Json::Null) => &empty,
        Some(obj @ Json::Object(_)) => obj,
        Some(_) => return Err(field_error("requestContext", "an object")),
    };
    let mut context = RequestContext::example();
    let text = |key: &str| -> Result<Option<String>, EventError> { scalar(rc, key, &format!("requestContext.{key}")) };
    let set = |target: &mut String, value: Option<String>| {
        if let Some(v) = value {
            *target = v;
        }
    };
    set(&mut context.account_id, text("accountId")?);
    set(&mut context.api_id, text("apiId")?);
    context.aws_endpoint_request_id = text("awsEndpointRequestId")?;
    set(&mut context.deployment_id, text("deploymentId")?);
    set(&mut context.domain_name, text("domainName")?);
    set(&mut context.domain_prefix, text("domainPrefix")?);
    set(&mut context.extended_request_id, text("extendedRequestId")?);
    context.http_method = text("httpMethod")?.unwrap_or_else(|| http_method.clone());
    set(&mut context.protocol, text("protocol")?);
    set(&mut context.request_id, text("requestId")?);
    set(&mut context.request_time, text("requestTime")?);
    if let Some(epoch) = text("requestTimeEpoch")? {
        context.request_time_epoch = epoch
            .parse()
            .map_err(|_| field_error("requestContext.requestTimeEpoch", "an integer"))?;
    }
    set(&mut context.resource_id, text("resourceId")?);
    context.resource_path = text("resourcePath")?.unwrap_or_else(|| resource.clone());
    set(&mut context.stage, text("stage")?);
    context.path = text("path")?.unwrap_or_else(|| format!("/{}{}", context.stage, path));
    context.waf_response_code = text("wafResponseCode")?;
    context.webacl_arn = text("webaclArn")?;
    context.identity = identity(rc.get("identity"), &method)?;
    context.authorizer = authorizer(rc.get("authorizer"))?;

    Ok(EventRequest {
        method,
        body,
        body_is_base64,
        stage_variables,
        context,
    })
}

fn string<'a>(obj: &'a Json, key: &str, field: &str) -> Result<Option<&'a str>, EventError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(field_error(field, "a string")),
    }
}

/// A string, number or boolean field as text (events from other tools write numbers for some ids).
fn scalar(obj: &Json, key: &str, field: &str) -> Result<Option<String>, EventError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.to_string())),
        Some(Json::Number(n)) => Ok(Some(n.to_string())),
        Some(Json::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(field_error(field, "a string")),
    }
}

/// `{"k": "v", …}` (null values skipped) → pairs in order; a missing or null field is empty.
fn pairs(obj: &Json, key: &str) -> Result<Vec<(String, String)>, EventError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Object(map)) => {
            let mut out = Vec::with_capacity(map.len());
            for (k, v) in map {
                match v {
                    Json::Null => {}
                    Json::String(s) => out.push((k.to_string(), s.to_string())),
                    Json::Number(_) | Json::Bool(_) => out.push((k.to_string(), v.to_compact())),
                    _ => return Err(field_error(&format!("{key}.{k}"), "a string")),
                }
            }
            Ok(out)
        }
        Some(_) => Err(field_error(key, "an object of strings")),
    }
}

/// `{"k": ["v1", "v2"], …}` → pairs with repeats; `None` when the field is missing or null.
fn pairs_multi(obj: &Json, key: &str) -> Result<Option<Vec<(String, String)>>, EventError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(map)) => {
            let mut out = Vec::with_capacity(map.len());
            for (k, v) in map {
                let Json::Array(values) = v else {
                    return Err(field_error(&format!("{key}.{k}"), "an array of strings"));
                };
                for value in values.iter() {
                    match value {
                        Json::String(s) => out.push((k.to_string(), s.to_string())),
                        _ => return Err(field_error(&format!("{key}.{k}"), "an array of strings")),
                    }
                }
            }
            Ok(Some(out))
        }
        Some(_) => Err(field_error(key, "an object of string arrays")),
    }
}

fn identity(value: Option<&Json>, method: &MethodRequest) -> Result<Identity, EventError> {
    let defaults = RequestContext::example().identity;
    let obj = match value {
        None | Some(Json::Null) => {
            return Ok(Identity {
                user_agent: method.header("user-agent").map(str::to_owned).or(defaults.user_agent),
                ..defaults
            });
        }
        Some(obj @ Json::Object(_)) => obj,
        Some(_) => return Err(field_error("requestContext.identity", "an object")),
    };
    let f = |key: &str| scalar(obj, key, &format!("requestContext.identity.{key}"));
    let api_key = if obj.get("apiKey").is_some() || obj.get("apiKeyId").is_some() {
        Some(ApiKey {
            key: f("apiKey")?,
            id: f("apiKeyId")?,
        })
    } else {
        None
    };
    let client_cert = match obj.get("clientCert") {
        None | Some(Json::Null) => None,
        Some(cert @ Json::Object(_)) => {
            let c = |key: &str| -> Result<String, EventError> {
                Ok(scalar(cert, key, &format!("requestContext.identity.clientCert.{key}"))?.unwrap_or_default())
            };
            let validity = cert.get("validity").cloned().unwrap_or(Json::Null);
            let v = |key: &str| -> Result<String, EventError> {
                Ok(scalar(
                    &validity,
                    key,
                    &format!("requestContext.identity.clientCert.validity.{key}"),
                )?
                .unwrap_or_default())
            };
            Some(ClientCert {
                client_cert_pem: c("clientCertPem")?,
                subject_dn: c("subjectDN")?,
                issuer_dn: c("issuerDN")?,
                serial_number: c("serialNumber")?,
                not_before: v("notBefore")?,
                not_after: v("notAfter")?,
            })
        }
        Some(_) => return Err(field_error("requestContext.identity.clientCert", "an object")),
    };
    Ok(Identity {
        cognito_identity_pool_id: f("cognitoIdentityPoolId")?,
        account_id: f("accountId")?,
        cognito_identity_id: f("cognitoIdentityId")?,
        caller: f("caller")?,
        source_ip: f("sourceIp")?,
        principal_org_id: f("principalOrgId")?,
        access_key: f("accessKey")?,
        cognito_authentication_type: f("cognitoAuthenticationType")?,
        cognito_authentication_provider: f("cognitoAuthenticationProvider")?,
        user_arn: f("userArn")?,
        user_agent: f("userAgent")?,
        user: f("user")?,
        api_key,
        client_cert,
    })
}

/// `requestContext.authorizer`: `principalId`, Cognito `claims` and every other key as a Lambda authorizer
/// context entry, stringified as API Gateway does (`1` → `"1"`, `true` → `"true"`).
fn authorizer(value: Option<&Json>) -> Result<Option<Authorizer>, EventError> {
    let map = match value {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Object(map)) => map,
        Some(_) => return Err(field_error("requestContext.authorizer", "an object")),
    };
    let mut authorizer = Authorizer::default();
    for (key, value) in map {
        match (key.as_ref(), value) {
            ("principalId", v) => authorizer.principal_id = stringify(v),
            ("claims", Json::Object(claims)) => {
                authorizer.claims = claims
                    .iter()
                    .filter_map(|(k, v)| Some((k.to_string(), stringify(v)?)))
                    .collect();
            }
            (_, v) => {
                if let Some(s) = stringify(v) {
                    authorizer.context.push((key.to_string(), s));
                }
            }
        }
    }
    Ok(Some(authorizer))
}

fn stringify(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.to_string()),
        other => Some(other.to_compact()),
    }
}

#[cfg(test)]
mod tests;
