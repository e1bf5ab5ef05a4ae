//! End-to-end tests of `tollgate render`: the built binary on the fixture files under `tests/render/fixtures`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/render/fixtures")
        .join(name)
}

fn tollgate(args: &[&str]) -> Output {
    let fixtures = fixture("");
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(fixtures)
        .args(args)
        .output()
        .expect("the tollgate binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn request_template_stdout_is_exactly_the_rendered_bytes() {
    let out = tollgate(&["render", "request.vm", "--event", "sam-event.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, std::fs::read(fixture("request.expected")).unwrap());
    assert_eq!(stderr(&out), "", "no overrides, nothing on stderr");
}

#[test]
fn stage_variable_flag_wins_over_the_event() {
    let out = tollgate(&[
        "render",
        "request.vm",
        "--event",
        "sam-event.json",
        "--stage-variable",
        "env=ci",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""env": "ci""#), "{text}");
}

#[test]
fn response_template_reads_the_integration_response_and_reports_overrides() {
    let out = tollgate(&[
        "render",
        "response.vm",
        "--event",
        "sam-event.json",
        "--integration-response",
        "integration-error.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, std::fs::read(fixture("response.expected")).unwrap());
    assert_eq!(
        stderr(&out),
        "tollgate render: overrides set by the template:\n\
         responseOverride.status = 404\n\
         responseOverride.header.X-Reason = no such user\n"
    );
}

#[test]
fn template_errors_point_at_file_line_col() {
    let out = tollgate(&["render", "bad-path.vm", "--event", "sam-event.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad-path.vm:2:15"), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid JSONPath"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    let out = tollgate(&["render", "bad-syntax.vm", "--event", "sam-event.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad-syntax.vm:1:"), "{}", stderr(&out));

    let out = tollgate(&["render", "bad-render.vm", "--event", "sam-event.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad-render.vm:1:7"), "{}", stderr(&out));
    assert!(stderr(&out).contains("urlDecode"), "{}", stderr(&out));
}

#[test]
fn event_errors_point_at_file_line_col() {
    let out = tollgate(&["render", "request.vm", "--event", "bad-event.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "bad-event.json:2:11: the event is not JSON: expected a JSON value\n"
    );
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        &["render"][..],
        &["render", "request.vm"],
        &["render", "request.vm", "--event"],
        &["render", "request.vm", "--event", "sam-event.json", "--bogus"],
        &[
            "render",
            "request.vm",
            "--event",
            "sam-event.json",
            "--stage-variable",
            "novalue",
        ],
        &["render", "a.vm", "b.vm", "--event", "sam-event.json"],
    ] {
        let out = tollgate(args);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("usage: tollgate render TEMPLATE"), "{args:?}");
    }
    let out = tollgate(&["render", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: tollgate render"));
}

#[test]
fn unreadable_files_exit_1() {
    let out = tollgate(&["render", "missing.vm", "--event", "sam-event.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("tollgate render: cannot read missing.vm"),
        "{}",
        stderr(&out)
    );
}
