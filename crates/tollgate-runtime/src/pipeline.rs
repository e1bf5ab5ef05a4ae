//! The request pipeline: phases as plain async functions over a [`RequestCx`], in API Gateway's order
//! (spec §0). Issue 8's phases (authorize, API key, validate, throttle, cache) go between `route` and the
//! integration request; issue 5 and 6 add arms to `integrate`.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Request, Response};
use tollgate_model::GatewayResponseType;

use crate::body::{self, BoxError, ResponseBody};
use crate::cx::{ContextPath, IntegrationOutcome, RequestCx, Values};
use crate::deployment::{Deployment, Plan};
use crate::error::GatewayError;
use crate::gateway::{Arrival, Deployments, Inner};
use crate::gateway_response::{self, ErrorInfo, GatewayResponses};
use crate::query::Query;
use crate::router::RouteMethod;
use crate::validate::ValidatedBody;
use crate::{integration, phases, proxy};

static X_AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
static X_AMZ_APIGW_ID: HeaderName = HeaderName::from_static("x-amz-apigw-id");
pub(crate) static X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");

/// What a phase that ends the request returns.
pub(crate) struct Answer {
    pub(crate) response: Response<ResponseBody>,
    /// Whether AWS adds `X-Amzn-Trace-Id` to this response (HTTP and AWS integrations, spec §8).
    pub(crate) trace_header: bool,
}

pub(crate) async fn run<B>(
    inner: &Inner,
    snapshot: &Arc<Deployments>,
    request: Request<B>,
    arrival: Arrival,
) -> Response<ResponseBody>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let (parts, body) = request.into_parts();
    let started = arrival.received_at.unwrap_or_else(|| inner.options.clock.now());
    let raw_path = parts.uri.path();
    let trimmed = raw_path.trim_start_matches('/');
    let (stage_name, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let deployment: Option<&Deployment> = snapshot.stage(stage_name).map(|d| &**d);
    let mut cx = RequestCx {
        deployment,
        method_route: None,
        ids: inner.options.ids.next_ids(),
        started,
        method: parts.method.clone(),
        context_path: ContextPath::of(&parts.uri, trimmed),
        stage_name: deployment.map_or("", Deployment::stage),
        path_params: Vec::new(),
        query: Query::parse(parts.uri.query().unwrap_or("")),
        raw_query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        peer: arrival.peer.map(|p| p.ip()),
        body: Bytes::new(),
        body_json: None,
        error: None,
        integration: IntegrationOutcome::default(),
        status: 0,
        response_length: None,
        finished: None,
        original_names: arrival.original_names,
        template_env: None,
        state: Default::default(),
        usage: Default::default(),
        authorized: None,
    };
    let result = match admit(inner, &mut cx, rest).await {
        // Request validation (spec §9.1) reads the body only when a model checks it.
        Ok(plan) => match crate::validate::run(inner, &mut cx, body).await {
            Ok(ValidatedBody::Untouched(body)) => cached(inner, &mut cx, plan, body).await,
            Ok(ValidatedBody::Read(bytes)) => cached(inner, &mut cx, plan, http_body_util::Full::new(bytes)).await,
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    let answer = result.unwrap_or_else(|err| rescue(&mut cx, &err));
    finish(inner, &mut cx, answer)
}

/// Phase: route the request to a method of the stage's deployment (spec §1).
fn route<'d>(cx: &mut RequestCx<'d>, rest: &str) -> Result<&'d Plan, GatewayError> {
    let deployment = cx.deployment.ok_or(GatewayError::MissingAuthenticationToken)?;
    let method = RouteMethod::from_request(&cx.method).ok_or(GatewayError::MissingAuthenticationToken)?;
    let found = deployment
        .router
        .find(method, rest)
        .ok_or(GatewayError::MissingAuthenticationToken)?;
    let compiled = deployment
        .methods
        .get(found.route as usize)
        .ok_or(GatewayError::MissingAuthenticationToken)?;
    cx.path_params = found
        .params
        .iter()
        .map(|p| (p.name.into(), p.value.to_owned()))
        .collect();
    cx.method_route = Some(compiled);
    Ok(&compiled.integration)
}

/// Routing, then the phases that may refuse the request before its body is looked at, in API Gateway's order
/// (spec §0): the authorizer, then API key and usage plan, with the throttles.
async fn admit<'d>(inner: &Inner, cx: &mut RequestCx<'d>, rest: &str) -> Result<&'d Plan, GatewayError> {
    let plan = route(cx, rest)?;
    phases::authorizer::authorize(inner, cx).await?;
    phases::usage_plan(inner, cx).await?;
    Ok(plan)
}

/// The integration behind the stage's response cache (spec §9.4): a hit answers without calling it, a miss
/// stores its answer.
async fn cached<B>(inner: &Inner, cx: &mut RequestCx<'_>, plan: &Plan, body: B) -> Result<Answer, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if cx.method_route.is_none_or(|m| m.usage.cache.is_none()) {
        return integrate(inner, cx, plan, body).await;
    }
    // Boxed: only methods with a cache carry the lookup's and the store's state.
    let lookup = Box::pin(phases::cache_lookup(inner, cx)).await?;
    if let phases::CacheLookup::Hit(answer) = lookup {
        return Ok(answer);
    }
    let answer = integrate(inner, cx, plan, body).await?;
    Ok(Box::pin(phases::cache_store(inner, cx, lookup, answer)).await)
}

/// Phase: the integration request, call and response, by integration type.
async fn integrate<B>(inner: &Inner, cx: &mut RequestCx<'_>, plan: &Plan, body: B) -> Result<Answer, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    match plan {
        Plan::Mock(non_proxy) => {
            cx.body = read_body(body, inner.options.max_body_bytes).await?;
            integration::mock(cx, non_proxy)
        }
        Plan::Http(non_proxy, target) => {
            cx.body = read_body(body, inner.options.max_body_bytes).await?;
            integration::http(inner, cx, non_proxy, target).await
        }
        Plan::HttpProxy(plan) => proxy::http_proxy(inner, cx, plan, body).await,
        // The AWS and Lambda arms are boxed: their futures are the largest, and inline they would make every
        // request's future (moved and copied whole on the way to hyper) as large.
        Plan::Aws(non_proxy, plan) => {
            cx.body = read_body(body, inner.options.max_body_bytes).await?;
            Box::pin(crate::aws_service::aws_service(inner, cx, non_proxy, plan)).await
        }
        Plan::Lambda(non_proxy, plan) => {
            cx.body = read_body(body, inner.options.max_body_bytes).await?;
            Box::pin(crate::lambda_aws::lambda_aws(inner, cx, non_proxy, plan)).await
        }
        Plan::LambdaProxy(plan) => {
            cx.body = read_body(body, inner.options.max_body_bytes).await?;
            Box::pin(crate::lambda_proxy::lambda_proxy(inner, cx, plan)).await
        }
        Plan::Unavailable(why) => Err(GatewayError::config(*why)),
    }
}

async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, GatewayError>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    body::collect_limited(body, limit).await.map_err(|err| match err {
        None => GatewayError::RequestTooLarge,
        Some(err) => GatewayError::BadRequestBody {
            detail: err.to_string(),
        },
    })
}

/// The one rescue point: a [`GatewayError`] becomes the deployment's gateway response.
fn rescue(cx: &mut RequestCx<'_>, err: &GatewayError) -> Answer {
    tracing::debug!(request_id = %cx.ids.request_id, error = %err, "gateway response");
    cx.error = Some(ErrorInfo::of(err));
    let empty = GatewayResponses::default();
    let responses = cx.deployment.map_or(&empty, |d| &d.gateway_responses);
    let info = cx.error.clone().unwrap_or_else(|| ErrorInfo::of(err));
    let response = gateway_response::respond(responses, &info, &*cx as &dyn Values);
    Answer {
        response,
        trace_header: false,
    }
}

/// Phase: the headers AWS adds to every response (spec §8), then the access log.
fn finish(inner: &Inner, cx: &mut RequestCx<'_>, answer: Answer) -> Response<ResponseBody> {
    let Answer {
        mut response,
        trace_header,
    } = answer;
    let headers = response.headers_mut();
    if let Some(value) = cx.ids.request_id.header_value() {
        headers.insert(X_AMZN_REQUEST_ID.clone(), value);
    }
    if let Some(value) = cx.ids.extended_request_id.header_value() {
        headers.insert(X_AMZ_APIGW_ID.clone(), value);
    }
    if trace_header && let Some(value) = trace_header_value(cx) {
        headers.insert(X_AMZN_TRACE_ID.clone(), value);
    }
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, crate::headers::APPLICATION_JSON);
    }
    if let Some((format, sink)) = &inner.options.access_log {
        cx.status = response.status().as_u16();
        cx.response_length = http_body::Body::size_hint(response.body()).exact();
        cx.finished = Some(inner.options.clock.now());
        let line = format.render(|var, out| cx.context(var, out));
        sink.write(line);
    }
    response
}

/// The X-Ray trace header of this request: the client's when it sent one with a `Root` (spec §8), else a new
/// `Root=1-{epoch seconds hex}-{96 random bits hex}`.
pub(crate) fn trace_id(cx: &RequestCx<'_>) -> String {
    if let Some(client) = cx.headers.get(&X_AMZN_TRACE_ID).and_then(|v| v.to_str().ok())
        && client.starts_with("Root=")
    {
        if client.contains("Parent=") {
            return client.to_owned();
        }
        return format!("{client};Parent={:016x};Sampled=0", cx.ids.trace_bits.1);
    }
    // ASCII only, so nothing is replaced; written on the stack rather than through `format!`.
    String::from_utf8_lossy(&new_trace_root(cx)).into_owned()
}

/// [`trace_id`] as a header value. A new root (the common case) is written straight into the value's buffer:
/// one allocation, no formatting machinery.
pub(crate) fn trace_header_value(cx: &RequestCx<'_>) -> Option<HeaderValue> {
    if cx.headers.contains_key(&X_AMZN_TRACE_ID) {
        return HeaderValue::from_str(&trace_id(cx)).ok();
    }
    HeaderValue::from_maybe_shared(Bytes::copy_from_slice(&new_trace_root(cx))).ok()
}

/// The new root of this request: its start time and its random trace bits, on the stack.
fn new_trace_root(cx: &RequestCx<'_>) -> [u8; TRACE_ROOT_LEN] {
    let seconds = cx
        .started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    trace_root(seconds, cx.ids.trace_bits.0)
}

/// `Root=1-{seconds:08x}-{bits:024x}` of the low 32 and 96 bits, on the stack.
fn trace_root(seconds: u64, bits: u128) -> [u8; TRACE_ROOT_LEN] {
    let mut out = [b'-'; TRACE_ROOT_LEN];
    out[..7].copy_from_slice(b"Root=1-");
    write_hex(&mut out[7..15], seconds & 0xFFFF_FFFF);
    write_hex(&mut out[16..24], (bits >> 64) as u64 & 0xFFFF_FFFF);
    write_hex(&mut out[24..], bits as u64);
    out
}

/// `Root=1-` + 8 hex digits + `-` + 24 hex digits.
const TRACE_ROOT_LEN: usize = 40;

/// The low `slot.len()` (at most 16) hex digits of `value` into `slot`, zero-padded.
fn write_hex(slot: &mut [u8], value: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, digit) in slot.iter_mut().rev().enumerate() {
        *digit = HEX[(value >> (4 * i) & 0xF) as usize];
    }
}

pub(crate) fn edge_response(inner: &Inner, kind: GatewayResponseType) -> Response<ResponseBody> {
    let mut cx = RequestCx {
        deployment: None,
        method_route: None,
        ids: inner.options.ids.next_ids(),
        started: inner.options.clock.now(),
        method: http::Method::GET,
        context_path: ContextPath::default(),
        stage_name: "",
        path_params: Vec::new(),
        query: Query::default(),
        raw_query: None,
        headers: http::HeaderMap::new(),
        peer: None,
        body: Bytes::new(),
        body_json: None,
        error: None,
        integration: IntegrationOutcome::default(),
        status: 0,
        response_length: None,
        finished: None,
        original_names: None,
        template_env: None,
        state: Default::default(),
        usage: Default::default(),
        authorized: None,
    };
    let info = ErrorInfo {
        kind,
        message: gateway_response::defaults(kind).message.map(str::to_owned),
        validation_error: None,
        status: None,
    };
    cx.error = Some(info.clone());
    let response = gateway_response::respond(&GatewayResponses::default(), &info, &cx as &dyn Values);
    finish(
        inner,
        &mut cx,
        Answer {
            response,
            trace_header: false,
        },
    )
}

#[cfg(test)]
mod tests {
    /// The hand-written hex of the trace header is what `format!` writes.
    #[test]
    fn trace_roots_match_format() {
        for (seconds, bits) in [
            (0u64, 0u128),
            (1, 1),
            (0x1_6a3f_09e1, 0xabc),
            (u64::MAX, (1 << 96) - 1),
            (1_795_737_599, 0x0123_4567_89ab_cdef_0011_2233),
            (7, u128::MAX),
        ] {
            let root = super::trace_root(seconds, bits);
            let expected = format!("Root=1-{:08x}-{:024x}", seconds & 0xFFFF_FFFF, bits & ((1 << 96) - 1));
            assert_eq!(std::str::from_utf8(&root).unwrap(), expected);
        }
    }
}
