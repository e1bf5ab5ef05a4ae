//! `$context`: what API Gateway knows about a request, for templates, parameter mappings and gateway responses.
//!
//! The variables, their availability and the recorded `keySet()` orders come from one data file,
//! `spec/context-variables.toml`; `cargo xtask codegen` turns it into [`VARIABLES`] (and the docs table
//! `docs/context-variables.md`).

mod generated;

use std::borrow::Cow;

pub use generated::VARIABLES;
pub(crate) use generated::{IDENTITY_KEYSET, KEYSET};

use crate::json::write_json_string;

/// One documented `$context` variable (a row of `spec/context-variables.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextVariable {
    /// The name after `$context.`, with AWS's placeholders (`authorizer.claims.property`).
    pub name: &'static str,
    /// The Java type templates see (`String`, `Long`, `Integer`).
    pub java_type: &'static str,
    /// Where the variable can be used.
    pub available: Availability,
    /// What it holds.
    pub description: &'static str,
    /// An example value or use.
    pub example: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// A set of places a variable can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability(u8);

impl Availability {
    /// Nowhere.
    pub const NONE: Availability = Availability(0);
    /// Integration request mapping templates.
    pub const REQUEST_TEMPLATE: Availability = Availability(1);
    /// Integration response mapping templates.
    pub const RESPONSE_TEMPLATE: Availability = Availability(2);
    /// Gateway-response templates and header mappings.
    pub const GATEWAY_RESPONSE: Availability = Availability(4);
    /// `context.X` sources of parameter mappings.
    pub const PARAMETER_MAPPING: Availability = Availability(8);
    /// Access-log formats.
    pub const ACCESS_LOG: Availability = Availability(16);
    /// Lambda authorizer identity sources.
    pub const AUTHORIZER: Availability = Availability(32);

    /// The union of two sets.
    pub const fn with(self, other: Availability) -> Availability {
        Availability(self.0 | other.0)
    }

    /// Whether every place of `other` is in this set.
    pub const fn contains(self, other: Availability) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Everything `$context` holds for one request. Built by the runtime per request (or from a Lambda proxy event
/// by [`crate::event`]); all fields are plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// `accountId`.
    pub account_id: String,
    /// `apiId`.
    pub api_id: String,
    /// `awsEndpointRequestId`, once an AWS endpoint answered.
    pub aws_endpoint_request_id: Option<String>,
    /// `deploymentId`.
    pub deployment_id: String,
    /// `domainName`.
    pub domain_name: String,
    /// `domainPrefix`.
    pub domain_prefix: String,
    /// `extendedRequestId`.
    pub extended_request_id: String,
    /// `httpMethod`.
    pub http_method: String,
    /// `path` (with the stage).
    pub path: String,
    /// `protocol`.
    pub protocol: String,
    /// `requestId`.
    pub request_id: String,
    /// `requestTime` in CLF format.
    pub request_time: String,
    /// `requestTimeEpoch` in milliseconds.
    pub request_time_epoch: i64,
    /// `resourceId`.
    pub resource_id: String,
    /// `resourcePath`.
    pub resource_path: String,
    /// `stage`.
    pub stage: String,
    /// `identity.*`.
    pub identity: Identity,
    /// `authorizer.*`, when the method has an authorizer.
    pub authorizer: Option<Authorizer>,
    /// `error.*`, for gateway responses.
    pub error: Option<ContextError>,
    /// `wafResponseCode`, with a web ACL.
    pub waf_response_code: Option<String>,
    /// `webaclArn`, with a web ACL.
    pub webacl_arn: Option<String>,
}

/// `$context.identity`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `cognitoIdentityPoolId`.
    pub cognito_identity_pool_id: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `cognitoIdentityId`.
    pub cognito_identity_id: Option<String>,
    /// `caller`.
    pub caller: Option<String>,
    /// `sourceIp`.
    pub source_ip: Option<String>,
    /// `principalOrgId`.
    pub principal_org_id: Option<String>,
    /// `accessKey`.
    pub access_key: Option<String>,
    /// `cognitoAuthenticationType`.
    pub cognito_authentication_type: Option<String>,
    /// `cognitoAuthenticationProvider`.
    pub cognito_authentication_provider: Option<String>,
    /// `userArn`.
    pub user_arn: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `user`.
    pub user: Option<String>,
    /// `apiKey` and `apiKeyId`, present (possibly null) only when the method requires an API key.
    pub api_key: Option<ApiKey>,
    /// `clientCert.*`, with mutual TLS.
    pub client_cert: Option<ClientCert>,
}

/// `$context.identity.apiKey` / `apiKeyId`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKey {
    /// `apiKey`.
    pub key: Option<String>,
    /// `apiKeyId`.
    pub id: Option<String>,
}

/// `$context.identity.clientCert`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCert {
    /// `clientCertPem`.
    pub client_cert_pem: String,
    /// `subjectDN`.
    pub subject_dn: String,
    /// `issuerDN`.
    pub issuer_dn: String,
    /// `serialNumber`.
    pub serial_number: String,
    /// `validity.notBefore`.
    pub not_before: String,
    /// `validity.notAfter`.
    pub not_after: String,
}

/// `$context.authorizer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorizer {
    /// `principalId` (Lambda authorizers).
    pub principal_id: Option<String>,
    /// `claims.*` (Cognito user pools), every value a string.
    pub claims: Vec<(String, String)>,
    /// The Lambda authorizer's `context` entries, already stringified (`1` → `"1"`).
    pub context: Vec<(String, String)>,
}

/// `$context.error`, for gateway responses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextError {
    /// `message`; `None` renders `null` (AWS's AUTHORIZER_CONFIGURATION_ERROR sends `{"message":null}`).
    pub message: Option<String>,
    /// `responseType` (`MISSING_AUTHENTICATION_TOKEN`, …).
    pub response_type: String,
    /// `validationErrorString`.
    pub validation_error_string: Option<String>,
}

impl ContextError {
    /// `messageString`: the message as a quoted JSON string, or `null`.
    pub fn message_string(&self) -> String {
        match &self.message {
            Some(message) => {
                let mut out = String::new();
                write_json_string(message, &mut out);
                out
            }
            None => "null".to_owned(),
        }
    }
}

impl RequestContext {
    /// The value of `$context.<name>` as text (`identity.sourceIp`, `authorizer.claims.sub`, `error.message`,
    /// …), for parameter mappings (`context.X`), gateway responses and access logs. `None` when the variable is
    /// unknown, null or not a string-like value (such as `identity` itself).
    pub fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some(rest) = name.strip_prefix("identity.") {
            return self.lookup_identity(rest);
        }
        if let Some(rest) = name.strip_prefix("authorizer.") {
            let authorizer = self.authorizer.as_ref()?;
            if rest == "principalId" {
                return opt(&authorizer.principal_id);
            }
            if let Some(claim) = rest.strip_prefix("claims.") {
                return find(&authorizer.claims, claim);
            }
            return find(&authorizer.context, rest);
        }
        if let Some(rest) = name.strip_prefix("error.") {
            let error = self.error.as_ref()?;
            return match rest {
                "message" => opt(&error.message),
                "messageString" => Some(Cow::Owned(error.message_string())),
                "responseType" => borrowed(&error.response_type),
                "validationErrorString" => opt(&error.validation_error_string),
                _ => None,
            };
        }
        match name {
            "accountId" => borrowed(&self.account_id),
            "apiId" => borrowed(&self.api_id),
            "awsEndpointRequestId" => opt(&self.aws_endpoint_request_id),
            "deploymentId" => borrowed(&self.deployment_id),
            "domainName" => borrowed(&self.domain_name),
            "domainPrefix" => borrowed(&self.domain_prefix),
            "extendedRequestId" => borrowed(&self.extended_request_id),
            "httpMethod" => borrowed(&self.http_method),
            "path" => borrowed(&self.path),
            "protocol" => borrowed(&self.protocol),
            "requestId" => borrowed(&self.request_id),
            "requestTime" => borrowed(&self.request_time),
            "requestTimeEpoch" => Some(Cow::Owned(self.request_time_epoch.to_string())),
            "resourceId" => borrowed(&self.resource_id),
            "resourcePath" => borrowed(&self.resource_path),
            "stage" => borrowed(&self.stage),
            "wafResponseCode" => opt(&self.waf_response_code),
            "webaclArn" => opt(&self.webacl_arn),
            _ => None,
        }
    }

    fn lookup_identity(&self, name: &str) -> Option<Cow<'_, str>> {
        let id = &self.identity;
        let value = match name {
            "cognitoIdentityPoolId" => &id.cognito_identity_pool_id,
            "accountId" => &id.account_id,
            "cognitoIdentityId" => &id.cognito_identity_id,
            "caller" => &id.caller,
            "sourceIp" => &id.source_ip,
            "principalOrgId" => &id.principal_org_id,
            "accessKey" => &id.access_key,
            "cognitoAuthenticationType" => &id.cognito_authentication_type,
            "cognitoAuthenticationProvider" => &id.cognito_authentication_provider,
            "userArn" => &id.user_arn,
            "userAgent" => &id.user_agent,
            "user" => &id.user,
            "apiKey" => return id.api_key.as_ref()?.key.as_deref().map(Cow::Borrowed),
            "apiKeyId" => return id.api_key.as_ref()?.id.as_deref().map(Cow::Borrowed),
            _ => {
                let cert = id.client_cert.as_ref()?;
                let value = match name.strip_prefix("clientCert.")? {
                    "clientCertPem" => &cert.client_cert_pem,
                    "subjectDN" => &cert.subject_dn,
                    "issuerDN" => &cert.issuer_dn,
                    "serialNumber" => &cert.serial_number,
                    "validity.notBefore" => &cert.not_before,
                    "validity.notAfter" => &cert.not_after,
                    _ => return None,
                };
                return Some(Cow::Borrowed(value));
            }
        };
        value.as_deref().map(Cow::Borrowed)
    }

    /// A context filled with the documentation's example values, every optional part present. For tests,
    /// examples and `tollgate render` defaults.
    pub fn example() -> RequestContext {
        RequestContext {
            account_id: "123456789012".into(),
            api_id: "a1b2c3d4e5".into(),
            aws_endpoint_request_id: None,
            deployment_id: "2pi5mk".into(),
            domain_name: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com".into(),
            domain_prefix: "a1b2c3d4e5".into(),
            extended_request_id: "A463RGFevHcEhcA=".into(),
            http_method: "GET".into(),
            path: "/prod/".into(),
            protocol: "HTTP/1.1".into(),
            request_id: "0547626d-6f57-4e19-b03e-92289aea3627".into(),
            request_time: "22/Jul/2026:03:52:52 +0000".into(),
            request_time_epoch: 1_784_692_372_486,
            resource_id: "nfuwwd".into(),
            resource_path: "/".into(),
            stage: "prod".into(),
            identity: Identity {
                source_ip: Some("192.0.2.1".into()),
                user_agent: Some("curl/8.10.1".into()),
                ..Identity::default()
            },
            authorizer: None,
            error: None,
            waf_response_code: None,
            webacl_arn: None,
        }
    }
}

fn borrowed(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

fn opt(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<Cow<'a, str>> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| Cow::Borrowed(v.as_str()))
}

#[cfg(test)]
mod tests;
