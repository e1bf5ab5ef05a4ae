//! Mapping templates: VTL (`tollgate-vtl`, API Gateway profile) with `$input`, `$util`, `$context` and
//! `$stageVariables`.
//!
//! ```
//! use tollgate_mapping::{ContextState, MappingEngine, MethodRequest, RequestContext, TemplateInput};
//!
//! let engine = MappingEngine::new();
//! let template = engine.compile("application/json", r#"{"name": "$input.path('$.name')"}"#)?;
//! let method = MethodRequest::default();
//! let context = RequestContext::example();
//! let input = TemplateInput { method: &method, body: r#"{"name":"Ada"}"#, context: &context, stage_variables: &[] };
//! let mut state = ContextState::default();
//! assert_eq!(template.render(&input, &mut state)?, r#"{"name": "Ada"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod context_value;
mod host;
mod input;
mod lazy_roots;
mod schema;
mod state;
mod values;

use tollgate_vtl::{Engine, Limits, Profile};

pub use state::{ContextState, RequestOverride, ResponseOverride};
pub use tollgate_vtl::{Error as RenderError, Errors as CompileErrors};

use crate::context::RequestContext;
use crate::request::MethodRequest;
use host::RenderHost;
use schema::{MappingSchema, Roots};

/// Compiles mapping templates. Build one per deployment (or process) and share it; cheap to clone.
#[derive(Debug, Clone)]
pub struct MappingEngine {
    engine: Engine,
    /// The same engine without prepared `$context` / `$stageVariables` member reads, for templates that may
    /// assign a member (see [`schema::sets_a_member`]).
    plain: Engine,
    roots: Roots,
    json_work: u64,
}

/// A compiled mapping template: `Send + Sync`, rendered through `&self`.
#[derive(Debug, Clone)]
pub struct MappingTemplate {
    template: tollgate_vtl::Template,
    roots: Roots,
    json_work: u64,
}

/// What one render reads.
#[derive(Debug, Clone, Copy)]
pub struct TemplateInput<'a> {
    /// The method request (`$input.params`), also for integration response templates.
    pub method: &'a MethodRequest,
    /// The payload `$input` reads: the method request body for a request template, the integration response
    /// body for a response template (binary payloads as base64 text).
    pub body: &'a str,
    /// `$context`.
    pub context: &'a RequestContext,
    /// `$stageVariables`.
    pub stage_variables: &'a [(String, String)],
}

impl Default for MappingEngine {
    fn default() -> Self {
        MappingEngine::with_limits(Limits::api_gateway())
    }
}

impl MappingEngine {
    /// An engine with API Gateway's limits (300 KB templates, 1,000 `#foreach` iterations, …).
    pub fn new() -> Self {
        MappingEngine::default()
    }

    /// An engine with other limits.
    pub fn with_limits(limits: Limits) -> Self {
        let build = |members: bool| {
            let mut builder = Engine::builder().profile(Profile::ApiGateway).limits(limits.clone());
            let roots = Roots {
                input: builder.root("input"),
                util: builder.root("util"),
                context: builder.root("context"),
                stage_variables: builder.root("stageVariables"),
            };
            (builder.schema(MappingSchema { roots, members }).build(), roots)
        };
        let (engine, roots) = build(true);
        let (plain, _) = build(false);
        MappingEngine {
            engine,
            plain,
            roots,
            json_work: input::HOST_WORK_BUDGET,
        }
    }

    /// Sets the work one render may spend in `$input.json`, `$input.path` and `$util.parseJson` (JSONPath nodes
    /// visited, values converted, bytes written / 8; default 64 million). The VTL step budget counts a host call
    /// as one step, so this is what bounds a loop over a large body.
    pub fn with_json_work_budget(mut self, units: u64) -> Self {
        self.json_work = units;
        self
    }

    /// Compiles `source`; `name` appears in error reports (`name:line:col`). Reports every error at once,
    /// including malformed literal JSONPaths in `$input.json('…')` / `$input.path('…')`.
    pub fn compile(&self, name: &str, source: &str) -> Result<MappingTemplate, CompileErrors> {
        let engine = if schema::sets_a_member(source) {
            &self.plain
        } else {
            &self.engine
        };
        Ok(MappingTemplate {
            template: engine.compile(name, source)?,
            roots: self.roots,
            json_work: self.json_work,
        })
    }
}

impl MappingTemplate {
    /// Renders the template. `state` carries `$context` between the request and the response template of one
    /// request: start each request with `ContextState::default()` and pass the same state to both renders;
    /// afterwards it holds the overrides the templates set.
    pub fn render(&self, input: &TemplateInput<'_>, state: &mut ContextState) -> Result<String, RenderError> {
        let mut out = String::with_capacity(self.template.size_hint());
        self.render_into(input, state, &mut out)?;
        Ok(out)
    }

    /// Renders, appending to `out`.
    pub fn render_into(
        &self,
        input: &TemplateInput<'_>,
        state: &mut ContextState,
        out: &mut String,
    ) -> Result<(), RenderError> {
        let host = RenderHost::new(self.roots, input, state, self.json_work);
        let result = self.template.render_into(&host, out);
        if let Some(map) = host.context.into_map() {
            context_value::read_back(&map, state);
        }
        result
    }

    /// The name given at compile time.
    pub fn name(&self) -> &str {
        self.template.name()
    }

    /// The template source.
    pub fn source(&self) -> &str {
        self.template.source()
    }
}

/// A one-off render failure: the template did not compile or failed while rendering.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderOnceError {
    /// Compile errors (all of them).
    Compile(CompileErrors),
    /// The render failed.
    Render(RenderError),
}

impl std::fmt::Display for RenderOnceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderOnceError::Compile(e) => f.write_str(&e.report()),
            RenderOnceError::Render(e) => f.write_str(&e.report()),
        }
    }
}

impl std::error::Error for RenderOnceError {}

/// Compiles and renders `source` once, for tools; returns the output and the state the template left.
pub fn render_once(
    name: &str,
    source: &str,
    input: &TemplateInput<'_>,
    state: &mut ContextState,
) -> Result<String, RenderOnceError> {
    let template = MappingEngine::new()
        .compile(name, source)
        .map_err(RenderOnceError::Compile)?;
    template.render(input, state).map_err(RenderOnceError::Render)
}

#[cfg(test)]
mod tests;
