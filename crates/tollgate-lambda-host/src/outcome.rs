//! What an invocation returns, and the error documents Lambda itself writes when a function fails without
//! saying why (timeout, exit, oversized response).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// Lambda's limit on a synchronous invocation's request payload (6 MiB): `RequestTooLargeException` past it.
pub const MAX_REQUEST_PAYLOAD: usize = 6 * 1024 * 1024;
/// Lambda's limit on a function's response (6 MiB + 100 bytes, the Runtime API's `MaxPayloadSize`).
pub const MAX_RESPONSE_PAYLOAD: usize = 6 * 1024 * 1024 + 100;

/// A completed invocation, shaped like Lambda's `Invoke` answer (`tollgate_aws::LambdaOutcome`): the status is
/// always 200 and the executed version `$LATEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invocation {
    /// The request id the function saw (`Lambda-Runtime-Aws-Request-Id`, `context.aws_request_id`).
    pub request_id: String,
    /// The function's result, or the error document when `function_error` is set.
    pub payload: Bytes,
    /// `X-Amz-Function-Error`: `Unhandled` when the function failed (it posted an error, timed out, exited, or
    /// answered more than 6 MB), as Lambda reports every runtime-reported error.
    pub function_error: Option<String>,
    /// The error's type: the runtime's `Lambda-Runtime-Function-Error-Type`, or the type Lambda writes itself
    /// (`Sandbox.Timedout`, `Runtime.ExitError`, `Function.ResponseSizeTooLarge`).
    pub error_type: Option<String>,
}

impl Invocation {
    pub(crate) fn success(request_id: &str, payload: Bytes) -> Invocation {
        Invocation {
            request_id: request_id.to_owned(),
            payload,
            function_error: None,
            error_type: None,
        }
    }

    pub(crate) fn failure(request_id: &str, payload: Bytes, error_type: Option<String>) -> Invocation {
        Invocation {
            request_id: request_id.to_owned(),
            payload,
            function_error: Some("Unhandled".to_owned()),
            error_type,
        }
    }

    /// Lambda's answer when the function runs past its timeout:
    /// `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ID Error: Task timed out after 3.00 seconds"}`
    /// (recorded `aws lambda invoke` output).
    pub(crate) fn timed_out(request_id: &str, timeout: Duration) -> Invocation {
        let message = format!(
            "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
            timeout.as_secs_f64()
        );
        lambda_error(request_id, "Sandbox.Timedout", &message)
    }

    /// Lambda's answer when the runtime process exits during the invocation (or its init):
    /// `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ID Error: Runtime exited with error: exit
    /// status 1"}` (recorded `aws lambda invoke` output; Go's wording for the exit status).
    pub(crate) fn exited(request_id: &str, status: Option<&ExitStatusText>) -> Invocation {
        let message = match status {
            Some(status) => format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
            None => format!("RequestId: {request_id} Error: Runtime exited without providing a reason"),
        };
        lambda_error(request_id, "Runtime.ExitError", &message)
    }

    /// Lambda's answer when the function's response is over [`MAX_RESPONSE_PAYLOAD`] (key order as Lambda sends
    /// it).
    pub(crate) fn response_too_large(request_id: &str) -> Invocation {
        let payload = format!(
            "{{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size \
             ({MAX_RESPONSE_PAYLOAD} bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}}"
        );
        Invocation::failure(
            request_id,
            Bytes::from(payload),
            Some("Function.ResponseSizeTooLarge".to_owned()),
        )
    }
}

fn lambda_error(request_id: &str, error_type: &str, message: &str) -> Invocation {
    let mut document = serde_json::Map::new();
    document.insert("errorType".to_owned(), error_type.into());
    document.insert("errorMessage".to_owned(), message.into());
    let payload = serde_json::Value::Object(document).to_string();
    Invocation::failure(request_id, Bytes::from(payload), Some(error_type.to_owned()))
}

/// How a process ended, in Go's `ProcessState` wording that Lambda's messages use (`exit status 1`,
/// `signal: killed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExitStatusText {
    Code(i32),
    Signal(i32),
}

impl ExitStatusText {
    pub(crate) fn of(status: std::process::ExitStatus) -> Option<ExitStatusText> {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Some(ExitStatusText::Code(code)),
            (None, Some(signal)) => Some(ExitStatusText::Signal(signal)),
            (None, None) => None,
        }
    }
}

impl fmt::Display for ExitStatusText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatusText::Code(code) => write!(f, "exit status {code}"),
            ExitStatusText::Signal(signal) => {
                // Go's names for the signals a runtime dies of (syscall.Signal.String on Linux).
                let name = match signal {
                    1 => "hangup",
                    2 => "interrupt",
                    3 => "quit",
                    4 => "illegal instruction",
                    6 => "aborted",
                    7 => "bus error",
                    8 => "floating point exception",
                    9 => "killed",
                    11 => "segmentation fault",
                    13 => "broken pipe",
                    15 => "terminated",
                    _ => return write!(f, "signal: signal {signal}"),
                };
                write!(f, "signal: {name}")
            }
        }
    }
}

/// Why an invocation produced no [`Invocation`]. Each maps to what Lambda's `Invoke` answers
/// ([`InvokeError::aws_status`], [`InvokeError::aws_code`], [`InvokeError::aws_message`]), so the gateway can
/// treat a local function like one in AWS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// No function of that name is configured.
    #[error("Function not found: {arn}")]
    UnknownFunction {
        /// The ARN Lambda names in its message.
        arn: String,
    },
    /// The event is over [`MAX_REQUEST_PAYLOAD`].
    #[error(
        "{size} byte payload is too large for the RequestResponse invocation type (limit {MAX_REQUEST_PAYLOAD} bytes)"
    )]
    PayloadTooLarge {
        /// The event's size.
        size: usize,
    },
    /// Every process is busy and the wait queue is full.
    #[error("Rate Exceeded.")]
    Throttled,
    /// The caller's wait (the integration timeout) ran out first; the function may still be running.
    #[error("the invocation did not finish within the caller's timeout")]
    Timeout,
    /// The host is shutting down.
    #[error("the local function host is shutting down")]
    ShuttingDown,
    /// The process could not be started (no `sh`, no free port, ...).
    #[error("could not start the function's process: {0}")]
    Spawn(String),
}

impl InvokeError {
    /// Lambda's HTTP status for this error (`Timeout` has none; the gateway answers its own timeout, 504).
    pub fn aws_status(&self) -> u16 {
        match self {
            InvokeError::UnknownFunction { .. } => 404,
            InvokeError::PayloadTooLarge { .. } => 413,
            InvokeError::Throttled => 429,
            InvokeError::Timeout => 504,
            InvokeError::ShuttingDown | InvokeError::Spawn(_) => 500,
        }
    }

    /// Lambda's error code (`X-Amzn-ErrorType`).
    pub fn aws_code(&self) -> &'static str {
        match self {
            InvokeError::UnknownFunction { .. } => "ResourceNotFoundException",
            InvokeError::PayloadTooLarge { .. } => "RequestTooLargeException",
            InvokeError::Throttled => "TooManyRequestsException",
            InvokeError::Timeout => "TimeoutError",
            InvokeError::ShuttingDown | InvokeError::Spawn(_) => "ServiceException",
        }
    }

    /// Lambda's message.
    pub fn aws_message(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_writes_its_own_error_documents() {
        // Source: recorded `aws lambda invoke` output (errorType first, compact JSON).
        let id = "f83d9f5b-91c2-46ef-8f27-956c2efb047a";
        let timed_out = Invocation::timed_out(id, Duration::from_secs(3));
        assert_eq!(
            timed_out.payload,
            r#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: f83d9f5b-91c2-46ef-8f27-956c2efb047a Error: Task timed out after 3.00 seconds"}"#
        );
        assert_eq!(timed_out.function_error.as_deref(), Some("Unhandled"));
        let exited = Invocation::exited(id, Some(&ExitStatusText::Code(101)));
        assert_eq!(
            exited.payload,
            r#"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: f83d9f5b-91c2-46ef-8f27-956c2efb047a Error: Runtime exited with error: exit status 101"}"#
        );
        let killed = Invocation::exited(id, Some(&ExitStatusText::Signal(9)));
        assert!(
            std::str::from_utf8(&killed.payload)
                .unwrap()
                .ends_with("Runtime exited with error: signal: killed\"}")
        );
        // Source: moto's Lambda tests (AWS-validated message).
        assert_eq!(
            Invocation::response_too_large(id).payload,
            r#"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#
        );
    }

    #[test]
    fn invoke_errors_carry_lambdas_answers() {
        let err = InvokeError::PayloadTooLarge { size: 6991583 };
        assert_eq!(
            err.aws_message(),
            "6991583 byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)"
        );
        assert_eq!((err.aws_status(), err.aws_code()), (413, "RequestTooLargeException"));
        let err = InvokeError::UnknownFunction {
            arn: "arn:aws:lambda:us-east-1:123456789012:function:nope".to_owned(),
        };
        assert_eq!(
            err.aws_message(),
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
        );
        assert_eq!(InvokeError::Throttled.aws_code(), "TooManyRequestsException");
    }
}
