//! The function's answer to a proxy event, validated and turned into status, header lines and body.

mod error;
mod headers;

pub use error::{ProxyResponseError, ProxyResponseErrorKind};
pub use headers::ResponseHeader;

use crate::json_in::{Peek, Reader, Scalar, SyntaxError};
use crate::media_types::BinaryMediaTypes;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use error::ProxyResponseErrorKind as Kind;
use headers::{RawHeader, drop_superseded, merge};
use std::borrow::Cow;

/// The `Content-Type` API Gateway sends when the function sets none (recorded: `{"statusCode":200}` gives
/// `Content-Type: application/json`).
pub const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// What about the request and the invocation decides how the answer is read.
#[derive(Debug, Clone, Copy)]
pub struct ResponseOptions<'a> {
    /// Whether the invocation reported a function error (the `X-Amz-Function-Error` header of `Invoke`).
    pub function_error: bool,
    /// The request's `Accept` header, which decides whether a base64 body is decoded.
    pub accept: Option<&'a str>,
    /// The API's binary media types.
    pub binary_media_types: &'a BinaryMediaTypes,
}

/// A valid proxy answer: what the client gets, before the headers API Gateway adds itself
/// (`x-amzn-RequestId`, `x-amz-apigw-id`, `X-Amzn-Trace-Id`, and `Content-Type` when [`Self::content_type`]
/// is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponse<'a> {
    status: u16,
    headers: Vec<ResponseHeader<'a>>,
    body: Cow<'a, [u8]>,
    decoded_from_base64: bool,
}

impl<'a> ProxyResponse<'a> {
    /// The status code (200 when the function gave none).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The header lines in the order to send them, one line per value, names spelled as the function did.
    pub fn headers(&self) -> &[ResponseHeader<'a>] {
        &self.headers
    }

    /// The function's `Content-Type` (the first, compared case-insensitively); when `None` the runtime sends
    /// [`DEFAULT_CONTENT_TYPE`].
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name().eq_ignore_ascii_case("content-type"))
            .map(ResponseHeader::value)
    }

    /// The body bytes (empty when the function gave none).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the body was decoded from base64 (the function set `isBase64Encoded` and the request's first
    /// `Accept` type is a binary media type).
    pub fn is_decoded_from_base64(&self) -> bool {
        self.decoded_from_base64
    }

    /// Splits the answer into status, header lines and body.
    pub fn into_parts(self) -> (u16, Vec<ResponseHeader<'a>>, Cow<'a, [u8]>) {
        (self.status, self.headers, self.body)
    }
}

/// Reads a function's answer to a proxy event with AWS's rules.
///
/// Recorded against AWS (REC/ lambda `test_aws_proxy_response_payload_format_validation`,
/// `test_lambda_aws_proxy_response_format`, `test_aws_proxy_binary_response`): only the keys `statusCode`,
/// `headers`, `multiValueHeaders`, `body`, `isBase64Encoded` are allowed, none is required (`{}` is an empty
/// 200); `statusCode` may be a numeric string; header values may be booleans; `headers: null` is fine; a
/// `multiValueHeaders` value must be a list; a bare string is refused; a base64 body is decoded only when the
/// request's first `Accept` type is binary, and an undecodable one gives 500.
///
/// Decisions where AWS is unknown: numbers as header values are written as their JSON text, as a Java JSON
/// mapper coerces them; `null` header values and `null` list elements are skipped; `statusCode` must be an
/// integer in 100–599 (a JSON number with a zero fraction such as `200.0` counts); `null` means absent for
/// every key; a repeated key keeps its last value; `body` must be a string and `isBase64Encoded` a boolean.
pub fn parse_proxy_response<'a>(
    payload: &'a [u8],
    options: &ResponseOptions<'_>,
) -> Result<ProxyResponse<'a>, ProxyResponseError> {
    if options.function_error {
        return Err(ProxyResponseError::new(Kind::FunctionError));
    }
    let text = std::str::from_utf8(payload).map_err(|e| ProxyResponseError::at(Kind::InvalidJson, e.valid_up_to()))?;
    let mut reader = Reader::new(text);
    match reader.peek().map_err(syntax_error)? {
        Some(Peek::Object) => {}
        Some(_) => {
            let kind = match reader.skip_value() {
                Ok(()) if reader.at_end() => Kind::NotAnObject,
                _ => Kind::InvalidJson,
            };
            return Err(ProxyResponseError::at(kind, 0));
        }
        None => return Err(ProxyResponseError::at(Kind::InvalidJson, 0)),
    }
    reader.begin_object().map_err(syntax_error)?;

    let mut status = None;
    let mut solo = Vec::new();
    let mut multi = Vec::new();
    let mut body = None;
    let mut is_base64_encoded = false;
    let mut first = true;
    while let Some(key) = reader.next_key(first).map_err(syntax_error)? {
        first = false;
        let at = reader.offset();
        match key.as_ref() {
            "statusCode" => status = read_status(&mut reader)?,
            "headers" => solo = read_headers(&mut reader)?,
            "multiValueHeaders" => multi = read_multi_value_headers(&mut reader)?,
            "body" => {
                body = match read_scalar(&mut reader, Kind::InvalidBody)? {
                    Scalar::String(text) => Some(text),
                    Scalar::Null => None,
                    _ => return Err(ProxyResponseError::at(Kind::InvalidBody, at)),
                }
            }
            "isBase64Encoded" => {
                is_base64_encoded = match read_scalar(&mut reader, Kind::InvalidIsBase64Encoded)? {
                    Scalar::Bool(value) => value,
                    Scalar::Null => false,
                    _ => return Err(ProxyResponseError::at(Kind::InvalidIsBase64Encoded, at)),
                }
            }
            _ => return Err(ProxyResponseError::at(Kind::UnknownKey, at)),
        }
    }
    if !reader.at_end() {
        return Err(ProxyResponseError::at(Kind::InvalidJson, reader.offset()));
    }

    drop_superseded(&mut multi);
    drop_superseded(&mut solo);
    let headers = merge(multi, solo)?;
    let decode = is_base64_encoded && options.binary_media_types.matches_accept(options.accept);
    let body: Cow<'a, [u8]> = match body {
        None => Cow::Borrowed(&[]),
        Some(text) if decode => Cow::Owned(
            BASE64_LENIENT
                .decode(text.as_bytes())
                .map_err(|_| ProxyResponseError::new(Kind::InvalidBase64Body))?,
        ),
        Some(Cow::Borrowed(text)) => Cow::Borrowed(text.as_bytes()),
        Some(Cow::Owned(text)) => Cow::Owned(text.into_bytes()),
    };
    Ok(ProxyResponse {
        status: status.unwrap_or(200),
        headers,
        body,
        decoded_from_base64: decode,
    })
}

/// Java's `Base64.getDecoder()`: the standard alphabet, padding optional but correct when present, no
/// whitespace, unused trailing bits ignored.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn syntax_error(error: SyntaxError) -> ProxyResponseError {
    ProxyResponseError::at(Kind::InvalidJson, error.offset)
}

/// Reads a scalar: a syntax error is [`Kind::InvalidJson`], an object or array where a scalar belongs is
/// `shape_error`.
fn read_scalar<'a>(reader: &mut Reader<'a>, shape_error: Kind) -> Result<Scalar<'a>, ProxyResponseError> {
    let at = reader.offset();
    match reader.peek() {
        Ok(Some(Peek::Object | Peek::Array)) => Err(ProxyResponseError::at(shape_error, at)),
        _ => reader.scalar().map_err(syntax_error),
    }
}

fn read_status(reader: &mut Reader<'_>) -> Result<Option<u16>, ProxyResponseError> {
    let at = reader.offset();
    let invalid = || ProxyResponseError::at(Kind::InvalidStatusCode, at);
    let value: i64 = match read_scalar(reader, Kind::InvalidStatusCode)? {
        Scalar::Null => return Ok(None),
        Scalar::Number(text) => integral_number(text).ok_or_else(invalid)?,
        Scalar::String(text) => parse_java_int(&text).ok_or_else(invalid)?,
        Scalar::Bool(_) => return Err(invalid()),
    };
    match u16::try_from(value) {
        Ok(status @ 100..=599) => Ok(Some(status)),
        _ => Err(ProxyResponseError::at(Kind::StatusCodeOutOfRange, at)),
    }
}

/// A JSON number that is an integer in `int` range (`200`, `2e2`, `200.0`).
fn integral_number(text: &str) -> Option<i64> {
    if let Ok(value) = text.parse::<i64>() {
        return i32::try_from(value).is_ok().then_some(value);
    }
    let value: f64 = text.parse().ok()?;
    (value.fract() == 0.0 && value >= f64::from(i32::MIN) && value <= f64::from(i32::MAX)).then_some(value as i64)
}

/// `Integer.parseInt`: an optional sign and ASCII digits, in `int` range.
fn parse_java_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    i32::try_from(value).is_ok().then_some(value)
}

/// A header value: strings as they are, booleans and numbers as their JSON text, `null` skipped.
fn header_value(scalar: Scalar<'_>) -> Option<Cow<'_, str>> {
    match scalar {
        Scalar::String(text) => Some(text),
        Scalar::Number(text) => Some(Cow::Borrowed(text)),
        Scalar::Bool(true) => Some(Cow::Borrowed("true")),
        Scalar::Bool(false) => Some(Cow::Borrowed("false")),
        Scalar::Null => None,
    }
}

fn read_headers<'a>(reader: &mut Reader<'a>) -> Result<Vec<RawHeader<'a>>, ProxyResponseError> {
    let at = reader.offset();
    let invalid = |offset: usize| ProxyResponseError::at(Kind::InvalidHeaders, offset);
    let mut headers = Vec::new();
    match reader.peek().map_err(syntax_error)? {
        Some(Peek::Null) => {
            reader.scalar().map_err(syntax_error)?;
            return Ok(headers);
        }
        Some(Peek::Object) => reader.begin_object().map_err(syntax_error)?,
        _ => return Err(invalid(at)),
    }
    let mut member = 0;
    while let Some(name) = reader.next_key(member == 0).map_err(syntax_error)? {
        let scalar = read_scalar(reader, Kind::InvalidHeaders)?;
        if let Some(value) = header_value(scalar) {
            headers.push(RawHeader { name, value, member });
        }
        member += 1;
    }
    Ok(headers)
}

fn read_multi_value_headers<'a>(reader: &mut Reader<'a>) -> Result<Vec<RawHeader<'a>>, ProxyResponseError> {
    let at = reader.offset();
    let invalid = |offset: usize| ProxyResponseError::at(Kind::InvalidMultiValueHeaders, offset);
    let mut headers = Vec::new();
    match reader.peek().map_err(syntax_error)? {
        Some(Peek::Null) => {
            reader.scalar().map_err(syntax_error)?;
            return Ok(headers);
        }
        Some(Peek::Object) => reader.begin_object().map_err(syntax_error)?,
        _ => return Err(invalid(at)),
    }
    let mut member = 0;
    while let Some(name) = reader.next_key(member == 0).map_err(syntax_error)? {
        let list_at = reader.offset();
        match reader.peek().map_err(syntax_error)? {
            Some(Peek::Null) => {
                reader.scalar().map_err(syntax_error)?;
            }
            Some(Peek::Array) => {
                reader.begin_array().map_err(syntax_error)?;
                let mut first = true;
                while reader.next_element(first).map_err(syntax_error)? {
                    first = false;
                    let scalar = read_scalar(reader, Kind::InvalidMultiValueHeaders)?;
                    if let Some(value) = header_value(scalar) {
                        headers.push(RawHeader {
                            name: name.clone(),
                            value,
                            member,
                        });
                    }
                }
            }
            _ => return Err(invalid(list_at)),
        }
        member += 1;
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_and_strings() {
        assert_eq!(integral_number("200"), Some(200));
        assert_eq!(integral_number("2e2"), Some(200));
        assert_eq!(integral_number("200.0"), Some(200));
        assert_eq!(integral_number("200.5"), None);
        assert_eq!(integral_number("99999999999"), None);
        assert_eq!(parse_java_int("201"), Some(201));
        assert_eq!(parse_java_int("+201"), Some(201));
        assert_eq!(parse_java_int("-5"), Some(-5));
        assert_eq!(parse_java_int("0200"), Some(200));
        for bad in ["", "+", "test", " 200", "200 ", "2e2", "99999999999", "+-1"] {
            assert_eq!(parse_java_int(bad), None, "{bad}");
        }
    }
}
