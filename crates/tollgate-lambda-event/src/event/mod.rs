//! The proxy event (payload format 1.0), written byte for byte as API Gateway sends it to the function.

mod context;
mod groups;

pub use context::{ApiKey, Authorizer, AuthorizerValue, Identity, LambdaAuthorizer, RequestContext};

use crate::json_out::{write_field, write_key, write_lossy_utf8, write_str};
use base64::Engine as _;
use groups::{GroupOrder, with_groups};
use std::cmp::Ordering;

/// Everything the event is made of, borrowed from the request as the runtime sees it after routing.
///
/// The writer applies AWS's rules; the caller passes what the request carried:
/// * `headers` as the integration receives them, in any order, repeated names allowed: the client's headers
///   (their case kept) plus the ones API Gateway adds, `X-Amzn-Trace-Id` and `X-Forwarded-For`,
///   `X-Forwarded-Port`, `X-Forwarded-Proto`. Request-parameter mappings do **not** apply to the event
///   (REC/ lambda `test_lambda_aws_proxy_integration_request_data_mapping`: a mapped `headerVar` still shows the
///   client's value, mapped query strings are absent).
/// * `query` decoded (see [`decode_query`](crate::decode_query)), in request order, repeated names allowed.
#[derive(Debug, Clone, Copy)]
pub struct EventInput<'a> {
    /// The matched resource template, `resource` (`/{proxy+}`).
    pub resource: &'a str,
    /// The request path without the stage, `path` (see [`StagePaths`](crate::StagePaths)).
    pub path: &'a str,
    /// The client's method, `httpMethod`.
    pub http_method: &'a str,
    /// `(name, value)` pairs as received; see the type's documentation.
    pub headers: &'a [(&'a str, &'a str)],
    /// Decoded `(name, value)` query pairs in request order.
    pub query: &'a [(&'a str, &'a str)],
    /// Path parameters in template order, `pathParameters` (empty: `null`).
    pub path_parameters: &'a [(&'a str, &'a str)],
    /// The stage's variables, `stageVariables` (empty: `null`).
    pub stage_variables: &'a [(&'a str, &'a str)],
    /// `requestContext`.
    pub request_context: &'a RequestContext<'a>,
    /// The request body.
    pub body: Body<'a>,
}

/// The request body and how it goes into the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// A text body: written as a string, ill-formed UTF-8 replaced by U+FFFD (spec §3), `isBase64Encoded: false`.
    Text(&'a [u8]),
    /// A body whose `Content-Type` is one of the API's binary media types (see
    /// [`BinaryMediaTypes::matches_content_type`](crate::BinaryMediaTypes::matches_content_type)): base64
    /// (standard alphabet, padded), `isBase64Encoded: true`.
    Binary(&'a [u8]),
}

impl Body<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Text(bytes) | Body::Binary(bytes) => bytes,
        }
    }
}

/// Request headers the event never carries: API Gateway drops them on the way to the integration.
/// Recorded on a REGIONAL API (REC/ integrations
/// `TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws[AWS_PROXY]`): the client sent each of
/// these and none reached the event; the spec's §4.3 list of headers invisible to mappings is the same set.
const DROPPED_REQUEST_HEADERS: [&str; 12] = [
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
];

fn is_dropped(name: &str) -> bool {
    // Called from the sort comparator: most names fail on the length test alone.
    DROPPED_REQUEST_HEADERS
        .iter()
        .any(|dropped| dropped.len() == name.len() && dropped.eq_ignore_ascii_case(name))
}

/// Java's `String.CASE_INSENSITIVE_ORDER` for header names (ASCII tokens).
fn compare_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Appends the event for `input` to `out`.
///
/// Keys come in AWS's order (`resource, path, httpMethod, headers, multiValueHeaders, queryStringParameters,
/// multiValueQueryStringParameters, pathParameters, stageVariables, requestContext, body, isBase64Encoded`, as
/// in execution logs), compact, escaped like AWS's serializer. Headers are a case-insensitive sorted map, as in
/// every real event: a name sent twice appears once, with the first spelling, its last value in `headers` and
/// all values in `multiValueHeaders`. Query parameters keep the order of first appearance, the last value in
/// `queryStringParameters` (recorded) and all values in `multiValueQueryStringParameters` (recorded).
/// Empty maps and an empty body are `null`.
///
/// Allocation: none when `out` has room (see [`EventInput::estimated_len`]) and each list has at most 64
/// entries; longer lists use one temporary buffer each.
pub fn write_event(input: &EventInput<'_>, out: &mut Vec<u8>) {
    out.reserve(input.estimated_len());
    out.push(b'{');
    write_field(out, "resource");
    write_str(out, input.resource);
    out.push(b',');
    write_field(out, "path");
    write_str(out, input.path);
    out.push(b',');
    write_field(out, "httpMethod");
    write_str(out, input.http_method);
    out.push(b',');
    write_headers(out, input.headers);
    out.push(b',');
    write_query(out, input.query);
    out.push(b',');
    write_field(out, "pathParameters");
    write_string_map(out, input.path_parameters);
    out.push(b',');
    write_field(out, "stageVariables");
    write_string_map(out, input.stage_variables);
    out.push(b',');
    write_field(out, "requestContext");
    input.request_context.write(out);
    out.push(b',');
    write_field(out, "body");
    let bytes = input.body.bytes();
    let base64 = matches!(input.body, Body::Binary(_)) && !bytes.is_empty();
    if bytes.is_empty() {
        out.extend_from_slice(b"null");
    } else if base64 {
        write_base64(out, bytes);
    } else {
        write_lossy_utf8(out, bytes);
    }
    out.push(b',');
    write_field(out, "isBase64Encoded");
    out.extend_from_slice(if base64 { b"true" } else { b"false" });
    out.push(b'}');
}

impl EventInput<'_> {
    /// An upper estimate of the event's length for text without escapes, used to reserve `out` once.
    pub fn estimated_len(&self) -> usize {
        let pairs = |list: &[(&str, &str)]| list.iter().map(|(k, v)| k.len() + v.len() + 8).sum::<usize>();
        let body = match self.body {
            Body::Text(bytes) => bytes.len(),
            Body::Binary(bytes) => bytes.len().div_ceil(3) * 4,
        };
        640 + self.resource.len()
            + self.path.len()
            + self.http_method.len()
            + 2 * pairs(self.headers)
            + 2 * pairs(self.query)
            + pairs(self.path_parameters)
            + pairs(self.stage_variables)
            + self.request_context.estimated_len()
            + body
    }
}

fn write_headers(out: &mut Vec<u8>, headers: &[(&str, &str)]) {
    let kept = headers.iter().filter(|(name, _)| !is_dropped(name)).count();
    if kept == 0 {
        // A TestInvoke without headers logs `"headers":null,"multiValueHeaders":null`.
        out.extend_from_slice(b"\"headers\":null,\"multiValueHeaders\":null");
        return;
    }
    // Dropped headers sort last and are skipped, so the index space stays that of `headers`.
    let compare = |a: usize, b: usize| {
        let (name_a, name_b) = (headers[a].0, headers[b].0);
        is_dropped(name_a)
            .cmp(&is_dropped(name_b))
            .then_with(|| compare_ignore_ascii_case(name_a, name_b))
    };
    with_groups(headers.len(), compare, GroupOrder::Sorted, |groups| {
        let kept_groups = || groups.iter().filter(|group| !is_dropped(headers[group[0] as usize].0));
        write_field(out, "headers");
        out.push(b'{');
        for (n, group) in kept_groups().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            write_key(out, headers[group[0] as usize].0);
            write_str(out, headers[group[group.len() - 1] as usize].1);
        }
        out.extend_from_slice(b"},");
        write_field(out, "multiValueHeaders");
        write_multi(out, kept_groups(), |index| headers[index]);
    });
}

fn write_query(out: &mut Vec<u8>, query: &[(&str, &str)]) {
    if query.is_empty() {
        out.extend_from_slice(b"\"queryStringParameters\":null,\"multiValueQueryStringParameters\":null");
        return;
    }
    with_groups(
        query.len(),
        |a, b| query[a].0.cmp(query[b].0),
        GroupOrder::FirstAppearance,
        |groups| {
            write_field(out, "queryStringParameters");
            write_last_values(out, groups.iter(), |index| query[index]);
            out.push(b',');
            write_field(out, "multiValueQueryStringParameters");
            write_multi(out, groups.iter(), |index| query[index]);
        },
    );
}

/// A `Map<String, String>` without repeated names in practice (path parameters, stage variables); a repeated
/// name keeps its first position and its last value, so the output never has duplicate keys.
fn write_string_map(out: &mut Vec<u8>, pairs: &[(&str, &str)]) {
    if pairs.is_empty() {
        out.extend_from_slice(b"null");
        return;
    }
    with_groups(
        pairs.len(),
        |a, b| pairs[a].0.cmp(pairs[b].0),
        GroupOrder::FirstAppearance,
        |groups| {
            write_last_values(out, groups.iter(), |index| pairs[index]);
        },
    );
}

fn write_last_values<'g, 'p>(
    out: &mut Vec<u8>,
    groups: impl Iterator<Item = &'g [u32]>,
    pair: impl Fn(usize) -> (&'p str, &'p str),
) {
    out.push(b'{');
    for (n, group) in groups.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_key(out, pair(group[0] as usize).0);
        write_str(out, pair(group[group.len() - 1] as usize).1);
    }
    out.push(b'}');
}

fn write_multi<'g, 'p>(
    out: &mut Vec<u8>,
    groups: impl Iterator<Item = &'g [u32]>,
    pair: impl Fn(usize) -> (&'p str, &'p str),
) {
    out.push(b'{');
    for (n, group) in groups.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_key(out, pair(group[0] as usize).0);
        out.push(b'[');
        for (m, &index) in group.iter().enumerate() {
            if m > 0 {
                out.push(b',');
            }
            write_str(out, pair(index as usize).1);
        }
        out.push(b']');
    }
    out.push(b'}');
}

fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_standard_and_padded() {
        let mut out = Vec::new();
        write_base64(&mut out, b"\xff\xfe\x00ab");
        assert_eq!(out, b"\"//4AYWI=\"");
    }

    #[test]
    fn dropped_headers_are_case_insensitive() {
        assert!(is_dropped("Content-Length"));
        assert!(is_dropped("CONNECTION"));
        assert!(!is_dropped("Content-Type"));
        assert!(!is_dropped("Via"));
    }

    #[test]
    fn header_order_is_javas_case_insensitive_order() {
        assert_eq!(
            compare_ignore_ascii_case("x-amz-date", "X-Amz-Cf-Id"),
            Ordering::Greater
        );
        assert_eq!(
            compare_ignore_ascii_case("X-Amzn-Trace-Id", "x-correlation-id"),
            Ordering::Less
        );
        assert_eq!(compare_ignore_ascii_case("ab", "AB"), Ordering::Equal);
    }
}
