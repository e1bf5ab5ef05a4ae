//! Amazon API Gateway REST API model and its import from OpenAPI with `x-amazon-apigateway-*` extensions.
//!
//! [`load`] turns the bytes of an OpenAPI 2.0 or 3.0 definition (JSON or YAML, including AWS's own
//! `get-export` output) into a validated [`RestApi`] and every problem found, each a [`Diagnostic`] with
//! `file:line:col`, a key path and what was expected:
//!
//! ```
//! let yaml = b"openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n";
//! let loaded = tollgate_model::load("api.yaml", yaml, &tollgate_model::ImportOptions::default());
//! assert!(loaded.diagnostics.is_empty());
//! assert_eq!(loaded.api.unwrap().resources[0].path, "/");
//! ```
//!
//! The crate is pure: it parses from bytes and never opens files. Everything that can fail to compile later
//! (mapping templates, selection patterns, parameter-mapping expressions, URIs) keeps its [`Span`]; mapping
//! templates come as [`TemplateSource`], which maps a position inside the template text back to the file, so
//! a VTL error at template line 3 column 5 is reported where it is in the definition.
//!
//! Stages are not part of a definition file; [`Stage`] is filled by the server.

#![deny(missing_docs)]

mod diagnostic;
mod document;
mod import;
mod json;
mod model;
mod source;
mod stage;
mod template;
mod value;
mod yaml;

pub mod dump;

pub use diagnostic::{Diagnostic, Related, Severity, render_all};
pub use document::{Document, parse_document};
pub use model::*;
pub use source::{LineCol, SourceFile, Span};
pub use stage::{MethodSettings, Stage, StageError, UnauthorizedCacheControlHeaderStrategy};
pub use template::TemplateSource;
pub use value::{Member, Number, Value, ValueKind};

/// How the document's base path becomes resources (AWS import parameter `basepath`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BasePathMode {
    /// Ignore the base path (AWS's default): `/a/b/c` + `/e` → `/e`.
    #[default]
    Ignore,
    /// Prepend it: `/a/b/c` + `/e` → `/a/b/c/e` (with method-less `/a`, `/a/b`, `/a/b/c`).
    Prepend,
    /// Drop its first segment (taken to be a stage name) and prepend the rest: `/a/b/c` + `/e` → `/b/c/e`.
    Split,
}

/// Import settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportOptions {
    /// Base path handling.
    pub base_path: BasePathMode,
    /// Treat warnings as fatal: [`Loaded::api`] is `None` when there is any (AWS `failonwarnings=true`).
    pub fail_on_warnings: bool,
    /// Largest accepted file in bytes (AWS accepts definitions up to 6 MB).
    pub max_bytes: usize,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            base_path: BasePathMode::Ignore,
            fail_on_warnings: false,
            max_bytes: 6 * 1024 * 1024,
        }
    }
}

/// The result of [`load`]: the API if it could be built, and every problem found.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Loaded {
    /// The API; `None` if any diagnostic is an error (or a warning with
    /// [`ImportOptions::fail_on_warnings`]).
    pub api: Option<RestApi>,
    /// Errors and warnings, in document order.
    pub diagnostics: Vec<Diagnostic>,
    /// The file, for rendering the diagnostics ([`Loaded::render_diagnostics`]).
    pub source: SourceFile,
}

impl Loaded {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics rendered rustc-style, separated by blank lines.
    #[must_use]
    pub fn render_diagnostics(&self) -> String {
        render_all(&self.diagnostics, self.source.text())
    }
}

/// Imports an OpenAPI 2.0 / 3.0 definition (JSON or YAML) with API Gateway extensions.
///
/// `file_name` is used in messages only. The format is detected from the content: a document whose first
/// significant character is `{` is read as JSON, anything else as YAML. All problems are reported at once.
#[must_use]
pub fn load(file_name: &str, bytes: &[u8], options: &ImportOptions) -> Loaded {
    import::load(file_name, bytes, options)
}
