//! Mapping templates of a deployment: compiled once with `tollgate-mapping`'s VTL environment, selected per
//! request by content type (spec §3), rendered with the request's `$input`, `$context`, `$stageVariables`.

use bytes::Bytes;
use tollgate_mapping::{ContextState, MappingEngine, MappingTemplate, TemplateInput};
use tollgate_model::{Diagnostic, MappingTemplate as ModelTemplate, SourceFile};

use crate::error::GatewayError;

/// A compiled template. Text without `$` or `#` renders as itself in VTL, so it is kept as bytes and never
/// goes through the engine.
#[derive(Debug)]
pub(crate) enum Template {
    Static(Bytes),
    Vtl(Box<MappingTemplate>),
}

impl Template {
    /// Renders with `input`, reading and writing `$context` state (overrides, carried values).
    pub(crate) fn render(&self, input: &TemplateInput<'_>, state: &mut ContextState) -> Result<Bytes, GatewayError> {
        match self {
            Template::Static(bytes) => Ok(bytes.clone()),
            Template::Vtl(template) => template
                .render(input, state)
                .map(Bytes::from)
                .map_err(|err| GatewayError::config(format!("mapping template failed: {}", err.message()))),
        }
    }
}

/// The templates of one request or response, keyed by media type, in definition order.
#[derive(Debug, Default)]
pub(crate) struct TemplateSet {
    entries: Vec<(Box<str>, Template)>,
}

impl TemplateSet {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The request template for a `Content-Type` (parameters ignored; absent means `application/json`).
    pub(crate) fn for_content_type(&self, content_type: Option<&str>) -> Option<&Template> {
        let key = media_type(content_type.unwrap_or("application/json"));
        self.entries
            .iter()
            .find(|(ct, _)| ct.eq_ignore_ascii_case(key))
            .map(|(_, t)| t)
    }

    /// The response template for an `Accept` header: its first media type, else `application/json`, else the
    /// first template.
    pub(crate) fn for_accept(&self, accept: Option<&str>) -> Option<&Template> {
        let first = accept
            .and_then(|a| a.split(',').next())
            .map(media_type)
            .filter(|m| !m.is_empty());
        first
            .and_then(|key| self.entries.iter().find(|(ct, _)| ct.eq_ignore_ascii_case(key)))
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|(ct, _)| ct.eq_ignore_ascii_case("application/json"))
            })
            .or_else(|| self.entries.first())
            .map(|(_, t)| t)
    }
}

/// The media type of a header value: parameters and surrounding space removed.
pub(crate) fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or("").trim()
}

/// The template compiler of one deployment.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    engine: MappingEngine,
}

impl Templates {
    /// Compiles every template; each VTL error becomes a diagnostic at its place in the definition file.
    pub(crate) fn compile_set(
        &mut self,
        templates: &[ModelTemplate],
        source: &SourceFile,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> TemplateSet {
        let mut entries = Vec::with_capacity(templates.len());
        for template in templates {
            let text = template.template.text();
            let compiled = if text.contains(['$', '#']) {
                match self.engine.compile(&template.content_type, text) {
                    Ok(compiled) => Template::Vtl(Box::new(compiled)),
                    Err(errors) => {
                        for error in errors.iter() {
                            let span = error.span().map_or_else(
                                || template.template.origin(),
                                |s| template.template.file_span(s.start as usize..s.end as usize),
                            );
                            diagnostics.push(Diagnostic::error(
                                source,
                                span,
                                format!("mapping template ({}): {}", template.content_type, error.message()),
                            ));
                        }
                        continue;
                    }
                }
            } else {
                Template::Static(Bytes::copy_from_slice(text.as_bytes()))
            };
            entries.push((media_type(&template.content_type).into(), compiled));
        }
        TemplateSet { entries }
    }
}
