//! The edge in-process, behind a stub handler: the smuggling corpus, size limits, timeouts, panics.
//! (The end-to-end suite runs the same corpus against the built binary and a MOCK API.)

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use tokio::sync::watch;

use tollgate_runtime::Arrival;

use super::{EdgeConfig, Handler};

#[path = "../../tests/e2e/raw.rs"]
#[allow(dead_code)]
mod raw;

use raw::RawConn;

/// Answers 200 with what it saw: method, path, body length and the original header names.
#[derive(Debug)]
struct Echo;

impl Handler for Echo {
    type Body = Full<Bytes>;

    async fn handle(&self, request: Request<Bytes>, arrival: Arrival) -> Response<Full<Bytes>> {
        if request.uri().path() == "/dev/panic" {
            panic!("the stub handler panics on purpose");
        }
        if request.uri().path() == "/dev/slow" {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        let names = arrival
            .original_names
            .map_or_else(String::new, |names| names.iter().collect::<Vec<_>>().join(","));
        let text = format!(
            "{} {} {} [{}]",
            request.method(),
            request.uri().path(),
            request.body().len(),
            names
        );
        Response::new(Full::new(Bytes::from(text)))
    }
}

struct TestServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<bool>>,
}

impl TestServer {
    fn start(config: EdgeConfig) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::spawn(move || {
            runtime.block_on(super::serve(
                listener,
                Arc::new(Echo),
                config,
                (stopped, Duration::from_secs(5)),
                Arc::default(),
            ))
        });
        TestServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    fn conn(&self) -> RawConn {
        RawConn::connect(self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Timeouts long enough that a loaded CI machine never trips them by accident (a 10 MB body may stall for a
/// while between writes); the timeout tests use [`impatient`].
fn quick() -> EdgeConfig {
    EdgeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(5),
        body_deadline: Duration::from_secs(30),
        max_connections: 64,
    }
}

/// Short header and body timeouts, for the tests that wait for them to pass.
fn impatient() -> EdgeConfig {
    EdgeConfig {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        ..quick()
    }
}

#[test]
fn smuggling_corpus() {
    let server = TestServer::start(quick());
    let corpus = raw::load_corpus(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/edge-corpus"));
    assert!(corpus.len() >= 30);
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|case| raw::run_case(server.addr, case).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} corpus case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn keeps_original_header_names_per_request() {
    let server = TestServer::start(quick());
    let mut conn = server.conn();
    conn.send(
        b"GET /dev/a HTTP/1.1\r\nhOsT: a\r\ntEsT-HEADeR: 1\r\n\r\nGET /dev/b HTTP/1.1\r\nHost: a\r\nX-Two: 2\r\n\r\n",
    );
    assert_eq!(conn.response().unwrap().body_text(), "GET /dev/a 0 [hOsT,tEsT-HEADeR]");
    assert_eq!(conn.response().unwrap().body_text(), "GET /dev/b 0 [Host,X-Two]");
}

#[test]
fn header_limits() {
    let server = TestServer::start(quick());
    let under = format!(
        "GET /dev/x HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "v".repeat(10_240 - 9 - 11)
    );
    let mut conn = server.conn();
    conn.send(under.as_bytes());
    assert_eq!(
        conn.response().unwrap().status,
        200,
        "10,240 bytes of headers are allowed"
    );

    let one_huge = format!(
        "GET /dev/x HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "v".repeat(500_000)
    );
    let mut conn = server.conn();
    conn.send(one_huge.as_bytes());
    let response = conn.response().unwrap();
    assert_eq!(response.status, 431);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(conn.closed());

    let many_small: String = (0..2000).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let mut conn = server.conn();
    conn.send(format!("GET /dev/x HTTP/1.1\r\nHost: a\r\n{many_small}\r\n").as_bytes());
    assert_eq!(conn.response().unwrap().status, 431);
    assert!(conn.closed());

    let too_many: String = (0..101).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let mut conn = server.conn();
    conn.send(format!("GET /dev/x HTTP/1.1\r\n{too_many}\r\n").as_bytes());
    assert_eq!(conn.response().unwrap().status, 431);

    let long_url = format!("GET /dev/{} HTTP/1.1\r\nHost: a\r\n\r\n", "u".repeat(10_300));
    let mut conn = server.conn();
    conn.send(long_url.as_bytes());
    assert_eq!(conn.response().unwrap().status, 414);
}

#[test]
fn body_limits() {
    let server = TestServer::start(quick());
    let at_cap = vec![b'a'; 10_485_760];
    let mut conn = server.conn();
    conn.send(
        format!(
            "POST /dev/x HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            at_cap.len()
        )
        .as_bytes(),
    );
    conn.send(&at_cap);
    assert_eq!(
        conn.response().unwrap().body_text(),
        "POST /dev/x 10485760 [Host,Content-Length]"
    );

    // Chunked bodies have no declared length: the cap applies as they grow.
    let mut conn = server.conn();
    conn.send(b"POST /dev/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = vec![b'b'; 1 << 20];
    let mut answered = None;
    for _ in 0..11 {
        conn.send(format!("{:x}\r\n", chunk.len()).as_bytes());
        conn.send(&chunk);
        conn.send(b"\r\n");
    }
    conn.send(b"0\r\n\r\n");
    if let Some(response) = conn.response() {
        answered = Some(response);
    }
    let response = answered.expect("an answer");
    assert_eq!(response.status, 413);
    assert_eq!(response.body_text(), "HTTP content length exceeded 10485760 bytes.");
    assert!(conn.closed());
}

#[test]
fn slow_head_is_cut_off() {
    let server = TestServer::start(impatient());
    let mut conn = server.conn();
    conn.send(b"GET /dev/x HTTP/1.1\r\nHost: a\r\nX-Slow: ");
    // The head never completes: the server closes without an answer once the header timeout passes.
    assert_eq!(conn.response(), None);
    assert!(conn.closed());
}

#[test]
fn slow_body_gets_408() {
    let server = TestServer::start(impatient());
    let mut conn = server.conn();
    conn.send(b"POST /dev/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
    let response = conn.response().expect("an answer");
    assert_eq!(response.status, 408);
    assert!(conn.closed());
}

#[test]
fn client_half_close_after_body_still_gets_its_answer_or_a_close() {
    let server = TestServer::start(impatient());
    let mut conn = server.conn();
    conn.send(b"POST /dev/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
    conn.shutdown_write();
    // The body can never complete: the server must not hang on it.
    let answer = conn.response();
    assert!(
        answer.as_ref().is_none_or(|response| response.status == 400),
        "{answer:?}"
    );
    assert!(conn.closed());
}

#[test]
fn panic_is_a_500_and_the_connection_lives_on() {
    let server = TestServer::start(quick());
    let mut conn = server.conn();
    conn.send(b"GET /dev/panic HTTP/1.1\r\nHost: a\r\n\r\n");
    let response = conn.response().unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(response.body_text(), r#"{"message": "Internal server error"}"#);
    assert_eq!(
        response.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
    conn.send(raw::FOLLOW_UP);
    assert_eq!(conn.response().unwrap().status, 200);
}

#[test]
fn a_pipelined_head_waiting_behind_a_slow_answer_is_not_a_slowloris() {
    let server = TestServer::start(EdgeConfig {
        header_timeout: Duration::from_secs(1),
        ..quick()
    });
    let mut conn = server.conn();
    // The second head is incomplete while the first request takes longer than the header timeout.
    conn.send(b"GET /dev/slow HTTP/1.1\r\nHost: a\r\n\r\nGET /dev/next HTTP/1.1\r\nHo");
    assert_eq!(conn.response().expect("the slow answer").status, 200);
    conn.send(b"st: a\r\n\r\n");
    assert_eq!(
        conn.response().expect("the pipelined answer").body_text(),
        "GET /dev/next 0 [Host]"
    );
}

/// The keep-alive idle timeout (the wire reader's since hyper's per-request timer is off): an idle connection is
/// closed without an answer once it passes; requests that keep coming keep the connection open past it, and
/// an answer that takes longer than it is still delivered.
#[test]
fn idle_keep_alive_connections_are_closed_busy_ones_are_not() {
    let server = TestServer::start(EdgeConfig {
        idle_timeout: Duration::from_secs(1),
        ..quick()
    });
    let mut busy = server.conn();
    for _ in 0..15 {
        busy.send(raw::FOLLOW_UP);
        assert_eq!(busy.response().expect("an answer while busy").status, 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    // 1.5 s of requests 100 ms apart: longer than the idle timeout, and still open; then a 1.5 s answer.
    busy.send(b"GET /dev/slow HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(
        busy.response()
            .expect("an answer slower than the idle timeout")
            .body_text(),
        "GET /dev/slow 0 [Host]"
    );

    let mut idle = server.conn();
    idle.send(raw::FOLLOW_UP);
    assert_eq!(idle.response().expect("the first answer").status, 200);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(idle.response(), None);
    assert!(idle.closed());
}

/// A graceful stop: an idle keep-alive connection is closed at once, a request in progress still gets its
/// answer (marked `connection: close`), and the server reports that every connection drained.
#[test]
fn stop_closes_idle_connections_and_finishes_answers_in_progress() {
    let mut server = TestServer::start(quick());
    let mut idle = server.conn();
    idle.send(raw::FOLLOW_UP);
    assert_eq!(idle.response().expect("the first answer").status, 200);
    let mut busy = server.conn();
    busy.send(b"GET /dev/slow HTTP/1.1\r\nHost: a\r\n\r\n");
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    server.stop.send(true).unwrap();
    assert_eq!(idle.response(), None);
    assert!(idle.closed());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the idle connection waited for the slow one"
    );
    let answer = busy.response().expect("the answer in progress");
    assert_eq!(answer.body_text(), "GET /dev/slow 0 [Host]");
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(busy.closed());
    let drained = server.thread.take().unwrap().join().unwrap();
    assert!(drained, "every connection finished within the grace period");
}
