//! The Lambda Runtime API (version 2018-06-01) one process talks to, on its own loopback listener: `GET
//! /runtime/invocation/next`, `POST /runtime/invocation/{id}/response`, `POST /runtime/invocation/{id}/error`,
//! `POST /runtime/init/error`. Status codes and error documents follow Lambda's runtime interface (AWS Lambda
//! developer guide "Using the Lambda runtime API for custom runtimes"; the wording of the refusals is that of
//! AWS's runtime interface emulator, `lambda/rapi/rendering`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::outcome::{Invocation, MAX_RESPONSE_PAYLOAD};
use crate::pool::{Parked, Pool};
use crate::process::{Phase, Process, Refusal};

/// Connections one runtime may hold open (clients use one or two).
const MAX_CONNECTIONS: usize = 16;
/// Time to send a request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// Time to send a response or error body.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

type Reply = Response<Full<Bytes>>;

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
                let pool = Arc::clone(&pool);
                let process = Arc::clone(&process);
                let service = service_fn(move |request| {
                    let pool = Arc::clone(&pool);
                    let process = Arc::clone(&process);
                    async move { Ok::<_, Infallible>(handle(request, &pool, &process).await) }
                });
                connections.spawn(async move {
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = connection.await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle(request: Request<Incoming>, pool: &Arc<Pool>, process: &Arc<Process>) -> Reply {
    let Some(route) = request.uri().path().strip_prefix("/2018-06-01/runtime/") else {
        return not_found();
    };
    let is_post = request.method() == Method::POST;
    if route == "invocation/next" {
        return if request.method() == Method::GET {
            next(pool, process).await
        } else {
            not_allowed()
        };
    }
    if route == "init/error" {
        return if is_post {
            init_error(request, process).await
        } else {
            not_allowed()
        };
    }
    let Some(invocation) = route.strip_prefix("invocation/") else {
        return not_found();
    };
    if let Some(id) = invocation.strip_suffix("/response").filter(|id| valid_id(id)) {
        let id = id.to_owned();
        return if is_post {
            response(request, pool, process, &id).await
        } else {
            not_allowed()
        };
    }
    if let Some(id) = invocation.strip_suffix("/error").filter(|id| valid_id(id)) {
        let id = id.to_owned();
        return if is_post {
            error(request, pool, process, &id).await
        } else {
            not_allowed()
        };
    }
    not_found()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && !id.contains('/')
}

/// `GET /runtime/invocation/next`: blocks until an invocation arrives, then sends its event.
async fn next(pool: &Arc<Pool>, process: &Arc<Process>) -> Reply {
    let phase = process.phase();
    if matches!(phase, Phase::Invoking | Phase::Stopping) {
        return state_refusal(phase, "Ready");
    }
    let job = match pool.park(process) {
        Parked::Job(job) => job,
        Parked::Wait(mut receiver) => loop {
            match tokio::time::timeout(pool.settings.config.idle_timeout, &mut receiver).await {
                Ok(Ok(job)) => break job,
                Ok(Err(_)) => return internal_error(),
                Err(_) => {
                    if pool.retire_if_idle(process) {
                        tracing::debug!(function = %process.function(), "stopping an idle runtime process");
                        process.stop();
                        // The supervisor kills the process and drops this connection; never answer.
                        std::future::pending::<()>().await;
                    }
                    // An invocation was handed over meanwhile; it is in the channel.
                }
            }
        },
    };
    let event = process.begin(job, pool.settings.config.timeout);
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .header("Lambda-Runtime-Aws-Request-Id", &*event.request_id)
        .header("Lambda-Runtime-Deadline-Ms", event.deadline_ms.to_string())
        .header("Lambda-Runtime-Invoked-Function-Arn", &pool.settings.arn);
    if let Ok(trace) = HeaderValue::from_str(&event.trace_id) {
        builder = builder.header("Lambda-Runtime-Trace-Id", trace);
    }
    if let Some(context) = event
        .client_context
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        builder = builder.header("Lambda-Runtime-Client-Context", context);
    }
    if let Some(identity) = event
        .cognito_identity
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        builder = builder.header("Lambda-Runtime-Cognito-Identity", identity);
    }
    builder
        .body(Full::new(event.payload))
        .unwrap_or_else(|_| internal_error())
}

/// `POST /runtime/invocation/{id}/response`.
async fn response(request: Request<Incoming>, pool: &Pool, process: &Process, id: &str) -> Reply {
    if let Err(refusal) = process.check_current(id) {
        return refused(refusal, "InvocationResponse");
    }
    match read_body(request).await {
        Ok(payload) => finished(pool, process, id, Invocation::success(id, payload)),
        Err(BodyError::TooLarge) => {
            pool.complete(process, id, Invocation::response_too_large(id));
            too_large()
        }
        Err(BodyError::Broken) => internal_error(),
    }
}

/// `POST /runtime/invocation/{id}/error`: the posted document is the invocation's answer; its type is the
/// document's `errorType` (clients such as `lambda_runtime` send only `unhandled` in
/// `Lambda-Runtime-Function-Error-Type`), else that header.
async fn error(request: Request<Incoming>, pool: &Pool, process: &Process, id: &str) -> Reply {
    if let Err(refusal) = process.check_current(id) {
        return refused(refusal, "InvocationErrorResponse");
    }
    let error_type = header_text(&request, "Lambda-Runtime-Function-Error-Type");
    match read_body(request).await {
        Ok(payload) => {
            let error_type = document_error_type(&payload).or(error_type);
            finished(pool, process, id, Invocation::failure(id, payload, error_type))
        }
        Err(BodyError::TooLarge) => {
            pool.complete(process, id, Invocation::response_too_large(id));
            too_large()
        }
        Err(BodyError::Broken) => internal_error(),
    }
}

/// `POST /runtime/init/error`: the waiting invocation answers with the posted document; the process is
/// stopped (Lambda resets an environment whose init failed).
async fn init_error(request: Request<Incoming>, process: &Process) -> Reply {
    let phase = process.phase();
    if phase != Phase::Starting {
        return state_refusal(phase, "InitError");
    }
    let error_type = header_text(&request, "Lambda-Runtime-Function-Error-Type");
    let payload = match read_body(request).await {
        Ok(payload) => payload,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Broken) => return internal_error(),
    };
    let error_type = document_error_type(&payload).or(error_type);
    match process.init_failed(payload, error_type) {
        Ok(()) => accepted(),
        Err(phase) => state_refusal(phase, "InitError"),
    }
}

fn finished(pool: &Pool, process: &Process, id: &str, invocation: Invocation) -> Reply {
    if pool.complete(process, id, invocation) {
        accepted()
    } else {
        // It timed out while the body was arriving.
        refused(Refusal::RequestId, "InvocationResponse")
    }
}

fn header_text(request: &Request<Incoming>, name: &str) -> Option<String> {
    let value = request.headers().get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The `errorType` of a posted error document.
fn document_error_type(payload: &[u8]) -> Option<String> {
    let document: serde_json::Value = serde_json::from_slice(payload).ok()?;
    Some(document.get("errorType")?.as_str()?.to_owned())
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Reads a body of at most [`MAX_RESPONSE_PAYLOAD`] bytes within [`BODY_TIMEOUT`].
async fn read_body(request: Request<Incoming>) -> Result<Bytes, BodyError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_RESPONSE_PAYLOAD as u64) {
        return Err(BodyError::TooLarge);
    }
    let body = Limited::new(request.into_body(), MAX_RESPONSE_PAYLOAD);
    match tokio::time::timeout(BODY_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        _ => Err(BodyError::Broken),
    }
}

fn json(status: StatusCode, body: String) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn error_document(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let mut document = serde_json::Map::new();
    document.insert("errorMessage".to_owned(), message.into());
    document.insert("errorType".to_owned(), error_type.into());
    json(status, serde_json::Value::Object(document).to_string())
}

fn accepted() -> Reply {
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#.to_owned())
}

fn refused(refusal: Refusal, target: &str) -> Reply {
    match refusal {
        Refusal::State(phase) => state_refusal(phase, target),
        Refusal::RequestId => error_document(StatusCode::BAD_REQUEST, "InvalidRequestID", "Invalid request ID"),
    }
}

fn state_refusal(phase: Phase, target: &str) -> Reply {
    let message = format!(
        "State transition from {} to {target} failed for runtime. Error: State transition is not allowed",
        phase.aws_name()
    );
    error_document(StatusCode::FORBIDDEN, "InvalidStateTransition", &message)
}

fn too_large() -> Reply {
    error_document(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_PAYLOAD} bytes)."),
    )
}

fn internal_error() -> Reply {
    error_document(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "Internal Server Error",
    )
}

fn not_found() -> Reply {
    let mut response = Response::new(Full::new(Bytes::from_static(b"404 page not found\n")));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn not_allowed() -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
}
