//! What an authorizer answers instead of letting a request through, and what is wrong with a definition.
//!
//! [`AuthError`] is the request-time outcome; each variant is one of API Gateway's gateway responses, named
//! by [`AuthError::response_type`]. [`ConfigError`] is found when a deployment is compiled.

use std::fmt;

/// Why an authorizer refused a request. The runtime answers with the gateway response of
/// [`AuthError::response_type`]; the variant's details are for logs only (AWS never shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// 401 `UNAUTHORIZED`, `{"message":"Unauthorized"}`.
    Unauthorized(UnauthorizedReason),
    /// 403 `ACCESS_DENIED`: the policy denies the method ARN, explicitly or by not allowing it.
    AccessDenied(Denial),
    /// 500 `AUTHORIZER_CONFIGURATION_ERROR`, `{"message":null}`: the authorizer could not be run or answered
    /// something API Gateway cannot use.
    Configuration(ConfigurationFault),
}

impl AuthError {
    /// The gateway response type AWS answers with.
    #[must_use]
    pub fn response_type(&self) -> ResponseType {
        match self {
            AuthError::Unauthorized(_) => ResponseType::Unauthorized,
            AuthError::AccessDenied(_) => ResponseType::AccessDenied,
            AuthError::Configuration(_) => ResponseType::AuthorizerConfigurationError,
        }
    }

    /// The Lambda authorizer could not be invoked (function missing, throttled, timed out, not permitted):
    /// API Gateway answers 500 `AUTHORIZER_CONFIGURATION_ERROR` (spec §9.5, \[obs\]).
    #[must_use]
    pub fn invoke_failed(detail: impl Into<String>) -> AuthError {
        AuthError::Configuration(ConfigurationFault::InvokeFailed(detail.into()))
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Unauthorized(reason) => write!(f, "unauthorized: {reason}"),
            AuthError::AccessDenied(denial) => write!(f, "access denied: {}", denial.message()),
            AuthError::Configuration(fault) => write!(f, "authorizer configuration error: {fault}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// The gateway response types an authorizer produces (spec §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseType {
    /// `UNAUTHORIZED`: 401, `x-amzn-ErrorType: UnauthorizedException`, `{"message":"Unauthorized"}`.
    Unauthorized,
    /// `ACCESS_DENIED`: 403, `x-amzn-ErrorType: AccessDeniedException`, body from [`Denial::message`] with a
    /// capital `Message` key.
    AccessDenied,
    /// `AUTHORIZER_CONFIGURATION_ERROR`: 500, `x-amzn-ErrorType: AuthorizerConfigurationException`,
    /// `{"message":null}`.
    AuthorizerConfigurationError,
}

impl ResponseType {
    /// AWS's name of the gateway response type.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseType::Unauthorized => "UNAUTHORIZED",
            ResponseType::AccessDenied => "ACCESS_DENIED",
            ResponseType::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
        }
    }
}

/// Why a request got 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnauthorizedReason {
    /// An identity source is missing or empty (the expression, e.g. `method.request.header.Auth`).
    MissingIdentitySource(String),
    /// The token does not match the authorizer's `identityValidationExpression`.
    ValidationExpressionMismatch,
    /// The Lambda authorizer failed with the error message `Unauthorized`.
    FunctionUnauthorized,
    /// A Cognito token was rejected.
    Token(TokenRejection),
}

impl fmt::Display for UnauthorizedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnauthorizedReason::MissingIdentitySource(source) => write!(f, "identity source {source} missing or empty"),
            UnauthorizedReason::ValidationExpressionMismatch => f.write_str("token fails identityValidationExpression"),
            UnauthorizedReason::FunctionUnauthorized => f.write_str("the authorizer function answered Unauthorized"),
            UnauthorizedReason::Token(rejection) => write!(f, "token rejected: {rejection}"),
        }
    }
}

/// Why a Cognito user-pool token was refused (all answer 401; the detail is for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not three base64url parts, undecodable, not JSON objects, or over the size cap.
    Malformed,
    /// `alg` is not `RS256` (`none`, `HS256`, …) or the header has `crit`.
    UnsupportedAlgorithm,
    /// `iss` is not one of the authorizer's user pools.
    WrongIssuer,
    /// No key with the header's `kid` in the pool's JWKS.
    UnknownKey,
    /// The RS256 signature does not verify.
    BadSignature,
    /// `exp` is missing or not a number.
    MissingExpiry,
    /// `exp` is past.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `token_use` is not `id` (method without scopes) or not `access` (method with scopes).
    WrongTokenUse,
    /// None of the method's authorization scopes is in the token's `scope` claim.
    MissingScope,
    /// `aud` (or `client_id`) does not match the authorizer's `identityValidationExpression`.
    AudienceMismatch,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenRejection::Malformed => "malformed JWT",
            TokenRejection::UnsupportedAlgorithm => "algorithm is not RS256",
            TokenRejection::WrongIssuer => "issuer is not a configured user pool",
            TokenRejection::UnknownKey => "no JWKS key with the token's kid",
            TokenRejection::BadSignature => "signature does not verify",
            TokenRejection::MissingExpiry => "no numeric exp claim",
            TokenRejection::Expired => "token expired",
            TokenRejection::NotYetValid => "token not yet valid (nbf)",
            TokenRejection::WrongTokenUse => "token_use does not fit the method (id without scopes, access with)",
            TokenRejection::MissingScope => "no required scope in the token",
            TokenRejection::AudienceMismatch => "aud does not match identityValidationExpression",
        })
    }
}

/// Which 403 body AWS sends (spec §7, ACCESS_DENIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Denial {
    /// A `Deny` statement matched the method ARN.
    Explicit,
    /// No `Allow` statement matched.
    Implicit,
}

impl Denial {
    /// The `Message` value of the default 403 body.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Denial::Explicit => "User is not authorized to access this resource with an explicit deny",
            Denial::Implicit => "User is not authorized to access this resource",
        }
    }

    /// The default body bytes: capital `Message`, no spaces (spec §7, \[doc\]\[obs\]).
    #[must_use]
    pub fn default_body(self) -> &'static str {
        match self {
            Denial::Explicit => r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
            Denial::Implicit => r#"{"Message":"User is not authorized to access this resource"}"#,
        }
    }
}

/// Why a Lambda authorizer's answer could not be used (500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigurationFault {
    /// The function failed with an error other than `Unauthorized`: its `errorMessage`, if any.
    FunctionError(Option<String>),
    /// The function's output is not a valid authorizer output.
    InvalidOutput(String),
    /// The invocation itself failed.
    InvokeFailed(String),
}

impl fmt::Display for ConfigurationFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigurationFault::FunctionError(Some(message)) => write!(f, "function error: {message}"),
            ConfigurationFault::FunctionError(None) => f.write_str("function error"),
            ConfigurationFault::InvalidOutput(why) => write!(f, "invalid authorizer output: {why}"),
            ConfigurationFault::InvokeFailed(why) => write!(f, "invoke failed: {why}"),
        }
    }
}

/// A problem in an authorizer definition, found when a deployment is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// An `identitySource` entry this authorizer type cannot use.
    InvalidIdentitySource {
        /// The entry as written.
        source: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A TOKEN or Cognito authorizer needs exactly one header identity source.
    TokenSourceCount(usize),
    /// `identityValidationExpression` does not compile (or is too large).
    InvalidValidationExpression {
        /// The expression.
        expression: String,
        /// The regex compiler's message.
        reason: String,
    },
    /// `authorizerResultTtlInSeconds` above 3600.
    TtlOutOfRange(u32),
    /// A REQUEST authorizer with caching on but no identity source: every caller would share one cached
    /// result (AWS requires identity sources when caching is enabled).
    CachingWithoutIdentitySource,
    /// A `providerARNs` entry is not `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`.
    InvalidProviderArn(String),
    /// A Cognito authorizer without `providerARNs`.
    NoProviders,
    /// No JWKS was supplied for a user pool.
    MissingJwks(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidIdentitySource { source, expected } => {
                write!(f, "invalid identity source `{source}`: expected {expected}")
            }
            ConfigError::TokenSourceCount(count) => {
                write!(f, "expected exactly one header identity source, found {count}")
            }
            ConfigError::InvalidValidationExpression { expression, reason } => {
                write!(f, "invalid identityValidationExpression `{expression}`: {reason}")
            }
            ConfigError::TtlOutOfRange(ttl) => write!(f, "authorizerResultTtlInSeconds {ttl} is above 3600"),
            ConfigError::CachingWithoutIdentitySource => {
                f.write_str("REQUEST authorizer with authorizerResultTtlInSeconds > 0 needs an identity source")
            }
            ConfigError::InvalidProviderArn(arn) => write!(
                f,
                "invalid provider ARN `{arn}`: expected arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID"
            ),
            ConfigError::NoProviders => f.write_str("Cognito authorizer without providerARNs"),
            ConfigError::MissingJwks(pool) => write!(f, "no JWKS for user pool {pool}"),
        }
    }
}

impl std::error::Error for ConfigError {}
