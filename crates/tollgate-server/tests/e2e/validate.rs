//! `tollgate validate`, usage errors, and `serve` refusing an invalid file with the same report.

use std::ffi::OsStr;

use crate::harness::{fixture, run};

fn locations(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--> "))
        .map(|at| {
            // Keep `file:line:col` relative to the fixtures folder, whatever the absolute path.
            at.rsplit('/').next().unwrap_or(at).to_owned()
        })
        .collect()
}

#[test]
fn valid_file_exits_0() {
    let (code, stdout, stderr) = run(&[OsStr::new("validate"), fixture("echo.yaml").as_os_str()]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert!(
        stdout.ends_with("echo.yaml: valid for stage dev (0 warnings)\n"),
        "{stdout}"
    );
    assert_eq!(stderr, "");
}

#[test]
fn every_problem_at_once_with_file_line_col() {
    let (code, stdout, stderr) = run(&[OsStr::new("validate"), fixture("invalid.yaml").as_os_str()]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        locations(&stderr),
        ["invalid.yaml:13:15", "invalid.yaml:24:25", "invalid.yaml:33:26"],
        "{stderr}"
    );
    assert!(stderr.contains("error: unknown integration type \"mocky\""), "{stderr}");
    assert!(
        stderr.contains("= at: paths./pets.get.x-amazon-apigateway-integration.type"),
        "the offending key: {stderr}"
    );
    assert!(
        stderr.contains("expected one of mock, http, http_proxy, aws, aws_proxy"),
        "what was expected: {stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("invalid.yaml: 2 errors, 1 warning"),
        "{stderr}"
    );
}

#[test]
fn compile_problems_are_reported_like_import_problems() {
    let (code, _, stderr) = run(&[OsStr::new("validate"), fixture("invalid-compile.yaml").as_os_str()]);
    assert_eq!(code, 1);
    assert_eq!(locations(&stderr), ["invalid-compile.yaml:18:11"], "{stderr}");
    assert!(stderr.contains("invalid selection pattern"), "{stderr}");
}

#[test]
fn serve_refuses_an_invalid_file_with_the_same_report() {
    let (validate_code, _, validate_report) = run(&[OsStr::new("validate"), fixture("invalid.yaml").as_os_str()]);
    let (code, stdout, stderr) = run(&[
        OsStr::new("serve"),
        fixture("invalid.yaml").as_os_str(),
        OsStr::new("--port"),
        OsStr::new("0"),
    ]);
    assert_eq!((validate_code, code), (1, 1));
    assert_eq!(stdout, "", "nothing may be served");
    assert_eq!(locations(&stderr), locations(&validate_report));
    assert!(stderr.contains("tollgate: not serving"), "{stderr}");
}

#[test]
fn unreadable_file_is_an_error_not_a_usage_error() {
    let (code, _, stderr) = run(&[OsStr::new("validate"), OsStr::new("/nonexistent/api.yaml")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read /nonexistent/api.yaml"), "{stderr}");
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        &[][..],
        &["serve"][..],
        &["serve", "api.yaml", "--port", "eighty"],
        &["serve", "api.yaml", "--frobnicate"],
        &["validate"],
        &["launch"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 64, "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains("usage: tollgate"), "{args:?} shows no usage: {stderr}");
    }
}

#[test]
fn help_and_version() {
    let (code, stdout, _) = run(&[OsStr::new("--help")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("serve API_FILE") && stdout.contains("validate API_FILE"));
    let (code, stdout, _) = run(&[OsStr::new("serve"), OsStr::new("-h")]);
    assert_eq!(code, 0);
    for flag in [
        "--stage NAME",
        "--stage-variable KEY=VALUE",
        "--host HOST",
        "--port N",
        "--admin-port N",
        "--access-log-format",
    ] {
        assert!(stdout.contains(flag), "serve --help lacks {flag}");
    }
    let (code, stdout, _) = run(&[OsStr::new("--version")]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("tollgate {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let (code, stdout, stderr) = run(&[OsStr::new("validate"), fixture("warning.yaml").as_os_str()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.ends_with("warning.yaml: valid for stage dev (1 warning)\n"),
        "{stdout}"
    );
    assert_eq!(locations(&stderr), ["warning.yaml:16:26"], "{stderr}");
    assert!(stderr.starts_with("warning: "), "{stderr}");
}
