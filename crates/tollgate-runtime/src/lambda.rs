//! Lambda functions behind AWS_PROXY and non-proxy (`AWS`) Lambda integrations: the [`LambdaBackend`] trait the
//! gateway invokes them through, the function an integration URI names ([`FunctionRef`]), and the backend for
//! functions in AWS (or any Lambda-compatible endpoint), `tollgate_aws::LambdaInvoker`.
//!
//! Which backend serves a function is the embedder's choice: `tollgate serve` hands the gateway one that sends a
//! function configured with `--function NAME=COMMAND` to its local process and every other function to Lambda.

use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
pub use tollgate_aws::{InvocationType, InvokeError as LambdaInvokeError, LambdaInvoker, LambdaOutcome};

/// A boxed future of one invocation.
pub type LambdaFuture = Pin<Box<dyn Future<Output = Result<LambdaOutcome, LambdaInvokeError>> + Send>>;

/// Invokes Lambda functions for the gateway. Implementations answer as Lambda's `Invoke` does: an outcome with
/// the function's payload (and `function_error` when it failed), or a [`LambdaInvokeError`] when Lambda gave no
/// answer (`Timeout` once [`LambdaRequest::timeout`] has passed, `Service` for Lambda's refusals).
pub trait LambdaBackend: Send + Sync + fmt::Debug {
    /// Invokes `request.function` with `request.payload`.
    fn invoke(&self, request: LambdaRequest) -> LambdaFuture;
}

/// One invocation the gateway asks for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LambdaRequest {
    /// The function, as the integration URI names it.
    pub function: FunctionRef,
    /// The event: the proxy event, or the non-proxy integration's request body.
    pub payload: Bytes,
    /// `RequestResponse`, or `Event` when the integration maps `X-Amz-Invocation-Type: 'Event'`.
    pub invocation_type: InvocationType,
    /// How long the gateway waits: the integration's `timeoutInMillis`.
    pub timeout: Duration,
    /// The request's X-Ray trace header (`Root=1-…;Parent=…;Sampled=0`), which a function sees as its trace id.
    pub trace_id: Option<String>,
    /// The role the integration's `credentials` name (stage variables substituted); `None` for the default
    /// credentials (no `credentials`, or the caller's, `arn:aws:iam::*:user/*`).
    pub credentials: Option<Arc<str>>,
}

impl LambdaRequest {
    /// A synchronous invocation of `function` with `payload`, waited for at most `timeout`.
    pub fn new(function: FunctionRef, payload: impl Into<Bytes>, timeout: Duration) -> LambdaRequest {
        LambdaRequest {
            function,
            payload: payload.into(),
            invocation_type: InvocationType::RequestResponse,
            timeout,
            trace_id: None,
            credentials: None,
        }
    }
}

/// A function as an integration URI names it (`…/2015-03-31/functions/FUNCTION/invocations`): a name
/// (`my-function`), a name with an alias or version (`my-function:live`), a partial ARN
/// (`123456789012:function:my-function`) or a full ARN (`arn:aws:lambda:us-east-1:123456789012:function:my-function`),
/// each with an optional qualifier, exactly the forms Lambda's `Invoke` accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct FunctionRef {
    text: Arc<str>,
    name: Range<usize>,
    qualifier: Option<Range<usize>>,
    region: Arc<str>,
}

impl FunctionRef {
    /// Parses `function` (percent-decoded, stage variables substituted). `uri_region` is the integration URI's
    /// region, where a function named without an ARN lives.
    pub fn parse(function: &str, uri_region: &str) -> Result<FunctionRef, String> {
        let invalid = |why: &str| {
            format!(
                "`{function}` is not a Lambda function name or ARN ({why}; expected NAME, NAME:ALIAS, \
                 ACCOUNT:function:NAME or arn:aws:lambda:REGION:ACCOUNT:function:NAME)"
            )
        };
        let fields: Vec<&str> = function.split(':').collect();
        // Where the name starts, as a field index, and the region the ARN names (if any).
        let (name_field, region) = match fields.as_slice() {
            ["arn", partition, "lambda", region, account, "function", _, ..] => {
                if partition.is_empty() || !is_region(region) || !is_account(account) {
                    return Err(invalid("malformed ARN"));
                }
                (6, Some(*region))
            }
            ["arn", ..] => return Err(invalid("not a function ARN")),
            [account, "function", _, ..] if is_account(account) => (2, None),
            _ => (0, None),
        };
        let rest = &fields[name_field..];
        let (name, qualifier) = match rest {
            [name] => (*name, None),
            [name, qualifier] => (*name, Some(*qualifier)),
            _ => return Err(invalid("too many `:`")),
        };
        if !is_function_name(name) {
            return Err(invalid("a name is 1-64 letters, digits, `-` or `_`"));
        }
        if let Some(qualifier) = qualifier
            && !is_qualifier(qualifier)
        {
            return Err(invalid(
                "an alias or version is 1-128 letters, digits, `-`, `_` or `$LATEST`",
            ));
        }
        let start = offset_of(function, name);
        Ok(FunctionRef {
            text: Arc::from(function),
            name: start..start + name.len(),
            qualifier: qualifier.map(|q| {
                let at = offset_of(function, q);
                at..at + q.len()
            }),
            region: Arc::from(region.unwrap_or(uri_region)),
        })
    }

    /// The function name (`my-function`), which `--function NAME=COMMAND` matches.
    pub fn name(&self) -> &str {
        self.text.get(self.name.clone()).unwrap_or_default()
    }

    /// The alias or version after the name (`live`, `3`, `$LATEST`), if any.
    pub fn qualifier(&self) -> Option<&str> {
        self.qualifier.clone().and_then(|range| self.text.get(range))
    }

    /// The function as written: what Lambda's `Invoke` receives as `FunctionName`.
    pub fn as_written(&self) -> &str {
        &self.text
    }

    /// The region the function lives in: the ARN's, else the integration URI's.
    pub fn region(&self) -> &str {
        &self.region
    }
}

impl fmt::Debug for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FunctionRef({:?} in {})", &*self.text, self.region)
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The byte offset of `part`, a sub-slice of `whole`.
fn offset_of(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

fn is_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_qualifier(qualifier: &str) -> bool {
    qualifier == "$LATEST"
        || (1..=128).contains(&qualifier.len())
            && qualifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_account(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Functions in AWS, or at a Lambda-compatible endpoint (`AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`): `Invoke`
/// through `aws-sdk-lambda`, in the region of the function's ARN or else of the integration URI, signed with the
/// integration's role when it names one.
impl LambdaBackend for LambdaInvoker {
    fn invoke(&self, request: LambdaRequest) -> LambdaFuture {
        let invoker = self.clone();
        Box::pin(async move {
            invoker
                .invoke_in(
                    request.function.region(),
                    request.credentials.as_deref(),
                    request.function.as_written(),
                    None,
                    request.payload,
                    request.invocation_type,
                    request.timeout,
                )
                .await
        })
    }
}

/// The backend of a gateway built without one: every invocation is refused (API Gateway's answer to a refused
/// invocation is 500).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLambda;

impl LambdaBackend for NoLambda {
    fn invoke(&self, request: LambdaRequest) -> LambdaFuture {
        let function = request.function.as_written().to_owned();
        Box::pin(async move {
            Err(LambdaInvokeError::Other(format!(
                "no Lambda backend is configured to invoke `{function}`"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(function: &str) -> (String, Option<String>, String) {
        let parsed = FunctionRef::parse(function, "us-east-1").unwrap();
        (
            parsed.name().to_owned(),
            parsed.qualifier().map(str::to_owned),
            parsed.region().to_owned(),
        )
    }

    #[test]
    fn the_forms_lambda_invoke_accepts() {
        // Source: Lambda API reference, Invoke `FunctionName` ("Function name", "Function ARN", "Partial ARN",
        // with an optional version or alias).
        let name = |n: &str| (n.to_owned(), None, "us-east-1".to_owned());
        assert_eq!(parts("my-function"), name("my-function"));
        assert_eq!(
            parts("my-function:v1"),
            ("my-function".to_owned(), Some("v1".to_owned()), "us-east-1".to_owned())
        );
        assert_eq!(parts("123456789012:function:my_function"), name("my_function"));
        assert_eq!(
            parts("arn:aws:lambda:eu-west-1:123456789012:function:my-function"),
            ("my-function".to_owned(), None, "eu-west-1".to_owned())
        );
        assert_eq!(
            parts("arn:aws:lambda:eu-west-1:123456789012:function:my-function:$LATEST"),
            (
                "my-function".to_owned(),
                Some("$LATEST".to_owned()),
                "eu-west-1".to_owned()
            )
        );
        let arn = FunctionRef::parse("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live", "us-east-1").unwrap();
        assert_eq!(
            arn.as_written(),
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live"
        );
    }

    #[test]
    fn malformed_functions_are_refused() {
        for bad in [
            "",
            "my function",
            "a:b:c",
            "arn:aws:lambda:us-east-1:123456789012:layer:x",
            "arn:aws:lambda:us-east-1:1234:function:x",
            "arn:aws:s3:::bucket",
            "f:",
            "f:a.b",
            &"x".repeat(65),
        ] {
            assert!(FunctionRef::parse(bad, "us-east-1").is_err(), "{bad:?}");
        }
    }
}
