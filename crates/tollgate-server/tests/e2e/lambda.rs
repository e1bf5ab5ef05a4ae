//! Lambda integrations through the `tollgate` binary with real runtime clients, no fakes: a Rust function on
//! `lambda_runtime` (examples/lambda_function.rs), a Python function on `awslambdaric` (PyPI) and a Node function
//! on `aws-lambda-ric` (npm), each started by `tollgate serve --function NAME=COMMAND` and spoken to over HTTP.
//! Each echoes the proxy event it received and answers as the request body tells it (tests/functions/proxy.*),
//! so the tests check the event and the response rules (spec §6) end to end, and the non-proxy selection (§5).
//!
//! The Python and Node clients are installed on first use by tollgate-lambda-host's scripts, into
//! `~/.cache/tollgate` (the Node client builds a native part: minutes when cold, nothing when cached).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::harness::{Server, fixture, run};
use crate::raw::{RawConn, RawResponse};

/// The Rust function (`cargo test` builds the examples; built here if missing).
fn rust_function() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap();
        let path = profile_dir.join("examples").join("lambda_function");
        if !path.is_file() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args(["build", "-p", "tollgate-server", "--example", "lambda_function"])
                .status()
                .unwrap();
            assert!(status.success(), "building the lambda_function example failed");
        }
        assert!(path.is_file(), "{} is missing", path.display());
        path
    })
}

fn functions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functions")
}

/// Runs one of tollgate-lambda-host's install scripts and returns what it prints (the installed command).
fn installed(script: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tollgate-lambda-host/tests/functions")
        .join(script);
    let output = Command::new(&path).output().unwrap();
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn quote(path: &str) -> String {
    format!("'{}'", path.replace('\'', "'\\''"))
}

/// `tollgate serve tests/fixtures/lambda.yaml` with the function `name` run by `command`.
fn serve(name: &str, command: &str, extra: &[&str]) -> Server {
    let function = format!("{name}={command}");
    let stage_variable = format!("fn={name}");
    let mut args = vec![
        "--stage",
        "dev",
        "--function",
        &function,
        "--stage-variable",
        &stage_variable,
    ];
    args.extend_from_slice(extra);
    Server::start(&fixture("lambda.yaml"), &args)
}

/// One request on a fresh connection.
fn call(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
        server.addr.port(),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    let mut conn = RawConn::connect(server.addr);
    conn.send(&bytes);
    conn.response().expect("an answer")
}

/// POST `instruction` (a JSON text) to `path`.
fn instruct(server: &Server, path: &str, instruction: &str) -> RawResponse {
    call(
        server,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        instruction.as_bytes(),
    )
}

fn json(response: &RawResponse) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {:?} ({})", response.body_text(), response.status))
}

fn values<'r>(response: &'r RawResponse, name: &str) -> Vec<&'r str> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

const INTERNAL_ERROR: &str = r#"{"message": "Internal server error"}"#;

/// The event and the response rules every runtime client must pass through the gateway unchanged.
fn check_proxy_rules(server: &Server, name: &str) {
    // The event: client header case, AWS's added headers, query maps, path parameter, body, request context.
    let echoed = call(
        server,
        "POST",
        "/dev/items/42?tag=a&tag=b&q=x+y",
        &[("X-Custom-Case", "Kept"), ("Content-Type", "application/json")],
        br#"{"hello": "world"}"#,
    );
    assert_eq!(echoed.status, 200, "{}", echoed.body_text());
    let event = json(&echoed);
    assert_eq!(event["resource"], "/{proxy+}");
    assert_eq!(event["path"], "/items/42");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["pathParameters"]["proxy"], "items/42");
    assert_eq!(event["stageVariables"]["fn"], name);
    assert_eq!(event["headers"]["X-Custom-Case"], "Kept");
    assert_eq!(event["multiValueHeaders"]["X-Custom-Case"][0], "Kept");
    assert!(event["headers"].get("Content-Length").is_none(), "{event}");
    assert_eq!(event["headers"]["X-Forwarded-For"], "127.0.0.1");
    assert_eq!(event["headers"]["X-Forwarded-Proto"], "http");
    assert_eq!(event["headers"]["X-Forwarded-Port"], server.addr.port().to_string());
    assert_eq!(
        event["headers"]["X-Amzn-Trace-Id"].as_str(),
        echoed.header("x-amzn-trace-id")
    );
    assert_eq!(event["queryStringParameters"]["tag"], "b");
    assert_eq!(event["queryStringParameters"]["q"], "x y");
    assert_eq!(
        event["multiValueQueryStringParameters"]["tag"],
        serde_json::json!(["a", "b"])
    );
    assert_eq!(event["body"], r#"{"hello": "world"}"#);
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(
        event["requestContext"]["requestId"].as_str(),
        echoed.header("x-amzn-requestid")
    );
    assert_eq!(event["requestContext"]["stage"], "dev");
    assert_eq!(event["requestContext"]["path"], "/dev/items/42");
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(echoed.header("content-type"), Some("application/json"));

    // A body of a binary media type reaches the function base64-encoded.
    let binary = call(
        server,
        "PUT",
        "/dev/upload",
        &[("Content-Type", "image/png")],
        &[0x89, b'P', b'N', b'G', 0x00, 0xff],
    );
    let event = json(&binary);
    assert_eq!(
        (event["body"].as_str(), event["isBase64Encoded"].as_bool()),
        (Some("iVBORwD/"), Some(true))
    );

    // Status, headers and multiValueHeaders (one line per value) from the answer.
    let created = instruct(
        server,
        "/dev/things",
        r#"{"respond": {"statusCode": 201, "headers": {"X-One": "1", "Content-Type": "text/plain"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "created"}}"#,
    );
    assert_eq!(created.status, 201);
    assert_eq!(created.body_text(), "created");
    assert_eq!(created.header("x-one"), Some("1"));
    assert_eq!(created.header("content-type"), Some("text/plain"));
    assert_eq!(values(&created, "set-cookie"), ["a=1", "b=2"]);
    assert!(created.header("x-amzn-trace-id").is_some());

    // A base64 body is decoded only for an Accept in binaryMediaTypes.
    let png = r#"{"respond": {"statusCode": 200, "isBase64Encoded": true, "body": "iVBORw==",
        "headers": {"Content-Type": "image/png"}}}"#;
    let bytes = call(
        server,
        "POST",
        "/dev/pixel",
        &[("Accept", "image/png"), ("Content-Type", "application/json")],
        png.as_bytes(),
    );
    assert_eq!((bytes.status, &bytes.body[..]), (200, &[0x89, b'P', b'N', b'G'][..]));
    let text = call(
        server,
        "POST",
        "/dev/pixel",
        &[("Accept", "*/*"), ("Content-Type", "application/json")],
        png.as_bytes(),
    );
    assert_eq!((text.status, text.body_text().as_str()), (200, "iVBORw=="));

    // An answer of the wrong shape, and a function error, are 502.
    let bad = instruct(server, "/dev/bad", r#"{"respond": {"statusCode": 200, "extra": 1}}"#);
    assert_eq!((bad.status, bad.body_text().as_str()), (502, INTERNAL_ERROR));
    let failed = instruct(server, "/dev/fail", r#"{"error": "boom"}"#);
    assert_eq!((failed.status, failed.body_text().as_str()), (502, INTERNAL_ERROR));
    assert_eq!(failed.header("x-amzn-errortype"), Some("InternalServerErrorException"));

    // Non-proxy (type AWS): the template's output is the event; errors are selected by errorMessage.
    let ok = instruct(server, "/dev/custom", r#"{"name": "Ada"}"#);
    assert_eq!(
        (ok.status, json(&ok)),
        (200, serde_json::json!({"echoed": {"name": "Ada"}}))
    );
    let refused = instruct(server, "/dev/custom", r#"{"error": "Bad request: no name"}"#);
    assert_eq!(
        (refused.status, json(&refused)),
        (400, serde_json::json!({"error": "Bad request: no name"}))
    );
    // AWS: an error no pattern matches takes the default response (DG/handle-errors-in-lambda-integration.html).
    let unmatched = instruct(server, "/dev/custom", r#"{"error": "something else"}"#);
    assert_eq!(unmatched.status, 200);
    assert_eq!(json(&unmatched)["echoed"]["errorMessage"], "something else");
}

#[test]
fn rust_function_on_lambda_runtime() {
    let command = quote(&rust_function().display().to_string());
    let server = serve("rust", &command, &["--function-timeout", "2s"]);
    check_proxy_rules(&server, "rust");

    // The integration timeout (1 s on /quick) bounds the invocation: 504.
    let slow = instruct(&server, "/dev/quick", r#"{"sleep_ms": 2500}"#);
    assert_eq!(
        (slow.status, slow.body_text().as_str()),
        (504, r#"{"message": "Endpoint request timed out"}"#)
    );
    // The function's own timeout (--function-timeout 2s) ends it with Sandbox.Timedout, a function error: 502.
    let timed_out = instruct(&server, "/dev/long", r#"{"sleep_ms": 3000}"#);
    assert_eq!(
        (timed_out.status, timed_out.body_text().as_str()),
        (502, INTERNAL_ERROR)
    );
    // The function serves again after both.
    assert_eq!(call(&server, "GET", "/dev/again", &[], b"").status, 200);
}

#[test]
fn python_function_on_awslambdaric() {
    let python = installed("python/setup-awslambdaric");
    let command = format!(
        "cd {} && exec {} -m awslambdaric proxy.handler",
        quote(&functions_dir().display().to_string()),
        quote(&python)
    );
    let server = serve("python", &command, &[]);
    check_proxy_rules(&server, "python");
}

#[test]
fn node_function_on_aws_lambda_ric() {
    let ric = installed("node/setup-aws-lambda-ric");
    let command = format!(
        "cd {} && exec {} proxy.handler",
        quote(&functions_dir().display().to_string()),
        quote(&ric)
    );
    let server = serve("node", &command, &[]);
    check_proxy_rules(&server, "node");
}

#[test]
fn other_functions_are_invoked_in_aws() {
    // A Lambda endpoint that refuses connections: the function `not-local` is not served locally, so the
    // gateway calls Lambda's Invoke there and answers the failed invocation with 500 (Lambda DG,
    // services-apigateway-errors.html), while the local function keeps serving.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", refused.local_addr().unwrap());
    drop(refused);
    let command = quote(&rust_function().display().to_string());
    let function = format!("rust={command}");
    let server = Server::start_with_env(
        &fixture("lambda.yaml"),
        &["--stage", "dev", "--function", &function, "--stage-variable", "fn=rust"],
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let remote = call(&server, "GET", "/dev/elsewhere", &[], b"");
    assert_eq!((remote.status, remote.body_text().as_str()), (500, INTERNAL_ERROR));
    server.wait_stderr("not-local");
    assert_eq!(call(&server, "GET", "/dev/here", &[], b"").status, 200);
}

#[test]
fn a_bad_function_flag_is_a_usage_error() {
    let api = fixture("lambda.yaml");
    let (code, _, stderr) = run(&[
        "serve".as_ref(),
        api.as_os_str(),
        "--function".as_ref(),
        "no-command=".as_ref(),
    ]);
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("function `no-command` has an empty command"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "serve".as_ref(),
        api.as_os_str(),
        "--function".as_ref(),
        "f=a".as_ref(),
        "--function".as_ref(),
        "f=b".as_ref(),
    ]);
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains('f'), "{stderr}");
}
