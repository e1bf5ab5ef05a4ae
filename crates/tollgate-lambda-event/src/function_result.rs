//! What a Lambda invocation returned, for the non-proxy Lambda integration (type `AWS`).
//!
//! API Gateway matches each integration response's `selectionPattern` against the function's `errorMessage`
//! [doc]. A successful invocation is matched against an empty string, so a pattern such as `200` never
//! selects it and the default response wins (REC/ lambda `test_lambda_selection_patterns`). A function error
//! is signalled by the invocation (`X-Amz-Function-Error: Handled | Unhandled`), not by the payload: a
//! successful function may return an object with an `errorMessage` key and is still a success.

use crate::json_in::{Reader, Scalar};
use std::borrow::Cow;

/// The outcome of one invocation, as the integration-response selection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionResult<'a> {
    /// The function returned normally.
    Success,
    /// The invocation reported a function error.
    Error {
        /// The payload's top-level `errorMessage` string; empty when the payload has none (a non-object, a
        /// missing key, a non-string value: unknown on AWS).
        error_message: Cow<'a, str>,
    },
}

impl FunctionResult<'_> {
    /// Whether the invocation reported a function error.
    pub fn is_error(&self) -> bool {
        matches!(self, FunctionResult::Error { .. })
    }

    /// The string selection patterns are matched against: the `errorMessage`, or `""` on success.
    pub fn selection_input(&self) -> &str {
        match self {
            FunctionResult::Success => "",
            FunctionResult::Error { error_message } => error_message,
        }
    }
}

/// Classifies an invocation result. `function_error` is the invocation's `X-Amz-Function-Error` value, if any.
pub fn classify_function_result<'a>(payload: &'a [u8], function_error: Option<&str>) -> FunctionResult<'a> {
    if function_error.is_none() {
        return FunctionResult::Success;
    }
    FunctionResult::Error {
        error_message: error_message(payload).unwrap_or(Cow::Borrowed("")),
    }
}

/// The top-level `errorMessage` string of a JSON object payload (the last one if repeated).
fn error_message(payload: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut reader = Reader::new(text);
    reader.begin_object().ok()?;
    let mut found = None;
    let mut first = true;
    while let Some(key) = reader.next_key(first).ok()? {
        first = false;
        if key == "errorMessage" {
            match reader.peek().ok()? {
                Some(crate::json_in::Peek::Object | crate::json_in::Peek::Array) => {
                    reader.skip_value().ok()?;
                    found = None;
                }
                _ => {
                    found = match reader.scalar().ok()? {
                        Scalar::String(message) => Some(message),
                        _ => None,
                    }
                }
            }
        } else {
            reader.skip_value().ok()?;
        }
    }
    reader.at_end().then_some(found?)
}
