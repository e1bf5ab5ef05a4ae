//! Binary payloads of non-proxy integrations (spec §3): the API's `binaryMediaTypes` and the `contentHandling`
//! of the integration (request) and of the integration response (response).
//!
//! Request (doc: DG/api-gateway-payload-encodings-workflow.html; rec: LocalStack `test_apigateway_s3`
//! `TestApiGatewayS3BinarySupport`):
//!
//! | payload                                  | unset            | CONVERT_TO_TEXT  | CONVERT_TO_BINARY |
//! | ---------------------------------------- | ---------------- | ---------------- | ----------------- |
//! | any, no `binaryMediaTypes`               | UTF-8 (U+FFFD)   | UTF-8 (U+FFFD)   | base64-decode     |
//! | `Content-Type` not in the list           | as-is            | as-is            | base64-decode     |
//! | `Content-Type` in the list (binary)      | as-is            | base64-encode    | as-is             |
//!
//! Response, by the integration response's `Content-Type` (binary when in the list) and the request's first
//! `Accept` media type (binary when it matches the list):
//!
//! | payload, Accept  | unset            | CONVERT_TO_TEXT  | CONVERT_TO_BINARY |
//! | ---------------- | ---------------- | ---------------- | ----------------- |
//! | text, text       | as-is            | as-is            | base64-decode     |
//! | text, binary     | base64-decode    | UTF-8            | base64-decode     |
//! | binary, text     | base64-encode    | base64-encode    | as-is             |
//! | binary, binary   | as-is            | base64-encode    | as-is             |
//!
//! Without `binaryMediaTypes` every payload is text and non-UTF-8 bytes become U+FFFD (recorded). A failed
//! base64 decode is a 500 API_CONFIGURATION_ERROR (doc; recorded). The conversion happens before the mapping
//! template, and a template reads text only: binary data reaches it as base64 (CONVERT_TO_TEXT, doc), and a
//! template selected for a payload that is binary after conversion fails with 500 (recorded: CONVERT_TO_BINARY
//! then a request template; observed: a MOCK integration of an API whose `binaryMediaTypes` is `*/*`).
//! Matching follows `tollgate_lambda_event::BinaryMediaTypes` (only the first `Accept` type counts; `type/*`
//! and `*/*` entries).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use tollgate_lambda_event::BinaryMediaTypes;
use tollgate_model::ContentHandling;

use crate::cx::RequestCx;
use crate::error::GatewayError;

/// Base64 as Java's basic decoder reads it: the standard alphabet, no whitespace, padding optional.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// What happens to a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conversion {
    AsIs,
    /// Non-UTF-8 sequences become U+FFFD.
    Utf8,
    Encode,
    Decode,
}

fn request_conversion(
    types: &BinaryMediaTypes,
    handling: Option<ContentHandling>,
    content_type: Option<&str>,
) -> Conversion {
    let binary = !types.is_empty() && types.matches_content_type(content_type);
    match (types.is_empty(), binary, handling) {
        (_, _, Some(ContentHandling::ConvertToBinary)) if !binary => Conversion::Decode,
        (true, _, _) => Conversion::Utf8,
        (false, true, Some(ContentHandling::ConvertToText)) => Conversion::Encode,
        _ => Conversion::AsIs,
    }
}

fn response_conversion(
    types: &BinaryMediaTypes,
    handling: Option<ContentHandling>,
    content_type: Option<&str>,
    accept: Option<&str>,
) -> Conversion {
    if types.is_empty() {
        return match handling {
            Some(ContentHandling::ConvertToBinary) => Conversion::Decode,
            _ => Conversion::Utf8,
        };
    }
    let binary_payload = types.matches_content_type(content_type);
    let binary_accept = types.matches_accept(accept);
    match (binary_payload, binary_accept, handling) {
        (false, false, Some(ContentHandling::ConvertToBinary)) => Conversion::Decode,
        (false, false, _) => Conversion::AsIs,
        (false, true, Some(ContentHandling::ConvertToText)) => Conversion::Utf8,
        (false, true, _) => Conversion::Decode,
        (true, false, Some(ContentHandling::ConvertToBinary)) => Conversion::AsIs,
        (true, false, _) => Conversion::Encode,
        (true, true, Some(ContentHandling::ConvertToText)) => Conversion::Encode,
        (true, true, _) => Conversion::AsIs,
    }
}

fn apply(conversion: Conversion, payload: Bytes) -> Result<Bytes, GatewayError> {
    match conversion {
        Conversion::AsIs => Ok(payload),
        // `from_utf8` validates text many times faster than `from_utf8_lossy` walks it (this runs on every
        // text body of a templated request); only invalid bytes pay for the replacement characters.
        Conversion::Utf8 if std::str::from_utf8(&payload).is_ok() => Ok(payload),
        Conversion::Utf8 => Ok(Bytes::from(String::from_utf8_lossy(&payload).into_owned())),
        Conversion::Encode => Ok(Bytes::from(BASE64.encode(&payload))),
        Conversion::Decode => BASE64
            .decode(&payload)
            .map(Bytes::from)
            .map_err(|err| GatewayError::config(format!("the payload is not valid base64 ({err})"))),
    }
}

/// Converts the request body in place for the integration request (before a template renders it); returns
/// whether the payload is binary afterwards.
pub(crate) fn convert_request(cx: &mut RequestCx<'_>, handling: Option<ContentHandling>) -> Result<bool, GatewayError> {
    let Some(deployment) = cx.deployment else {
        return Ok(false);
    };
    let types = &deployment.binary_media_types;
    let content_type = cx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let binary_type = !types.is_empty() && types.matches_content_type(content_type);
    let conversion = request_conversion(types, handling, content_type);
    if conversion != Conversion::AsIs {
        cx.body = apply(conversion, std::mem::take(&mut cx.body))?;
        cx.body_json = None;
    }
    Ok(is_binary_after(conversion, binary_type))
}

/// Converts an integration response payload for the method response; returns it and whether it is binary.
pub(crate) fn convert_response(
    cx: &RequestCx<'_>,
    handling: Option<ContentHandling>,
    payload: Bytes,
) -> Result<(Bytes, bool), GatewayError> {
    let Some(deployment) = cx.deployment else {
        return Ok((payload, false));
    };
    let types = &deployment.binary_media_types;
    let content_type = cx.integration.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let accept = cx.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let binary_type = !types.is_empty() && types.matches_content_type(content_type);
    let conversion = response_conversion(types, handling, content_type, accept);
    Ok((apply(conversion, payload)?, is_binary_after(conversion, binary_type)))
}

/// Whether a payload is binary after `conversion`: decoded, or binary and left as it is.
fn is_binary_after(conversion: Conversion, binary_type: bool) -> bool {
    match conversion {
        Conversion::Decode => true,
        Conversion::AsIs => binary_type,
        Conversion::Encode | Conversion::Utf8 => false,
    }
}

/// A mapping template reads text only: selecting one for a binary payload is an API configuration error.
pub(crate) fn template_reads_text(binary: bool) -> Result<(), GatewayError> {
    if binary {
        return Err(GatewayError::config(
            "a mapping template cannot read a binary payload; convert it with CONVERT_TO_TEXT",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: Option<ContentHandling> = Some(ContentHandling::ConvertToText);
    const BINARY: Option<ContentHandling> = Some(ContentHandling::ConvertToBinary);

    #[test]
    fn request_table() {
        let none = BinaryMediaTypes::default();
        let png = BinaryMediaTypes::new(["image/png"]);
        let cases = [
            (&none, None, "image/png", Conversion::Utf8),
            (&none, TEXT, "image/png", Conversion::Utf8),
            (&none, BINARY, "image/png", Conversion::Decode),
            (&png, None, "text/plain", Conversion::AsIs),
            (&png, TEXT, "text/plain", Conversion::AsIs),
            (&png, BINARY, "text/plain", Conversion::Decode),
            (&png, None, "image/png", Conversion::AsIs),
            (&png, TEXT, "image/png", Conversion::Encode),
            (&png, BINARY, "image/png", Conversion::AsIs),
        ];
        for (types, handling, content_type, want) in cases {
            assert_eq!(
                request_conversion(types, handling, Some(content_type)),
                want,
                "{handling:?} {content_type}"
            );
        }
    }

    #[test]
    fn response_table() {
        let png = BinaryMediaTypes::new(["image/png"]);
        let cases = [
            ("text/plain", "text/plain", None, Conversion::AsIs),
            ("text/plain", "text/plain", TEXT, Conversion::AsIs),
            ("text/plain", "text/plain", BINARY, Conversion::Decode),
            ("text/plain", "image/png", None, Conversion::Decode),
            ("text/plain", "image/png", TEXT, Conversion::Utf8),
            ("text/plain", "image/png", BINARY, Conversion::Decode),
            ("image/png", "text/plain", None, Conversion::Encode),
            ("image/png", "text/plain", TEXT, Conversion::Encode),
            ("image/png", "text/plain", BINARY, Conversion::AsIs),
            ("image/png", "image/png", None, Conversion::AsIs),
            ("image/png", "image/png", TEXT, Conversion::Encode),
            ("image/png", "image/png", BINARY, Conversion::AsIs),
        ];
        for (payload, accept, handling, want) in cases {
            assert_eq!(
                response_conversion(&png, handling, Some(payload), Some(accept)),
                want,
                "{payload} {accept} {handling:?}"
            );
        }
    }

    #[test]
    fn base64_is_strict_about_the_alphabet() {
        assert_eq!(apply(Conversion::Decode, Bytes::from_static(b"aGk=")).unwrap(), "hi");
        assert_eq!(apply(Conversion::Decode, Bytes::from_static(b"aGk")).unwrap(), "hi");
        assert!(apply(Conversion::Decode, Bytes::from_static(b"this is text")).is_err());
        assert_eq!(
            apply(Conversion::Utf8, Bytes::from_static(b"a\xffb")).unwrap(),
            "a\u{FFFD}b"
        );
    }
}
