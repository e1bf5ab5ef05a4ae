//! What a Lambda or Cognito authorizer reads from the routed request: identity sources and the REQUEST event.

use std::borrow::Cow;

use tollgate_auth::{RequestContext, RequestEvent, RequestParams, write_request_event};
use tollgate_lambda_event::decode_query;

use crate::context_var::ContextVar;
use crate::cx::{RequestCx, Values};
use crate::time_fmt;

/// The request as identity sources see it.
pub(crate) struct Params<'c, 'd>(pub(crate) &'c RequestCx<'d>);

impl RequestParams for Params<'_, '_> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        let value = self.0.headers.get_all(name).iter().next_back()?;
        Some(String::from_utf8_lossy(value.as_bytes()))
    }

    fn query_string(&self, name: &str) -> Option<Cow<'_, str>> {
        self.0.query.last(name).map(Cow::Borrowed)
    }

    fn stage_variable(&self, name: &str) -> Option<Cow<'_, str>> {
        self.0.stage_variable(name).map(Cow::Borrowed)
    }

    fn context(&self, name: &str) -> Option<Cow<'_, str>> {
        let var = ContextVar::parse(name, crate::context_var::Usage::GatewayResponse)?;
        if matches!(var, ContextVar::Authorizer(_)) {
            return None;
        }
        let mut out = String::new();
        self.0.context(&var, &mut out).then_some(Cow::Owned(out))
    }
}

/// The request's path without the stage (`/pets/1`), as received.
pub(crate) fn path_without_stage<'c>(cx: &'c RequestCx<'_>) -> &'c str {
    let path = cx.context_path.as_str();
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.split_once('/') {
        // `rest` is the suffix after the stage's `/`: keep that slash.
        Some((_, rest)) => path.get(path.len().saturating_sub(rest.len() + 1)..).unwrap_or("/"),
        None => "/",
    }
}

/// The REQUEST authorizer's event for this request.
pub(crate) fn request_event(cx: &RequestCx<'_>, method_arn: &str) -> Vec<u8> {
    let deployment = cx.deployment;
    let route = cx.method_route;
    // The headers as the proxy event has them: the client's, then the trace and X-Forwarded-* headers the front
    // end adds (spec §6; the guide's REQUEST sample carries them too).
    let trace = crate::pipeline::trace_id(cx);
    let source_ip = cx.peer.map(|ip| ip.to_string()).unwrap_or_default();
    let forwarded_for =
        crate::lambda_proxy::forwarded_for(cx, Some(&source_ip).filter(|ip| !ip.is_empty()).map(String::as_str));
    let port = crate::lambda_proxy::host_port(cx);
    let headers = crate::lambda_proxy::event_headers(cx, &trace, forwarded_for.as_deref(), &port);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_ref())).collect();
    let query = decode_query(cx.raw_query.as_deref().unwrap_or(""));
    let query = query.to_pairs();
    let path_parameters = cx.path_parameter_pairs();
    let stage_variables = cx.stage_variable_pairs();
    let context = RequestContext {
        resource_id: route.map_or("", |r| &r.resource_id),
        resource_path: route.map_or("", |r| &r.resource_path),
        http_method: cx.method.as_str(),
        extended_request_id: &cx.ids.extended_request_id,
        request_time_epoch_ms: i64::try_from(time_fmt::epoch_millis(cx.started)).unwrap_or(i64::MAX),
        path: &cx.context_path,
        account_id: deployment.map_or("", |d| &d.account_id),
        protocol: "HTTP/1.1",
        stage: cx.stage_name,
        domain_prefix: deployment.map_or("", |d| &d.api_id),
        request_id: &cx.ids.request_id,
        source_ip: &source_ip,
        user_agent: cx.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()),
        domain_name: deployment.map_or("", |d| &d.domain_name),
        deployment_id: deployment.map_or("", |d| &d.deployment_id),
        api_id: deployment.map_or("", |d| &d.api_id),
    };
    let event = RequestEvent {
        method_arn,
        resource: route.map_or("", |r| &r.resource_path),
        path: path_without_stage(cx),
        http_method: cx.method.as_str(),
        headers: &headers,
        query: &query,
        path_parameters: &path_parameters,
        stage_variables: &stage_variables,
        request_context: &context,
    };
    let mut out = Vec::with_capacity(1024);
    write_request_event(&event, &mut out);
    out
}
