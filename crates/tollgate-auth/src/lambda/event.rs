//! The events API Gateway sends to a Lambda authorizer (DG/api-gateway-lambda-authorizer-input).
//!
//! TOKEN: `{"type":"TOKEN","authorizationToken":…,"methodArn":…}`, in that order (the guide's sample).
//!
//! REQUEST: `type, methodArn, resource, path, httpMethod, headers, multiValueHeaders, queryStringParameters,
//! multiValueQueryStringParameters, pathParameters, stageVariables, requestContext` (the guide's sample order;
//! the multi-value maps sit after their single-value maps as in the proxy event). The maps follow the proxy
//! event's recorded rules: headers a case-insensitive sorted map (first spelling, last value; all values in
//! `multiValueHeaders`), query parameters in order of first appearance (last value; all values in the
//! multi-value map). Decisions where AWS is unknown: empty header maps are `{}`, empty query, path-parameter
//! and stage-variable maps `null` (as in the proxy event; the guide's sample shows `"pathParameters": {}` for a
//! resource without parameters, which Tollgate treats as the older console sample it is); `requestContext`
//! carries the proxy event's keys in the proxy event's order, without `authorizer` (not yet known) and
//! without `identity.apiKey`/`apiKeyId` (the API key is checked after the authorizer).

use crate::json_out::{write_key, write_opt_str, write_str};
use crate::time::clf;

/// The REQUEST event's content, borrowed from the routed request.
#[derive(Debug, Clone, Copy)]
pub struct RequestEvent<'a> {
    /// `methodArn` (see [`method_arn`](crate::method_arn)).
    pub method_arn: &'a str,
    /// `resource`: the matched resource template (`/pets/{id}`).
    pub resource: &'a str,
    /// `path`: the request path without the stage.
    pub path: &'a str,
    /// `httpMethod`: the client's method.
    pub http_method: &'a str,
    /// The client's headers as received, repeated names allowed.
    pub headers: &'a [(&'a str, &'a str)],
    /// Decoded query pairs in request order, repeated names allowed.
    pub query: &'a [(&'a str, &'a str)],
    /// Path parameters in template order.
    pub path_parameters: &'a [(&'a str, &'a str)],
    /// The stage's variables.
    pub stage_variables: &'a [(&'a str, &'a str)],
    /// `requestContext`.
    pub request_context: &'a RequestContext<'a>,
}

/// `requestContext` of the REQUEST event.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// `resourceId`.
    pub resource_id: &'a str,
    /// `resourcePath`.
    pub resource_path: &'a str,
    /// `httpMethod`.
    pub http_method: &'a str,
    /// `extendedRequestId`.
    pub extended_request_id: &'a str,
    /// Milliseconds since the epoch: `requestTimeEpoch`, and `requestTime` in Common Log Format.
    pub request_time_epoch_ms: i64,
    /// `path`: with the stage (`/prod/pets/1`).
    pub path: &'a str,
    /// `accountId`.
    pub account_id: &'a str,
    /// `protocol` (`HTTP/1.1`).
    pub protocol: &'a str,
    /// `stage`.
    pub stage: &'a str,
    /// `domainPrefix`.
    pub domain_prefix: &'a str,
    /// `requestId`.
    pub request_id: &'a str,
    /// `identity.sourceIp`.
    pub source_ip: &'a str,
    /// `identity.userAgent`.
    pub user_agent: Option<&'a str>,
    /// `domainName`.
    pub domain_name: &'a str,
    /// `deploymentId`.
    pub deployment_id: &'a str,
    /// `apiId`.
    pub api_id: &'a str,
}

/// Appends the TOKEN event.
pub fn write_token_event(token: &str, method_arn: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"type\":\"TOKEN\",");
    write_key(out, "authorizationToken");
    write_str(out, token);
    out.push(b',');
    write_key(out, "methodArn");
    write_str(out, method_arn);
    out.push(b'}');
}

/// Appends the REQUEST event for `event`.
pub fn write_request_event(event: &RequestEvent<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"type\":\"REQUEST\",");
    for (key, value) in [
        ("methodArn", event.method_arn),
        ("resource", event.resource),
        ("path", event.path),
        ("httpMethod", event.http_method),
    ] {
        write_key(out, key);
        write_str(out, value);
        out.push(b',');
    }
    let headers = group(event.headers, true);
    write_key(out, "headers");
    write_single(out, &headers, false);
    out.push(b',');
    write_key(out, "multiValueHeaders");
    write_multi(out, &headers, false);
    out.push(b',');
    let query = group(event.query, false);
    write_key(out, "queryStringParameters");
    write_single(out, &query, true);
    out.push(b',');
    write_key(out, "multiValueQueryStringParameters");
    write_multi(out, &query, true);
    out.push(b',');
    let path_parameters = group(event.path_parameters, false);
    write_key(out, "pathParameters");
    write_single(out, &path_parameters, true);
    out.push(b',');
    let stage_variables = group(event.stage_variables, false);
    write_key(out, "stageVariables");
    write_single(out, &stage_variables, true);
    out.push(b',');
    write_key(out, "requestContext");
    write_context(out, event.request_context);
    out.push(b'}');
}

/// `(name, values)` groups: headers merged case-insensitively and sorted (Java's `CASE_INSENSITIVE_ORDER`),
/// other maps merged by exact name in order of first appearance.
fn group<'a>(pairs: &[(&'a str, &'a str)], headers: bool) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut groups: Vec<(&'a str, Vec<&'a str>)> = Vec::new();
    for &(name, value) in pairs {
        let existing = groups.iter_mut().find(|(seen, _)| {
            if headers {
                seen.eq_ignore_ascii_case(name)
            } else {
                *seen == name
            }
        });
        match existing {
            Some((_, values)) => values.push(value),
            None => groups.push((name, vec![value])),
        }
    }
    if headers {
        groups.sort_by(|(a, _), (b, _)| {
            a.bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        });
    }
    groups
}

fn write_single(out: &mut Vec<u8>, groups: &[(&str, Vec<&str>)], null_when_empty: bool) {
    if groups.is_empty() && null_when_empty {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'{');
    for (index, (name, values)) in groups.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_key(out, name);
        write_str(out, values.last().copied().unwrap_or(""));
    }
    out.push(b'}');
}

fn write_multi(out: &mut Vec<u8>, groups: &[(&str, Vec<&str>)], null_when_empty: bool) {
    if groups.is_empty() && null_when_empty {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'{');
    for (index, (name, values)) in groups.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_key(out, name);
        out.push(b'[');
        for (position, value) in values.iter().enumerate() {
            if position > 0 {
                out.push(b',');
            }
            write_str(out, value);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// The proxy event's `requestContext` order for these keys (spec §2.3/§6 \[rec\]\[obs\]).
fn write_context(out: &mut Vec<u8>, context: &RequestContext<'_>) {
    let strings_before_time = [
        ("resourceId", context.resource_id),
        ("resourcePath", context.resource_path),
        ("httpMethod", context.http_method),
        ("extendedRequestId", context.extended_request_id),
    ];
    out.push(b'{');
    for (key, value) in strings_before_time {
        write_key(out, key);
        write_str(out, value);
        out.push(b',');
    }
    write_key(out, "requestTime");
    write_str(out, &clf(context.request_time_epoch_ms));
    out.push(b',');
    for (key, value) in [
        ("path", context.path),
        ("accountId", context.account_id),
        ("protocol", context.protocol),
        ("stage", context.stage),
        ("domainPrefix", context.domain_prefix),
    ] {
        write_key(out, key);
        write_str(out, value);
        out.push(b',');
    }
    write_key(out, "requestTimeEpoch");
    out.extend_from_slice(context.request_time_epoch_ms.to_string().as_bytes());
    out.push(b',');
    write_key(out, "requestId");
    write_str(out, context.request_id);
    out.push(b',');
    write_key(out, "identity");
    out.push(b'{');
    let identity: [(&str, Option<&str>); 12] = [
        ("cognitoIdentityPoolId", None),
        ("accountId", None),
        ("cognitoIdentityId", None),
        ("caller", None),
        ("sourceIp", Some(context.source_ip)),
        ("principalOrgId", None),
        ("accessKey", None),
        ("cognitoAuthenticationType", None),
        ("cognitoAuthenticationProvider", None),
        ("userArn", None),
        ("userAgent", context.user_agent),
        ("user", None),
    ];
    for (index, (key, value)) in identity.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_key(out, key);
        write_opt_str(out, *value);
    }
    out.extend_from_slice(b"},");
    for (key, value) in [
        ("domainName", context.domain_name),
        ("deploymentId", context.deployment_id),
    ] {
        write_key(out, key);
        write_str(out, value);
        out.push(b',');
    }
    write_key(out, "apiId");
    write_str(out, context.api_id);
    out.push(b'}');
}
