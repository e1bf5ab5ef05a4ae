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
//! The crate knows nothing of API Gateway's request pipeline and serves nothing. Everything that talks to AWS is
//! behind the default `client` feature; without it the crate parses and builds requests only.

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod credential_cache;
mod credentials;
#[cfg(feature = "client")]
mod http;
#[cfg(feature = "client")]
mod lambda;
mod services;
#[cfg(feature = "client")]
mod sign;
mod template;
mod uri;
mod wire;

#[cfg(feature = "client")]
pub use aws_credential_types::Credentials;
#[cfg(feature = "client")]
pub use client::{AwsClient, AwsClientBuilder, AwsResponse, ConfigError, DEFAULT_MAX_RESPONSE_BYTES, SendError};
pub use credentials::{CALLER_CREDENTIALS, CredentialsSpecError, IntegrationCredentials};
#[cfg(feature = "client")]
pub use lambda::{InvocationType, InvokeError, LambdaInvoker, LambdaOutcome};
pub use services::{Protocol, Service, ServiceTable, SigningFlavor, TableError};
#[cfg(feature = "client")]
pub use sign::{SignError, sign_request};
pub use template::{NoPlaceholders, PlaceholderValues, Placeholders};
pub use uri::{AwsTarget, IntegrationUri, MAX_URI_LEN, Operation, Partition, ResolveError, UriError, UriErrorKind};
pub use wire::{
    Endpoint, EndpointError, IntegrationRequest, RequestError, WireRequest, build_request, is_reserved_header,
};
