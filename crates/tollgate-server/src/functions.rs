//! The gateway's Lambda backend: which function runs where.
//!
//! A function configured with `--function NAME=COMMAND` runs locally (tollgate-lambda-host: its runtime client
//! as a plain process, through the Lambda Runtime API) for every integration whose URI names NAME, in any form
//! (`NAME`, `NAME:alias`, a partial or full ARN; an alias or version is served by the local code). Any other
//! function is invoked in AWS, or at a Lambda-compatible endpoint (`AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`),
//! through `aws-sdk-lambda` with the standard AWS configuration, loaded on the first such invocation.

use std::sync::Arc;

use tokio::sync::OnceCell;
use tollgate_lambda_host::{FunctionHost, Invocation, InvokeError, InvokeRequest};
use tollgate_runtime::{
    InvocationType, LambdaBackend, LambdaFuture, LambdaInvokeError, LambdaInvoker, LambdaOutcome, LambdaRequest,
};

use crate::aws::EnvAwsClient;

/// Local functions first, then AWS. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Functions {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    local: Option<FunctionHost>,
    aws: Arc<EnvAwsClient>,
    invoker: OnceCell<Result<LambdaInvoker, String>>,
}

impl Functions {
    /// `local` serves the functions configured on the command line; `aws` is shared with AWS integrations.
    pub(crate) fn new(local: Option<FunctionHost>, aws: Arc<EnvAwsClient>) -> Functions {
        Functions {
            inner: Arc::new(Inner {
                local,
                aws,
                invoker: OnceCell::new(),
            }),
        }
    }
}

impl LambdaBackend for Functions {
    fn invoke(&self, request: LambdaRequest) -> LambdaFuture {
        // Two futures, boxed apart: the AWS one (the SDK's state) is kilobytes, and boxing it for every local
        // invocation copied all of it.
        if let Some(host) = &self.inner.local
            && host.contains(request.function.name())
        {
            let host = host.clone();
            return Box::pin(async move { invoke_local(&host, request).await });
        }
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            let invoker = inner
                .invoker
                .get_or_init(|| async {
                    let client = inner.aws.client().await.map_err(str::to_owned)?;
                    Ok(LambdaInvoker::new(client))
                })
                .await;
            match invoker {
                Ok(invoker) => LambdaBackend::invoke(invoker, request).await,
                Err(err) => Err(LambdaInvokeError::Credentials(format!(
                    "invalid AWS configuration: {err}"
                ))),
            }
        })
    }
}

/// One invocation of a local function, answered as Lambda's `Invoke` would be.
async fn invoke_local(host: &FunctionHost, request: LambdaRequest) -> Result<LambdaOutcome, LambdaInvokeError> {
    let name = request.function.name();
    if request.invocation_type == InvocationType::Event {
        host.invoke_event(name, request.payload).map_err(refusal)?;
        return Ok(LambdaOutcome {
            status: 202,
            payload: bytes::Bytes::new(),
            function_error: None,
            executed_version: None,
        });
    }
    let mut invoke = InvokeRequest::new(request.payload, request.timeout);
    invoke.trace_id = request.trace_id;
    match host.invoke(name, invoke).await {
        Ok(Invocation {
            payload,
            function_error,
            ..
        }) => Ok(LambdaOutcome {
            status: 200,
            payload,
            function_error,
            executed_version: Some("$LATEST".to_owned()),
        }),
        Err(err) => Err(refusal(err)),
    }
}

/// The host's refusal as Lambda reports it (tollgate-lambda-host README, "Wiring it to the gateway").
fn refusal(err: InvokeError) -> LambdaInvokeError {
    match err {
        InvokeError::Timeout => LambdaInvokeError::Timeout,
        other => LambdaInvokeError::Service {
            status: other.aws_status(),
            code: Some(other.aws_code().to_owned()),
            message: Some(other.aws_message()),
        },
    }
}
