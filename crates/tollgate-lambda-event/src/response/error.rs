//! Why a function's answer did not become a response.

use std::fmt;

/// Why a Lambda proxy answer could not be turned into a response. API Gateway answers all of these with
/// 502 `{"message": "Internal server error"}`, except an undecodable base64 body, which is 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponseError {
    kind: ProxyResponseErrorKind,
    offset: Option<usize>,
}

/// The kinds of [`ProxyResponseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyResponseErrorKind {
    /// The invocation reported a function error (`X-Amz-Function-Error`); its payload has the
    /// `errorMessage`/`errorType` shape, which is not a proxy response [doc].
    FunctionError,
    /// The payload is not JSON (or not UTF-8).
    InvalidJson,
    /// The payload is JSON but not an object (recorded: a bare string).
    NotAnObject,
    /// A key other than `statusCode`, `headers`, `multiValueHeaders`, `body`, `isBase64Encoded` (recorded).
    UnknownKey,
    /// `statusCode` is neither an integer nor a string of one (recorded: `"test"`).
    InvalidStatusCode,
    /// `statusCode` is outside 100–599 (unknown on AWS).
    StatusCodeOutOfRange,
    /// `headers` is not an object, or one of its values is an array or object.
    InvalidHeaders,
    /// `multiValueHeaders` is not an object, or a value is not a list of scalars (recorded: a string value).
    InvalidMultiValueHeaders,
    /// A header name is not an HTTP token, or a value holds a control character other than tab.
    InvalidHeaderField,
    /// `body` is not a string (unknown on AWS).
    InvalidBody,
    /// `isBase64Encoded` is not a boolean (unknown on AWS).
    InvalidIsBase64Encoded,
    /// The body was to be decoded from base64 and is not valid base64 (recorded: 500).
    InvalidBase64Body,
}

impl ProxyResponseError {
    pub(crate) fn new(kind: ProxyResponseErrorKind) -> Self {
        Self { kind, offset: None }
    }

    pub(crate) fn at(kind: ProxyResponseErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset: Some(offset),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ProxyResponseErrorKind {
        self.kind
    }

    /// The byte offset in the payload where it went wrong, when known.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// The status API Gateway answers with: 500 for [`ProxyResponseErrorKind::InvalidBase64Body`], else 502.
    /// The body is `{"message": "Internal server error"}` either way (a gateway response the runtime renders).
    pub fn status(&self) -> u16 {
        match self.kind {
            ProxyResponseErrorKind::InvalidBase64Body => 500,
            _ => 502,
        }
    }

    /// The line API Gateway's execution log shows for this failure.
    pub fn log_message(&self) -> &'static str {
        match self.kind {
            ProxyResponseErrorKind::FunctionError => {
                "Lambda execution failed with status 200 due to customer function error"
            }
            ProxyResponseErrorKind::InvalidBase64Body => {
                "Execution failed due to configuration error: Unable to base64 decode the body"
            }
            _ => "Execution failed due to configuration error: Malformed Lambda proxy response",
        }
    }
}

impl fmt::Display for ProxyResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProxyResponseErrorKind::FunctionError => "the function returned an error",
            ProxyResponseErrorKind::InvalidJson => "the function's answer is not JSON",
            ProxyResponseErrorKind::NotAnObject => "the function's answer is not a JSON object",
            ProxyResponseErrorKind::UnknownKey => {
                "the function's answer has a key other than statusCode, headers, multiValueHeaders, body, isBase64Encoded"
            }
            ProxyResponseErrorKind::InvalidStatusCode => "statusCode is not an integer",
            ProxyResponseErrorKind::StatusCodeOutOfRange => "statusCode is outside 100-599",
            ProxyResponseErrorKind::InvalidHeaders => "headers is not an object of scalar values",
            ProxyResponseErrorKind::InvalidMultiValueHeaders => {
                "multiValueHeaders is not an object of lists of scalars"
            }
            ProxyResponseErrorKind::InvalidHeaderField => "a header name or value is not valid in HTTP",
            ProxyResponseErrorKind::InvalidBody => "body is not a string",
            ProxyResponseErrorKind::InvalidIsBase64Encoded => "isBase64Encoded is not a boolean",
            ProxyResponseErrorKind::InvalidBase64Body => "the body is not valid base64",
        };
        match self.offset {
            Some(offset) => write!(f, "malformed Lambda proxy response: {what} (at byte {offset})"),
            None => write!(f, "malformed Lambda proxy response: {what}"),
        }
    }
}

impl std::error::Error for ProxyResponseError {}
