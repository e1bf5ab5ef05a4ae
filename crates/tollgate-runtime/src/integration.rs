//! Non-proxy integrations (MOCK, HTTP): integration request (parameter mapping, template selection and
//! passthrough), the call, and the integration response (selection pattern, response mapping, template).

use std::time::Instant;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tollgate_model::PassthroughBehavior;

use crate::body::{self, RequestBody, ResponseBody};
use crate::cx::{RequestCx, Values};
use crate::deployment::{self, CompiledResponse, HttpTarget, NonProxy, RequestMapping};
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::headers;
use crate::param::{RequestTargetKind, Source};
use crate::pipeline::{self, Answer, X_AMZN_TRACE_ID};
use crate::uri_template::ParamValue;

static X_AMZN_APIGATEWAY_API_ID: HeaderName = HeaderName::from_static("x-amzn-apigateway-api-id");

/// The values of an integration request's parameter mappings.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    pub(crate) path: Vec<(Box<str>, String)>,
    pub(crate) query: Vec<(Box<str>, String)>,
    pub(crate) headers: Vec<(HeaderName, String)>,
}

/// Evaluates `integration.request.*` mappings; a target AWS refuses (Content-Length, ...) is a 500 (§4.1).
pub(crate) fn map_request(cx: &mut RequestCx<'_>, mappings: &[RequestMapping]) -> Result<Mapped, GatewayError> {
    if let Some(bad) = mappings.iter().find(|m| deployment::unmappable(m)) {
        return Err(GatewayError::config(format!(
            "the header `{}` cannot be mapped",
            bad.name
        )));
    }
    if mappings
        .iter()
        .any(|m| matches!(m.source, Source::RequestBody(Some(_))))
    {
        cx.ensure_body_json();
    }
    let mut mapped = Mapped::default();
    for mapping in mappings {
        // Every value of a repeated query parameter becomes its own integration query parameter (spec §4 [unk]).
        if let (RequestTargetKind::QueryString, Source::RequestMultiQuery(name)) = (mapping.kind, &mapping.source) {
            for value in cx.query.all(name) {
                mapped.query.push((mapping.name.clone(), value.to_owned()));
            }
            continue;
        }
        let mut value = String::new();
        if !cx.source(&mapping.source, &mut value) {
            continue; // An absent source leaves the target unset (spec §4, recorded).
        }
        match (mapping.kind, &mapping.header) {
            (RequestTargetKind::Path, _) => mapped.path.push((mapping.name.clone(), value)),
            (RequestTargetKind::QueryString, _) => mapped.query.push((mapping.name.clone(), value)),
            (RequestTargetKind::Header, Some(name)) => mapped.headers.push((name.clone(), value)),
            (RequestTargetKind::Header, None) => {}
        }
    }
    Ok(mapped)
}

/// The integration request body: the selected template's output, or the client's body passed through, or
/// 415 (spec §3 passthrough table).
pub(crate) fn request_body(cx: &mut RequestCx<'_>, non_proxy: &NonProxy) -> Result<Option<Bytes>, GatewayError> {
    let binary = crate::binary::convert_request(cx, non_proxy.content_handling)?;
    let content_type = cx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if let Some(template) = non_proxy.request_templates.for_content_type(content_type) {
        let body = cx.body.clone();
        crate::binary::template_reads_text(binary)?;
        return cx.render(template, &body).map(Some);
    }
    let has_templates = !non_proxy.request_templates.is_empty();
    match (non_proxy.passthrough, has_templates) {
        (PassthroughBehavior::Never, _) | (PassthroughBehavior::WhenNoTemplates, true) => {
            Err(GatewayError::UnsupportedMediaType)
        }
        _ => Ok(None),
    }
}

/// MOCK: the request template's `statusCode` selects the integration response (spec §5 MOCK row).
pub(crate) fn mock(cx: &mut RequestCx<'_>, non_proxy: &NonProxy) -> Result<Answer, GatewayError> {
    map_request(cx, &non_proxy.request_parameters)?;
    let status = match request_body(cx, non_proxy)? {
        // No template and no body: 200 (spec [unk], decided). A body passed through untransformed is read for
        // its statusCode like a template's output, so a non-JSON upload to a MOCK without a matching template
        // is a 500, AWS's well-known "Unable to parse statusCode".
        None if cx.body.is_empty() => 200,
        None => mock_status(&cx.body)
            .ok_or_else(|| GatewayError::config("the body passed through to MOCK has no statusCode"))?,
        Some(rendered) => mock_status(&rendered)
            .ok_or_else(|| GatewayError::config("the MOCK request template did not yield a statusCode"))?,
    };
    cx.integration.status = Some(status);
    let response = select_response(&non_proxy.responses, status)?;
    respond(cx, response, Bytes::new(), headers::Remap::Mock)
}

/// Reads `statusCode` from a MOCK template's output the way AWS's lax parser does: `{"statusCode": 200}`,
/// `{statusCode: 200}`, `{'statusCode': '200'}`.
pub(crate) fn mock_status(rendered: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(rendered).ok()?;
    // A byte scan: `str::find` sets up a two-way searcher, which costs more than reading these short texts.
    const NAME: &[u8] = b"statusCode";
    let at = rendered.windows(NAME.len()).position(|w| w == NAME)?;
    let before = text[..at].trim_end();
    if !(before.ends_with('{') || before.ends_with(',') || before.ends_with('"') || before.ends_with('\'')) {
        return None;
    }
    let rest = text[at + "statusCode".len()..]
        .trim_start_matches(['"', '\''])
        .trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().trim_start_matches(['"', '\'']);
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    digits.parse().ok().filter(|s| (100..=599).contains(s))
}

/// HTTP: build the backend request AWS would send, call it within the timeout, then map the response.
pub(crate) async fn http(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    non_proxy: &NonProxy,
    target: &HttpTarget,
) -> Result<Answer, GatewayError> {
    let mut mapped = map_request(cx, &non_proxy.request_parameters)?;
    let body = request_body(cx, non_proxy)?.unwrap_or_else(|| cx.body.clone());
    apply_request_overrides(cx, &mut mapped)?;
    let query: Vec<(&str, &str)> = mapped.query.iter().map(|(k, v)| (&**k, v.as_str())).collect();
    let uri = target
        .uri
        .render(|name| path_value(cx, &mapped, name), &query)
        .map_err(GatewayError::config)?;
    let method = target.method.clone().unwrap_or_else(|| cx.method.clone());
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(RequestBody::full(body.clone()))
        .map_err(|err| GatewayError::config(err.to_string()))?;
    let out = request.headers_mut();
    let deployment = cx.deployment.ok_or_else(|| GatewayError::config("no deployment"))?;
    out.insert(ACCEPT, headers::APPLICATION_JSON);
    out.insert(USER_AGENT, deployment.user_agent.clone());
    out.insert(X_AMZN_APIGATEWAY_API_ID.clone(), deployment.api_id_header.clone());
    if let Some(trace) = pipeline::trace_header_value(cx) {
        out.insert(X_AMZN_TRACE_ID.clone(), trace);
    }
    if !body.is_empty()
        && let Some(content_type) = cx.headers.get(CONTENT_TYPE)
    {
        out.insert(CONTENT_TYPE, content_type.clone());
    }
    apply_mapped_headers(out, &mapped.headers);
    let (status, headers, response_body) = call(inner, cx, request, target).await?;
    cx.integration.status = Some(status.as_u16());
    cx.integration.headers = headers;
    cx.integration.body = response_body.clone();
    let response = select_response(&non_proxy.responses, status.as_u16())?;
    respond(cx, response, response_body, headers::Remap::NonProxy)
}

/// `$context.requestOverride.*` from the request template replaces mapped values (spec §2.4).
pub(crate) fn apply_request_overrides(cx: &RequestCx<'_>, mapped: &mut Mapped) -> Result<(), GatewayError> {
    let overrides = &cx.state.request_override;
    for (name, value) in &overrides.path {
        mapped.path.retain(|(k, _)| **k != **name);
        mapped.path.push((name.as_str().into(), value.clone()));
    }
    for (name, value) in &overrides.querystring {
        mapped.query.retain(|(k, _)| **k != **name);
        mapped.query.push((name.as_str().into(), value.clone()));
    }
    for (name, value) in &overrides.header {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| GatewayError::config(format!("requestOverride header `{name}` is not a valid name")))?;
        if headers::is_unmappable_request_header(name) {
            return Err(GatewayError::config(format!(
                "the header `{name}` cannot be overridden"
            )));
        }
        mapped.headers.retain(|(k, _)| *k != header);
        mapped.headers.push((header, value.clone()));
    }
    Ok(())
}

/// A URI `{name}`: the mapped `integration.request.path.name`, else the method request's path parameter of
/// the same name (raw, as received).
pub(crate) fn path_value<'v>(cx: &'v RequestCx<'_>, mapped: &'v Mapped, name: &str) -> Option<ParamValue<'v>> {
    if let Some((_, value)) = mapped.path.iter().find(|(k, _)| &**k == name) {
        let raw = cx.path_params.iter().any(|(_, v)| v == value);
        return Some(ParamValue { value, raw_path: raw });
    }
    cx.path_param(name).map(|value| ParamValue { value, raw_path: true })
}

/// Mapped headers replace the same-named header; those AWS accepts but never sends are skipped (§4.1).
pub(crate) fn apply_mapped_headers(out: &mut HeaderMap, mapped: &[(HeaderName, String)]) {
    for (name, value) in mapped {
        if headers::is_dropped_request_header(name) || name == HOST {
            continue;
        }
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(name.clone(), value);
        }
    }
}

/// Sends the request and reads the whole response within the integration timeout.
async fn call(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    request: Request<RequestBody>,
    target: &HttpTarget,
) -> Result<(StatusCode, HeaderMap, Bytes), GatewayError> {
    let started = Instant::now();
    let exchange = async {
        let response = inner
            .backends
            .http
            .send(request)
            .await
            .map_err(|err| GatewayError::IntegrationFailure {
                detail: err.to_string(),
            })?;
        let (parts, body) = response.into_parts();
        let bytes = body::collect_limited(body, inner.options.max_body_bytes)
            .await
            .map_err(|err| GatewayError::IntegrationFailure {
                detail: err.map_or_else(|| "the backend response is over 10 MiB".to_owned(), |e| e.to_string()),
            })?;
        Ok::<_, GatewayError>((parts.status, parts.headers, bytes))
    };
    let result = tokio::time::timeout(target.timeout, exchange).await;
    cx.integration.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    match result {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(err)) => {
            cx.integration.error = Some(err.detail().to_owned());
            Err(err)
        }
        Err(_) => {
            cx.integration.error = Some("timeout".to_owned());
            Err(GatewayError::IntegrationTimeout)
        }
    }
}

/// Picks the integration response: the first whose pattern matches the whole status text, else the default;
/// none → 500 (spec §5).
pub(crate) fn select_response(responses: &[CompiledResponse], status: u16) -> Result<&CompiledResponse, GatewayError> {
    // Three ASCII digits on the stack: selection runs on every non-proxy request.
    let digits = [
        b'0' + (status / 100 % 10) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ];
    let text = std::str::from_utf8(&digits).unwrap_or("500");
    select_response_text(responses, text)
}

/// Picks the integration response whose pattern matches the whole of `text` (a status, or a Lambda function's
/// `errorMessage`), else the default; none → 500 (spec §5).
pub(crate) fn select_response_text<'r>(
    responses: &'r [CompiledResponse],
    text: &str,
) -> Result<&'r CompiledResponse, GatewayError> {
    responses
        .iter()
        .find(|r| r.pattern.as_ref().is_some_and(|p| p.is_match(text)))
        .or_else(|| responses.iter().find(|r| r.pattern.is_none()))
        .ok_or_else(|| {
            GatewayError::config(format!(
                "no integration response matches `{text}` and there is no default"
            ))
        })
}

/// The method response: response parameters (remapping reserved names), template by `Accept`, status.
pub(crate) fn respond(
    cx: &mut RequestCx<'_>,
    selected: &CompiledResponse,
    backend_body: Bytes,
    remap: headers::Remap,
) -> Result<Answer, GatewayError> {
    if selected
        .headers
        .iter()
        .any(|(_, s)| matches!(s, Source::ResponseBody(Some(_))))
    {
        cx.ensure_response_json();
    }
    let (backend_body, binary) = crate::binary::convert_response(cx, selected.content_handling, backend_body)?;
    let accept = cx.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let body = match selected.templates.for_accept(accept) {
        Some(template) => {
            crate::binary::template_reads_text(binary)?;
            cx.render(template, &backend_body)?
        }
        None => backend_body,
    };
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = selected.status;
    let out = response.headers_mut();
    for (name, source) in &selected.headers {
        let mut value = String::new();
        if !cx.source(source, &mut value) {
            continue;
        }
        let Ok(value) = HeaderValue::from_str(&value) else {
            return Err(GatewayError::config(format!(
                "the value mapped to `{name}` is not a valid header value"
            )));
        };
        if headers::is_remapped_response_header(name, remap) {
            if let Some(remapped) = headers::remapped_name(name) {
                out.append(remapped, value);
            }
        } else if !headers::is_dropped_response_header(name, remap) {
            out.insert(name.clone(), value);
        }
    }
    // `$context.responseOverride.*` wins over the integration response (spec §2.4).
    let overrides = &cx.state.response_override;
    if let Some(status) = overrides.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        *response.status_mut() = status;
    }
    for (name, value) in &overrides.header {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(Answer {
        response,
        trace_header: remap == headers::Remap::NonProxy,
    })
}
