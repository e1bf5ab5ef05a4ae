//! [`LambdaInvoker`]: Lambda `Invoke` through `aws-sdk-lambda`, for AWS_PROXY and non-proxy Lambda integrations
//! whose functions live in AWS (or a local AWS). Payload bytes in; payload bytes, status and function-error
//! metadata out.

use std::fmt;
use std::time::Duration;

use aws_config::Region;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::invoke::InvokeError as SdkInvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use bytes::Bytes;

use crate::client::{AwsClient, SendError};

/// How Lambda runs the function (`X-Amz-Invocation-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvocationType {
    /// Synchronous: wait for the result.
    #[default]
    RequestResponse,
    /// Asynchronous: queue the event, answer 202 with an empty payload.
    Event,
}

impl InvocationType {
    /// The type an integration asks for with its mapped `X-Amz-Invocation-Type` header (the OpenAPI mapping
    /// `'Event'` is the static value `Event`; DG/set-up-lambda-integration-async.html). Anything else is
    /// synchronous.
    pub fn from_header(value: Option<&str>) -> InvocationType {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("Event") => InvocationType::Event,
            _ => InvocationType::RequestResponse,
        }
    }
}

/// What an invocation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaOutcome {
    /// Lambda's status: 200 for RequestResponse, 202 for Event.
    pub status: u16,
    /// The function's result, or Lambda's error document when `function_error` is set.
    pub payload: Bytes,
    /// `X-Amz-Function-Error` (`Unhandled`, `Handled`): the function failed, and `payload` describes how.
    pub function_error: Option<String>,
    /// The version that ran (`X-Amz-Executed-Version`).
    pub executed_version: Option<String>,
}

/// Why an invocation produced no outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvokeError {
    /// The invocation did not finish within the integration timeout.
    Timeout,
    /// Lambda refused the call (no such function, throttled, access denied, payload too large …).
    Service {
        /// Lambda's status code.
        status: u16,
        /// The error code, e.g. `ResourceNotFoundException`.
        code: Option<String>,
        /// Lambda's message.
        message: Option<String>,
    },
    /// No credentials, or the role could not be assumed.
    Credentials(String),
    /// Lambda could not be reached.
    Connect(String),
    /// The call failed otherwise (connection dropped, unreadable response, missing region).
    Other(String),
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Timeout => f.write_str("Lambda invocation timed out"),
            InvokeError::Service { status, code, message } => write!(
                f,
                "Lambda answered {status} {}: {}",
                code.as_deref().unwrap_or("(no code)"),
                message.as_deref().unwrap_or("(no message)")
            ),
            InvokeError::Credentials(e) => write!(f, "could not get AWS credentials: {e}"),
            InvokeError::Connect(e) => write!(f, "could not connect to Lambda: {e}"),
            InvokeError::Other(e) => write!(f, "Lambda invocation failed: {e}"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// Invokes Lambda functions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: aws_sdk_lambda::Client,
    aws: AwsClient,
}

impl LambdaInvoker {
    /// An invoker with the configuration (credentials chain, region, endpoint overrides such as
    /// `AWS_ENDPOINT_URL_LAMBDA`) of `aws`, whose credential cache it shares for integration roles. SDK retries are
    /// off: API Gateway calls a function once.
    pub fn new(aws: &AwsClient) -> LambdaInvoker {
        let config = aws.sdk_config();
        let lambda_config = aws_sdk_lambda::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        LambdaInvoker {
            client: aws_sdk_lambda::Client::from_conf(lambda_config),
            aws: aws.clone(),
        }
    }

    /// Invokes `function` (a name, `name:alias`, or a full or partial function ARN) with the default credentials.
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        invocation_type: InvocationType,
        timeout: Duration,
    ) -> Result<LambdaOutcome, InvokeError> {
        self.invoke_as(None, function, qualifier, payload, invocation_type, timeout)
            .await
    }

    /// Invokes `function` signed with the credentials of `role` (the integration's `credentials`), or the default
    /// chain's when `role` is `None`.
    pub async fn invoke_as(
        &self,
        role: Option<&str>,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        invocation_type: InvocationType,
        timeout: Duration,
    ) -> Result<LambdaOutcome, InvokeError> {
        let call = self.call(None, role, function, qualifier, payload, invocation_type);
        match tokio::time::timeout(timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(InvokeError::Timeout),
        }
    }

    /// Like [`LambdaInvoker::invoke_as`], calling Lambda in `region` when `function` is not a full ARN (API
    /// Gateway invokes a function named without an ARN in its integration URI's region). A full ARN's own region
    /// still wins.
    #[allow(clippy::too_many_arguments)]
    pub async fn invoke_in(
        &self,
        region: &str,
        role: Option<&str>,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        invocation_type: InvocationType,
        timeout: Duration,
    ) -> Result<LambdaOutcome, InvokeError> {
        let call = self.call(Some(region), role, function, qualifier, payload, invocation_type);
        match tokio::time::timeout(timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(InvokeError::Timeout),
        }
    }

    async fn call(
        &self,
        fallback_region: Option<&str>,
        role: Option<&str>,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        invocation_type: InvocationType,
    ) -> Result<LambdaOutcome, InvokeError> {
        let region = function_region(function)
            .or(fallback_region)
            .map(str::to_owned)
            .or_else(|| self.configured_region());
        let Some(region) = region else {
            return Err(InvokeError::Other(
                "no region: name the function by ARN or configure a region".to_owned(),
            ));
        };
        let mut overrides = aws_sdk_lambda::config::Builder::default().region(Region::new(region.clone()));
        if role.is_some() {
            let credentials = self.aws.credentials(role, &region).await.map_err(|e| match e {
                SendError::Timeout => InvokeError::Timeout,
                other => InvokeError::Credentials(other.to_string()),
            })?;
            overrides = overrides.credentials_provider(SharedCredentialsProvider::new(credentials));
        }
        let sdk_type = match invocation_type {
            InvocationType::RequestResponse => aws_sdk_lambda::types::InvocationType::RequestResponse,
            InvocationType::Event => aws_sdk_lambda::types::InvocationType::Event,
        };
        let result = self
            .client
            .invoke()
            .function_name(function)
            .set_qualifier(qualifier.map(str::to_owned))
            .invocation_type(sdk_type)
            .payload(Blob::new(Vec::from(payload)))
            .customize()
            .config_override(overrides)
            .send()
            .await;
        match result {
            Ok(output) => Ok(LambdaOutcome {
                status: u16::try_from(output.status_code()).unwrap_or(0),
                function_error: output.function_error,
                executed_version: output.executed_version,
                payload: output
                    .payload
                    .map(|blob| Bytes::from(blob.into_inner()))
                    .unwrap_or_default(),
            }),
            Err(error) => Err(classify(error)),
        }
    }

    fn configured_region(&self) -> Option<String> {
        self.client.config().region().map(|r| r.as_ref().to_owned())
    }
}

/// The region of `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
fn function_region(function: &str) -> Option<&str> {
    let mut fields = function.split(':');
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some("arn"), Some(_), Some("lambda"), Some(region)) if !region.is_empty() => Some(region),
        _ => None,
    }
}

fn classify(error: SdkError<SdkInvokeError, HttpResponse>) -> InvokeError {
    match error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let err = context.err();
            InvokeError::Service {
                status,
                code: err.code().map(str::to_owned),
                message: err.message().map(str::to_owned),
            }
        }
        SdkError::TimeoutError(_) => InvokeError::Timeout,
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(e) if e.is_timeout() => InvokeError::Timeout,
            Some(e) if e.is_io() => InvokeError::Connect(DisplayErrorContext(e).to_string()),
            Some(e) => InvokeError::Other(DisplayErrorContext(e).to_string()),
            None => InvokeError::Other(format!("{failure:?}")),
        },
        other => InvokeError::Other(DisplayErrorContext(&other).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_come_from_function_arns() {
        assert_eq!(
            function_region("arn:aws:lambda:eu-west-1:123456789012:function:f"),
            Some("eu-west-1")
        );
        assert_eq!(
            function_region("arn:aws:lambda:eu-west-1:123456789012:function:f:live"),
            Some("eu-west-1")
        );
        assert_eq!(function_region("f"), None);
        assert_eq!(function_region("123456789012:function:f"), None);
    }

    #[test]
    fn lambda_refusals_keep_status_code_and_message() {
        use aws_sdk_lambda::error::ErrorMetadata;
        use aws_sdk_lambda::primitives::SdkBody;
        use aws_sdk_lambda::types::error::ResourceNotFoundException;
        // The shape of Lambda's answer for a missing function (Lambda API reference, Invoke errors:
        // ResourceNotFoundException, HTTP 404).
        let meta = ErrorMetadata::builder()
            .code("ResourceNotFoundException")
            .message("Function not found: x")
            .build();
        let error = SdkInvokeError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Function not found: x")
                .meta(meta)
                .build(),
        );
        let status = aws_smithy_runtime_api::http::StatusCode::try_from(404).unwrap();
        let raw = HttpResponse::new(status, SdkBody::from("{}"));
        assert_eq!(
            classify(SdkError::service_error(error, raw)),
            InvokeError::Service {
                status: 404,
                code: Some("ResourceNotFoundException".to_owned()),
                message: Some("Function not found: x".to_owned()),
            }
        );
    }

    #[test]
    fn invocation_type_from_the_mapped_header() {
        assert_eq!(InvocationType::from_header(Some("Event")), InvocationType::Event);
        assert_eq!(
            InvocationType::from_header(Some("RequestResponse")),
            InvocationType::RequestResponse
        );
        assert_eq!(InvocationType::from_header(None), InvocationType::RequestResponse);
    }
}
