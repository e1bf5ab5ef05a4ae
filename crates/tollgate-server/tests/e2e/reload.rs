//! Hot reload: a valid change is served, an invalid one is reported while the last good one keeps serving,
//! a request in flight during a reload completes.

use crate::harness::{Scratch, Server, fixture};
use crate::raw::RawConn;

const GET: &[u8] = b"GET /dev/echo HTTP/1.1\r\nHost: a\r\n\r\n";

fn write_reply(path: &std::path::Path, reply: &str) {
    let text = std::fs::read_to_string(fixture("echo.yaml"))
        .unwrap()
        .replace(r#"{"reply": "one"}"#, reply);
    // Write-to-temp-and-rename, as editors do: the watcher must see a new inode, never half a file.
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

#[test]
fn watched_file_changes_are_served_and_broken_ones_are_not() {
    let scratch = Scratch::new("reload-watch");
    let api = scratch.file("api.yaml");
    write_reply(&api, r#"{"reply": "one"}"#);
    let server = Server::start(&api, &[]);
    assert_eq!(server.request(GET).body_text(), r#"{"reply": "one"}"#);

    write_reply(&api, r#"{"reply": "two"}"#);
    server.wait_version(2);
    assert_eq!(server.request(GET).body_text(), r#"{"reply": "two"}"#);

    let broken = std::fs::read_to_string(&api)
        .unwrap()
        .replace(r#"type: "mock""#, r#"type: "mocky""#);
    std::fs::write(&api, broken).unwrap();
    server.wait_stderr("reload failed");
    assert!(
        server.stderr().contains("api.yaml:"),
        "the report names file:line:col:\n{}",
        server.stderr()
    );
    assert!(
        server.stderr().contains("unknown integration type"),
        "{}",
        server.stderr()
    );
    assert_eq!(
        server.request(GET).body_text(),
        r#"{"reply": "two"}"#,
        "the last good deployment serves"
    );
    assert_eq!(server.version(), 2);
    assert!(server.health().contains(r#""reloadFailures":1"#), "{}", server.health());

    write_reply(&api, r#"{"reply": "three"}"#);
    server.wait_version(3);
    assert_eq!(server.request(GET).body_text(), r#"{"reply": "three"}"#);
}

#[test]
fn sighup_reloads_and_a_request_in_flight_completes() {
    let scratch = Scratch::new("reload-hup");
    let api = scratch.file("api.yaml");
    write_reply(&api, r#"{"reply": "one"}"#);
    let server = Server::start(&api, &["--no-watch", "--body-timeout", "30s"]);

    let mut in_flight = RawConn::connect(server.addr);
    in_flight.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    in_flight.expect_continue();
    in_flight.send(b"hello");
    write_reply(&api, r#"{"reply": "two"}"#);
    server.signal("HUP");
    server.wait_version(2);
    in_flight.send(b"world");
    let response = in_flight.response().expect("the in-flight request completes");
    assert_eq!(response.status, 200);
    // The gateway takes its snapshot when the request reaches it, after the body: the new one.
    assert_eq!(response.body_text(), r#"{"reply": "two"}"#);
    assert_eq!(server.request(GET).body_text(), r#"{"reply": "two"}"#);
}
