//! A Rust function on the real `lambda_runtime` client (examples/rust_echo.rs).

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tollgate_lambda_host::{FunctionHost, HostOptions, InvokeError, InvokeRequest};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_returns_the_exact_bytes() {
    let host = host(vec![rust_function("echo")]);
    // Odd spacing, escapes and key order must come back byte for byte.
    let payload = "{\"action\":\"echo\",  \"z\": null, \"a\":[1, 2.50, \"\\u00e9\\n\"], \"nested\":{\"b\" :true}}";
    let invocation = invoke(&host, "echo", payload).await;
    assert_eq!(invocation.function_error, None);
    assert_eq!(invocation.error_type, None);
    assert_eq!(invocation.payload, payload.as_bytes());
    assert_eq!(invocation.request_id.len(), 36);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_error_is_unhandled_with_its_type_and_message() {
    let host = host(vec![rust_function("fails")]);
    let invocation = invoke(&host, "fails", r#"{"action":"error","message":"boom"}"#).await;
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(invocation.error_type.as_deref(), Some("EchoError"));
    let document = json(&invocation);
    assert_eq!(document["errorType"], "EchoError");
    assert_eq!(document["errorMessage"], "boom");
    // The process survives a handled error and serves the next invocation.
    let next = invoke(&host, "fails", r#"{"action":"echo"}"#).await;
    assert_eq!(next.function_error, None);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_process_and_answers_as_lambda() {
    let mut config = rust_function("slow");
    config.timeout = Duration::from_secs(2);
    let host = host(vec![config]);
    let before = pid_of(&host, "slow").await;
    let invocation = invoke(&host, "slow", r#"{"action":"sleep","ms":10000}"#).await;
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(invocation.error_type.as_deref(), Some("Sandbox.Timedout"));
    let expected = format!(
        r#"{{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {} Error: Task timed out after 2.00 seconds"}}"#,
        invocation.request_id
    );
    assert_eq!(invocation.payload, expected.as_bytes());
    assert!(
        eventually(Duration::from_secs(5), || process_gone(before)).await,
        "the timed-out process lives"
    );
    let after = pid_of(&host, "slow").await;
    assert_ne!(before, after, "a fresh process serves the next invocation");
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_is_a_runtime_exit_error_and_the_process_is_replaced() {
    let host = host(vec![rust_function("crashes")]);
    let before = pid_of(&host, "crashes").await;
    let invocation = invoke(&host, "crashes", r#"{"action":"exit","code":3}"#).await;
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(invocation.error_type.as_deref(), Some("Runtime.ExitError"));
    let expected = format!(
        r#"{{"errorType":"Runtime.ExitError","errorMessage":"RequestId: {} Error: Runtime exited with error: exit status 3"}}"#,
        invocation.request_id
    );
    assert_eq!(invocation.payload, expected.as_bytes());
    let after = pid_of(&host, "crashes").await;
    assert_ne!(before, after);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_process_serves_sequential_invocations() {
    let host = host(vec![rust_function("warm")]);
    let first = pid_of(&host, "warm").await;
    for _ in 0..5 {
        assert_eq!(pid_of(&host, "warm").await, first);
    }
    let status = host.status("warm").unwrap();
    assert_eq!((status.processes, status.queued), (1, 0));
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_capped_and_the_rest_queue() {
    let mut config = rust_function("busy");
    config.max_concurrency = 3;
    let host = host(vec![config]);
    let calls = (0..8).map(|_| {
        let host = host.clone();
        tokio::spawn(async move { host.invoke("busy", request(r#"{"action":"info","ms":300}"#)).await })
    });
    let mut pids = HashSet::new();
    for call in calls.collect::<Vec<_>>() {
        let invocation = call.await.unwrap().unwrap();
        assert_eq!(invocation.function_error, None, "{invocation:?}");
        pids.insert(json(&invocation)["pid"].as_u64().unwrap());
    }
    assert!(
        !pids.is_empty() && pids.len() <= 3,
        "{} processes for a limit of 3",
        pids.len()
    );
    assert!(host.status("busy").unwrap().processes <= 3);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_throttled() {
    let mut config = rust_function("narrow");
    config.max_concurrency = 1;
    config.queue_capacity = 1;
    config.timeout = Duration::from_secs(10);
    let host = host(vec![config]);
    let running = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("narrow", request(r#"{"action":"sleep","ms":5000}"#)).await }
    });
    let status = |host: &FunctionHost| host.status("narrow").unwrap();
    // Wait until the first invocation is with the process (it leaves the queue when delivered).
    assert!(
        eventually(WAIT, || {
            let s = status(&host);
            s.processes == 1 && s.idle == 0 && s.queued == 0
        })
        .await
    );
    let queued = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("narrow", request(r#"{"action":"echo","n":2}"#)).await }
    });
    assert!(eventually(WAIT, || status(&host).queued == 1).await);
    let refused = host.invoke("narrow", request(r#"{"action":"echo","n":3}"#)).await;
    assert_eq!(refused, Err(InvokeError::Throttled));
    assert_eq!(InvokeError::Throttled.aws_status(), 429);
    assert_eq!(running.await.unwrap().unwrap().function_error, None);
    assert_eq!(
        queued.await.unwrap().unwrap().payload,
        r#"{"action":"echo","n":2}"#.as_bytes()
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_environment_and_context_reach_the_function() {
    let mut config = rust_function("env");
    config.memory_mb = 256;
    config.timeout = Duration::from_secs(7);
    config.handler = Some("bootstrap.handler".to_owned());
    config.environment = vec![("GREETING".to_owned(), "hello".to_owned())];
    let mut options = HostOptions::default();
    options.region = "eu-west-1".to_owned();
    let host = FunctionHost::start(vec![config], options).unwrap();
    let mut request = request(r#"{"action":"info"}"#);
    request.trace_id = Some("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_owned());
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let invocation = host.invoke("env", request).await.unwrap();
    let info = json(&invocation);
    assert_eq!(info["request_id"], invocation.request_id.as_str());
    assert_eq!(info["arn"], "arn:aws:lambda:eu-west-1:123456789012:function:env");
    assert_eq!(
        info["trace_id"],
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
    );
    let deadline = info["deadline"].as_u64().unwrap();
    assert!(
        deadline > now_ms && deadline <= now_ms + 7_000 + 1_000,
        "deadline {deadline}, now {now_ms}"
    );
    let env = &info["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "env");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/env");
    assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-1");
    assert_eq!(env["TZ"], ":UTC");
    assert_eq!(env["_HANDLER"], "bootstrap.handler");
    assert_eq!(env[tollgate_lambda_host::PIPELINING_VARIABLE], "1");
    assert_eq!(env["GREETING"], "hello");
    assert!(
        env["AWS_LAMBDA_RUNTIME_API"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert!(
        env["AWS_LAMBDA_LOG_STREAM_NAME"]
            .as_str()
            .unwrap()
            .contains("/[$LATEST]")
    );
    assert_eq!(
        env["LAMBDA_TASK_ROOT"],
        std::env::current_dir().unwrap().display().to_string()
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_lines_are_logged_with_the_function_and_request_id() {
    let host = host(vec![rust_function("logger")]);
    let invocation = invoke(
        &host,
        "logger",
        r#"{"action":"log","lines":["first line from logger","second line from logger"],"stderr_lines":["an error line from logger"]}"#,
    )
    .await;
    assert_eq!(invocation.function_error, None);
    let found = eventually(Duration::from_secs(5), || {
        let logs = captured_logs();
        [
            "first line from logger",
            "second line from logger",
            "an error line from logger",
        ]
        .iter()
        .all(|text| {
            logs.lines().any(|line| {
                line.contains(text) && line.contains("function=\"logger\"") && line.contains(&invocation.request_id)
            })
        })
    })
    .await;
    assert!(found, "missing log lines in:\n{}", captured_logs());
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_limits_are_lambdas() {
    // Building and checking 6 MB in the debug build takes a while on a busy machine.
    let mut config = rust_function("sizes");
    config.timeout = Duration::from_secs(60);
    let host = host(vec![config]);
    let too_big = "x".repeat(6 * 1024 * 1024 + 1);
    let refused = host.invoke("sizes", request(&too_big)).await;
    assert_eq!(
        refused,
        Err(InvokeError::PayloadTooLarge {
            size: 6 * 1024 * 1024 + 1
        })
    );
    let invocation = invoke(&host, "sizes", r#"{"action":"big","bytes":6300000}"#).await;
    assert_eq!(invocation.error_type.as_deref(), Some("Function.ResponseSizeTooLarge"));
    assert_eq!(
        invocation.payload,
        r#"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#.as_bytes()
    );
    // The process lives on: the Runtime API refused the body with 413 and the client asked for the next event.
    let fits = invoke(&host, "sizes", r#"{"action":"big","bytes":6000000}"#).await;
    assert_eq!(fits.function_error, None);
    assert_eq!(fits.payload.len(), 6_000_002);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_functions_and_impatient_callers() {
    let host = host(vec![rust_function("patient")]);
    let unknown = host.invoke("nope", request("{}")).await.unwrap_err();
    assert_eq!(unknown.aws_code(), "ResourceNotFoundException");
    assert_eq!(
        unknown.aws_message(),
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    );
    let impatient = InvokeRequest::new(r#"{"action":"sleep","ms":1000}"#, Duration::from_millis(200));
    assert_eq!(host.invoke("patient", impatient).await, Err(InvokeError::Timeout));
    // The function runs on; the next caller is answered all the same.
    assert_eq!(
        invoke(&host, "patient", r#"{"n":1}"#).await.payload,
        r#"{"n":1}"#.as_bytes()
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_processes_are_stopped() {
    let mut config = rust_function("idle");
    config.idle_timeout = Duration::from_millis(300);
    let host = host(vec![config]);
    let pid = pid_of(&host, "idle").await;
    assert!(eventually(Duration::from_secs(10), || host.status("idle").unwrap().processes == 0).await);
    assert!(eventually(Duration::from_secs(5), || process_gone(pid)).await);
    // And a new one starts on demand.
    assert_ne!(pid_of(&host, "idle").await, pid);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_run_in_the_background() {
    let host = host(vec![rust_function("background")]);
    let payload = r#"{"action":"log","lines":["an event invocation of background ran"]}"#;
    host.invoke_event("background", payload.into()).unwrap();
    let ran = eventually(WAIT, || {
        captured_logs().lines().any(|line| {
            line.contains("an event invocation of background ran") && line.contains("function=\"background\"")
        })
    })
    .await;
    assert!(ran, "the event invocation left no log line");
    assert!(matches!(
        host.invoke_event("missing", "{}".into()),
        Err(InvokeError::UnknownFunction { .. })
    ));
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_burst_is_answered_in_full() {
    // Bounded: 120 invocations from 12 callers against 3 processes, with crashes and errors mixed in; every
    // caller gets its own answer and the pool's books balance at the end.
    let mut config = rust_function("burst");
    config.max_concurrency = 3;
    config.queue_capacity = 200;
    let host = host(vec![config]);
    let callers: Vec<_> = (0..12)
        .map(|caller| {
            let host = host.clone();
            tokio::spawn(async move {
                for round in 0..10 {
                    let n = caller * 10 + round;
                    let (payload, expect) = match n % 10 {
                        0 => (r#"{"action":"exit","code":2}"#.to_owned(), Some("Runtime.ExitError")),
                        3 | 7 => (format!(r#"{{"action":"error","message":"n{n}"}}"#), Some("EchoError")),
                        _ => (format!(r#"{{"action":"echo","n":{n}}}"#), None),
                    };
                    let invocation = host.invoke("burst", request(&payload)).await.unwrap();
                    assert_eq!(invocation.error_type.as_deref(), expect, "{n}: {invocation:?}");
                    if expect.is_none() {
                        assert_eq!(invocation.payload, payload.as_bytes());
                    }
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    let status = host.status("burst").unwrap();
    assert!(status.processes <= 3 && status.queued == 0, "{status:?}");
    assert!(
        eventually(Duration::from_secs(5), || host.status("burst").unwrap().idle
            == host.status("burst").unwrap().processes)
        .await
    );
    host.shutdown().await;
    assert_eq!(host.status("burst").unwrap().processes, 0);
}
