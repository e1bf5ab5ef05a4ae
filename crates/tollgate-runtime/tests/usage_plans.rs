//! `UsagePlans::parse` reports every problem of a usage-plans file at once, each at `file:line:col` with its
//! key path. The expected report is `tests/usage-plans/errors.expected`; rerun with `UPDATE_EXPECT=1` after a
//! deliberate change.

// Test code: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use tollgate_runtime::UsagePlans;

#[test]
fn reports_every_problem_with_its_location() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/usage-plans");
    let text = std::fs::read_to_string(dir.join("errors.yaml")).unwrap();
    let (plans, diagnostics) = UsagePlans::parse("errors.yaml", text.as_bytes());
    assert!(plans.is_none(), "a file with errors gives no plans");
    let report: String = diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {}: {} [{}]\n",
                d.file,
                d.position,
                d.severity.as_str(),
                d.message,
                d.path
            )
        })
        .collect();
    let rendered = tollgate_model::render_all(&diagnostics, &text);
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
}

#[test]
fn syntax_errors_are_located_too() {
    let (plans, diagnostics) = UsagePlans::parse("broken.json", b"{\"apiKeys\": [}");
    assert!(plans.is_none());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].file, "broken.json");
    assert_eq!((diagnostics[0].position.line, diagnostics[0].position.column), (1, 14));
    let (plans, diagnostics) = UsagePlans::parse("list.yaml", b"- a\n- b\n");
    assert!(plans.is_none());
    assert_eq!(diagnostics[0].message, "expected an object, found an array");
}

#[test]
fn the_example_file_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let api_text = std::fs::read_to_string(root.join("usage-plans.yaml")).unwrap();
    let plans_text = std::fs::read_to_string(root.join("usage-plans.plans.yaml")).unwrap();
    let loaded = tollgate_model::load("usage-plans.yaml", api_text.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    let (plans, diagnostics) = UsagePlans::parse("usage-plans.plans.yaml", plans_text.as_bytes());
    let rendered = tollgate_model::render_all(&diagnostics, &plans_text);
    let plans = plans.unwrap_or_else(|| panic!("{rendered}"));
    assert!(diagnostics.is_empty(), "{rendered}");
    let problems = plans.check(&api);
    assert!(
        problems.is_empty(),
        "{}",
        tollgate_model::render_all(&problems, &plans_text)
    );
}
