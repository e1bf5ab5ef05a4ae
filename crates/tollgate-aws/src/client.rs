//! [`AwsClient`]: builds, signs and sends AWS integration requests over a pooled HTTP client, and returns the raw
//! service response.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource, TimeSource};
use aws_types::service_config::ServiceConfigKey;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full, Limited};

use crate::credential_cache::CredentialCache;
use crate::http::{HttpClient, PoolOptions, new_http_client, sdk_http_client};
use crate::services::{Service, ServiceTable};
use crate::sign::{SignError, sign_request};
use crate::uri::AwsTarget;
use crate::wire::{Endpoint, EndpointError, IntegrationRequest, RequestError, WireRequest, build_request};

/// API Gateway's integration response payload limit (10 MB); a larger service response is an error, not an
/// unbounded read.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// The raw service response: what integration-response selection and templates see.
#[derive(Debug, Clone)]
pub struct AwsResponse {
    /// The service's status code.
    pub status: StatusCode,
    /// The service's headers.
    pub headers: HeaderMap,
    /// The service's body.
    pub body: Bytes,
}

/// Why a service call produced no response. The runtime maps these to gateway responses: [`SendError::Timeout`]
/// to 504 `{"message": "Endpoint request timed out"}`, the others to 500/502 per the spec.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The call did not finish within the integration timeout.
    Timeout,
    /// The integration request cannot be sent as it is (a reserved header, an invalid value).
    Request(RequestError),
    /// No credentials, or the role could not be assumed.
    Credentials(String),
    /// Signing failed.
    Sign(SignError),
    /// The service could not be reached: DNS, connection refused, TLS.
    Connect(String),
    /// The connection failed during the exchange.
    Io(String),
    /// The response body is larger than the configured limit.
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Timeout => f.write_str("endpoint request timed out"),
            SendError::Request(e) => write!(f, "{e}"),
            SendError::Credentials(e) => write!(f, "could not get AWS credentials: {e}"),
            SendError::Sign(e) => write!(f, "{e}"),
            SendError::Connect(e) => write!(f, "could not connect to the AWS endpoint: {e}"),
            SendError::Io(e) => write!(f, "AWS endpoint connection failed: {e}"),
            SendError::ResponseTooLarge { limit } => write!(f, "AWS response body exceeds {limit} bytes"),
        }
    }
}

impl std::error::Error for SendError {}

/// A problem with the client configuration, found when the client is built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// An endpoint override is not a usable URL.
    Endpoint(EndpointError),
    /// The TLS configuration could not be built.
    Tls(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Endpoint(e) => write!(f, "{e}"),
            ConfigError::Tls(e) => write!(f, "TLS setup failed: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<EndpointError> for ConfigError {
    fn from(e: EndpointError) -> Self {
        ConfigError::Endpoint(e)
    }
}

/// Sends AWS integration requests. Cheap to clone; clones share the connection pool and credential cache.
#[derive(Clone)]
pub struct AwsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpClient,
    sdk_config: SdkConfig,
    credentials: Option<SharedCredentialsProvider>,
    cache: CredentialCache,
    endpoints: HashMap<Arc<str>, Endpoint>,
    default_endpoint: Option<Endpoint>,
    time: SharedTimeSource,
    max_response_bytes: usize,
}

impl fmt::Debug for AwsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsClient")
            .field("region", &self.inner.sdk_config.region())
            .field("endpoints", &self.inner.endpoints)
            .field("default_endpoint", &self.inner.default_endpoint)
            .finish_non_exhaustive()
    }
}

impl AwsClient {
    /// A client configured from the standard AWS chain (environment, shared config and credentials files, SSO and
    /// process credentials when those features are on, container and instance metadata), including
    /// `AWS_ENDPOINT_URL` and per-service overrides such as `AWS_ENDPOINT_URL_SQS`. Only the server should call
    /// this: it reads the process environment.
    pub async fn from_env() -> Result<AwsClient, ConfigError> {
        let sdk_config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(sdk_http_client())
            .load()
            .await;
        AwsClient::from_sdk_config(&sdk_config, ServiceTable::builtin())
    }

    /// A client from an already loaded configuration; endpoint overrides are read for every service of `table`.
    pub fn from_sdk_config(sdk_config: &SdkConfig, table: &ServiceTable) -> Result<AwsClient, ConfigError> {
        let mut endpoints = HashMap::new();
        if let Some(loader) = sdk_config.service_config() {
            for service in table.iter() {
                let key = ServiceConfigKey::builder()
                    .service_id(service.service_id())
                    .env("AWS_ENDPOINT_URL")
                    .profile("endpoint_url")
                    .build();
                if let Some(url) = key.ok().and_then(|key| loader.load_config(key)) {
                    endpoints.insert(Arc::from(service.name()), Endpoint::parse(&url)?);
                }
            }
        }
        let default_endpoint = sdk_config.endpoint_url().map(Endpoint::parse).transpose()?;
        let time = sdk_config
            .time_source()
            .unwrap_or_else(|| SharedTimeSource::new(SystemTimeSource::new()));
        let sdk_config = with_runtime_defaults(sdk_config.clone());
        Ok(AwsClient {
            inner: Arc::new(Inner {
                http: new_http_client(&PoolOptions::default())?,
                credentials: sdk_config.credentials_provider(),
                sdk_config,
                cache: CredentialCache::default(),
                endpoints,
                default_endpoint,
                time,
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            }),
        })
    }

    /// A builder for explicit configuration (tests, embedding): endpoint, credentials and region given directly,
    /// nothing read from the environment.
    pub fn builder() -> AwsClientBuilder {
        AwsClientBuilder::default()
    }

    /// The configuration the client was built from, for [`crate::LambdaInvoker::new`].
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.inner.sdk_config
    }

    /// Where requests for `target` go: an override for its service, the global override, or the public endpoint.
    pub fn endpoint(&self, target: &AwsTarget) -> Endpoint {
        self.endpoint_for(target.service())
            .cloned()
            .unwrap_or_else(|| Endpoint::public(target))
    }

    fn endpoint_for(&self, service: &Service) -> Option<&Endpoint> {
        self.inner
            .endpoints
            .get(service.name())
            .or(self.inner.default_endpoint.as_ref())
    }

    /// Builds the unsigned service request, exactly as [`AwsClient::send`] would send it.
    pub fn prepare(&self, target: &AwsTarget, request: &IntegrationRequest<'_>) -> Result<WireRequest, RequestError> {
        build_request(target, &self.endpoint(target), request)
    }

    /// The credentials a request signs with: the assumed `role`, or the default chain's.
    pub async fn credentials(&self, role: Option<&str>, region: &str) -> Result<Credentials, SendError> {
        let now = self.inner.time.now();
        self.inner
            .cache
            .get(role, now, || self.fetch_credentials(role, region))
            .await
    }

    async fn fetch_credentials(&self, role: Option<&str>, region: &str) -> Result<Credentials, SendError> {
        let inner = &self.inner;
        match role {
            None => {
                let provider = inner
                    .credentials
                    .as_ref()
                    .ok_or_else(|| SendError::Credentials("no credentials are configured".to_owned()))?;
                provider
                    .provide_credentials()
                    .await
                    .map_err(|e| SendError::Credentials(error_chain(&e)))
            }
            Some(role) => {
                let mut builder = aws_config::sts::AssumeRoleProvider::builder(role)
                    .session_name("tollgate")
                    .configure(&inner.sdk_config);
                if inner.sdk_config.region().is_none() {
                    builder = builder.region(Region::new(region.to_owned()));
                }
                let provider = builder.build().await;
                provider
                    .provide_credentials()
                    .await
                    .map_err(|e| SendError::Credentials(error_chain(&e)))
            }
        }
    }

    /// Sends the integration request for `target`, signed with `role`'s credentials (or the default chain's), and
    /// returns the raw response. Everything, credentials included, happens within `timeout`.
    pub async fn send(
        &self,
        target: &AwsTarget,
        role: Option<&str>,
        request: &IntegrationRequest<'_>,
        timeout: Duration,
    ) -> Result<AwsResponse, SendError> {
        let wire = self.prepare(target, request).map_err(SendError::Request)?;
        match tokio::time::timeout(timeout, self.sign_and_send(wire, role, target.region())).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Timeout),
        }
    }

    async fn sign_and_send(
        &self,
        mut wire: WireRequest,
        role: Option<&str>,
        region: &str,
    ) -> Result<AwsResponse, SendError> {
        let credentials = self.credentials(role, region).await?;
        sign_request(&mut wire, &credentials, self.inner.time.now()).map_err(SendError::Sign)?;
        let mut request = http::Request::new(Full::new(wire.body));
        *request.method_mut() = wire.method;
        *request.uri_mut() = wire.uri;
        *request.headers_mut() = wire.headers;
        let response = self.inner.http.request(request).await.map_err(classify)?;
        let (parts, body) = response.into_parts();
        let limit = self.inner.max_response_bytes;
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(SendError::ResponseTooLarge { limit }),
            Err(e) => return Err(SendError::Io(e.to_string())),
        };
        Ok(AwsResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// Connection failures are `Connect`; failures after the request went out are `Io`.
fn classify(error: hyper_util::client::legacy::Error) -> SendError {
    let message = error_chain(&error);
    if error.is_connect() {
        SendError::Connect(message)
    } else {
        SendError::Io(message)
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Sleep and time sources the SDK clients need (the STS client behind role assumption panics without a time
/// source), and no SDK-level retries: API Gateway does not retry a failed integration call.
fn with_runtime_defaults(config: SdkConfig) -> SdkConfig {
    let needs_sleep = config.sleep_impl().is_none();
    let needs_time = config.time_source().is_none();
    let needs_version = config.behavior_version().is_none();
    let mut builder = config.into_builder();
    if needs_sleep {
        builder.set_sleep_impl(Some(SharedAsyncSleep::new(TokioSleep::new())));
    }
    if needs_time {
        builder.set_time_source(Some(SharedTimeSource::new(SystemTimeSource::new())));
    }
    if needs_version {
        builder.set_behavior_version(Some(BehaviorVersion::latest()));
    }
    builder.build()
}

/// Explicit configuration for an [`AwsClient`].
#[derive(Debug, Default)]
pub struct AwsClientBuilder {
    endpoint_url: Option<String>,
    service_endpoints: Vec<(String, String)>,
    credentials: Option<Credentials>,
    region: Option<String>,
    time: Option<SharedTimeSource>,
    max_response_bytes: Option<usize>,
    table: Option<ServiceTable>,
}

impl AwsClientBuilder {
    /// Sends every service's requests to this endpoint (a local AWS such as moto or LocalStack).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sends one service's requests (by URI name, e.g. `sqs`) to this endpoint.
    pub fn service_endpoint(mut self, service: impl Into<String>, url: impl Into<String>) -> Self {
        self.service_endpoints.push((service.into(), url.into()));
        self
    }

    /// Signs with these credentials (and assumes roles with them).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The region for STS and Lambda calls that do not name one.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Signing time comes from this clock.
    pub fn time_source(mut self, time: impl TimeSource + 'static) -> Self {
        self.time = Some(SharedTimeSource::new(time));
        self
    }

    /// Response bodies larger than this fail with [`SendError::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The service table (default: the built-in one).
    pub fn services(mut self, table: ServiceTable) -> Self {
        self.table = Some(table);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<AwsClient, ConfigError> {
        let mut config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(sdk_http_client());
        if let Some(url) = &self.endpoint_url {
            config = config.endpoint_url(url.clone());
        }
        if let Some(credentials) = self.credentials {
            config = config.credentials_provider(SharedCredentialsProvider::new(credentials));
        }
        if let Some(region) = self.region {
            config = config.region(Region::new(region));
        }
        if let Some(time) = self.time {
            config = config.time_source(time);
        }
        let table = self.table.as_ref().unwrap_or(ServiceTable::builtin());
        let client = AwsClient::from_sdk_config(&config.build(), table)?;
        let mut inner = match Arc::try_unwrap(client.inner) {
            Ok(inner) => inner,
            Err(shared) => return Ok(AwsClient { inner: shared }),
        };
        for (service, url) in self.service_endpoints {
            inner.endpoints.insert(Arc::from(service), Endpoint::parse(&url)?);
        }
        if let Some(limit) = self.max_response_bytes {
            inner.max_response_bytes = limit;
        }
        Ok(AwsClient { inner: Arc::new(inner) })
    }
}
