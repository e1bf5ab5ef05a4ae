//! From an API file on disk to a deployment: read, import, stage, compile. Used at start, on every reload
//! (off the request path, in `spawn_blocking`) and by `tollgate validate`, so all three report alike.

use std::fmt::Write as _;
use std::sync::Arc;

use tollgate_model::{Diagnostic, ImportOptions, Severity, Stage};
use tollgate_runtime::{CompileOptions, Deployment};

use crate::cli::ApiArgs;

/// A deployment ready to serve, with the warnings found on the way (rendered, possibly empty).
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) deployment: Deployment,
    pub(crate) warnings: String,
    pub(crate) warning_count: usize,
    pub(crate) title: Option<String>,
}

/// Why an API file cannot be served: every problem, rendered rustc-style with `file:line:col`.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) text: String,
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
}

impl Report {
    /// One line for logs and the end of a report: `api.yaml: 2 errors, 1 warning`.
    pub(crate) fn summary(&self, file: &str) -> String {
        format!(
            "{file}: {}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        )
    }
}

pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The name the file has in messages: as the user gave it.
pub(crate) fn display_name(args: &ApiArgs) -> String {
    args.file.display().to_string()
}

/// Reads, imports and compiles the API for the stage `args` names.
pub(crate) fn load(args: &ApiArgs) -> Result<Compiled, Report> {
    let file = display_name(args);
    let bytes = std::fs::read(&args.file).map_err(|err| Report {
        text: format!("error: cannot read {file}: {err}\n"),
        errors: 1,
        warnings: 0,
    })?;
    let loaded = tollgate_model::load(&file, &bytes, &ImportOptions::default());
    let source = loaded.source.text();
    let mut warnings = count(&loaded.diagnostics, Severity::Warning);
    let mut text = loaded.render_diagnostics();
    let Some(api) = loaded.api else {
        let errors = count(&loaded.diagnostics, Severity::Error).max(1);
        return Err(Report { text, errors, warnings });
    };
    let mut stage = Stage::new(&args.stage);
    stage.variables = args.stage_variables.iter().cloned().collect();
    if let Err(problems) = stage.validate() {
        for problem in &problems {
            let _ = writeln!(
                text,
                "error: {problem}\n  = from the command line (--stage, --stage-variable)"
            );
        }
        return Err(Report {
            text,
            errors: problems.len(),
            warnings,
        });
    }
    let mut options = CompileOptions::default();
    if let Some(path) = &args.usage_plans {
        match crate::usage_plans::load(path, &api, &mut text, &mut warnings) {
            Ok(plans) => {
                plans.apply_to_stage(&mut stage);
                options.usage_plans = Some(Arc::new(plans));
            }
            Err(errors) => return Err(Report { text, errors, warnings }),
        }
    }
    for jwks in &args.jwks {
        let added = jwks
            .bytes()
            .and_then(|bytes| options.user_pool_keys.insert_jwks(jwks.pool_key(), &bytes));
        if let Err(err) = added {
            let _ = writeln!(text, "error: --jwks: {err}");
            return Err(Report {
                text,
                errors: 1,
                warnings,
            });
        }
    }
    match Deployment::compile(&api, &stage, &options) {
        Ok(deployment) => Ok(Compiled {
            deployment,
            warnings: text,
            warning_count: warnings,
            title: api.title.clone(),
        }),
        Err(diagnostics) => {
            warnings += count(&diagnostics, Severity::Warning);
            let errors = count(&diagnostics, Severity::Error).max(1);
            if !text.is_empty() && !diagnostics.is_empty() {
                text.push('\n');
            }
            text.push_str(&tollgate_model::render_all(&diagnostics, source));
            Err(Report { text, errors, warnings })
        }
    }
}

fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics.iter().filter(|d| d.severity == severity).count()
}
