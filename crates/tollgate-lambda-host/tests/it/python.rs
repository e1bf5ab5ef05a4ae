//! A Python function on the real runtime interface client, awslambdaric from PyPI
//! (`python -m awslambdaric handler.fn`), installed into a cached virtualenv by tests/functions/python.

use std::time::Duration;

use tollgate_lambda_host::FunctionConfig;

use crate::support::*;

fn python_function(name: &str, handler: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, format!("exec '{}' -m awslambdaric {handler}", python()));
    config.working_dir = Some(functions_dir().join("python"));
    config.handler = Some(handler.to_owned());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_echo_error_and_warm_reuse() {
    let host = host(vec![python_function("py", "handler.fn")]);
    let invocation = invoke(&host, "py", r#"{"action":"echo","list":[1,"two",{"three":3.5}]}"#).await;
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    assert_eq!(
        json(&invocation),
        serde_json::json!({"action":"echo","list":[1,"two",{"three":3.5}]})
    );

    let failed = invoke(&host, "py", r#"{"action":"error","message":"boom"}"#).await;
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(failed.error_type.as_deref(), Some("EchoError"));
    let document = json(&failed);
    assert_eq!(document["errorType"], "EchoError");
    assert_eq!(document["errorMessage"], "boom");
    assert_eq!(document["requestId"], failed.request_id.as_str());

    let info = json(&invoke(&host, "py", r#"{"action":"info"}"#).await);
    assert_eq!(info["function"], "py");
    assert_eq!(info["memory"], "128");
    assert_eq!(info["arn"], "arn:aws:lambda:us-east-1:123456789012:function:py");
    let remaining = info["remaining_ms"].as_u64().unwrap();
    assert!(remaining > 0 && remaining <= 3_000, "{remaining}");
    let pid = info["pid"].as_u64().unwrap();
    for _ in 0..3 {
        assert_eq!(pid_of(&host, "py").await, pid, "the warm process serves again");
    }
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_timeout_and_crash() {
    let mut config = python_function("pyslow", "handler.fn");
    config.timeout = Duration::from_secs(2);
    let host = host(vec![config]);
    let before = pid_of(&host, "pyslow").await;
    let timed_out = invoke(&host, "pyslow", r#"{"action":"sleep","ms":10000}"#).await;
    assert_eq!(timed_out.error_type.as_deref(), Some("Sandbox.Timedout"));
    assert!(eventually(Duration::from_secs(5), || process_gone(before)).await);
    let after = pid_of(&host, "pyslow").await;
    assert_ne!(before, after);
    let crashed = invoke(&host, "pyslow", r#"{"action":"exit","code":7}"#).await;
    assert_eq!(crashed.error_type.as_deref(), Some("Runtime.ExitError"));
    assert!(
        std::str::from_utf8(&crashed.payload)
            .unwrap()
            .contains("Runtime exited with error: exit status 7")
    );
    assert_ne!(pid_of(&host, "pyslow").await, after);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_import_error_is_reported_through_init_error() {
    let host = host(vec![python_function("pybroken", "broken.fn")]);
    let invocation = invoke(&host, "pybroken", "{}").await;
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(
        invocation.error_type.as_deref(),
        Some("Runtime.ImportModuleError"),
        "{invocation:?}"
    );
    let document = json(&invocation);
    assert_eq!(document["errorType"], "Runtime.ImportModuleError");
    assert!(
        document["errorMessage"]
            .as_str()
            .unwrap()
            .contains("No module named 'this_module_does_not_exist'"),
        "{document}"
    );
    host.shutdown().await;
}
