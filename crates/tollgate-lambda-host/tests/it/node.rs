//! A Node function on the real runtime interface client, aws-lambda-ric from npm (`aws-lambda-ric handler.fn`),
//! installed into a cached folder by tests/functions/node/setup-aws-lambda-ric.

use std::sync::OnceLock;
use std::time::Duration;

use tollgate_lambda_host::FunctionConfig;

use crate::support::*;

fn node_ric() -> &'static str {
    static RIC: OnceLock<String> = OnceLock::new();
    RIC.get_or_init(|| {
        let output = std::process::Command::new(functions_dir().join("node/setup-aws-lambda-ric"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "setup-aws-lambda-ric failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    })
}

fn node_function(name: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, format!("exec '{}' handler.fn", node_ric()));
    config.working_dir = Some(functions_dir().join("node"));
    config.handler = Some("handler.fn".to_owned());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_echo_error_timeout_crash_and_warm_reuse() {
    let mut config = node_function("js");
    config.timeout = Duration::from_secs(2);
    let host = host(vec![config]);
    let invocation = invoke(&host, "js", r#"{"action":"echo","list":[1,"two",{"three":3.5}]}"#).await;
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    assert_eq!(
        json(&invocation),
        serde_json::json!({"action":"echo","list":[1,"two",{"three":3.5}]})
    );

    let failed = invoke(&host, "js", r#"{"action":"error","message":"boom"}"#).await;
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(failed.error_type.as_deref(), Some("EchoError"));
    let document = json(&failed);
    assert_eq!(
        (document["errorType"].as_str(), document["errorMessage"].as_str()),
        (Some("EchoError"), Some("boom"))
    );

    let info = json(&invoke(&host, "js", r#"{"action":"info"}"#).await);
    assert_eq!(info["arn"], "arn:aws:lambda:us-east-1:123456789012:function:js");
    assert_eq!(info["request_id"].as_str().unwrap().len(), 36);
    let pid = info["pid"].as_u64().unwrap();
    assert_eq!(pid_of(&host, "js").await, pid, "the warm process serves again");

    let timed_out = invoke(&host, "js", r#"{"action":"sleep","ms":10000}"#).await;
    assert_eq!(timed_out.error_type.as_deref(), Some("Sandbox.Timedout"));
    assert!(eventually(Duration::from_secs(5), || process_gone(pid)).await);
    let crashed = invoke(&host, "js", r#"{"action":"exit","code":4}"#).await;
    assert_eq!(crashed.error_type.as_deref(), Some("Runtime.ExitError"));
    assert!(
        std::str::from_utf8(&crashed.payload)
            .unwrap()
            .contains("Runtime exited with error: exit status 4")
    );
    assert_eq!(invoke(&host, "js", r#"{"n":1}"#).await.payload, r#"{"n":1}"#.as_bytes());
    host.shutdown().await;
}
