//! The Runtime API on the wire: the test plays the runtime (over plain HTTP/1.1) against a process whose command
//! only publishes its `AWS_LAMBDA_RUNTIME_API`. Expectations follow the Lambda developer guide ("Using the Lambda
//! runtime API for custom runtimes") and the wording of AWS's runtime interface emulator (`lambda/rapi`).

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tollgate_lambda_host::{FunctionConfig, FunctionHost, Invocation, InvokeError, InvokeRequest};

use crate::support::*;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One request on a fresh connection (`Connection: close`), read to the end.
async fn call(api: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut stream = TcpStream::connect(api).await.unwrap();
    let mut head = format!("{method} /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST"
        && !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// A host whose function `raw` only writes its Runtime API address to a file; an invocation is started in the
/// background so the process is spawned. Returns the address and the pending invocation.
async fn raw_runtime(
    dir: &TempDir,
    request: InvokeRequest,
) -> (
    FunctionHost,
    String,
    tokio::task::JoinHandle<Result<Invocation, InvokeError>>,
) {
    let file = dir.0.join("api");
    let config = FunctionConfig::new(
        "raw",
        format!("echo \"$AWS_LAMBDA_RUNTIME_API\" > '{}'; exec sleep 60", file.display()),
    );
    let host = host(vec![config]);
    let pending = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("raw", request).await }
    });
    let api = read_api(&file).await;
    (host, api, pending)
}

async fn read_api(file: &Path) -> String {
    let mut api = String::new();
    let found = eventually(WAIT, || {
        api = std::fs::read_to_string(file).unwrap_or_default().trim().to_owned();
        !api.is_empty()
    })
    .await;
    assert!(found, "the process never wrote its address");
    api
}

fn json_body(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_response_and_error_follow_the_runtime_api() {
    let dir = TempDir::new("protocol");
    let mut request = InvokeRequest::new(r#"{"hello":"world"}"#, WAIT);
    request.client_context = Some(r#"{"custom":{"k":"v"}}"#.to_owned());
    let (host, api, pending) = raw_runtime(&dir, request).await;

    // Nothing to answer before the first event: 403 InvalidStateTransition.
    let early = call(&api, "POST", "invocation/some-id/response", &[], "{}").await;
    assert_eq!(early.status, 403);
    assert_eq!(json_body(&early)["errorType"], "InvalidStateTransition");

    let event = call(&api, "GET", "invocation/next", &[], "").await;
    assert_eq!(event.status, 200);
    assert_eq!(event.body, r#"{"hello":"world"}"#);
    assert_eq!(event.header("Content-Type"), Some("application/json"));
    let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    assert_eq!(
        event.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some("arn:aws:lambda:us-east-1:123456789012:function:raw")
    );
    let deadline: u128 = event.header("Lambda-Runtime-Deadline-Ms").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    assert!(
        deadline > now && deadline <= now + 3_000,
        "deadline {deadline}, now {now}"
    );
    assert!(event.header("Lambda-Runtime-Trace-Id").unwrap().starts_with("Root=1-"));
    assert_eq!(
        event.header("Lambda-Runtime-Client-Context"),
        Some(r#"{"custom":{"k":"v"}}"#)
    );
    assert_eq!(event.header("Lambda-Runtime-Cognito-Identity"), None);

    // A second /next while the invocation runs, and a wrong id, are refused.
    let twice = call(&api, "GET", "invocation/next", &[], "").await;
    assert_eq!(twice.status, 403);
    assert_eq!(
        json_body(&twice)["errorMessage"],
        "State transition from Running to Ready failed for runtime. Error: State transition is not allowed"
    );
    let wrong = call(&api, "POST", "invocation/not-this-one/response", &[], "{}").await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.body,
        r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#
    );

    let posted = r#"{"errorMessage":"bad input","errorType":"InvalidEventDataException","stackTrace":["a","b"]}"#;
    let accepted = call(
        &api,
        "POST",
        &format!("invocation/{id}/error"),
        &[("Lambda-Runtime-Function-Error-Type", "InvalidEventDataException")],
        posted,
    )
    .await;
    assert_eq!((accepted.status, accepted.body.as_str()), (202, r#"{"status":"OK"}"#));
    let invocation = pending.await.unwrap().unwrap();
    assert_eq!(invocation.request_id, id);
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(invocation.error_type.as_deref(), Some("InvalidEventDataException"));
    assert_eq!(invocation.payload, posted.as_bytes());

    // The invocation is over: answering it again, or reporting an init error now, is refused.
    let late = call(&api, "POST", &format!("invocation/{id}/response"), &[], "{}").await;
    assert_eq!(late.status, 403);
    let init = call(&api, "POST", "init/error", &[], "{}").await;
    assert_eq!(init.status, 403);
    assert_eq!(call(&api, "GET", "nothing/here", &[], "").await.status, 404);
    assert_eq!(call(&api, "POST", "invocation/next", &[], "").await.status, 405);

    // The next invocation is served by the same process, through the response path.
    let second = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("raw", InvokeRequest::new("[1,2,3]", WAIT)).await }
    });
    let event = call(&api, "GET", "invocation/next", &[], "").await;
    assert_eq!(event.body, "[1,2,3]");
    let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    let done = call(&api, "POST", &format!("invocation/{id}/response"), &[], "\"SUCCESS\"").await;
    assert_eq!(done.status, 202);
    let invocation = second.await.unwrap().unwrap();
    assert_eq!(
        (invocation.payload.as_ref(), invocation.function_error),
        (&b"\"SUCCESS\""[..], None)
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_response_is_refused_with_413() {
    let dir = TempDir::new("oversized");
    let (host, api, pending) = raw_runtime(&dir, InvokeRequest::new("{}", WAIT)).await;
    let event = call(&api, "GET", "invocation/next", &[], "").await;
    let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    let refused = call(
        &api,
        "POST",
        &format!("invocation/{id}/response"),
        &[("Content-Length", "6291557")],
        "",
    )
    .await;
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.body,
        r#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#
    );
    let invocation = pending.await.unwrap().unwrap();
    assert_eq!(invocation.error_type.as_deref(), Some("Function.ResponseSizeTooLarge"));
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_init_error_answers_the_waiting_invocation() {
    let dir = TempDir::new("init-error");
    let (host, api, pending) = raw_runtime(&dir, InvokeRequest::new("{}", WAIT)).await;
    let posted = r#"{"errorMessage":"Failed to load function.","errorType":"InvalidFunctionException"}"#;
    let accepted = call(
        &api,
        "POST",
        "init/error",
        &[("Lambda-Runtime-Function-Error-Type", "InvalidFunctionException")],
        posted,
    )
    .await;
    assert_eq!(accepted.status, 202);
    let invocation = pending.await.unwrap().unwrap();
    assert_eq!(invocation.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(invocation.error_type.as_deref(), Some("InvalidFunctionException"));
    assert_eq!(invocation.payload, posted.as_bytes());
    // Lambda resets an environment whose init failed: the process is gone.
    assert!(eventually(Duration::from_secs(5), || host.status("raw").unwrap().processes == 0).await);
    host.shutdown().await;
}

/// Reads one response (head and `Content-Length` body) from a kept-alive connection.
async fn read_reply(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Reply {
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(pending[..end].to_vec()).unwrap();
            let mut lines = head.lines();
            let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            if pending.len() >= end + 4 + length {
                let body = String::from_utf8(pending[end + 4..end + 4 + length].to_vec()).unwrap();
                pending.drain(..end + 4 + length);
                return Reply { status, headers, body };
            }
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "the connection closed");
        pending.extend_from_slice(&chunk[..n]);
    }
}

/// `GET …/next` on a new kept-alive connection: the stream, its unread bytes and the first event.
async fn first_event(api: &str) -> (TcpStream, Vec<u8>, Reply) {
    let mut stream = TcpStream::connect(api).await.unwrap();
    let mut buffer = Vec::new();
    stream.write_all(next_request(api).as_bytes()).await.unwrap();
    let event = read_reply(&mut stream, &mut buffer).await;
    (stream, buffer, event)
}

fn next_request(api: &str) -> String {
    format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n")
}

/// A runtime client may pipeline `POST …/response` and the next `GET …/next` in one write; the server may hold
/// the `202` to send it with the next event, but never past the moment `/next` has to wait for one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelined_response_and_next_poll_get_the_202_first_whether_or_not_an_event_waits() {
    let dir = TempDir::new("pipelined");
    let (host, api, pending) = raw_runtime(&dir, InvokeRequest::new(r#"{"n":1}"#, WAIT)).await;
    let (mut stream, mut buffer, event) = first_event(&api).await;
    assert_eq!(event.body, r#"{"n":1}"#);
    let mut id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    let answer_and_poll = |id: &str, answer: &str| {
        format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\n\
             Content-Length: {}\r\n\r\n{answer}{}",
            answer.len(),
            next_request(&api)
        )
    };

    // No event waits: the 202 comes while `/next` is parked.
    stream.write_all(answer_and_poll(&id, "1").as_bytes()).await.unwrap();
    let accepted = read_reply(&mut stream, &mut buffer).await;
    assert_eq!((accepted.status, accepted.body.as_str()), (202, r#"{"status":"OK"}"#));
    assert_eq!(pending.await.unwrap().unwrap().payload, &b"1"[..]);
    let mut current = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("raw", InvokeRequest::new("2", WAIT)).await }
    });
    for n in 2..=4 {
        let event = read_reply(&mut stream, &mut buffer).await;
        assert_eq!((event.status, event.body.clone()), (200, n.to_string()));
        id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
        // Queue the next invocation first, so the pipelined `/next` usually finds it waiting (the 202 then goes
        // out with its event); either way the 202 comes first, then the event.
        let following = tokio::spawn({
            let host = host.clone();
            async move { host.invoke("raw", InvokeRequest::new((n + 1).to_string(), WAIT)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        stream
            .write_all(answer_and_poll(&id, &format!("{n}0")).as_bytes())
            .await
            .unwrap();
        let accepted = read_reply(&mut stream, &mut buffer).await;
        assert_eq!(accepted.status, 202);
        assert_eq!(current.await.unwrap().unwrap().payload, format!("{n}0").as_bytes());
        current = following;
    }
    let event = read_reply(&mut stream, &mut buffer).await;
    assert_eq!(event.body, "5");
    id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    let post = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nContent-Length: 2\r\n\r\n50"
    );
    stream.write_all(post.as_bytes()).await.unwrap();
    assert_eq!(read_reply(&mut stream, &mut buffer).await.status, 202);
    assert_eq!(current.await.unwrap().unwrap().payload, &b"50"[..]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_kept_alive_connection_serves_chunked_and_expect_continue_posts() {
    let dir = TempDir::new("keep-alive");
    let (host, api, pending) = raw_runtime(&dir, InvokeRequest::new(r#"{"n":1}"#, WAIT)).await;
    let (mut stream, mut buffer, event) = first_event(&api).await;
    assert_eq!((event.status, event.body.as_str()), (200, r#"{"n":1}"#));
    let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();

    // A chunked body behind `Expect: 100-continue` (RFC 9110 §10.1.1): the server says 100 before the body.
    let head = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nExpect: 100-continue\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let proceed = read_reply(&mut stream, &mut buffer).await;
    assert_eq!(proceed.status, 100);
    stream
        .write_all(b"6\r\n{\"ok\":\r\n5\r\ntrue}\r\n0\r\n\r\n")
        .await
        .unwrap();
    let accepted = read_reply(&mut stream, &mut buffer).await;
    assert_eq!((accepted.status, accepted.body.as_str()), (202, r#"{"status":"OK"}"#));
    let invocation = pending.await.unwrap().unwrap();
    assert_eq!(invocation.payload, &br#"{"ok":true}"#[..]);

    // The same connection, pipelined: a wrong route and the next long poll, sent in one write.
    let second = tokio::spawn({
        let host = host.clone();
        async move { host.invoke("raw", InvokeRequest::new("2", WAIT)).await }
    });
    let both = format!(
        "GET /2018-06-01/runtime/nothing HTTP/1.1\r\nHost: {api}\r\n\r\n\
         GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n"
    );
    stream.write_all(both.as_bytes()).await.unwrap();
    assert_eq!(read_reply(&mut stream, &mut buffer).await.status, 404);
    let event = read_reply(&mut stream, &mut buffer).await;
    assert_eq!(event.body, "2");
    let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    let post = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nContent-Length: 4\r\n\r\n\"ok\""
    );
    stream.write_all(post.as_bytes()).await.unwrap();
    assert_eq!(read_reply(&mut stream, &mut buffer).await.status, 202);
    assert_eq!(second.await.unwrap().unwrap().payload, &b"\"ok\""[..]);

    // A head that is not HTTP is a 400, and the connection closes.
    stream.write_all(b"NONSENSE\r\n\r\n").await.unwrap();
    assert_eq!(read_reply(&mut stream, &mut buffer).await.status, 400);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await.unwrap();
    assert!(closed.is_ok() && rest.is_empty());
    host.shutdown().await;
}
