//! Amazon API Gateway's Lambda proxy integration (REST APIs, payload format 1.0), byte for byte.
//!
//! Three jobs, all pure (no I/O, no HTTP types):
//!
//! * [`write_event`] writes the JSON event API Gateway sends to the function, from an [`EventInput`] the
//!   runtime borrows from the routed request. [`decode_query`], [`StagePaths`] and [`greedy_parameter_value`]
//!   derive the inputs with AWS's decoding and slash rules, and [`BinaryMediaTypes`] tells whether a body
//!   is binary.
//! * [`parse_proxy_response`] reads the function's answer with AWS's validation rules into a
//!   [`ProxyResponse`] (status, header lines, body) or a [`ProxyResponseError`] (502, or 500 for a bad
//!   base64 body).
//! * [`classify_function_result`] tells, for the non-proxy Lambda integration, whether an invocation failed
//!   and what its `errorMessage` is, the input of selection patterns.
//!
//! # How the event's bytes were pinned
//!
//! The content follows AWS-recorded events (LocalStack's AWS-validated snapshots, cited per rule). Those
//! snapshots sort keys, so order and escaping come from raw events API Gateway printed in execution logs
//! ("Endpoint request body after transformations: {…}") and CloudWatch dumps:
//! * top-level keys in a fixed order, compact, no spaces;
//! * `headers` and `multiValueHeaders` sorted case-insensitively (`…, Host, origin, Referer, sec-fetch-dest, …`),
//!   a Java `TreeMap` with `String.CASE_INSENSITIVE_ORDER`;
//! * `requestContext` and `identity` in Java `HashMap` iteration order, which this crate computes from the
//!   keys present (the order changes when an API key adds two identity keys, exactly as logged);
//! * strings escaped like Jackson: `/`, `=` and non-ASCII as is, control characters as `\u00XX` in upper case.
//!
//! Where AWS's behaviour is unknown the item's documentation says so and what Tollgate does instead.

#![warn(missing_docs)]

mod clf_time;
mod event;
mod function_result;
mod java_hash;
mod java_number;
mod json_in;
mod json_out;
mod media_types;
mod paths;
mod query;
mod response;

pub use event::{
    ApiKey, Authorizer, AuthorizerValue, Body, EventInput, Identity, LambdaAuthorizer, RequestContext, write_event,
};
pub use function_result::{FunctionResult, classify_function_result};
pub use media_types::BinaryMediaTypes;
pub use paths::{StagePaths, greedy_parameter_value};
pub use query::{QueryParams, decode_query};
pub use response::{
    DEFAULT_CONTENT_TYPE, ProxyResponse, ProxyResponseError, ProxyResponseErrorKind, ResponseHeader, ResponseOptions,
    parse_proxy_response,
};
