//! AWS service integrations for Tollgate: integration URIs, wire requests, SigV4 signing, Lambda invoke.
//!
//! API Gateway's AWS integration sends the rendered mapping template as the raw service request and hands the
//! raw service response to integration-response selection. This crate does the same, generically:
//!
//! 1. At load time, [`IntegrationUri::parse`] checks an integration URI against the [`ServiceTable`] (one row per
//!    service in `services.toml`) and [`IntegrationCredentials::parse`] checks the `credentials` field.
//! 2. Per request, [`IntegrationUri::resolve`] fills in `${stageVariables.x}` and `{param}` placeholders,
//!    [`AwsClient::send`] frames the request for the service's protocol ([`build_request`]), signs it with SigV4
//!    ([`sign_request`]) and returns the raw [`AwsResponse`].
//! 3. Lambda `Invoke` URIs ([`IntegrationUri::is_lambda_invoke`]) go through [`LambdaInvoker`] instead.
//!
//! The crate knows nothing of API Gateway's request pipeline and serves nothing.

mod client;
mod credentials;
mod http;
mod lambda;
mod services;
mod sign;
mod template;
mod uri;
mod wire;

pub use aws_credential_types::Credentials;
pub use client::{AwsClient, AwsClientBuilder, AwsResponse, ConfigError, DEFAULT_MAX_RESPONSE_BYTES, SendError};
pub use credentials::{CALLER_CREDENTIALS, CredentialsSpecError, IntegrationCredentials};
pub use lambda::{InvocationType, InvokeError, LambdaInvoker, LambdaOutcome};
pub use services::{Protocol, Service, ServiceTable, SigningFlavor, TableError};
pub use sign::{SignError, sign_request};
pub use template::{NoPlaceholders, PlaceholderValues, Placeholders};
pub use uri::{AwsTarget, IntegrationUri, MAX_URI_LEN, Operation, Partition, ResolveError, UriError, UriErrorKind};
pub use wire::{
    Endpoint, EndpointError, IntegrationRequest, RequestError, WireRequest, build_request, is_reserved_header,
};
