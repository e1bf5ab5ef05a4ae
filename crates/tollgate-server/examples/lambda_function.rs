//! A Lambda function on the real Rust runtime client (`lambda_runtime`), for the end-to-end tests and the
//! AWS_PROXY benchmark: run it with `tollgate serve API --function NAME=target/…/examples/lambda_function`.
//!
//! Behind AWS_PROXY (the event has `httpMethod`), the request body says what to answer:
//! * no body, or a body that is not a JSON object with one of the keys below: 200 with the event itself as the
//!   body (`Content-Type: application/json`), so a test reads back exactly what the gateway sent, and the
//!   headers `X-Function-Pid` (this process), `X-Function-Request-Id` (the invocation's Lambda request id) and
//!   `X-Function-Region` (its `AWS_REGION`);
//! * `{"respond": VALUE}`: VALUE as the function's answer, verbatim (any proxy response, or a bad shape);
//! * `{"error": "message"}`: a function error (`errorType` `TestError`);
//! * `{"exit": N}`: the process exits with status N mid-invocation (a crash);
//! * `{"log": "text"}`: prints the text as a line on stdout and on stderr, then echoes;
//! * `{"sleep_ms": N}`: sleep N ms, then echo.
//!
//! Behind a non-proxy integration (type AWS) the event is the request template's output: `{"error": "message"}`
//! fails with that message (for selection patterns), `{"sleep_ms": N}` sleeps first, and the event is answered
//! as it came.
//!
//! `GET` with the query `?bench` answers a fixed 100-byte body at once (the benchmark's function).

use std::time::Duration;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};

/// The 100-byte JSON body of the bench backend (shared/bench/lib.sh), for the benchmark.
const BENCH_BODY: &str =
    r#"{"ok":true,"service":"bench-backend","message":"hello from the backend","pad":"xxxxxxxxxxxxxxxxxxx"}"#;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (event, context) = event.into_parts();
    if event.get("httpMethod").is_none() {
        if let Some(ms) = event.get("sleep_ms").and_then(Value::as_u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        return match event.get("error").and_then(Value::as_str) {
            Some(message) => Err(failure(message)),
            None => Ok(event),
        };
    }
    if event.pointer("/queryStringParameters/bench").is_some() {
        return Ok(json!({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": BENCH_BODY}));
    }
    let instruction: Value = event
        .get("body")
        .and_then(Value::as_str)
        .and_then(|body| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    if let Some(answer) = instruction.get("respond") {
        return Ok(answer.clone());
    }
    if let Some(message) = instruction.get("error").and_then(Value::as_str) {
        return Err(failure(message));
    }
    if let Some(code) = instruction.get("exit").and_then(Value::as_i64) {
        std::process::exit(i32::try_from(code).unwrap_or(1));
    }
    if let Some(text) = instruction.get("log").and_then(Value::as_str) {
        println!("{text}");
        eprintln!("{text}");
    }
    if let Some(ms) = instruction.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(json!({
        "statusCode": 200,
        "headers": {
            "content-type": "application/json",
            "x-function-pid": std::process::id().to_string(),
            "x-function-request-id": context.request_id,
            "x-function-region": std::env::var("AWS_REGION").unwrap_or_default(),
        },
        "body": event.to_string(),
    }))
}

fn failure(message: &str) -> Diagnostic {
    Diagnostic {
        error_type: "TestError".to_owned(),
        error_message: message.to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(handle)).await
}
