//! The `$context` variables the runtime itself renders: in gateway-response templates and header mappings
//! (`$context.error.message`, `context.requestId`) and in access-log formats (which add the log-only
//! variables such as `status` and `integration.latency`). Names are resolved to this enum once, at compile
//! time; the request path only matches on the enum.

/// A `$context` variable, by its AWS name (`$context.` prefix removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ContextVar {
    AccountId,
    ApiId,
    DeploymentId,
    DomainName,
    DomainPrefix,
    ErrorMessage,
    ErrorMessageString,
    ErrorResponseType,
    ErrorValidationErrorString,
    ExtendedRequestId,
    HttpMethod,
    IdentitySourceIp,
    IdentityUserAgent,
    /// `identity.apiKey`: the key a usage plan admitted the request with.
    IdentityApiKey,
    /// `identity.apiKeyId`.
    IdentityApiKeyId,
    IdentityOther,
    Path,
    Protocol,
    RequestId,
    RequestTime,
    RequestTimeEpoch,
    ResourceId,
    ResourcePath,
    Stage,
    // Access-log-only variables (spec §2.3 last paragraph).
    Status,
    ResponseLength,
    ResponseLatency,
    IntegrationStatus,
    IntegrationLatency,
    IntegrationRequestId,
    IntegrationError,
    IntegrationErrorMessage,
    /// `$context.integrationStatus`: for Lambda proxy the Lambda service's status; the backend status here.
    IntegrationStatusLegacy,
    /// `$context.integrationLatency`.
    IntegrationLatencyLegacy,
    /// `authorizer.principalId`, `authorizer.claims.NAME`, `authorizer.KEY`: what the method's authorizer
    /// returned (empty without one).
    Authorizer(AuthorizerVar),
    /// Names AWS defines that have no value in Tollgate's setting (WAF, client certificates):
    /// they render as AWS renders an absent value.
    Absent,
}

/// A `$context.authorizer.*` variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AuthorizerVar {
    /// `authorizer.principalId`.
    PrincipalId,
    /// `authorizer.claims.NAME`: a Cognito claim.
    Claim(Box<str>),
    /// `authorizer.KEY`: a Lambda authorizer's `context` value, stringified.
    Key(Box<str>),
}

/// Access-log variables about the authorizer call itself, which Tollgate does not record.
const AUTHORIZER_LOG_ONLY: [&str; 6] = [
    "error",
    "integrationLatency",
    "integrationStatus",
    "latency",
    "requestId",
    "status",
];

/// `authorizer.principalId`, `authorizer.claims.NAME` (`authorizer.claims` alone is null on AWS) and
/// `authorizer.KEY`; the access log's own `authorizer.status`, `.latency`, … are absent.
fn authorizer_var(name: &str, usage: Usage) -> Option<ContextVar> {
    let rest = name.strip_prefix("authorizer.")?;
    Some(match rest {
        "" | "claims" => ContextVar::Absent,
        "principalId" => ContextVar::Authorizer(AuthorizerVar::PrincipalId),
        _ if usage == Usage::AccessLog && AUTHORIZER_LOG_ONLY.contains(&rest) => ContextVar::Absent,
        _ => match rest.strip_prefix("claims.") {
            Some(claim) if !claim.is_empty() => ContextVar::Authorizer(AuthorizerVar::Claim(claim.into())),
            _ => ContextVar::Authorizer(AuthorizerVar::Key(rest.into())),
        },
    })
}

/// Where a variable may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Usage {
    /// Gateway-response templates and parameter mappings (`$context.error.*` allowed).
    GatewayResponse,
    /// Access-log formats (everything, including the log-only variables).
    AccessLog,
}

impl ContextVar {
    /// Resolves a name (`requestId`, `identity.sourceIp`, `integration.status`); `None` when unknown.
    pub(crate) fn parse(name: &str, usage: Usage) -> Option<ContextVar> {
        use ContextVar as V;
        if let Some(var) = authorizer_var(name, usage) {
            return Some(var);
        }
        let common = match name {
            "accountId" => V::AccountId,
            "apiId" => V::ApiId,
            "deploymentId" => V::DeploymentId,
            "domainName" => V::DomainName,
            "domainPrefix" => V::DomainPrefix,
            "error.message" => V::ErrorMessage,
            "error.messageString" => V::ErrorMessageString,
            "error.responseType" => V::ErrorResponseType,
            "error.validationErrorString" => V::ErrorValidationErrorString,
            "extendedRequestId" => V::ExtendedRequestId,
            "httpMethod" => V::HttpMethod,
            "identity.sourceIp" => V::IdentitySourceIp,
            "identity.userAgent" => V::IdentityUserAgent,
            "identity.apiKey" => V::IdentityApiKey,
            "identity.apiKeyId" => V::IdentityApiKeyId,
            "identity.accountId"
            | "identity.caller"
            | "identity.cognitoAuthenticationProvider"
            | "identity.cognitoAuthenticationType"
            | "identity.cognitoIdentityId"
            | "identity.cognitoIdentityPoolId"
            | "identity.principalOrgId"
            | "identity.user"
            | "identity.userArn"
            | "identity.accessKey" => V::IdentityOther,
            "path" => V::Path,
            "protocol" => V::Protocol,
            "requestId" => V::RequestId,
            "requestTime" => V::RequestTime,
            "requestTimeEpoch" => V::RequestTimeEpoch,
            "resourceId" => V::ResourceId,
            "resourcePath" => V::ResourcePath,
            "stage" => V::Stage,
            "wafResponseCode" | "webaclArn" => V::Absent,
            _ => {
                return match (usage, name) {
                    (Usage::AccessLog, "status") => Some(V::Status),
                    (Usage::AccessLog, "responseLength") => Some(V::ResponseLength),
                    (Usage::AccessLog, "responseLatency") => Some(V::ResponseLatency),
                    (Usage::AccessLog, "integration.status") => Some(V::IntegrationStatus),
                    (Usage::AccessLog, "integration.latency") => Some(V::IntegrationLatency),
                    (Usage::AccessLog, "integration.requestId") => Some(V::IntegrationRequestId),
                    (Usage::AccessLog, "integration.error") => Some(V::IntegrationError),
                    (Usage::AccessLog, "integrationErrorMessage") => Some(V::IntegrationErrorMessage),
                    (Usage::AccessLog, "integrationStatus") => Some(V::IntegrationStatusLegacy),
                    (Usage::AccessLog, "integrationLatency") => Some(V::IntegrationLatencyLegacy),
                    (Usage::AccessLog, n)
                        if n.starts_with("authorize.")
                            || n.starts_with("authorizer.")
                            || n.starts_with("authenticate.")
                            || n.starts_with("waf.")
                            || n.starts_with("identity.clientCert.")
                            || n == "error.message"
                            || n == "customDomain.basePathMatched" =>
                    {
                        Some(V::Absent)
                    }
                    (Usage::GatewayResponse, n)
                        if n.starts_with("authorizer.") || n.starts_with("identity.clientCert.") =>
                    {
                        Some(V::Absent)
                    }
                    _ => None,
                };
            }
        };
        Some(common)
    }
}
