//! Amazon API Gateway's authorizers for REST APIs, without I/O: everything about Lambda (TOKEN, REQUEST) and
//! Cognito user-pool authorizers except calling the function and fetching keys, so all of it is testable.
//!
//! # How the runtime uses it
//!
//! At deployment compile time: [`LambdaAuthorizer::compile`] / [`CognitoAuthorizer::compile`] for each
//! authorizer (identity sources parsed, `identityValidationExpression` compiled, TTL checked, JWKS parsed with
//! [`Jwks::parse`]); one [`AuthorizerCache`] per deployment.
//!
//! Per request, in the `authorize` phase (after routing, before API keys):
//!
//! ```text
//! arn = method_arn(region, account, apiId, stage, METHOD, path)
//! Lambda:
//!   identity = authorizer.identity(&params)?                  // 401 without invoking
//!   output = match authorizer.cache_key(&identity) {          // None: TTL 0 or a source missing
//!       Some(key) if let Some(hit) = cache.get(&key, now_ms) => hit,
//!       key => {
//!           write_token_event(identity.first(), &arn, buf) | write_request_event(&RequestEvent{..}, buf)
//!           invoke the function (invoke failure → AuthError::invoke_failed(..))
//!           let out = Arc::new(AuthorizerOutput::from_invocation(payload, function_error)?);
//!           if let Some(key) = key { cache.insert(key, out.clone(), authorizer.ttl_seconds(), now_ms) }
//!           out
//!       }
//!   };
//!   output.authorize(&arn)?                                   // re-evaluated per ARN, cached or not
//!   expose output.principal_id(), output.context(), output.context_variable(name), usage_identifier_key()
//! Cognito:
//!   claims = authorizer.authorize(&params, &method.authorization_scopes, now_seconds)?
//!   expose claims.get(name), claims.entries()
//! ```
//!
//! Every `Err` is an [`AuthError`]; [`AuthError::response_type`] names the gateway response
//! (401 `UNAUTHORIZED`, 403 `ACCESS_DENIED` with [`Denial::default_body`], 500
//! `AUTHORIZER_CONFIGURATION_ERROR`).
//!
//! Where AWS's behaviour is unknown each module says what Tollgate does instead.

#![warn(missing_docs)]

mod arn;
mod cache;
mod cognito;
mod context;
mod error;
mod identity;
mod json_out;
mod lambda;
mod policy;
mod time;

pub use arn::method_arn;
pub use cache::{AuthorizerCache, CacheKey};
pub use cognito::{
    CognitoAuthorizer, CognitoAuthorizerConfig, CognitoClaims, Jwks, JwksError, MAX_JWKS_BYTES, MAX_KEYS,
    MAX_TOKEN_BYTES, UserPool,
};
pub use context::{ContextValue, java_double};
pub use error::{AuthError, ConfigError, ConfigurationFault, Denial, ResponseType, TokenRejection, UnauthorizedReason};
pub use identity::{IdentitySource, IdentityValues, RequestParams};
pub use lambda::event::{RequestContext, RequestEvent, write_request_event, write_token_event};
pub use lambda::output::{AuthorizerOutput, MAX_OUTPUT_BYTES};
pub use lambda::{
    DEFAULT_TTL_SECONDS, LambdaAuthorizer, LambdaAuthorizerConfig, LambdaAuthorizerKind, MAX_TTL_SECONDS,
};
pub use policy::{MAX_ENTRIES, MAX_RESOURCE_LEN, Policy, PolicyDecision, PolicyError};
pub use time::java_date;
