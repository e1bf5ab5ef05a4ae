//! `--usage-plans FILE`: API keys, usage plans and stage settings beside the API file (docs/usage-plans.md),
//! read and checked against the API the way the API file itself is, every problem at `file:line:col`.

use std::path::Path;

use tollgate_model::{RestApi, Severity};
use tollgate_runtime::UsagePlans;

/// Reads `path` and checks it against `api`. Rendered diagnostics are appended to `text` and counted into
/// `warnings`; on errors, their count.
pub(crate) fn load(path: &Path, api: &RestApi, text: &mut String, warnings: &mut usize) -> Result<UsagePlans, usize> {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            separate(text);
            text.push_str(&format!("error: cannot read {name}: {err}\n"));
            return Err(1);
        }
    };
    let (plans, mut diagnostics) = UsagePlans::parse(&name, &bytes);
    if let Some(plans) = &plans {
        diagnostics.extend(plans.check(api));
    }
    let source = String::from_utf8_lossy(&bytes);
    if !diagnostics.is_empty() {
        separate(text);
        text.push_str(&tollgate_model::render_all(&diagnostics, &source));
    }
    *warnings += diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    match plans {
        Some(plans) if errors == 0 => Ok(plans),
        _ => Err(errors.max(1)),
    }
}

fn separate(text: &mut String) {
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push('\n');
    }
}
