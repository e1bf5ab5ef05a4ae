//! Tollgate's own runtime clients (`tollgate runtime node|python HANDLER`: src/runtime.rs, runtimes/*), end to
//! end through `tollgate serve`: the same handler files the official clients run in lambda.rs
//! (tests/functions/proxy.*), and the handler styles, context, error documents, init errors and timeouts of
//! tests/functions/lean/. Error documents are checked through the non-proxy route `/custom`, whose default
//! response echoes the function's error document as it was posted: the formats are those of AWS's official
//! clients (aws/aws-lambda-nodejs-runtime-interface-client src/Errors.js `toRapidResponse`:
//! `{errorType, errorMessage, trace}`; aws/aws-lambda-python-runtime-interface-client awslambdaric/bootstrap.py
//! `make_error`: `{errorMessage, errorType, requestId, stackTrace}`).
//!
//! Each test needs its interpreter (`node`, `python3`); where it is not installed the test says so and returns.

use std::process::Command;

use serde_json::{Value, json as j};

use crate::harness::{Server, bin};
use crate::lambda::{
    INTERNAL_ERROR, call, check_proxy_rules, functions_dir, instruct, json, quote, serve, tagged_log_lines,
};
use crate::raw::RawResponse;

/// Whether `interpreter` runs here; says why not when it does not.
fn have(interpreter: &str) -> bool {
    match Command::new(interpreter).arg("--version").output() {
        Ok(output) if output.status.success() => true,
        Ok(output) => {
            eprintln!("skipping: `{interpreter} --version` failed ({})", output.status);
            false
        }
        Err(err) => {
            eprintln!("skipping: `{interpreter}` is not installed ({err})");
            false
        }
    }
}

/// The `--function` command running `handler` (from tests/functions) on `tollgate runtime LANGUAGE`.
fn lean(language: &str, handler: &str) -> String {
    format!(
        "cd {} && exec {} runtime {language} {handler}",
        quote(&functions_dir().display().to_string()),
        quote(bin())
    )
}

fn get(server: &Server, path: &str) -> RawResponse {
    call(server, "GET", path, &[], b"")
}

/// GET `path` behind AWS_PROXY: 200, the body parsed as JSON.
fn value(server: &Server, path: &str) -> Value {
    let response = get(server, path);
    assert_eq!(response.status, 200, "{path}: {}", response.body_text());
    json(&response)
}

/// The non-proxy route with `event`: what the function answered (or the error document it posted).
fn custom(server: &Server, event: &Value) -> Value {
    let response = instruct(server, "/dev/custom", &event.to_string());
    assert_eq!(response.status, 200, "{event}: {}", response.body_text());
    json(&response)["echoed"].take()
}

fn action(server: &Server, action: &str) -> Value {
    custom(server, &j!({ "action": action }))
}

/// An error document of the Node client: type, message, and the trace's first line.
fn node_error(document: &Value) -> (&str, &str, &str) {
    assert_eq!(
        document.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "errorType".to_owned(),
            "errorMessage".to_owned(),
            "trace".to_owned()
        ]),
        "{document}"
    );
    (
        document["errorType"].as_str().unwrap(),
        document["errorMessage"].as_str().unwrap(),
        document["trace"][0].as_str().unwrap_or(""),
    )
}

#[test]
fn node_proxy_rules_on_tollgate_runtime() {
    if !have("node") {
        return;
    }
    // The very handler file lambda.rs runs on aws-lambda-ric.
    let server = serve("node", &lean("node", "proxy.handler"), &[]);
    check_proxy_rules(&server, "node");
}

#[test]
fn python_proxy_rules_on_tollgate_runtime() {
    if !have("python3") {
        return;
    }
    // The very handler file lambda.rs runs on awslambdaric.
    let server = serve("python", &lean("python", "proxy.handler"), &[]);
    check_proxy_rules(&server, "python");
}

/// The Node client's answer reader alone, over reads split at every offset (tests/clients/node_answers.js).
#[test]
fn node_answer_reader_over_split_reads() {
    if !have("node") {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("node")
        .arg(root.join("tests/clients/node_answers.js"))
        .arg(root.join("runtimes/node.js"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("every answer whole, in order"),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `tests/functions/proxy.*` served on each of Tollgate's runtime clients whose interpreter is installed.
fn proxy_servers() -> impl Iterator<Item = (&'static str, Server)> {
    [("node", "node"), ("python", "python3")]
        .into_iter()
        .filter(|(_, interpreter)| have(interpreter))
        .map(|(language, _)| (language, serve(language, &lean(language, "proxy.handler"), &[])))
}

/// POST `body` as text/plain to the proxy route `/items/big`.
fn post_text(server: &Server, body: &str) -> RawResponse {
    call(
        server,
        "POST",
        "/dev/items/big",
        &[("Content-Type", "text/plain")],
        body.as_bytes(),
    )
}

/// An event of megabytes reaches the client in many reads (the Node client parses answers in its one read buffer
/// and holds the rest of an incomplete one in a buffer that grows), and two events of different sizes follow each
/// other on the same connection; each answer carries its own event back whole.
#[test]
fn large_events_arrive_whole() {
    for (language, server) in proxy_servers() {
        // ≈ 2.4 MB: under Lambda's 6 MB payload limit with its echo.
        let large: String = (0..300_000).map(|i| format!("{i:07} ")).collect();
        for body in [large.as_str(), "small", large.as_str()] {
            let echoed = post_text(&server, body);
            assert_eq!(echoed.status, 200, "{language}: {}", echoed.body_text());
            let event = json(&echoed);
            assert_eq!(event["body"].as_str().map(str::len), Some(body.len()), "{language}");
            assert_eq!(event["body"], body, "{language}");
        }
    }
}

/// An answer over Lambda's 6 MB response limit is refused (the Runtime API answers 413 and closes the
/// connection; the gateway answers 502) and the client goes on, on a new connection, with the next event.
#[test]
fn an_oversized_answer_is_refused_and_the_client_goes_on() {
    for (language, server) in proxy_servers() {
        // 2 M quotes: ≈ 4 MB in the event, ≈ 8 MB in the echo's body escaped once more.
        let quotes = "\"".repeat(2_000_000);
        let refused = post_text(&server, &quotes);
        assert_eq!(
            (refused.status, refused.body_text().as_str()),
            (502, INTERNAL_ERROR),
            "{language}"
        );
        for round in 0..2 {
            let answered = instruct(
                &server,
                "/dev/items/small",
                &j!({"respond": {"statusCode": 200, "body": round.to_string()}}).to_string(),
            );
            assert_eq!(
                (answered.status, answered.body_text()),
                (200, round.to_string()),
                "{language}"
            );
        }
    }
}

/// The clients as on AWS Lambda: without `TOLLGATE_RUNTIME_API_PIPELINING=1` each request waits for the previous
/// answer (the result's 202, then `GET …/next`), and the same rules hold.
fn unpipelined(language: &str, handler: &str) -> String {
    format!("export TOLLGATE_RUNTIME_API_PIPELINING=0; {}", lean(language, handler))
}

#[test]
fn node_proxy_rules_without_pipelining() {
    if !have("node") {
        return;
    }
    let server = serve("node", &unpipelined("node", "proxy.handler"), &[]);
    check_proxy_rules(&server, "node");
}

#[test]
fn python_proxy_rules_without_pipelining() {
    if !have("python3") {
        return;
    }
    let server = serve("python", &unpipelined("python", "proxy.handler"), &[]);
    check_proxy_rules(&server, "python");
}

#[test]
fn node_handler_styles() {
    if !have("node") {
        return;
    }
    let server = serve("styles", &lean("node", "lean/styles.handler"), &[]);
    assert_eq!(value(&server, "/dev/callback"), j!({"style": "callback"}));
    // callbackWaitsForEmptyEventLoop (true by default): the answer waited for the handler's 30 ms timer, which
    // had run when the next invocation came to the same process.
    assert_eq!(value(&server, "/dev/callback-waits"), j!({"timerRan": true}));
    assert_eq!(value(&server, "/dev/promise"), j!({"style": "promise"}));
    assert_eq!(value(&server, "/dev/succeed"), j!({"style": "succeed"}));

    // Function errors: API Gateway answers an AWS_PROXY function error with 502.
    for path in [
        "callback-error",
        "callback-string",
        "reject",
        "fail",
        "throw",
        "circular",
        "nothing",
    ] {
        let failed = get(&server, &format!("/dev/{path}"));
        assert_eq!(
            (failed.status, failed.body_text().as_str()),
            (502, INTERNAL_ERROR),
            "{path}"
        );
    }

    // The documents, as Errors.js `toRapidResponse` builds them.
    for (name, message) in [
        ("callback-error", "callback failed"),
        ("reject", "rejected"),
        ("fail", "context.fail"),
        ("throw", "thrown"),
    ] {
        let document = action(&server, name);
        assert_eq!(
            node_error(&document),
            ("TestError", message, format!("TestError: {message}").as_str()),
            "{name}"
        );
        assert!(
            document["trace"][1].as_str().unwrap().contains("lean/styles.js:"),
            "{document}"
        );
    }
    // Not an Error: the type is `typeof`, no trace.
    assert_eq!(
        action(&server, "callback-string"),
        j!({"errorType": "string", "errorMessage": "plain words", "trace": []})
    );
    // A result JSON.stringify refuses (RAPIDClient.js `_trySerializeResponse`).
    let circular = action(&server, "circular");
    assert_eq!(
        node_error(&circular),
        (
            "Error",
            "Unable to stringify response body",
            "Error: Unable to stringify response body"
        )
    );
    // No callback, no promise: null once the event loop is empty (Runtime.js, the default exit listener).
    assert_eq!(action(&server, "nothing"), Value::Null);
    assert_eq!(action(&server, "promise"), j!({"style": "promise"}));
}

#[test]
fn node_context_and_logs() {
    if !have("node") {
        return;
    }
    let server = serve("styles", &lean("node", "lean/styles.handler"), &[]);
    let response = get(&server, "/dev/context");
    assert_eq!(response.status, 200, "{}", response.body_text());
    let context = json(&response);
    let request_id = context["awsRequestId"].as_str().unwrap();
    assert_eq!(request_id.len(), 36, "{context}");
    assert_eq!(context["functionName"], "styles");
    assert_eq!(context["functionVersion"], "$LATEST");
    assert_eq!(context["memoryLimitInMB"], "128");
    assert_eq!(context["logGroupName"], "/aws/lambda/styles");
    assert!(!context["logStreamName"].as_str().unwrap().is_empty(), "{context}");
    let arn = context["invokedFunctionArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:lambda:") && arn.ends_with(":123456789012:function:styles"),
        "{arn}"
    );
    let remaining = context["remaining"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 3000, "{remaining}");
    assert_eq!(context["callbackWaitsForEmptyEventLoop"], true);
    // No Cognito identity or client context header from API Gateway: undefined, as in the official client.
    assert_eq!(
        (&context["identity"], &context["clientContext"]),
        (&j!("undefined"), &j!("undefined"))
    );
    // Lambda-Runtime-Trace-Id → _X_AMZN_TRACE_ID: the trace API Gateway answered with.
    let root = response.header("x-amzn-trace-id").unwrap().to_owned();
    let trace = context["traceId"].as_str().unwrap();
    assert!(trace.contains(root.trim_start_matches("Root=")), "{trace} vs {root}");
    assert_eq!(context["env"]["AWS_LAMBDA_RUNTIME_API"], true);

    // node runs with the flags of AWS's Node.js bootstrap, its heap sized from the 128 MB memory size.
    assert_eq!(
        action(&server, "node-flags"),
        j!({
            "execArgv": ["--expose-gc", "--max-http-header-size", "81920", "--max-semi-space-size=6",
                "--max-old-space-size=116"],
            "gc": "function"
        })
    );

    // The client keeps _X_AMZN_TRACE_ID out of glibc's environment (setenv keeps every value it was given) but
    // every JavaScript way of reading the environment, and a child process, still sees this invocation's trace,
    // also after the handler set the variable itself.
    for _ in 0..2 {
        let (seen, read) = trace_variable(&server);
        assert_eq!(
            seen,
            j!({"read": read, "has": true, "listed": 1, "copied": read, "child": read})
        );
    }

    // console.log and console.error reach the host's log, tagged with the function and the request.
    let marker = format!("lean-marker-{}", std::process::id());
    let logged = call(&server, "POST", "/dev/log", &[], marker.as_bytes());
    assert_eq!(logged.status, 200, "{}", logged.body_text());
    wait_for_lines(&server, &marker, "styles");
}

/// Waits (bounded) for one stdout and one stderr log line holding `marker`, each tagged with `function` and a
/// request id.
/// `/dev/trace-variable`'s answer, and the trace it read, checked against the trace the gateway answered with.
fn trace_variable(server: &Server) -> (Value, String) {
    let traced = get(server, "/dev/trace-variable");
    assert_eq!(traced.status, 200, "{}", traced.body_text());
    let root = traced
        .header("x-amzn-trace-id")
        .unwrap()
        .trim_start_matches("Root=")
        .to_owned();
    let seen = json(&traced);
    let read = seen["read"].as_str().unwrap().to_owned();
    assert!(read.contains(&root), "{read} vs {root}");
    (seen, read)
}

fn wait_for_lines(server: &Server, marker: &str, function: &str) {
    let [stdout, stderr] = tagged_log_lines(server, marker, function);
    for (stream, line) in [("stdout", stdout), ("stderr", stderr)] {
        assert!(line.contains(&format!("{stream} {marker}")), "{line}");
        assert!(!line.contains("request_id=\"\""), "{line}");
    }
}

#[test]
fn node_module_forms() {
    if !have("node") {
        return;
    }
    // An ES module (dynamic import), named by _HANDLER instead of the argument.
    let dir = quote(&functions_dir().display().to_string());
    let command = format!(
        "cd {dir} && _HANDLER=lean/esm.handler exec {} runtime node",
        quote(bin())
    );
    let server = serve("esm", &command, &[]);
    assert_eq!(
        value(&server, "/dev/x"),
        j!({"module": "esm", "path": "/x", "functionName": "esm"})
    );
    drop(server);
    // A nested export path.
    let server = serve("nested", &lean("node", "lean/styles.nested.deeper.handler"), &[]);
    let nested = get(&server, "/dev/deep");
    assert_eq!((nested.status, nested.body_text().as_str()), (200, "nested /deep"));
}

/// Serves `handler` (which cannot load) and returns the init error document, after checking the proxy answer.
fn init_error(language: &str, handler: &str) -> Value {
    let server = serve("broken", &lean(language, handler), &[]);
    let failed = get(&server, "/dev/x");
    assert_eq!(
        (failed.status, failed.body_text().as_str()),
        (502, INTERNAL_ERROR),
        "{handler}"
    );
    // The process exited; a new one fails the same way, and its document is echoed by the non-proxy route.
    custom(&server, &j!({}))
}

#[test]
fn node_init_errors() {
    if !have("node") {
        return;
    }
    // UserFunction.js: the errors of a handler that cannot be loaded, posted to /runtime/init/error.
    let missing = init_error("node", "lean/missing.handler");
    let (kind, message, first) = node_error(&missing);
    assert_eq!(kind, "Runtime.ImportModuleError");
    assert!(message.starts_with("Error: Cannot find module 'missing'"), "{message}");
    assert!(
        first.starts_with("Runtime.ImportModuleError: Error: Cannot find module"),
        "{first}"
    );
    let not_found = init_error("node", "lean/styles.nope");
    assert_eq!(
        (node_error(&not_found).0, node_error(&not_found).1),
        (
            "Runtime.HandlerNotFound",
            "lean/styles.nope is undefined or not exported"
        )
    );
    let not_function = init_error("node", "lean/styles.notAFunction");
    assert_eq!(
        node_error(&not_function).1,
        "lean/styles.notAFunction is not a function"
    );
    let thrown = init_error("node", "lean/broken.handler");
    assert_eq!(
        node_error(&thrown),
        ("TypeError", "configuration missing", "TypeError: configuration missing")
    );
    let malformed = init_error("node", "nodots");
    assert_eq!(
        (node_error(&malformed).0, node_error(&malformed).1),
        ("Runtime.MalformedHandlerName", "Bad handler")
    );
}

#[test]
fn python_handler_context_and_errors() {
    if !have("python3") {
        return;
    }
    let server = serve("styles", &lean("python", "lean.styles.handler"), &[]);
    let response = get(&server, "/dev/context");
    assert_eq!(response.status, 200, "{}", response.body_text());
    let context = json(&response);
    assert_eq!(context["aws_request_id"].as_str().map(str::len), Some(36), "{context}");
    assert_eq!(context["function_name"], "styles");
    assert_eq!(context["function_version"], "$LATEST");
    assert_eq!(context["memory_limit_in_mb"], "128");
    assert_eq!(context["log_group_name"], "/aws/lambda/styles");
    assert!(!context["log_stream_name"].as_str().unwrap().is_empty(), "{context}");
    assert!(
        context["invoked_function_arn"]
            .as_str()
            .unwrap()
            .ends_with(":123456789012:function:styles"),
        "{context}"
    );
    let remaining = context["remaining"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 3000, "{remaining}");
    assert_eq!(
        (&context["identity_id"], &context["client_context"]),
        (&Value::Null, &Value::Null)
    );
    let root = response.header("x-amzn-trace-id").unwrap().to_owned();
    let trace = context["trace_id"].as_str().unwrap();
    assert!(trace.contains(root.trim_start_matches("Root=")), "{trace} vs {root}");
    // The client rewrites the variable in place instead of through setenv(3), which keeps every value it was
    // given; Python and a child process see this invocation's trace, also after the handler set it itself.
    for _ in 0..2 {
        let (seen, read) = trace_variable(&server);
        assert_eq!(seen, j!({"read": read, "getenv": read, "child": read}));
    }

    // An exception: bootstrap.py `make_error`, the traceback from the handler's frame on.
    let raised = get(&server, "/dev/raise");
    assert_eq!((raised.status, raised.body_text().as_str()), (502, INTERNAL_ERROR));
    let document = action(&server, "raise");
    assert_eq!(
        (&document["errorType"], &document["errorMessage"]),
        (&j!("TestError"), &j!("raised"))
    );
    assert_eq!(document["requestId"].as_str().map(str::len), Some(36), "{document}");
    let frames = document["stackTrace"].as_array().unwrap();
    assert_eq!(frames.len(), 1, "{document}");
    assert!(
        frames[0].as_str().unwrap().contains("lean/styles.py\", line ")
            && frames[0].as_str().unwrap().contains("raise TestError(\"raised\")"),
        "{document}"
    );
    // A result json cannot encode: Runtime.MarshalError (lambda_runtime_marshaller.py), no trace.
    let marshal = action(&server, "unserialisable");
    assert_eq!(marshal["errorType"], "Runtime.MarshalError");
    assert_eq!(
        marshal["errorMessage"],
        "Unable to marshal response: Object of type set is not JSON serializable"
    );
    assert_eq!(marshal["stackTrace"], j!([]));

    let marker = format!("lean-py-marker-{}", std::process::id());
    let logged = call(&server, "POST", "/dev/log", &[], marker.as_bytes());
    assert_eq!(logged.status, 200, "{}", logged.body_text());
    wait_for_lines(&server, &marker, "styles");
    drop(server);

    // A module in a package, named with slashes as Lambda allows.
    let server = serve("pkg", &lean("python", "lean/pkg/module.handler"), &[]);
    let package = get(&server, "/dev/p");
    assert_eq!((package.status, package.body_text().as_str()), (200, "package /p"));
}

#[test]
fn python_init_errors() {
    if !have("python3") {
        return;
    }
    // bootstrap.py `_get_handler` and `make_error` (no request id, no trace for the runtime's own faults).
    let fault = |errortype: &str, message: &str| j!({"errorMessage": message, "errorType": errortype, "requestId": "", "stackTrace": []});
    assert_eq!(
        init_error("python", "lean.missing.handler"),
        fault(
            "Runtime.ImportModuleError",
            "Unable to import module 'lean.missing': No module named 'lean.missing'"
        )
    );
    assert_eq!(
        init_error("python", "lean.styles.nope"),
        fault(
            "Runtime.HandlerNotFound",
            "Handler 'nope' missing on module 'lean.styles'"
        )
    );
    assert_eq!(
        init_error("python", "nodots"),
        fault(
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)"
        )
    );
    let raised = init_error("python", "lean.broken.handler");
    assert_eq!(
        (&raised["errorType"], &raised["errorMessage"]),
        (&j!("RuntimeError"), &j!("configuration missing"))
    );
    // The traceback from the first frame outside the runtime (importlib's, as in the official client) to the
    // module's own line.
    let frames = raised["stackTrace"].as_array().unwrap();
    assert!(
        frames
            .last()
            .and_then(Value::as_str)
            .unwrap()
            .contains("lean/broken.py"),
        "{raised}"
    );
}

#[test]
fn lean_functions_past_their_timeout_are_killed() {
    for (language, interpreter) in [("node", "node"), ("python", "python3")] {
        if !have(interpreter) {
            continue;
        }
        // Lambda's Sandbox.Timedout, a function error: 502 behind AWS_PROXY; the next request gets a new process.
        let server = serve(
            language,
            &lean(language, "proxy.handler"),
            &["--function-timeout", "1s"],
        );
        assert_eq!(get(&server, "/dev/warm").status, 200);
        let slow = instruct(&server, "/dev/long", r#"{"sleep_ms": 4000}"#);
        assert_eq!(
            (slow.status, slow.body_text().as_str()),
            (502, INTERNAL_ERROR),
            "{language}"
        );
        assert_eq!(get(&server, "/dev/again").status, 200, "{language}");
    }
}

#[test]
fn runtime_usage_errors() {
    let (code, _, stderr) = crate::harness::run(&["runtime".as_ref(), "ruby".as_ref(), "a.b".as_ref()]);
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("unknown runtime `ruby`: node or python"), "{stderr}");
    let (code, stdout, _) = crate::harness::run(&["runtime".as_ref(), "--help".as_ref()]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("usage: tollgate runtime node|python HANDLER"),
        "{stdout}"
    );
    // Outside a Lambda environment the client says what is missing.
    let output = Command::new(bin())
        .args(["runtime", "node", "x.handler", "--interpreter", "/nonexistent/node"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot run `/nonexistent/node`"));
}
