//! A scripted, in-process Lambda function for the fixtures: it answers what the case says (a payload, a function
//! error, a delay, a refusal) and records the invocation it received, so a case can pin the event's bytes and
//! the response rules deterministically. Real runtime clients (Rust, Python, Node) run in tollgate-server's
//! end-to-end tests; this stands in only for what AWS's recordings fix byte for byte.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use tollgate_runtime::{InvocationType, LambdaBackend, LambdaFuture, LambdaInvokeError, LambdaOutcome, LambdaRequest};

/// How the function answers a case.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct FunctionAnswer {
    /// The function's answer (or its error document with `error`).
    #[serde(default)]
    pub(crate) payload: String,
    /// `X-Amz-Function-Error` (`Unhandled`).
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// Answer after this long (timeouts).
    #[serde(default)]
    pub(crate) delay_ms: u64,
    /// Lambda refuses the invocation with this status and code instead.
    #[serde(default)]
    pub(crate) refuse: Option<Refusal>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) code: String,
}

/// What the function must have received.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedInvocation {
    /// The function name (`--function NAME` would match it).
    pub(crate) name: Option<String>,
    /// The function as written in the URI, what Lambda's `Invoke` gets.
    pub(crate) as_written: Option<String>,
    pub(crate) qualifier: Option<String>,
    pub(crate) region: Option<String>,
    /// `RequestResponse` or `Event`.
    pub(crate) invocation_type: Option<String>,
    /// The integration timeout in milliseconds.
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) credentials: Option<String>,
    /// The exact payload; whitespace outside JSON strings is ignored on both sides.
    pub(crate) payload: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Invoked {
    name: String,
    as_written: String,
    qualifier: Option<String>,
    region: String,
    invocation_type: InvocationType,
    timeout: Duration,
    credentials: Option<String>,
    payload: Bytes,
}

#[derive(Debug, Default)]
struct State {
    answer: FunctionAnswer,
    received: Option<Invoked>,
}

/// The scripted function; clones share the script.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScriptedFunction {
    state: Arc<Mutex<State>>,
}

impl ScriptedFunction {
    /// Sets the answer for the next case and forgets the last invocation.
    pub(crate) fn prepare(&self, answer: Option<FunctionAnswer>) {
        let mut state = self.state.lock().unwrap();
        state.answer = answer.unwrap_or_default();
        state.received = None;
    }

    pub(crate) fn take_received(&self) -> Option<Invoked> {
        self.state.lock().unwrap().received.take()
    }
}

impl LambdaBackend for ScriptedFunction {
    fn invoke(&self, request: LambdaRequest) -> LambdaFuture {
        let answer = {
            let mut state = self.state.lock().unwrap();
            state.received = Some(Invoked {
                name: request.function.name().to_owned(),
                as_written: request.function.as_written().to_owned(),
                qualifier: request.function.qualifier().map(str::to_owned),
                region: request.function.region().to_owned(),
                invocation_type: request.invocation_type,
                timeout: request.timeout,
                credentials: request.credentials.as_deref().map(str::to_owned),
                payload: request.payload.clone(),
            });
            state.answer.clone()
        };
        Box::pin(async move {
            if answer.delay_ms > 0 {
                let delay = Duration::from_millis(answer.delay_ms);
                if delay >= request.timeout {
                    tokio::time::sleep(request.timeout).await;
                    return Err(LambdaInvokeError::Timeout);
                }
                tokio::time::sleep(delay).await;
            }
            if let Some(refusal) = answer.refuse {
                return Err(LambdaInvokeError::Service {
                    status: refusal.status,
                    code: Some(refusal.code),
                    message: Some("refused by the fixture".to_owned()),
                });
            }
            let event = request.invocation_type == InvocationType::Event;
            Ok(LambdaOutcome {
                status: if event { 202 } else { 200 },
                payload: if event {
                    Bytes::new()
                } else {
                    Bytes::from(answer.payload)
                },
                function_error: answer.error,
                executed_version: Some("$LATEST".to_owned()),
            })
        })
    }
}

/// Every way the invocation differs from the expectation.
pub(crate) fn check(want: &ExpectedInvocation, got: Option<&Invoked>) -> Vec<String> {
    let Some(got) = got else {
        return vec!["the function was not invoked".to_owned()];
    };
    let mut problems = Vec::new();
    let mut compare = |what: &str, want: Option<&str>, got: Option<&str>| {
        if let Some(want) = want
            && Some(want) != got
        {
            problems.push(format!("function {what} {got:?} (want {want:?})"));
        }
    };
    compare("name", want.name.as_deref(), Some(&got.name));
    compare("as written", want.as_written.as_deref(), Some(&got.as_written));
    compare("qualifier", want.qualifier.as_deref(), got.qualifier.as_deref());
    compare("region", want.region.as_deref(), Some(&got.region));
    compare("credentials", want.credentials.as_deref(), got.credentials.as_deref());
    let invocation_type = match got.invocation_type {
        InvocationType::Event => "Event",
        _ => "RequestResponse",
    };
    compare(
        "invocation type",
        want.invocation_type.as_deref(),
        Some(invocation_type),
    );
    if let Some(ms) = want.timeout_ms
        && got.timeout != Duration::from_millis(ms)
    {
        problems.push(format!("function timeout {:?} (want {ms} ms)", got.timeout));
    }
    if let Some(payload) = &want.payload {
        let got_text = String::from_utf8_lossy(&got.payload);
        if !matches(&squeeze(&got_text), &squeeze(payload)) {
            problems.push(format!(
                "function payload\n  got  {}\n  want {}",
                squeeze(&got_text),
                squeeze(payload)
            ));
        }
    }
    problems
}

/// Whether `got` equals `want`, where each `"<*>"` in `want` stands for any JSON string (ids, trace headers).
fn matches(got: &str, want: &str) -> bool {
    const ANY: &str = "\"<*>\"";
    let mut got = got;
    let mut parts = want.split(ANY).peekable();
    while let Some(part) = parts.next() {
        let Some(rest) = got.strip_prefix(part) else {
            return false;
        };
        got = rest;
        if parts.peek().is_some() {
            match string_len(got) {
                Some(len) => got = &got[len..],
                None => return false,
            }
        }
    }
    got.is_empty()
}

/// The length of the JSON string at the start of `text`, quotes included.
fn string_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// JSON text without the whitespace outside strings (the fixtures pretty-print events; AWS sends them compact).
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}
