//! The authorize phase (spec §0 step 3, §9.5, §9.6): after routing, before the API key, the usage plan and
//! request validation. A method with a Lambda (TOKEN, REQUEST) or Cognito user-pool authorizer is let through
//! only when its authorizer allows the caller; what the authorizer returned is then available as
//! `$context.authorizer.*`, in the proxy event's `requestContext.authorizer` and (key source `AUTHORIZER`) as
//! the API key. Everything an authorizer decides is `tollgate-auth`'s; this module runs it on the request and
//! invokes Lambda authorizers through the gateway's [`LambdaBackend`](crate::LambdaBackend), the same one Lambda
//! integrations use (local functions of `tollgate serve --function`, or AWS).

mod compile;
mod expose;
mod request;

use std::sync::Arc;
use std::time::Instant;

use tollgate_auth::{AuthError, AuthorizerOutput, LambdaAuthorizerKind, write_token_event};

pub use compile::UserPoolKeys;
pub(crate) use compile::{ArnParts, MethodAuthorizer, StageAuthorizers, compile};
pub(crate) use expose::Authorized;

use compile::{AUTHORIZER_TIMEOUT, CompiledAuthorizer, LambdaFunctionAuthorizer};
use request::{Params, path_without_stage};

use crate::cx::RequestCx;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::lambda::LambdaRequest;
use crate::time_fmt::epoch_millis;

/// Phase: runs the method's authorizer, if it has one. On success `cx.authorized` holds the result.
pub(crate) async fn authorize(inner: &Inner, cx: &mut RequestCx<'_>) -> Result<(), GatewayError> {
    let (Some(deployment), Some(route)) = (cx.deployment, cx.method_route) else {
        return Ok(());
    };
    let Some(method) = &route.authorizer else {
        return Ok(());
    };
    let mut arn = String::with_capacity(deployment.authorizers.arn_prefix.len() + 64);
    arn.push_str(&deployment.authorizers.arn_prefix);
    arn.push_str(cx.method.as_str());
    arn.push('/');
    arn.push_str(path_without_stage(cx).strip_prefix('/').unwrap_or(""));
    let result = match &*method.authorizer {
        CompiledAuthorizer::Lambda(authorizer) => lambda(inner, cx, authorizer, &arn).await,
        CompiledAuthorizer::Cognito(authorizer) => {
            let now = epoch_millis(inner.options.clock.now()) / 1000;
            authorizer
                .authorize(&Params(cx), &method.scopes, i64::try_from(now).unwrap_or(i64::MAX))
                .map(|claims| cx.authorized = Some(Authorized::Cognito(claims)))
        }
    };
    result.map_err(|err| refused(cx, &err))
}

/// A Lambda authorizer: identity (401 without invoking), cached result or invocation, then the policy against
/// this request's method ARN (cached or not, so an Allow for one path never leaks to another).
async fn lambda(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    authorizer: &LambdaFunctionAuthorizer,
    arn: &str,
) -> Result<(), AuthError> {
    let rules = &authorizer.rules;
    let identity = rules.identity(&Params(cx))?;
    let key = rules.cache_key(&identity);
    let cache = cx.deployment.map(|d| &d.authorizers.cache);
    let now_ms = epoch_millis(inner.options.clock.now());
    let hit = match (&key, cache) {
        (Some(key), Some(cache)) => cache.get(key, now_ms),
        _ => None,
    };
    let (output, latency_ms) = match hit {
        Some(output) => (output, 0),
        None => {
            let function = authorizer
                .function
                .as_ref()
                .map_err(|why| AuthError::invoke_failed(why.to_string()))?;
            let payload = match rules.kind() {
                LambdaAuthorizerKind::Token => {
                    let mut out = Vec::with_capacity(256);
                    write_token_event(identity.first().unwrap_or(""), arn, &mut out);
                    out
                }
                LambdaAuthorizerKind::Request => request::request_event(cx, arn),
            };
            let mut call = LambdaRequest::new(function.clone(), payload, AUTHORIZER_TIMEOUT);
            call.credentials = authorizer.credentials.clone();
            call.trace_id = Some(crate::pipeline::trace_id(cx));
            let started = Instant::now();
            let outcome = match tokio::time::timeout(AUTHORIZER_TIMEOUT, inner.backends.lambda.invoke(call)).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(err)) => return Err(AuthError::invoke_failed(format!("`{function}`: {err}"))),
                Err(_) => return Err(AuthError::invoke_failed(format!("`{function}`: timed out"))),
            };
            let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let output = Arc::new(AuthorizerOutput::from_invocation(
                &outcome.payload,
                outcome.function_error.as_deref(),
            )?);
            if let (Some(key), Some(cache)) = (key, cache) {
                cache.insert(key, Arc::clone(&output), rules.ttl_seconds(), now_ms);
            }
            (output, latency_ms)
        }
    };
    if let Some(key) = output.usage_identifier_key() {
        cx.usage.authorizer_key = Some(key.to_owned());
    }
    // Set before the policy is evaluated: a customized ACCESS_DENIED response may read `$context.authorizer.*`.
    cx.authorized = Some(Authorized::Lambda {
        output: Arc::clone(&output),
        latency_ms,
    });
    output.authorize(arn)
}

/// The gateway response for an authorizer's refusal; the reason goes to the log only, as on AWS.
fn refused(cx: &RequestCx<'_>, err: &AuthError) -> GatewayError {
    match err {
        AuthError::Unauthorized(reason) => {
            tracing::debug!(request_id = %cx.ids.request_id, "authorizer: {err}");
            GatewayError::Unauthorized {
                detail: reason.to_string(),
            }
        }
        AuthError::AccessDenied(denial) => {
            tracing::debug!(request_id = %cx.ids.request_id, "authorizer: {err}");
            GatewayError::AccessDenied {
                message: denial.message().to_owned(),
            }
        }
        AuthError::Configuration(fault) => {
            tracing::warn!(request_id = %cx.ids.request_id, "authorizer: {err}");
            GatewayError::AuthorizerConfiguration {
                detail: fault.to_string(),
            }
        }
    }
}
