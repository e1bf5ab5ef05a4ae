//! Non-proxy Lambda (type `AWS`, `lambda:path/2015-03-31/functions/…/invocations`): the request template's output
//! (or the body passed through) is the event; the integration response is selected by matching selection
//! patterns against the function's `errorMessage`, then mapped like any non-proxy response (spec §5, AWS → Lambda
//! row).
//!
//! Sources: DG/handle-errors-in-lambda-integration.html ("Lambda errors are returned as 200 OK responses by
//! default": an error no pattern matches takes the default response); REC/ lambda `test_lambda_selection_patterns`
//! (a successful invocation is matched against an empty string, so a `200` pattern never selects it);
//! API/API_IntegrationResponse.html ("If the back end is an AWS Lambda function, the AWS Lambda function error
//! header is matched").

use std::time::Instant;

use tollgate_lambda_event::classify_function_result;

use crate::cx::RequestCx;
use crate::deployment::NonProxy;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::headers::Remap;
use crate::integration::{map_request, request_body, respond, select_response_text};
use crate::lambda_invoke::{Invocation, check_aws_mappings, invocation_type, invoke};
use crate::lambda_plan::LambdaPlan;
use crate::pipeline::{self, Answer};

/// Non-proxy Lambda. The request body has been read into `cx.body`.
pub(crate) async fn lambda_aws(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    non_proxy: &NonProxy,
    plan: &LambdaPlan,
) -> Result<Answer, GatewayError> {
    if !plan.post {
        return Err(GatewayError::config("a Lambda integration's httpMethod must be POST"));
    }
    check_aws_mappings(&non_proxy.request_parameters)?;
    let mapped = map_request(cx, &non_proxy.request_parameters)?;
    let payload = request_body(cx, non_proxy)?.unwrap_or_else(|| cx.body.clone());
    let function = plan.function.resolve(cx, &mapped)?;
    let invocation = Invocation {
        function: &function,
        payload,
        invocation_type: invocation_type(&mapped),
        trace_id: pipeline::trace_id(cx),
    };
    let outcome = invoke(inner, cx, plan, invocation, Instant::now()).await?;
    let result = classify_function_result(&outcome.payload, outcome.function_error.as_deref());
    if result.is_error() {
        cx.integration.error = Some(result.selection_input().to_owned());
    }
    let selected = select_response_text(&non_proxy.responses, result.selection_input())?;
    cx.integration.body = outcome.payload.clone();
    respond(cx, selected, outcome.payload, Remap::NonProxy)
}
