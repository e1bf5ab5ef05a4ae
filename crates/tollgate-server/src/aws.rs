//! The AWS client of AWS integrations, configured from the standard AWS chain (environment — `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>` … —, shared config and credentials files,
//! container and instance metadata).
//!
//! The configuration is loaded on the first AWS integration request, not at start: an API without AWS
//! integrations never probes the instance-metadata endpoint or reads AWS files. Concurrent first requests share
//! one load; a failed load (an invalid `AWS_ENDPOINT_URL`) is logged once and answers every AWS integration with
//! 500, as AWS answers an integration it cannot sign for.

use std::time::Duration;

use tokio::sync::OnceCell;
use tollgate_aws::{AwsClient, AwsTarget, IntegrationRequest, SendError};
use tollgate_runtime::{AwsFuture, AwsSender};

/// An [`AwsClient`] from the environment, loaded on first use.
#[derive(Debug, Default)]
pub(crate) struct EnvAwsClient {
    client: OnceCell<Result<AwsClient, String>>,
}

impl EnvAwsClient {
    /// The client, loading the AWS configuration if this is the first call.
    pub(crate) async fn client(&self) -> Result<&AwsClient, &str> {
        self.client
            .get_or_init(|| async {
                AwsClient::from_env().await.map_err(|err| {
                    tracing::error!(error = %err, "the AWS configuration is invalid; AWS integrations answer 500");
                    err.to_string()
                })
            })
            .await
            .as_ref()
            .map_err(String::as_str)
    }
}

impl AwsSender for EnvAwsClient {
    fn send<'a>(
        &'a self,
        target: &'a AwsTarget,
        role: Option<&'a str>,
        request: &'a IntegrationRequest<'a>,
        timeout: Duration,
    ) -> AwsFuture<'a> {
        Box::pin(async move {
            // Loading the configuration counts against the integration timeout like the call itself.
            let load = tokio::time::timeout(timeout, self.client())
                .await
                .map_err(|_| SendError::Timeout)?;
            let client = load.map_err(|err| SendError::Credentials(format!("invalid AWS configuration: {err}")))?;
            client.send(target, role, request, timeout).await
        })
    }
}
