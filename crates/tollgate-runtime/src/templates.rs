//! Mapping templates of a deployment: compiled once, selected per request by content type (spec §3).
//!
//! Rendering goes through the VTL environment of `tollgate-mapping` (`$input`, `$util`, `$context`,
//! overrides). Until that environment is wired in, templates without any `$` or `#` are served exactly (VTL
//! renders such text verbatim), and the compiler reports every other template as an error at its location
//! instead of serving it wrongly.

use bytes::Bytes;
use tollgate_model::{Diagnostic, MappingTemplate, SourceFile};

/// A compiled template.
#[derive(Debug)]
pub(crate) struct Template {
    text: Bytes,
}

impl Template {
    /// The rendered output.
    pub(crate) fn render(&self) -> Bytes {
        self.text.clone()
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
#[derive(Debug)]
pub(crate) struct Templates;

impl Templates {
    pub(crate) fn new() -> Templates {
        Templates
    }

    pub(crate) fn compile_set(
        &mut self,
        templates: &[MappingTemplate],
        source: &SourceFile,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> TemplateSet {
        let mut entries = Vec::with_capacity(templates.len());
        for template in templates {
            let text = template.template.text();
            if let Some(at) = text.find(['$', '#']) {
                let span = template.template.file_span(at..at + 1);
                diagnostics.push(
                    Diagnostic::error(source, span, "this mapping template uses VTL, which this build cannot render yet")
                        .with_note("templates without `$` and `#` are served verbatim; VTL comes with tollgate-mapping's environment"),
                );
                continue;
            }
            entries.push((
                media_type(&template.content_type).into(),
                Template {
                    text: Bytes::copy_from_slice(text.as_bytes()),
                },
            ));
        }
        TemplateSet { entries }
    }
}
