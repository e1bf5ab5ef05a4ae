//! AWS_PROXY: the request becomes a Lambda proxy event (payload format 1.0, `tollgate-lambda-event`), the function
//! is invoked, and its answer becomes the response under AWS's proxy-response rules (spec §6).

use std::borrow::Cow;
use std::time::Instant;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use tollgate_lambda_event::{
    BinaryMediaTypes, Body, EventInput, Identity, ProxyResponseError, RequestContext, ResponseOptions, StagePaths,
    decode_query, parse_proxy_response, write_event,
};

use crate::body::ResponseBody;
use crate::cx::RequestCx;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::headers::{self, Remap};
use crate::integration::map_request;
use crate::lambda_invoke::{Invocation, invoke};
use crate::lambda_plan::LambdaProxyPlan;
use crate::pipeline::{self, Answer};
use crate::time_fmt;

const X_AMZN_TRACE_ID: &str = "X-Amzn-Trace-Id";
const X_FORWARDED_FOR: &str = "X-Forwarded-For";
const X_FORWARDED_PORT: &str = "X-Forwarded-Port";
const X_FORWARDED_PROTO: &str = "X-Forwarded-Proto";

/// AWS_PROXY: event, invocation, proxy response. The request body has been read into `cx.body`.
pub(crate) async fn lambda_proxy(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    plan: &LambdaProxyPlan,
) -> Result<Answer, GatewayError> {
    if !plan.lambda.post {
        return Err(GatewayError::config(
            "an AWS_PROXY integration's httpMethod must be POST",
        ));
    }
    // Evaluated for their side effects only: a refused target is a 500 and `X-Amz-Invocation-Type` applies; the
    // values never reach the event.
    let mapped = map_request(cx, &plan.request_parameters)?;
    crate::lambda_invoke::check_aws_mappings(&plan.request_parameters)?;
    let function = plan.lambda.function.resolve(cx, &mapped)?;
    let trace = pipeline::trace_id(cx);
    let event = build_event(cx, plan, &trace);
    let invocation = Invocation {
        function: &function,
        payload: event,
        invocation_type: crate::lambda_invoke::invocation_type(&mapped),
        trace_id: trace,
    };
    let started = Instant::now();
    let outcome = invoke(inner, cx, &plan.lambda, invocation, started).await?;
    let accept = cx.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let options = ResponseOptions {
        function_error: outcome.function_error.is_some(),
        accept,
        binary_media_types: binary_media_types(cx),
    };
    let parsed = match parse_proxy_response(&outcome.payload, &options) {
        Ok(parsed) => parsed,
        Err(err) => return Err(refused(cx, &outcome.payload, &err)),
    };
    let (status, lines, body) = parsed.into_parts();
    cx.integration.status = Some(status);
    let body = match body {
        Cow::Borrowed(slice) => outcome.payload.slice_ref(slice),
        Cow::Owned(bytes) => Bytes::from(bytes),
    };
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let out = response.headers_mut();
    for line in lines {
        // The lambda-event crate only passes HTTP tokens and values without control characters.
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(line.name().as_bytes()),
            HeaderValue::from_str(line.value()),
        ) else {
            continue;
        };
        if headers::is_dropped_response_header(&name, Remap::LambdaProxy) {
            continue;
        }
        if headers::is_remapped_response_header(&name, Remap::LambdaProxy) {
            if let Some(remapped) = headers::remapped_name(&name) {
                out.append(remapped, value);
            }
        } else {
            out.append(name, value);
        }
    }
    if !out.contains_key(CONTENT_TYPE) {
        out.insert(CONTENT_TYPE, headers::APPLICATION_JSON);
    }
    Ok(Answer {
        response,
        trace_header: true,
    })
}

/// A function error or an answer that is not a proxy response: 502 (500 for an undecodable base64 body).
fn refused(cx: &mut RequestCx<'_>, payload: &[u8], err: &ProxyResponseError) -> GatewayError {
    let detail = format!("{}: {err}", err.log_message());
    tracing::debug!(
        request_id = %cx.ids.request_id,
        answer = %String::from_utf8_lossy(&payload[..payload.len().min(1024)]),
        "{detail}"
    );
    cx.integration.error = Some(detail.clone());
    GatewayError::LambdaResponse {
        status: err.status(),
        detail,
    }
}

/// The proxy event of this request.
fn build_event(cx: &RequestCx<'_>, plan: &LambdaProxyPlan, trace: &str) -> Bytes {
    let deployment = cx.deployment;
    let route = cx.method_route;
    let source_ip = cx.peer.map(ip_text);
    let forwarded_for = forwarded_for(cx, source_ip.as_deref());
    let port = host_port(cx);
    let header_values = event_headers(cx, trace, forwarded_for.as_deref(), &port);
    let headers: Vec<(&str, &str)> = header_values.iter().map(|(n, v)| (*n, v.as_ref())).collect();
    let query = decode_query(cx.raw_query.as_deref().unwrap_or(""));
    let query = query.to_pairs();
    let path_parameters = cx.path_parameter_pairs();
    let stage_variables = cx.stage_variable_pairs();
    let authorizer = cx.authorized.as_ref().map(|a| a.event());
    let paths = StagePaths::parse(&cx.context_path);
    let path = paths.map_or("/", |p| p.path);
    let identity = Identity {
        source_ip: source_ip.as_deref().unwrap_or(""),
        user_agent: cx.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()),
        ..Identity::default()
    };
    let context = RequestContext {
        resource_id: route.map_or("", |r| &r.resource_id),
        resource_path: route.map_or("", |r| &r.resource_path),
        operation_name: plan.operation_name.as_deref(),
        http_method: cx.method.as_str(),
        extended_request_id: &cx.ids.extended_request_id,
        request_time_epoch_ms: i64::try_from(time_fmt::epoch_millis(cx.started)).unwrap_or(i64::MAX),
        path: &cx.context_path,
        account_id: deployment.map_or("", |d| &d.account_id),
        protocol: "HTTP/1.1",
        stage: cx.stage_name,
        domain_prefix: deployment.map_or("", |d| &d.api_id),
        request_id: &cx.ids.request_id,
        identity,
        domain_name: deployment.map_or("", |d| &d.domain_name),
        deployment_id: deployment.map_or("", |d| &d.deployment_id),
        api_id: deployment.map_or("", |d| &d.api_id),
        authorizer: authorizer.as_ref().map(|a| a.as_event()),
    };
    let content_type = cx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    // The API's `binaryMediaTypes`: a body of one of these types goes base64-encoded into the event.
    let body = if binary_media_types(cx).matches_content_type(content_type) {
        Body::Binary(&cx.body)
    } else {
        Body::Text(&cx.body)
    };
    let input = EventInput {
        resource: route.map_or("", |r| &r.resource_path),
        path,
        http_method: cx.method.as_str(),
        headers: &headers,
        query: &query,
        path_parameters: &path_parameters,
        stage_variables: &stage_variables,
        request_context: &context,
        body,
    };
    let mut out = Vec::with_capacity(input.estimated_len());
    write_event(&input, &mut out);
    Bytes::from(out)
}

/// An address as text; IPv4 without `core::fmt` (a thousand instructions per request through `Display`).
fn ip_text(ip: std::net::IpAddr) -> String {
    let std::net::IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

/// The API's `binaryMediaTypes` (none without a deployment, which routing rules out).
fn binary_media_types<'c>(cx: &'c RequestCx<'_>) -> &'c BinaryMediaTypes {
    static NONE: std::sync::LazyLock<BinaryMediaTypes> = std::sync::LazyLock::new(BinaryMediaTypes::default);
    cx.deployment.map_or(&*NONE, |d| &d.binary_media_types)
}

/// The event's headers: the client's, with their original spelling, then the four API Gateway sets.
///
/// Decisions (unknown on AWS, whose REGIONAL endpoint is always `https` on 443): `X-Forwarded-For` is the
/// client's value with the TCP peer appended, as AWS's load balancers do; `X-Forwarded-Proto` and
/// `X-Forwarded-Port` keep a value a proxy in front of Tollgate sent, else `http` and the port of the `Host`
/// header (80 without one), what the client really used. `X-Amzn-Trace-Id` is the request's trace header, the
/// one the response carries.
pub(crate) fn event_headers<'a>(
    cx: &'a RequestCx<'_>,
    trace: &'a str,
    forwarded_for: Option<&'a str>,
    port: &'a str,
) -> Vec<(&'a str, Cow<'a, str>)> {
    // Read once: the names may come from the raw head, line by line.
    let names: Vec<&'a str> = cx
        .original_names
        .as_ref()
        .map(|names| names.iter().collect())
        .unwrap_or_default();
    // The client's spelling of a header name, else `fallback`.
    let spelled = |fallback: &'a str| -> &'a str {
        names
            .iter()
            .find(|o| o.len() == fallback.len() && o.eq_ignore_ascii_case(fallback))
            .copied()
            .unwrap_or(fallback)
    };
    let mut out: Vec<(&'a str, Cow<'a, str>)> = Vec::with_capacity(cx.headers.len() + 4);
    let (mut proto, mut forwarded_port) = (false, false);
    for (name, value) in &cx.headers {
        match name.as_str() {
            "x-amzn-trace-id" | "x-forwarded-for" => continue,
            "x-forwarded-proto" => proto = true,
            "x-forwarded-port" => forwarded_port = true,
            _ => {}
        }
        out.push((spelled(name.as_str()), String::from_utf8_lossy(value.as_bytes())));
    }
    out.push((spelled(X_AMZN_TRACE_ID), Cow::Borrowed(trace)));
    if let Some(forwarded_for) = forwarded_for {
        out.push((spelled(X_FORWARDED_FOR), Cow::Borrowed(forwarded_for)));
    }
    if !forwarded_port {
        out.push((X_FORWARDED_PORT, Cow::Borrowed(port)));
    }
    if !proto {
        out.push((X_FORWARDED_PROTO, Cow::Borrowed("http")));
    }
    out
}

/// The client's `X-Forwarded-For` (every line, comma-joined) with the TCP peer appended.
pub(crate) fn forwarded_for(cx: &RequestCx<'_>, source_ip: Option<&str>) -> Option<String> {
    let mut value = String::new();
    for line in cx.headers.get_all("x-forwarded-for") {
        let text = String::from_utf8_lossy(line.as_bytes());
        if !value.is_empty() {
            value.push_str(", ");
        }
        value.push_str(text.trim());
    }
    if let Some(ip) = source_ip {
        if !value.is_empty() {
            value.push_str(", ");
        }
        value.push_str(ip);
    }
    (!value.is_empty()).then_some(value)
}

/// The port the client connected to, from its `Host` header; 80 without one.
pub(crate) fn host_port(cx: &RequestCx<'_>) -> String {
    let host = cx.headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    match host.rsplit_once(':') {
        Some((_, port)) if !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) => {
            port.to_owned()
        }
        _ => "80".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::ip_text;

    #[test]
    fn addresses_as_text() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.30.40",
            "255.255.255.255",
            "192.168.100.9",
            "::1",
            "2001:db8::7",
        ] {
            assert_eq!(ip_text(ip.parse().unwrap()), ip);
        }
    }
}
