//! The Amazon API Gateway mapping-template environment ($input, $util, $context, parameter mappings) on tollgate-vtl.

pub mod context;
pub mod event;
pub mod gateway_response;
pub mod json;
pub mod jsonpath;
pub mod param_mapping;
#[cfg(test)]
mod random_texts;
pub mod request;
pub mod selection;
mod template;
pub mod tool;
pub mod util_functions;

pub use context::RequestContext;
pub use request::MethodRequest;
pub use template::{
    CompileErrors, ContextState, MappingEngine, MappingTemplate, RenderError, RenderOnceError, RequestOverride,
    ResponseOverride, TemplateInput, render_once,
};
