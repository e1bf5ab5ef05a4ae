//! Golden tests over `tests/import/*` (model dumps) and `tests/invalid/*` (rendered diagnostics).
//!
//! Each input file `NAME.yaml` / `NAME.json` has a golden file `NAME.expected` next to it. Run with
//! `UPDATE_EXPECT=1` to rewrite the golden files after an intended change, then review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use tollgate_model::{BasePathMode, ImportOptions, load};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn inputs(folder: &str) -> Vec<PathBuf> {
    inputs_in(&crate_dir().join("tests").join(folder))
}

fn inputs_in(dir: &Path) -> Vec<PathBuf> {
    let folder = dir.display();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("fixture folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        // `*.plans.yaml` beside an example is a usage-plans file (`tollgate serve --usage-plans`), not an API.
        .filter(|path| !path.to_string_lossy().ends_with(".plans.yaml"))
        // `*.jwks.json` is a Cognito user pool's key set (`tollgate serve --jwks`), not an API.
        .filter(|path| !path.to_string_lossy().ends_with(".jwks.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {folder}");
    files
}

/// Options come from the file name: `*.prepend.yaml` and `*.split.yaml` select the base path mode.
fn options_for(path: &Path) -> ImportOptions {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    let mut options = ImportOptions::default();
    if name.contains(".prepend.") {
        options.base_path = BasePathMode::Prepend;
    } else if name.contains(".split.") {
        options.base_path = BasePathMode::Split;
    }
    options
}

fn check_golden(input: &Path, actual: &str, failures: &mut Vec<String>) {
    check_golden_at(input, &input.with_extension("expected"), actual, failures);
}

fn check_golden_at(input: &Path, expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(expected_path, actual).expect("write golden");
        return;
    }
    let expected = fs::read_to_string(expected_path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{} differs from its golden file {} (run with UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            input.display(),
            expected_path.display()
        ));
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("?")
        .to_owned()
}

#[test]
fn valid_definitions_import_to_their_golden_model() {
    let mut failures = Vec::new();
    for input in inputs("import") {
        let bytes = fs::read(&input).expect("read fixture");
        let loaded = load(&display_name(&input), &bytes, &options_for(&input));
        let mut actual = String::new();
        if !loaded.diagnostics.is_empty() {
            actual.push_str(&loaded.render_diagnostics());
            actual.push_str("----\n");
        }
        match &loaded.api {
            Some(api) => actual.push_str(&tollgate_model::dump::to_text(api)),
            None => failures.push(format!(
                "{} did not import:\n{}",
                input.display(),
                loaded.render_diagnostics()
            )),
        }
        check_golden(&input, &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The project's example APIs (`examples/` at the repository root) import without a single diagnostic.
#[test]
fn examples_import_cleanly() {
    let mut failures = Vec::new();
    let examples = crate_dir().join("../../examples");
    for input in inputs_in(&examples) {
        let bytes = fs::read(&input).expect("read example");
        let loaded = load(&display_name(&input), &bytes, &ImportOptions::default());
        if !loaded.diagnostics.is_empty() || loaded.api.is_none() {
            failures.push(format!("{}:\n{}", input.display(), loaded.render_diagnostics()));
            continue;
        }
        let golden = crate_dir()
            .join("tests/examples")
            .join(display_name(&input))
            .with_extension("expected");
        let actual = loaded
            .api
            .as_ref()
            .map(tollgate_model::dump::to_text)
            .unwrap_or_default();
        check_golden_at(&input, &golden, &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_definitions_report_every_problem() {
    let mut failures = Vec::new();
    for input in inputs("invalid") {
        let bytes = fs::read(&input).expect("read fixture");
        let loaded = load(&display_name(&input), &bytes, &options_for(&input));
        if loaded.api.is_some() {
            failures.push(format!("{} imported although it is invalid", input.display()));
        }
        check_golden(&input, &loaded.render_diagnostics(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
