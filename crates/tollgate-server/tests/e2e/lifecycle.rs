//! Start, serve, graceful stop.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::{PATIENCE, Server, fixture};
use crate::raw::{self, RawConn};

#[test]
fn prints_urls_serves_the_stage_and_reports_health() {
    let server = Server::start(&fixture("echo.yaml"), &[]);
    let response = server.request(b"GET /dev/echo HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), r#"{"reply": "one"}"#);
    assert!(response.header("x-amzn-RequestId").is_some());
    // The connection count may still include the one just closed: not part of the comparison.
    let health = server.health();
    assert!(
        health.starts_with(r#"{"status":"ok","deploymentVersion":1,"stage":"dev","reloadFailures":0,"connections":"#),
        "{health}"
    );
}

#[test]
fn sigterm_drains_in_flight_requests_refuses_new_connections_and_exits_0() {
    let mut server = Server::start(&fixture("echo.yaml"), &["--body-timeout", "30s"]);
    // In flight: the head and half the body are in; the rest comes after the stop signal.
    let mut in_flight = RawConn::connect(server.addr);
    in_flight.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    in_flight.expect_continue();
    in_flight.send(b"hello");
    // Idle keep-alive connection: closed by the drain.
    let mut idle = RawConn::connect(server.addr);
    idle.send(raw::FOLLOW_UP);
    assert_eq!(idle.response().unwrap().status, 200);

    server.signal("TERM");
    server.wait_stderr("stopping");
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect_timeout(&server.addr, Duration::from_secs(1)).is_ok() {
        assert!(Instant::now() < deadline, "still accepting connections after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(idle.closed(), "idle connection left open during the drain");

    in_flight.send(b"world");
    let response = in_flight.response().expect("the in-flight request completes");
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), r#"{"reply": "one"}"#);
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "stderr:\n{}", server.stderr());
    assert!(server.stderr().contains("every in-flight request completed"));
}

#[test]
fn sigint_stops_too() {
    let mut server = Server::start(&fixture("echo.yaml"), &[]);
    server.signal("INT");
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn grace_period_bounds_the_drain() {
    let mut server = Server::start(
        &fixture("echo.yaml"),
        &["--grace-period", "300ms", "--body-timeout", "60s"],
    );
    let mut stuck = RawConn::connect(server.addr);
    stuck.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    stuck.expect_continue();
    stuck.send(b"hello");
    server.signal("TERM");
    // The body never completes; the process still exits 0 once the grace period is over.
    assert_eq!(server.wait().code(), Some(0));
    assert!(
        server.stderr().contains("grace period over"),
        "stderr:\n{}",
        server.stderr()
    );
}

#[test]
fn access_log_lines_go_to_stdout() {
    let mut server = Server::start(
        &fixture("echo.yaml"),
        &[
            "--access-log-format",
            "$context.httpMethod $context.path $context.status",
        ],
    );
    assert_eq!(
        server.request(b"GET /dev/echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").status,
        200
    );
    assert_eq!(server.stdout_line(|line| line.starts_with("GET ")), "GET /dev/echo 200");
}

#[test]
fn port_in_use_is_an_error_with_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let api = fixture("echo.yaml");
    let (code, stdout, stderr) = crate::harness::run(&[
        std::ffi::OsStr::new("serve"),
        api.as_os_str(),
        "--port".as_ref(),
        port.as_ref(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
}

#[test]
fn access_log_presets_by_name() {
    let mut server = Server::start(&fixture("echo.yaml"), &["--access-log-format", "json"]);
    assert_eq!(server.request(b"GET /dev/echo HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
    let line = server.stdout_line(|line| line.starts_with("{ \"requestId\":\""));
    assert!(
        line.contains(r#""httpMethod":"GET""#) && line.contains(r#""status":"200""#),
        "{line}"
    );
    assert!(line.contains(r#""resourcePath":"/echo""#), "{line}");
}

#[test]
fn max_connections_holds_further_clients_in_the_backlog() {
    let server = Server::start(&fixture("echo.yaml"), &["--max-connections", "1"]);
    let mut first = RawConn::connect(server.addr);
    first.send(raw::FOLLOW_UP);
    assert_eq!(first.response().unwrap().status, 200);
    assert!(server.health().contains(r#""connections":1"#), "{}", server.health());
    // The kernel completes the second handshake, but the gateway does not take the connection while the first
    // one holds the only slot.
    let mut second = RawConn::connect(server.addr);
    second.send(raw::FOLLOW_UP);
    assert!(server.health().contains(r#""connections":1"#), "{}", server.health());
    drop(first);
    assert_eq!(second.response().expect("served once the slot is free").status, 200);
}
