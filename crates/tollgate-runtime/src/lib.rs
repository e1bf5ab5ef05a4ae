//! The Tollgate gateway runtime: compiled deployments, routing, integrations, gateway responses.
//!
//! # The runtime ↔ server contract
//!
//! The server (`tollgate-server`) owns sockets, TLS, signals, files and the process; this crate owns everything
//! between a parsed HTTP request and the response API Gateway would send. The whole surface the server uses:
//!
//! 1. **Compile** (at start and on reload, off the request path, e.g. in `spawn_blocking`):
//!    [`Deployment::compile`]`(&RestApi, &Stage, &CompileOptions) -> Result<Deployment, Vec<Diagnostic>>`.
//!    Every problem comes back at once as a `tollgate_model::Diagnostic` located at `file:line:col` in the
//!    definition file (VTL compile errors, bad selection-pattern regexes, malformed parameter mappings, bad
//!    integration URIs, invalid resource trees, …). Warnings never fail a compile; a compiled deployment keeps
//!    them in [`Deployment::warnings`].
//! 2. **Serve**: [`Gateway::new`]`(Deployments, Backends, GatewayOptions)` ([`Backends`]: the HTTP client, AWS
//!    service integrations, and the [`LambdaBackend`] that invokes Lambda functions for AWS_PROXY and non-proxy
//!    Lambda integrations); then for each request
//!    [`Gateway::handle`]`(http::Request<B>) -> http::Response<ResponseBody>`. `B` is any
//!    `http_body::Body<Data = Bytes>` (hyper's `Incoming` in production). `Gateway` is a cheap `Clone` handle
//!    and implements `tower_service::Service<Request<B>>` (never errors, always ready), so the server can wrap
//!    it in tower-http layers. `handle` never panics on input and never hangs: every backend call has a
//!    timeout (the integration's `timeoutInMillis`).
//! 3. **Reload**: [`Gateway::install`]`(Deployments) -> u64` swaps the snapshot atomically (arc-swap); a
//!    request in flight keeps the snapshot it started with. [`Gateway::version`] is the installed snapshot's
//!    version for `/healthz` (1 for the first, +1 per install).
//! 4. **Request extensions** the server attaches (all optional; tests omit them):
//!    * [`PeerAddr`]: the TCP peer (`$context.identity.sourceIp`, `X-Forwarded-For` toward Lambda).
//!    * [`OriginalHeaderNames`]: the client's header names with their original case, in arrival order
//!      (hyper lowercases HTTP/1 names; the server recovers them from the raw head). Used where AWS keeps the
//!      client's case (the Lambda proxy event, issue 5).
//!    * [`ReceivedAt`]: when the request head was read, for `$context.responseLatency`.
//! 5. **Access log**: [`GatewayOptions::access_log`] takes an [`AccessLogFormat`] (AWS's `$context` log format,
//!    parsed once with [`AccessLogFormat::parse`], e.g. from `--access-log-format`) and an [`AccessLogSink`]
//!    the server implements. After each response head is built the runtime renders one line and calls
//!    [`AccessLogSink::write`] (no I/O in the runtime; the sink may buffer or drop).
//! 6. **Time and ids** are injected ([`Clock`], [`IdGenerator`]); defaults use the system clock and a fast
//!    random generator. Request ids are UUIDs (`x-amzn-RequestId`), extended ids 16 characters ending in `=`
//!    (`x-amz-apigw-id`).
//!
//! The stage is the first path segment (`http://host:port/{stage}/{path}`); a request for a stage that is
//! not deployed, an unknown resource or an undefined method gets AWS's 403 `MissingAuthenticationTokenException`.
//! The server's own edge answers (413 over 10 MiB, 431, 414, ...) can use [`Gateway::edge_response`] to get
//! AWS's bytes and headers for a gateway response type without routing.
//!
//! # Pipeline
//!
//! Phases are plain async functions over a per-request context (`pipeline.rs`), in API Gateway's order
//! (spec §0): route → (authorize, API key, validate, throttle, cache: issue 8) → integration request →
//! integration call (an `enum` match over MOCK | HTTP | HTTP_PROXY | AWS | AWS_PROXY) → integration response →
//! response headers → access log. Every error is a [`GatewayError`]; exactly one function turns it into the
//! gateway response (`gateway_response::respond`).

mod access_log;
mod aws_service;
mod backends;
mod binary;
mod body;
mod clock;
mod context_var;
mod cx;
mod deployment;
mod error;
mod gateway;
mod gateway_response;
mod header_names;
mod headers;
mod integration;
mod lambda;
mod lambda_aws;
mod lambda_invoke;
mod lambda_plan;
mod lambda_proxy;
mod param;
mod phases;
mod pipeline;
mod proxy;
mod query;
pub mod router;
pub mod state;
mod templates;
mod time_fmt;
mod uri_template;
mod usage_plans;
mod validate;

pub use access_log::{AccessLogFormat, AccessLogFormatError, AccessLogSink};
pub use aws_service::{AwsFuture, AwsSender};
#[doc(hidden)]
pub use backends::fuzzing;
pub use backends::{
    BackendFuture, BackendSetupError, Backends, HttpBackend, HttpBackendError, HttpClientOptions, HyperHttpBackend,
    PooledHttpBackend,
};
pub use body::{BoxError, FrameJoiner, RequestBody, ResponseBody};
pub use clock::{Clock, IdGenerator, IdText, RandomIds, RequestIds, SystemClock};
pub use deployment::{CompileOptions, Deployment};
pub use error::GatewayError;
pub use gateway::{Arrival, Deployments, Gateway, GatewayOptions, PeerAddr, ReceivedAt};
pub use header_names::{Names as OriginalHeaderNamesIter, OriginalHeaderNames};
pub use lambda::{
    FunctionRef, InvocationType, LambdaBackend, LambdaFuture, LambdaInvokeError, LambdaInvoker, LambdaOutcome,
    LambdaRequest, NoLambda,
};
pub use phases::authorizer::UserPoolKeys;
pub use state::{EmbeddedStore, StateStore};
pub use usage_plans::{ACCOUNT_DEFAULT_THROTTLE, UsagePlans};
