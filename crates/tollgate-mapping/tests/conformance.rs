//! The mapping-environment conformance suite: every `tests/conformance/*.case` file is one case.
//!
//! A case is a text file: `key: value` header lines (`source:` required — the AWS documentation page or
//! AWS-recorded data the expectation comes from; `divergence:` names a known, deliberate difference from AWS),
//! then sections introduced by `--- NAME` lines. The last newline before a section line belongs to the separator,
//! so a section's text is exactly what lies between.
//!
//! * `template` (required): the template under test.
//! * `event`: a Lambda proxy event (payload 1.0) describing the method request; `{}` when absent.
//! * `body`: shorthand for an event whose only field is this body.
//! * `integration-response`: the integration response body; the template then renders as a response template.
//! * `request-template`: rendered first as the request template of the same request (output ignored), so the
//!   response template sees what it left in `$context`.
//! * `expected`: the exact output. Or `error`: text the error report must contain.
//! * `overrides`: the overrides left behind, as `tool::describe_overrides` prints them.

use std::fs;
use std::path::{Path, PathBuf};

use tollgate_mapping::event::parse_proxy_event;
use tollgate_mapping::tool::{describe_overrides, render_for_event};
use tollgate_mapping::{ContextState, MappingEngine};

struct Case {
    name: String,
    headers: Vec<(String, String)>,
    sections: Vec<(String, String)>,
}

impl Case {
    fn section(&self, name: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn parse_case(path: &Path) -> Case {
    let text = fs::read_to_string(path).expect("a readable case file");
    let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
    let mut headers = Vec::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut rest = text.as_str();
    // Header lines up to the first section.
    while !rest.starts_with("--- ") {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        } else {
            assert!(line.trim().is_empty(), "{name}: header line without `key:`: {line:?}");
        }
        assert!(!after.is_empty() || rest.starts_with("--- "), "{name}: no sections");
        rest = after;
    }
    for chunk in rest.split("\n--- ") {
        let chunk = chunk.strip_prefix("--- ").unwrap_or(chunk);
        let (title, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        sections.push((title.trim().to_owned(), body.to_owned()));
    }
    // The file's final newline ends the last section's text.
    if let Some(last) = sections.last_mut()
        && last.1.ends_with('\n')
    {
        last.1.pop();
    }
    Case {
        name,
        headers,
        sections,
    }
}

fn run_case(engine: &MappingEngine, case: &Case) -> Result<(), String> {
    let event_text = match (case.section("event"), case.section("body")) {
        (Some(event), None) => event.to_owned(),
        (None, Some(body)) => format!("{{\"body\": {}}}", json_string(body)),
        (None, None) => "{}".to_owned(),
        (Some(_), Some(_)) => return Err("both `event` and `body`".into()),
    };
    let event = parse_proxy_event(&event_text).map_err(|e| format!("bad event: {e}"))?;
    let template = case.section("template").ok_or("no `template` section")?;
    let integration = case.section("integration-response");
    let mut state = ContextState::default();
    if let Some(request_template) = case.section("request-template") {
        render_for_event(engine, "request-template", request_template, &event, None, &mut state)
            .map_err(|e| format!("request template failed:\n{e}"))?;
    }
    let result = render_for_event(engine, &case.name, template, &event, integration, &mut state);
    match (result, case.section("expected"), case.section("error")) {
        (Ok(out), Some(expected), None) => {
            if out != expected {
                return Err(format!(
                    "output differs\n--- expected\n{expected}\n--- actual\n{out}\n---"
                ));
            }
        }
        (Err(e), None, Some(fragment)) => {
            let report = e.to_string();
            if !report.contains(fragment) {
                return Err(format!("error report lacks {fragment:?}:\n{report}"));
            }
        }
        (Ok(out), None, Some(_)) => return Err(format!("expected an error, rendered {out:?}")),
        (Err(e), Some(_), None) => return Err(format!("render failed:\n{e}")),
        _ => return Err("a case needs exactly one of `expected` and `error`".into()),
    }
    if let Some(expected) = case.section("overrides") {
        let actual = describe_overrides(&state);
        if actual.trim_end() != expected.trim_end() {
            return Err(format!(
                "overrides differ\n--- expected\n{expected}\n--- actual\n{actual}---"
            ));
        }
    }
    Ok(())
}

fn json_string(s: &str) -> String {
    let mut out = String::new();
    tollgate_mapping::json::write_json_string(s, &mut out);
    out
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    files.sort();
    files
}

#[test]
fn conformance() {
    let engine = MappingEngine::new();
    let files = case_files();
    let mut failures = Vec::new();
    let mut divergences = 0;
    for file in &files {
        let case = parse_case(file);
        if case.header("source").is_none_or(str::is_empty) {
            failures.push(format!("{}: no `source:` line", case.name));
            continue;
        }
        divergences += usize::from(case.header("divergence").is_some());
        if let Err(message) = run_case(&engine, &case) {
            failures.push(format!("{}: {message}", case.name));
        }
    }
    eprintln!("conformance: {} cases, {} named divergences", files.len(), divergences);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    assert!(
        files.len() >= 80,
        "the suite must hold at least 80 cases, found {}",
        files.len()
    );
}
