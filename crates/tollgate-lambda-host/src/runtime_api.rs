//! The Lambda Runtime API (version 2018-06-01) one process talks to, on its own loopback listener: `GET
//! /runtime/invocation/next`, `POST /runtime/invocation/{id}/response`, `POST /runtime/invocation/{id}/error`,
//! `POST /runtime/init/error`. Status codes and error documents follow Lambda's runtime interface (AWS Lambda
//! developer guide "Using the Lambda runtime API for custom runtimes"; the wording of the refusals is that of
//! AWS's runtime interface emulator, `lambda/rapi/rendering`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::http1::{BodyError, Conn, Head, HeadError, Method, ReadError, valid_value};
use crate::outcome::{Invocation, MAX_RESPONSE_PAYLOAD};
use crate::pool::{Parked, Pool};
use crate::process::{Phase, Process, Refusal};

/// Connections one runtime may hold open (clients use one or two).
const MAX_CONNECTIONS: usize = 16;
/// The largest body a request that needs none may carry before its connection is closed instead of read.
const MAX_IGNORED_BODY: usize = 64 * 1024;

/// A response to send: status, reason, content type and body.
struct Reply {
    status: u16,
    reason: &'static str,
    content_type: Option<&'static str>,
    body: Bytes,
}

/// Accepts and serves the process's connections until the supervisor aborts this task.
pub(crate) async fn serve(listener: TcpListener, pool: Arc<Pool>, process: Arc<Process>) {
    // Dropping the set (when this task is aborted) aborts every connection task with it.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                if connections.len() >= MAX_CONNECTIONS {
                    continue;
                }
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(Conn::new(stream), Arc::clone(&pool), Arc::clone(&process)));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one connection's requests in order until it closes.
async fn connection(mut conn: Conn, pool: Arc<Pool>, process: Arc<Process>) {
    loop {
        let head = match conn.read_head().await {
            Ok(head) => head,
            Err(ReadError::Closed) => return,
            Err(ReadError::Refused(error)) => {
                let reply = match error {
                    HeadError::Malformed => plain(400, "Bad Request"),
                    HeadError::TooLarge => plain(431, "Request Header Fields Too Large"),
                };
                let _ = send(&mut conn, reply, true).await;
                return;
            }
        };
        let keep = handle(&mut conn, &head, &pool, &process).await;
        if !keep || head.close {
            let _ = conn.flush().await;
            return;
        }
    }
}

/// Answers one request; false when the connection must close.
async fn handle(conn: &mut Conn, head: &Head, pool: &Arc<Pool>, process: &Arc<Process>) -> bool {
    let route = Route::of(conn.slice(head.path.clone()), head.method);
    match route {
        Route::Next => {
            if conn.skip_body(head, MAX_IGNORED_BODY).await.is_err() {
                return false;
            }
            next(conn, head, pool, process).await
        }
        Route::Response => {
            let id = match process.check_current(id_of(conn, head)) {
                Ok(id) => id,
                Err(refusal) => return refuse(conn, head, refused(refusal, "InvocationResponse")).await,
            };
            let (reply, keep) = match conn.read_body(head, MAX_RESPONSE_PAYLOAD).await {
                Ok(payload) => (finished(pool, process, &id, Invocation::success(&id, payload)), true),
                Err(error) => body_failed(pool, process, &id, error),
            };
            send(conn, reply, !keep || head.close).await.is_ok() && keep
        }
        Route::Error => {
            let id = match process.check_current(id_of(conn, head)) {
                Ok(id) => id,
                Err(refusal) => return refuse(conn, head, refused(refusal, "InvocationErrorResponse")).await,
            };
            let header_type = error_type_header(conn, head);
            let (reply, keep) = match conn.read_body(head, MAX_RESPONSE_PAYLOAD).await {
                Ok(payload) => {
                    let error_type = document_error_type(&payload).or(header_type);
                    let invocation = Invocation::failure(&id, payload, error_type);
                    (finished(pool, process, &id, invocation), true)
                }
                Err(error) => body_failed(pool, process, &id, error),
            };
            send(conn, reply, !keep || head.close).await.is_ok() && keep
        }
        Route::InitError => {
            let phase = process.phase();
            if phase != Phase::Starting {
                return refuse(conn, head, state_refusal(phase, "InitError")).await;
            }
            let header_type = error_type_header(conn, head);
            let payload = match conn.read_body(head, MAX_RESPONSE_PAYLOAD).await {
                Ok(payload) => payload,
                Err(BodyError::TooLarge) => {
                    let _ = send(conn, too_large(), true).await;
                    return false;
                }
                Err(BodyError::Broken) => return false,
            };
            let error_type = document_error_type(&payload).or(header_type);
            let reply = match process.init_failed(payload, error_type) {
                Ok(()) => accepted(),
                Err(phase) => state_refusal(phase, "InitError"),
            };
            send(conn, reply, head.close).await.is_ok()
        }
        Route::NotAllowed => refuse(conn, head, plain(405, "Method Not Allowed")).await,
        Route::NotFound => refuse(conn, head, not_found()).await,
    }
}

/// The Runtime API's routes (`/2018-06-01/runtime/...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Next,
    Response,
    Error,
    InitError,
    NotAllowed,
    NotFound,
}

impl Route {
    fn of(path: &[u8], method: Method) -> Route {
        let Some(route) = path.strip_prefix(b"/2018-06-01/runtime/") else {
            return Route::NotFound;
        };
        let (route, wanted) = match route {
            b"invocation/next" => (Route::Next, Method::Get),
            b"init/error" => (Route::InitError, Method::Post),
            _ => match route.strip_prefix(b"invocation/") {
                Some(rest) if id_before(rest, b"/response").is_some() => (Route::Response, Method::Post),
                Some(rest) if id_before(rest, b"/error").is_some() => (Route::Error, Method::Post),
                _ => return Route::NotFound,
            },
        };
        if method == wanted { route } else { Route::NotAllowed }
    }
}

/// The request id in `invocation/{id}{suffix}`: not empty, no `/`.
fn id_before<'a>(rest: &'a [u8], suffix: &[u8]) -> Option<&'a [u8]> {
    rest.strip_suffix(suffix)
        .filter(|id| !id.is_empty() && !id.contains(&b'/'))
}

/// The request id of a response or error post.
fn id_of<'c>(conn: &'c Conn, head: &Head) -> &'c [u8] {
    let path = conn.slice(head.path.clone());
    path.strip_prefix(b"/2018-06-01/runtime/invocation/")
        .and_then(|rest| id_before(rest, b"/response").or_else(|| id_before(rest, b"/error")))
        .unwrap_or_default()
}

fn error_type_header(conn: &Conn, head: &Head) -> Option<String> {
    let range = head.error_type.clone()?;
    std::str::from_utf8(conn.slice(range)).ok().map(str::to_owned)
}

/// Answers `reply` without using the request's body (read and dropped, or the connection closes).
async fn refuse(conn: &mut Conn, head: &Head, reply: Reply) -> bool {
    let keep = conn.skip_body(head, MAX_IGNORED_BODY).await.is_ok();
    send(conn, reply, !keep || head.close).await.is_ok() && keep
}

/// A response or error body that could not be read: too large ends the invocation (Lambda's
/// `Function.ResponseSizeTooLarge`) and is refused with 413; either way the connection closes.
fn body_failed(pool: &Pool, process: &Process, id: &str, error: BodyError) -> (Reply, bool) {
    match error {
        BodyError::TooLarge => {
            pool.complete(process, id, Invocation::response_too_large(id));
            (too_large(), false)
        }
        BodyError::Broken => (internal_error(), false),
    }
}

async fn send(conn: &mut Conn, reply: Reply, close: bool) -> std::io::Result<()> {
    conn.start(reply.status, reply.reason, reply.content_type);
    conn.finish(&reply.body, close).await
}

/// `GET /runtime/invocation/next`: blocks until an invocation arrives, then sends its event.
async fn next(conn: &mut Conn, head: &Head, pool: &Arc<Pool>, process: &Arc<Process>) -> bool {
    let phase = process.phase();
    if matches!(phase, Phase::Invoking | Phase::Stopping) {
        return send(conn, state_refusal(phase, "Ready"), head.close).await.is_ok();
    }
    let job = match pool.park(process) {
        Parked::Job(job) => job,
        Parked::Wait(ticket) => {
            // A held `202` must not wait for the next event.
            if conn.flush().await.is_err() {
                return false;
            }
            match process.wait(ticket).await {
                Some(job) => job,
                // Another `/next` of this runtime took its place.
                None => return send(conn, internal_error(), head.close).await.is_ok(),
            }
        }
    };
    let event = process.begin(job, pool.settings.config.timeout);
    conn.start(200, "OK", Some("application/json"));
    conn.header(b"Lambda-Runtime-Aws-Request-Id", event.request_id.as_bytes());
    conn.header_number(
        b"Lambda-Runtime-Deadline-Ms",
        u64::try_from(event.deadline_ms).unwrap_or(u64::MAX),
    );
    conn.header(b"Lambda-Runtime-Invoked-Function-Arn", pool.settings.arn.as_bytes());
    if valid_value(event.trace_id.as_bytes()) {
        conn.header(b"Lambda-Runtime-Trace-Id", event.trace_id.as_bytes());
    }
    if let Some(context) = event.client_context.as_deref().filter(|v| valid_value(v.as_bytes())) {
        conn.header(b"Lambda-Runtime-Client-Context", context.as_bytes());
    }
    if let Some(identity) = event.cognito_identity.as_deref().filter(|v| valid_value(v.as_bytes())) {
        conn.header(b"Lambda-Runtime-Cognito-Identity", identity.as_bytes());
    }
    conn.finish(&event.payload, head.close).await.is_ok()
}

fn finished(pool: &Pool, process: &Process, id: &str, invocation: Invocation) -> Reply {
    if pool.complete(process, id, invocation) {
        accepted()
    } else {
        // It timed out while the body was arriving.
        refused(Refusal::RequestId, "InvocationResponse")
    }
}

/// The `errorType` of a posted error document.
fn document_error_type(payload: &[u8]) -> Option<String> {
    let document: serde_json::Value = serde_json::from_slice(payload).ok()?;
    Some(document.get("errorType")?.as_str()?.to_owned())
}

fn json(status: u16, reason: &'static str, body: String) -> Reply {
    Reply {
        status,
        reason,
        content_type: Some("application/json"),
        body: Bytes::from(body),
    }
}

fn plain(status: u16, reason: &'static str) -> Reply {
    Reply {
        status,
        reason,
        content_type: None,
        body: Bytes::new(),
    }
}

fn error_document(status: u16, reason: &'static str, error_type: &str, message: &str) -> Reply {
    let mut document = serde_json::Map::new();
    document.insert("errorMessage".to_owned(), message.into());
    document.insert("errorType".to_owned(), error_type.into());
    json(status, reason, serde_json::Value::Object(document).to_string())
}

fn accepted() -> Reply {
    Reply {
        status: 202,
        reason: "Accepted",
        content_type: Some("application/json"),
        body: Bytes::from_static(br#"{"status":"OK"}"#),
    }
}

fn refused(refusal: Refusal, target: &str) -> Reply {
    match refusal {
        Refusal::State(phase) => state_refusal(phase, target),
        Refusal::RequestId => error_document(400, "Bad Request", "InvalidRequestID", "Invalid request ID"),
    }
}

fn state_refusal(phase: Phase, target: &str) -> Reply {
    let message = format!(
        "State transition from {} to {target} failed for runtime. Error: State transition is not allowed",
        phase.aws_name()
    );
    error_document(403, "Forbidden", "InvalidStateTransition", &message)
}

fn too_large() -> Reply {
    error_document(
        413,
        "Payload Too Large",
        "RequestEntityTooLarge",
        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_PAYLOAD} bytes)."),
    )
}

fn internal_error() -> Reply {
    error_document(
        500,
        "Internal Server Error",
        "InternalServerError",
        "Internal Server Error",
    )
}

fn not_found() -> Reply {
    Reply {
        status: 404,
        reason: "Not Found",
        content_type: None,
        body: Bytes::from_static(b"404 page not found\n"),
    }
}
