//! SigV4 signing of a [`WireRequest`] with `aws-sigv4`, in the request headers.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::{HeaderName, HeaderValue};

use crate::services::SigningFlavor;
use crate::wire::WireRequest;

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigV4 signing failed: {}", self.0)
    }
}

impl std::error::Error for SignError {}

/// Signs `request` with `credentials` at `time`: adds `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` for
/// session credentials and, for S3, `x-amz-content-sha256`.
pub fn sign_request(request: &mut WireRequest, credentials: &Credentials, time: SystemTime) -> Result<(), SignError> {
    let identity: Identity = credentials.clone().into();
    let mut settings = SigningSettings::default();
    if request.signing_flavor == SigningFlavor::S3 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&request.signing_region)
        .name(&request.signing_name)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SignError(e.to_string()))?
        .into();
    let uri = request.uri.to_string();
    let mut headers = Vec::with_capacity(request.headers.len());
    for (name, value) in &request.headers {
        let value =
            std::str::from_utf8(value.as_bytes()).map_err(|_| SignError(format!("header `{name}` is not UTF-8")))?;
        headers.push((name.as_str(), value));
    }
    let signable = SignableRequest::new(
        request.method.as_str(),
        &uri,
        headers.into_iter(),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|e| SignError(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| SignError(e.to_string()))?
        .into_parts();
    let (new_headers, _params) = instructions.into_parts();
    for header in new_headers {
        let name = HeaderName::from_bytes(header.name().as_bytes()).map_err(|e| SignError(e.to_string()))?;
        let mut value = HeaderValue::from_str(header.value()).map_err(|e| SignError(e.to_string()))?;
        value.set_sensitive(header.sensitive());
        request.headers.insert(name, value);
    }
    Ok(())
}
