//! Rendering a mapping template offline against a recorded request: what `tollgate render` and the conformance
//! suite do.

use std::fmt::Write as _;

use crate::event::EventRequest;
use crate::template::{ContextState, MappingEngine, RenderOnceError, TemplateInput};

/// Renders `source` (named `name` in errors) for the method request `event` describes: as an integration
/// request template, or — given the integration's response body — as an integration response template, whose
/// `$input` reads that body while `$input.params()` still reads the method request. `state` carries `$context`
/// from a request template rendered before with the same state.
pub fn render_for_event(
    engine: &MappingEngine,
    name: &str,
    source: &str,
    event: &EventRequest,
    integration_response: Option<&str>,
    state: &mut ContextState,
) -> Result<String, RenderOnceError> {
    let template = engine.compile(name, source).map_err(RenderOnceError::Compile)?;
    let input = TemplateInput {
        method: &event.method,
        body: integration_response.unwrap_or(&event.body),
        context: &event.context,
        stage_variables: &event.stage_variables,
    };
    template.render(&input, state).map_err(RenderOnceError::Render)
}

/// The overrides in `state`, one `name = value` line each (`responseOverride.status = 400`), in a fixed order.
pub fn describe_overrides(state: &ContextState) -> String {
    let mut out = String::new();
    let r = &state.request_override;
    for (group, pairs) in [
        ("header", &r.header),
        ("querystring", &r.querystring),
        ("path", &r.path),
    ] {
        for (k, v) in pairs {
            let _ = writeln!(out, "requestOverride.{group}.{k} = {v}");
        }
    }
    if let Some(status) = state.response_override.status {
        let _ = writeln!(out, "responseOverride.status = {status}");
    }
    for (k, v) in &state.response_override.header {
        let _ = writeln!(out, "responseOverride.header.{k} = {v}");
    }
    out
}
