//! `Deployment::compile` reports every problem at once, each at `file:line:col` in the definition file.
//! The expected report is `tests/compile/errors.expected`; rerun with `UPDATE_EXPECT=1` after a deliberate change.

// Test code: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use tollgate_runtime::{CompileOptions, Deployment};

#[test]
fn reports_every_problem_with_its_location() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile");
    let yaml = std::fs::read_to_string(dir.join("errors.yaml")).unwrap();
    let loaded = tollgate_model::load("errors.yaml", yaml.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    let diagnostics = Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default())
        .expect_err("the definition has compile errors");
    // One line per problem: where it is and what it says. VTL messages belong to tollgate-vtl and may be
    // reworded there, so only their prefix is pinned.
    let report: String = diagnostics
        .iter()
        .map(|d| {
            let message = match d.message.split_once("): ") {
                Some((prefix, _)) if d.message.starts_with("mapping template") => format!("{prefix}): …"),
                _ => d.message.clone(),
            };
            format!("{}:{}: {message}\n", d.file, d.position)
        })
        .collect();
    // The rendered report (rustc style) must point into the file for every problem.
    let rendered = tollgate_model::render_all(&diagnostics, &yaml);
    assert_eq!(
        rendered.matches(" --> errors.yaml:").count(),
        diagnostics.len(),
        "{rendered}"
    );
    let expected_path = dir.join("errors.expected");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &report).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(report, expected, "rerun with UPDATE_EXPECT=1 to accept");
    // One problem per broken item, none dropped.
    assert_eq!(diagnostics.len(), 5, "{rendered}");
}
