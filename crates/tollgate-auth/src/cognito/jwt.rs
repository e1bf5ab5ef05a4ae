//! A compact JWS (RFC 7515) split into its parts, without trusting any of them yet.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::TokenRejection;

/// Longest token read: API Gateway's whole header section is capped at 10,240 bytes (spec §10).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A decoded, **unverified** JWT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnverifiedJwt<'t> {
    /// The JOSE header.
    pub(crate) header: Map<String, Value>,
    /// The claims, in token order.
    pub(crate) claims: Map<String, Value>,
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub(crate) signing_input: &'t str,
    /// The signature bytes.
    pub(crate) signature: Vec<u8>,
}

impl<'t> UnverifiedJwt<'t> {
    /// Splits and decodes `token`: exactly three unpadded base64url parts, the first two JSON objects.
    ///
    /// # Errors
    /// [`TokenRejection::Malformed`].
    pub(crate) fn parse(token: &'t str) -> Result<UnverifiedJwt<'t>, TokenRejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenRejection::Malformed);
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenRejection::Malformed)?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenRejection::Malformed)?;
        if payload.contains('.') {
            return Err(TokenRejection::Malformed);
        }
        Ok(UnverifiedJwt {
            header: decode_object(header)?,
            claims: decode_object(payload)?,
            signing_input,
            signature: URL_SAFE_NO_PAD
                .decode(signature)
                .map_err(|_| TokenRejection::Malformed)?,
        })
    }
}

fn decode_object(part: &str) -> Result<Map<String, Value>, TokenRejection> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenRejection::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(TokenRejection::Malformed),
    }
}
