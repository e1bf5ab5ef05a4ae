//! Lambda integrations through the `tollgate` binary with real runtime clients, no fakes: a Rust function on
//! `lambda_runtime` (examples/lambda_function.rs), a Python function on `awslambdaric` (PyPI) and a Node function
//! on `aws-lambda-ric` (npm), each started by `tollgate serve --function NAME=COMMAND` and spoken to over HTTP.
//! Each echoes the proxy event it received and answers as the request body tells it (tests/functions/proxy.*),
//! so the tests check the event and the response rules (spec §6) end to end, and the non-proxy selection (§5).
//!
//! The Python and Node clients are installed on first use by tollgate-lambda-host's scripts, into
//! `~/.cache/tollgate` (the Node client builds a native part: minutes when cold, nothing when cached).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

pub(crate) fn functions_dir() -> PathBuf {
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

pub(crate) fn quote(path: &str) -> String {
    format!("'{}'", path.replace('\'', "'\\''"))
}

/// `tollgate serve tests/fixtures/lambda.yaml` with the function `name` run by `command`.
pub(crate) fn serve(name: &str, command: &str, extra: &[&str]) -> Server {
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
pub(crate) fn call(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    call_at(server.addr, method, path, headers, body)
}

fn call_at(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
        addr.port(),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    let mut conn = RawConn::connect(addr);
    conn.send(&bytes);
    conn.response().expect("an answer")
}

/// POST `instruction` (a JSON text) to `path`.
pub(crate) fn instruct(server: &Server, path: &str, instruction: &str) -> RawResponse {
    call(
        server,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        instruction.as_bytes(),
    )
}

pub(crate) fn json(response: &RawResponse) -> Value {
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

pub(crate) const INTERNAL_ERROR: &str = r#"{"message": "Internal server error"}"#;

/// The event and the response rules every runtime client must pass through the gateway unchanged.
pub(crate) fn check_proxy_rules(server: &Server, name: &str) {
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
    // The function serves again after it.
    assert_eq!(call(&server, "GET", "/dev/again", &[], b"").status, 200);
}

/// The process that answered (the Rust function's `X-Function-Pid`).
fn pid_of(response: &RawResponse) -> u32 {
    assert_eq!(response.status, 200, "{}", response.body_text());
    response
        .header("x-function-pid")
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no X-Function-Pid in {:?}", response.headers))
}

/// Waits (bounded) until process `pid` has exited: gone, or a zombie its parent has not reaped yet.
pub(crate) fn wait_exited(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command name in parentheses.
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        if stat.is_empty() || state == Some(Some('Z')) {
            return;
        }
        assert!(Instant::now() < deadline, "process {pid} still runs: {stat}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_function_past_its_timeout_is_killed_and_answers_as_lambda() {
    let command = quote(&rust_function().display().to_string());
    let server = serve("rust", &command, &["--function-timeout", "2s"]);
    let first = pid_of(&call(&server, "GET", "/dev/warm", &[], b""));

    // AWS_PROXY: the function's timeout (2 s, inside the 8 s integration timeout) ends the invocation with
    // Lambda's Sandbox.Timedout function error, which API Gateway answers with 502 (Lambda DG,
    // services-apigateway-errors.html); the process is killed.
    let timed_out = instruct(&server, "/dev/long", r#"{"sleep_ms": 6000}"#);
    assert_eq!(
        (timed_out.status, timed_out.body_text().as_str()),
        (502, INTERNAL_ERROR)
    );
    wait_exited(first);
    // The next request gets a new process.
    let second = pid_of(&call(&server, "GET", "/dev/again", &[], b""));
    assert_ne!(first, second);

    // Non-proxy: the timed-out invocation's errorMessage is Lambda's, so a selection pattern can map it.
    let custom = instruct(&server, "/dev/custom", r#"{"sleep_ms": 6000}"#);
    let body = json(&custom);
    assert_eq!(custom.status, 504, "{body}");
    let message = body["timedOut"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("RequestId: ") && message.ends_with(" Error: Task timed out after 2.00 seconds"),
        "{body}"
    );
    assert_eq!(body["type"], "Sandbox.Timedout");
    wait_exited(second);
    assert_ne!(pid_of(&call(&server, "GET", "/dev/after", &[], b"")), second);
}

#[test]
fn a_crashed_function_process_is_replaced() {
    let command = quote(&rust_function().display().to_string());
    let server = serve("rust", &command, &[]);
    let first = pid_of(&call(&server, "GET", "/dev/warm", &[], b""));
    assert_eq!(
        pid_of(&call(&server, "GET", "/dev/warm", &[], b"")),
        first,
        "a warm process is reused"
    );

    // The process exits mid-invocation: Lambda's Runtime.ExitError, a function error, so 502.
    let crashed = instruct(&server, "/dev/crash", r#"{"exit": 3}"#);
    assert_eq!((crashed.status, crashed.body_text().as_str()), (502, INTERNAL_ERROR));
    wait_exited(first);
    let second = pid_of(&call(&server, "GET", "/dev/again", &[], b""));
    assert_ne!(first, second);
}

#[test]
fn function_output_is_logged_with_the_function_and_request_id() {
    let command = quote(&rust_function().display().to_string());
    let server = serve("rust", &command, &[]);
    let marker = format!("log-marker-{}", std::process::id());
    let logged = instruct(&server, "/dev/log", &format!(r#"{{"log": "{marker}"}}"#));
    assert_eq!(logged.status, 200, "{}", logged.body_text());
    let request_id = logged.header("x-function-request-id").unwrap().to_owned();
    assert!(!request_id.is_empty());

    // One log event per line and stream, each tagged with the function and the invocation's request id.
    for line in tagged_log_lines(&server, &marker, "rust") {
        assert!(line.contains(&format!("request_id=\"{request_id}\"")), "{line}");
    }
}

/// Waits (bounded) for one stdout and one stderr log line holding `marker`, checks that each names its stream and
/// `function`, and returns them (stdout's first).
pub(crate) fn tagged_log_lines(server: &Server, marker: &str, function: &str) -> [String; 2] {
    let deadline = Instant::now() + Duration::from_secs(20);
    let lines = loop {
        let lines: Vec<String> = server
            .stderr()
            .lines()
            .filter(|line| line.contains(marker))
            .map(str::to_owned)
            .collect();
        if lines.len() >= 2 || Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(lines.len(), 2, "{lines:#?}");
    ["stdout", "stderr"].map(|stream| {
        let line = lines
            .iter()
            .find(|line| line.contains(&format!("stream=\"{stream}\"")))
            .unwrap_or_else(|| panic!("no {stream} line in {lines:#?}"))
            .clone();
        assert!(line.contains(&format!("function=\"{function}\"")), "{line}");
        line
    })
}

/// Sends `count` requests at once, each on its own connection; returns the answers.
fn concurrently(server: &Server, count: usize, instruction: &str) -> Vec<RawResponse> {
    let addr = server.addr;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|_| {
                scope.spawn(|| {
                    let headers = [("Content-Type", "application/json")];
                    call_at(addr, "POST", "/dev/items", &headers, instruction.as_bytes())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_invocations_get_processes_up_to_the_limit_then_queue() {
    let command = quote(&rust_function().display().to_string());
    let server = serve("rust", &command, &["--function-concurrency", "2"]);
    let answers = concurrently(&server, 6, r#"{"sleep_ms": 500}"#);
    // Six invocations at once, two processes at most: the other four waited in the queue and all succeeded.
    let pids: std::collections::BTreeSet<u32> = answers.iter().map(pid_of).collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
}

#[test]
fn past_the_queue_invocations_are_throttled() {
    let command = quote(&rust_function().display().to_string());
    // One process and no queue: Lambda's own behaviour, a busy function throttles (429 TooManyRequests), which
    // API Gateway answers with 500 (Lambda DG, services-apigateway-errors.html: "If the Lambda API rejects the
    // invocation request, API Gateway returns a 500 error code").
    let server = serve(
        "rust",
        &command,
        &["--function-concurrency", "1", "--function-queue", "0"],
    );
    let warm = pid_of(&call(&server, "GET", "/dev/warm", &[], b""));
    let answers = concurrently(&server, 4, r#"{"sleep_ms": 1500}"#);
    let served: Vec<u32> = answers.iter().filter(|a| a.status == 200).map(pid_of).collect();
    let throttled = answers
        .iter()
        .filter(|a| (a.status, a.body_text().as_str()) == (500, INTERNAL_ERROR))
        .count();
    assert_eq!(
        served.len() + throttled,
        4,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert!(
        !served.is_empty() && throttled > 0,
        "served {served:?}, throttled {throttled}"
    );
    assert!(served.iter().all(|&pid| pid == warm), "{served:?} vs {warm}");
    server.wait_stderr("TooManyRequestsException");
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
    let (_held, refused) = crate::harness::refused_address();
    let endpoint = format!("http://{refused}");
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

/// One request Lambda's `Invoke` API received.
#[derive(Debug, Clone)]
struct Received {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A Lambda-compatible endpoint on loopback for `AWS_ENDPOINT_URL`, answering `Invoke` as Lambda does
/// (API_Invoke.html: 200 with the function's payload, `X-Amz-Function-Error: Unhandled` when it failed,
/// `X-Amz-Executed-Version`). A function named `failing` fails; every other returns a fixed proxy response.
struct LambdaEndpoint {
    addr: std::net::SocketAddr,
    received: std::sync::mpsc::Receiver<Received>,
}

impl LambdaEndpoint {
    fn start() -> LambdaEndpoint {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (sender, received) = std::sync::mpsc::channel();
        // Serves until the test ends (the thread is detached; the listener dies with the test process).
        std::thread::spawn(move || {
            for stream in listener.incoming().take(64) {
                let Ok(stream) = stream else { return };
                let sender = sender.clone();
                std::thread::spawn(move || serve_invoke(stream, &sender));
            }
        });
        LambdaEndpoint { addr, received }
    }

    fn next(&self) -> Received {
        self.received
            .recv_timeout(Duration::from_secs(20))
            .expect("the gateway called Lambda's Invoke")
    }
}

fn serve_invoke(stream: std::net::TcpStream, sender: &std::sync::mpsc::Sender<Received>) {
    use std::io::{BufRead, Read, Write};
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = std::io::BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let received = Received {
            request_line: request_line.trim_end().to_owned(),
            headers,
            body,
        };
        let (extra, payload) = if received.request_line.contains("function%3Afailing/") {
            (
                "X-Amz-Function-Error: Unhandled\r\n",
                r#"{"errorType":"Error","errorMessage":"boom"}"#,
            )
        } else {
            (
                "",
                r#"{"statusCode": 203, "headers": {"X-From": "lambda"}, "body": "from the Lambda endpoint"}"#,
            )
        };
        let _ = sender.send(received);
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\n\
             x-amzn-RequestId: 5a7e1b0c-0000-4000-8000-000000000000\r\n{extra}Content-Length: {}\r\n\r\n{payload}",
            payload.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn other_functions_are_invoked_at_the_aws_endpoint() {
    // `AWS_ENDPOINT_URL` and the standard configuration: the function (in eu-west-1 by its ARN, named per
    // request from the path) is not local, so the gateway calls Lambda's Invoke, signed for eu-west-1.
    let lambda = LambdaEndpoint::start();
    let endpoint = format!("http://{}", lambda.addr);
    let command = quote(&rust_function().display().to_string());
    let function = format!("rust={command}");
    let server = Server::start_with_env(
        &fixture("lambda.yaml"),
        &["--stage", "dev", "--function", &function, "--stage-variable", "fn=rust"],
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDTOLLGATETEST"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let answer = instruct(&server, "/dev/remote/greeter", r#"{"hi": 1}"#);
    assert_eq!(
        (answer.status, answer.body_text().as_str()),
        (203, "from the Lambda endpoint")
    );
    assert_eq!(answer.header("x-from"), Some("lambda"));
    let invoke = lambda.next();
    assert_eq!(
        invoke.request_line,
        "POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Agreeter/invocations HTTP/1.1"
    );
    let authorization = invoke.header("authorization").unwrap_or_default();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTOLLGATETEST/")
            && authorization.contains("/eu-west-1/lambda/aws4_request"),
        "{authorization}"
    );
    assert_ne!(invoke.header("x-amz-invocation-type"), Some("Event"));
    let event: Value = serde_json::from_slice(&invoke.body).unwrap();
    assert_eq!(event["resource"], "/remote/{name}");
    assert_eq!(event["pathParameters"]["name"], "greeter");
    assert_eq!(event["body"], r#"{"hi": 1}"#);
    assert_eq!(event["requestContext"]["stage"], "dev");

    // A function error reported by Lambda (`X-Amz-Function-Error`) is a 502, as for a local function.
    let failed = instruct(&server, "/dev/remote/failing", "{}");
    assert_eq!((failed.status, failed.body_text().as_str()), (502, INTERNAL_ERROR));
    assert!(lambda.next().request_line.contains("function%3Afailing/"));
    // The local function is unaffected, and runs in the region of the AWS configuration.
    let local = call(&server, "GET", "/dev/here", &[], b"");
    assert_eq!(local.status, 200);
    assert_eq!(local.header("x-function-region"), Some("eu-central-1"));
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
