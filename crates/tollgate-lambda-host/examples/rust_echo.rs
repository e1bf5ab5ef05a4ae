//! A Lambda function on the real Rust runtime client (`lambda_runtime`), for tollgate-lambda-host's end-to-end
//! tests and benchmark. Run it under the host, e.g. `--function echo=target/debug/examples/rust_echo`.
//!
//! The event's `action` says what to do:
//! * absent or `echo`: answer the event's exact bytes;
//! * `error`: fail with errorType `EchoError` and the event's `message`;
//! * `sleep`: sleep `ms` milliseconds, then echo;
//! * `exit`: exit the process with `code`;
//! * `info`: sleep `ms` milliseconds (default 0), then answer the process id, the invocation context and the Lambda environment variables;
//! * `log`: write `lines` to stdout and `stderr_lines` to stderr, then echo;
//! * `big`: answer a JSON string of `bytes` bytes.

use std::time::Duration;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use serde_json::{Value, json};

const ENV: &[&str] = &[
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "LAMBDA_TASK_ROOT",
    "TZ",
    "_HANDLER",
    "GREETING",
    "TOLLGATE_RUNTIME_API_PIPELINING",
];

async fn handle(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Diagnostic> {
    let (raw, context) = event.into_parts();
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    let number = |key: &str| value.get(key).and_then(Value::as_u64).unwrap_or(0);
    match value.get("action").and_then(Value::as_str).unwrap_or("echo") {
        "error" => Err(Diagnostic {
            error_type: "EchoError".to_owned(),
            error_message: value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("failed")
                .to_owned(),
        }),
        "sleep" => {
            tokio::time::sleep(Duration::from_millis(number("ms"))).await;
            Ok(raw)
        }
        "exit" => std::process::exit(i32::try_from(number("code")).unwrap_or(1)),
        "info" => {
            tokio::time::sleep(Duration::from_millis(number("ms"))).await;
            let env: serde_json::Map<String, Value> = ENV
                .iter()
                .filter_map(|key| Some(((*key).to_owned(), Value::String(std::env::var(key).ok()?))))
                .collect();
            let info = json!({
                "pid": std::process::id(),
                "request_id": context.request_id,
                "deadline": context.deadline,
                "arn": context.invoked_function_arn,
                "trace_id": context.xray_trace_id,
                "env": env,
            });
            to_raw(&info)
        }
        "log" => {
            for line in value.get("lines").and_then(Value::as_array).into_iter().flatten() {
                println!("{}", line.as_str().unwrap_or_default());
            }
            for line in value
                .get("stderr_lines")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                eprintln!("{}", line.as_str().unwrap_or_default());
            }
            Ok(raw)
        }
        "big" => to_raw(&Value::String(
            "x".repeat(usize::try_from(number("bytes")).unwrap_or(0)),
        )),
        _ => Ok(raw),
    }
}

fn to_raw(value: &Value) -> Result<Box<RawValue>, Diagnostic> {
    RawValue::from_string(value.to_string()).map_err(|e| Diagnostic {
        error_type: "EchoError".to_owned(),
        error_message: e.to_string(),
    })
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(handle)).await
}
