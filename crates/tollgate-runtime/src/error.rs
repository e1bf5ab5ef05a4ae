//! Every way a request can fail inside the gateway; `gateway_response::respond` is the one place that turns a
//! [`GatewayError`] into the bytes AWS would send.

use tollgate_model::GatewayResponseType;

/// A failure that ends the pipeline with a gateway response (spec §7).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayError {
    /// No stage, no resource, or no method for the request (403, spec §1 (5)).
    MissingAuthenticationToken,
    /// No request template for the content type under `WHEN_NO_TEMPLATES` / `NEVER` (415, spec §3).
    UnsupportedMediaType,
    /// The request body is over the 10 MiB payload limit (413, spec §10).
    RequestTooLarge,
    /// The deployment cannot serve the request as configured: an unmappable header, no matching integration
    /// response, a template failing at render time, an integration type this build does not run (500).
    /// `detail` goes to the execution log, never to the client.
    ApiConfiguration {
        /// What went wrong, for the log.
        detail: String,
    },
    /// The integration did not answer within `timeoutInMillis` (504, spec §5 "Timeout").
    IntegrationTimeout,
    /// The backend could not be reached or broke the exchange: refused, reset, TLS failure, garbage (504).
    IntegrationFailure {
        /// What went wrong, for the log.
        detail: String,
    },
    /// A Lambda function failed, or answered a proxy integration with something that is not a proxy response:
    /// `status` 502 (500 for an undecodable base64 body), with API_CONFIGURATION_ERROR's body (spec §6).
    LambdaResponse {
        /// 502 or 500.
        status: u16,
        /// What went wrong, for the log.
        detail: String,
    },
    /// The client's request body could not be read (a broken upload): 400 from the edge.
    BadRequestBody {
        /// What went wrong, for the log.
        detail: String,
    },
    /// Request validation: required parameters missing or blank (400, spec §9.1).
    BadRequestParameters {
        /// The missing names in AWS's order (header, path, querystring).
        missing: Vec<String>,
    },
    /// Request validation: the body does not match its model (400 `Invalid request body`, spec §9.1).
    InvalidRequestBody {
        /// `$context.error.validationErrorString`.
        validation: String,
    },
    /// A method requiring an API key got none, an unknown one, a disabled one, or one without a usage plan for
    /// this stage (403 `INVALID_API_KEY`, spec §9.2).
    InvalidApiKey,
    /// A throttle's bucket is empty: usage plan, stage method or account (429 `THROTTLED`, spec §9.3).
    Throttled,
    /// The usage plan's quota for the period is used up (429 `QUOTA_EXCEEDED`, spec §9.2).
    QuotaExceeded,
    /// The caller is not authorized for what it asked (403 `ACCESS_DENIED`); `message` is the body's text.
    AccessDenied {
        /// `$context.error.message`.
        message: String,
    },
    /// An authorizer refused the caller: identity source missing, token failing validation, the function's
    /// `Unauthorized`, a rejected Cognito token (401 `UNAUTHORIZED`, spec §9.5/§9.6).
    Unauthorized {
        /// Why, for the log.
        detail: String,
    },
    /// A Lambda authorizer could not be run or answered something unusable (500
    /// `AUTHORIZER_CONFIGURATION_ERROR`, `{"message":null}`, spec §9.5).
    AuthorizerConfiguration {
        /// What went wrong, for the log.
        detail: String,
    },
}

impl GatewayError {
    /// The gateway response type this error is answered with.
    pub fn response_type(&self) -> GatewayResponseType {
        match self {
            GatewayError::MissingAuthenticationToken => GatewayResponseType::MissingAuthenticationToken,
            GatewayError::UnsupportedMediaType => GatewayResponseType::UnsupportedMediaType,
            GatewayError::RequestTooLarge => GatewayResponseType::RequestTooLarge,
            GatewayError::ApiConfiguration { .. } | GatewayError::LambdaResponse { .. } => {
                GatewayResponseType::ApiConfigurationError
            }
            GatewayError::IntegrationTimeout => GatewayResponseType::IntegrationTimeout,
            GatewayError::IntegrationFailure { .. } => GatewayResponseType::IntegrationFailure,
            GatewayError::BadRequestBody { .. } | GatewayError::InvalidRequestBody { .. } => {
                GatewayResponseType::BadRequestBody
            }
            GatewayError::BadRequestParameters { .. } => GatewayResponseType::BadRequestParameters,
            GatewayError::InvalidApiKey => GatewayResponseType::InvalidApiKey,
            GatewayError::Throttled => GatewayResponseType::Throttled,
            GatewayError::QuotaExceeded => GatewayResponseType::QuotaExceeded,
            GatewayError::AccessDenied { .. } => GatewayResponseType::AccessDenied,
            GatewayError::Unauthorized { .. } => GatewayResponseType::Unauthorized,
            GatewayError::AuthorizerConfiguration { .. } => GatewayResponseType::AuthorizerConfigurationError,
        }
    }

    /// The detail for the execution log.
    pub fn detail(&self) -> &str {
        match self {
            GatewayError::ApiConfiguration { detail }
            | GatewayError::LambdaResponse { detail, .. }
            | GatewayError::IntegrationFailure { detail }
            | GatewayError::BadRequestBody { detail }
            | GatewayError::Unauthorized { detail }
            | GatewayError::AuthorizerConfiguration { detail } => detail,
            GatewayError::InvalidRequestBody { validation } => validation,
            _ => "",
        }
    }

    /// The status to answer with instead of the response type's own default (a customized status still wins).
    pub fn status_override(&self) -> Option<u16> {
        match self {
            GatewayError::LambdaResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn config(detail: impl Into<String>) -> GatewayError {
        GatewayError::ApiConfiguration { detail: detail.into() }
    }
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.response_type())?;
        let detail = self.detail();
        if !detail.is_empty() {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GatewayError {}
