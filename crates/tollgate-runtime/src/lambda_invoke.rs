//! The invocation step both Lambda integrations share: the request to the [`LambdaBackend`](crate::LambdaBackend),
//! the integration timeout, and how a failed invocation is answered.
//!
//! Sources: Lambda developer guide, "Handling Lambda errors with an API Gateway API": "If the Lambda API rejects
//! the invocation request, API Gateway returns a 500 error code" with `{"message": "Internal server error"}` (no
//! such function, throttled, access denied, payload too large: all 500); spec §5: the integration timeout is a
//! 504 `Endpoint request timed out`.

use std::time::Instant;

use bytes::Bytes;
use tollgate_aws::{InvocationType, InvokeError, LambdaOutcome};

use crate::cx::RequestCx;
use crate::deployment::RequestMapping;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::integration::Mapped;
use crate::lambda::{FunctionRef, LambdaRequest};
use crate::lambda_plan::LambdaPlan;
use crate::param::RequestTargetKind;

/// What to invoke.
pub(crate) struct Invocation<'a> {
    pub(crate) function: &'a FunctionRef,
    pub(crate) payload: Bytes,
    pub(crate) invocation_type: InvocationType,
    pub(crate) trace_id: String,
}

/// Invokes the function within the integration timeout; records the integration's latency, status and error
/// for `$context.integration.*` and the access log.
pub(crate) async fn invoke(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    plan: &LambdaPlan,
    invocation: Invocation<'_>,
    started: Instant,
) -> Result<LambdaOutcome, GatewayError> {
    let mut request = LambdaRequest::new(invocation.function.clone(), invocation.payload, plan.timeout);
    request.invocation_type = invocation.invocation_type;
    request.trace_id = Some(invocation.trace_id);
    request.credentials = plan.credentials.clone();
    // The backend bounds its own wait by `request.timeout`; this bounds a backend that does not.
    let result = tokio::time::timeout(plan.timeout, inner.backends.lambda.invoke(request)).await;
    cx.integration.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let error = match result {
        Ok(Ok(outcome)) => {
            cx.integration.status = Some(outcome.status);
            return Ok(outcome);
        }
        Ok(Err(error)) => error,
        Err(_) => InvokeError::Timeout,
    };
    if error == InvokeError::Timeout {
        cx.integration.error = Some("timeout".to_owned());
        return Err(GatewayError::IntegrationTimeout);
    }
    if let InvokeError::Service { status, .. } = &error {
        cx.integration.status = Some(*status);
    }
    let detail = format!("Lambda invocation of `{}` failed: {error}", invocation.function);
    tracing::warn!(request_id = %cx.ids.request_id, "{detail}");
    cx.integration.error = Some(error.to_string());
    Err(GatewayError::config(detail))
}

/// `Event` when the integration maps `X-Amz-Invocation-Type: 'Event'` (or a client header saying so); else
/// `RequestResponse` (DG/set-up-lambda-integration-async.html).
pub(crate) fn invocation_type(mapped: &Mapped) -> InvocationType {
    let value = mapped
        .headers
        .iter()
        .rev()
        .find(|(name, _)| name.as_str() == "x-amz-invocation-type")
        .map(|(_, value)| value.as_str());
    InvocationType::from_header(value)
}

/// Request headers an AWS or AWS_PROXY integration may not map on top of those every type refuses (spec §4.1,
/// recorded): mapping one is a 500.
pub(crate) fn check_aws_mappings(mappings: &[RequestMapping]) -> Result<(), GatewayError> {
    const REFUSED: [&str; 5] = ["authorization", "connection", "expect", "proxy-authenticate", "te"];
    match mappings
        .iter()
        .find(|m| m.kind == RequestTargetKind::Header && REFUSED.iter().any(|r| r.eq_ignore_ascii_case(&m.name)))
    {
        Some(bad) => Err(GatewayError::config(format!(
            "the header `{}` cannot be mapped in an AWS integration",
            bad.name
        ))),
        None => Ok(()),
    }
}
