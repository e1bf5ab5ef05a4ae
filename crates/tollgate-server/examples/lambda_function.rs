//! A Lambda function on the real Rust runtime client (`lambda_runtime`), for the end-to-end tests and the
//! AWS_PROXY benchmark: run it with `tollgate serve API --function NAME=target/…/examples/lambda_function`.
//!
//! Behind AWS_PROXY (the event has `httpMethod`), the request body says what to answer:
//! * no body, or a body that is not a JSON object with one of the keys below: 200 with the event itself as the
//!   body (`Content-Type: application/json`), so a test reads back exactly what the gateway sent;
//! * `{"respond": VALUE}`: VALUE as the function's answer, verbatim (any proxy response, or a bad shape);
//! * `{"error": "message"}`: a function error (`errorType` `TestError`);
//! * `{"sleep_ms": N}`: sleep N ms, then echo.
//!
//! Behind a non-proxy integration (type AWS) the event is the request template's output: `{"error": "message"}`
//! fails with that message (for selection patterns), anything else is answered as it came.
//!
//! `GET` with the query `?bench` answers a fixed 100-byte body at once (the benchmark's function).

use std::time::Duration;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};

/// The 100-byte JSON body of the bench backend (shared/bench/lib.sh), for the benchmark.
const BENCH_BODY: &str =
    r#"{"ok":true,"service":"bench-backend","message":"hello from the backend","pad":"xxxxxxxxxxxxxxxxxxx"}"#;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (event, _) = event.into_parts();
    if event.get("httpMethod").is_none() {
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
    if let Some(ms) = instruction.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
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
