//! The answers the edge gives on its own, before (or instead of) the gateway.

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode, Version};
use http_body_util::Full;

use super::head::Rejection;

/// AWS's REQUEST_TOO_LARGE answer: plain text, cannot be customised (aws-rest-api.md §7).
pub(crate) const PAYLOAD_TOO_LARGE_BODY: &str = "HTTP content length exceeded 10485760 bytes.";
/// AWS's un-customised 500 body (API_CONFIGURATION_ERROR form, with the space after the colon; §7).
pub(crate) const INTERNAL_ERROR_BODY: &str = r#"{"message": "Internal server error"}"#;

/// The answer to a rejected request. HTTP/1 answers close the connection: after a framing problem the bytes
/// that follow cannot be trusted to start a request.
pub(crate) fn rejection(rejection: Rejection, version: Version) -> Response<Full<Bytes>> {
    let (status, body, content_type) = match rejection {
        Rejection::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, PAYLOAD_TOO_LARGE_BODY, "text/plain"),
        // AWS's answers to the rest come from its front end and are not documented ([unk] in aws-rest-api.md
        // §10): the statuses follow the RFCs and the bodies use the gateway's JSON message form.
        Rejection::BadRequest(_) => (
            StatusCode::BAD_REQUEST,
            r#"{"message":"Bad Request"}"#,
            "application/json",
        ),
        Rejection::UriTooLong => (
            StatusCode::URI_TOO_LONG,
            r#"{"message":"Request-URI Too Long"}"#,
            "application/json",
        ),
        Rejection::HeadersTooLarge => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            r#"{"message":"Request Header Fields Too Large"}"#,
            "application/json",
        ),
        Rejection::UnsupportedTransferCoding => (
            StatusCode::NOT_IMPLEMENTED,
            r#"{"message":"Not Implemented"}"#,
            "application/json",
        ),
        Rejection::BodyTimeout => (
            StatusCode::REQUEST_TIMEOUT,
            r#"{"message":"Request Timeout"}"#,
            "application/json",
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if version < Version::HTTP_2 {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The answer when the gateway panicked: AWS's Internal server error form. The connection stays usable: the
/// request was fully read before the gateway saw it.
pub(crate) fn internal_error() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(INTERNAL_ERROR_BODY.as_bytes())));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static("InternalServerErrorException"),
    );
    response
}
