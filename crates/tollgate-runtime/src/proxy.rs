//! HTTP_PROXY: the client's request passes through to the backend and the backend's answer back, bodies
//! streamed both ways (spec §5 HTTP_PROXY row, §4.2 remapping).

use std::time::Instant;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, Request, Response};

use crate::body::{BoxError, RequestBody, ResponseBody};
use crate::cx::RequestCx;
use crate::deployment::ProxyPlan;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::headers;
use crate::integration::{apply_mapped_headers, map_request, path_value};
use crate::pipeline::{self, Answer, X_AMZN_TRACE_ID};

static X_AMZN_APIGATEWAY_API_ID: HeaderName = HeaderName::from_static("x-amzn-apigateway-api-id");

pub(crate) async fn http_proxy<B>(
    inner: &Inner,
    cx: &mut RequestCx<'_>,
    plan: &ProxyPlan,
    body: B,
) -> Result<Answer, GatewayError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if http_body::Body::size_hint(&body).lower() > inner.options.max_body_bytes as u64 {
        return Err(GatewayError::RequestTooLarge);
    }
    let mapped = map_request(cx, &plan.request_parameters)?;
    let query: Vec<(&str, &str)> = mapped.query.iter().map(|(k, v)| (&**k, v.as_str())).collect();
    let mut uri = plan
        .target
        .uri
        .render(|name| path_value(cx, &mapped, name), &query)
        .map_err(GatewayError::config)?;
    if let Some(raw) = cx.raw_query.as_deref().filter(|q| !q.is_empty()) {
        uri = merge_client_query(&uri, raw)?;
    }
    let method = plan.target.method.clone().unwrap_or_else(|| cx.method.clone());
    // A request without a body (a GET, or any request the edge read whole and found empty) needs no stream.
    let body = if http_body::Body::is_end_stream(&body) {
        RequestBody::empty()
    } else {
        RequestBody::stream(http_body_util::Limited::new(body, inner.options.max_body_bytes))
    };
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .map_err(|err| GatewayError::config(err.to_string()))?;
    let out = request.headers_mut();
    for (name, value) in &cx.headers {
        if !headers::is_unforwarded_proxy_request_header(name) {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(deployment) = cx.deployment {
        out.insert(X_AMZN_APIGATEWAY_API_ID.clone(), deployment.api_id_header.clone());
    }
    if let Some(trace) = pipeline::trace_header_value(cx) {
        out.insert(X_AMZN_TRACE_ID.clone(), trace);
    }
    apply_mapped_headers(out, &mapped.headers);

    let started = Instant::now();
    let result = tokio::time::timeout(plan.target.timeout, inner.backends.http.send(request)).await;
    cx.integration.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let response = match result {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => {
            cx.integration.error = Some(err.to_string());
            return Err(GatewayError::IntegrationFailure {
                detail: err.to_string(),
            });
        }
        Err(_) => {
            cx.integration.error = Some("timeout".to_owned());
            return Err(GatewayError::IntegrationTimeout);
        }
    };
    cx.integration.status = Some(response.status().as_u16());
    let (parts, body) = response.into_parts();
    let mut answer = Response::new(body);
    *answer.status_mut() = parts.status;
    remap_backend_headers(parts.headers, answer.headers_mut());
    Ok(Answer {
        response: answer.map(|b: ResponseBody| b),
        trace_header: false,
    })
}

/// Appends the client's raw query to a URI that may already carry the template's and mapped parameters.
fn merge_client_query(uri: &http::Uri, raw: &str) -> Result<http::Uri, GatewayError> {
    let text = uri.to_string();
    let joined = if uri.query().is_some() {
        format!("{text}&{raw}")
    } else {
        format!("{text}?{raw}")
    };
    joined
        .parse()
        .map_err(|err| GatewayError::config(format!("invalid integration URI `{joined}`: {err}")))
}

/// The backend's headers as the client gets them: reserved names renamed `x-amzn-Remapped-*`, framing dropped.
fn remap_backend_headers(from: HeaderMap, to: &mut HeaderMap) {
    let mut last: Option<HeaderName> = None;
    for (name, value) in from {
        let name = match name {
            Some(name) => {
                last = Some(name.clone());
                name
            }
            None => match &last {
                Some(name) => name.clone(),
                None => continue,
            },
        };
        if headers::is_dropped_response_header(&name, headers::Remap::Proxy) {
            continue;
        }
        if headers::is_remapped_response_header(&name, headers::Remap::Proxy) {
            if let Some(remapped) = headers::remapped_name(&name) {
                to.append(remapped, value);
            }
        } else {
            to.append(name, value);
        }
    }
    if !to.contains_key(CONTENT_TYPE) {
        to.insert(CONTENT_TYPE, headers::APPLICATION_JSON);
    }
}
