//! The hardened edge, through the binary: the smuggling corpus, size limits and timeouts.

use std::path::Path;

use crate::harness::{Server, fixture};
use crate::raw::{self, RawConn};

fn server() -> Server {
    Server::start(&fixture("echo.yaml"), &[])
}

/// Short header and body timeouts, for the tests that wait for them to pass (the others keep the defaults, so
/// a loaded machine never trips a timeout in the middle of a 10 MB upload).
fn impatient_server() -> Server {
    Server::start(
        &fixture("echo.yaml"),
        &["--header-timeout", "500ms", "--body-timeout", "500ms"],
    )
}

#[test]
fn smuggling_corpus() {
    let server = server();
    let corpus = raw::load_corpus(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/edge-corpus"));
    assert!(corpus.len() >= 30, "corpus went missing");
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
fn header_section_is_capped_at_10240_bytes() {
    let server = server();
    // "Host: a\r\n" (9) + "X-Big: " (7) + value + "\r\n" (2) = 10,240 exactly.
    let at_limit = format!(
        "GET /dev/echo HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "v".repeat(10_240 - 18)
    );
    assert_eq!(server.request(at_limit.as_bytes()).status, 200);

    let one_over = format!(
        "GET /dev/echo HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "v".repeat(10_240 - 17)
    );
    let mut conn = RawConn::connect(server.addr);
    conn.send(one_over.as_bytes());
    let response = conn.response().unwrap();
    assert_eq!(response.status, 431);
    assert!(conn.closed());

    // hyper alone accepts a single 500 KB header (hyper#4081); the edge must not.
    let one_huge = format!(
        "GET /dev/echo HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "v".repeat(500_000)
    );
    let mut conn = RawConn::connect(server.addr);
    conn.send(one_huge.as_bytes());
    assert_eq!(conn.response().unwrap().status, 431);
    assert!(conn.closed());

    let many_small: String = (0..1500).map(|i| format!("X-{i}: v\r\n")).collect();
    let mut conn = RawConn::connect(server.addr);
    conn.send(format!("GET /dev/echo HTTP/1.1\r\nHost: a\r\n{many_small}\r\n").as_bytes());
    assert_eq!(conn.response().unwrap().status, 431);
    assert!(conn.closed());

    let long_url = format!("GET /dev/echo?q={} HTTP/1.1\r\nHost: a\r\n\r\n", "u".repeat(10_300));
    assert_eq!(server.request(long_url.as_bytes()).status, 414);
}

#[test]
fn body_is_capped_at_10_mb_with_aws_text() {
    let server = server();
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10485760\r\n\r\n");
    conn.send(&vec![b'x'; 10_485_760]);
    assert_eq!(conn.response().unwrap().status, 200, "exactly 10 MB is allowed");

    // Declared too large: answered from the head, before any body byte is read.
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761\r\n\r\n");
    let response = conn.response().unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.body_text(), "HTTP content length exceeded 10485760 bytes.");
    assert!(conn.closed());

    // Chunked: no declared length, cut off as it grows.
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = vec![b'y'; 1 << 20];
    for _ in 0..11 {
        conn.send(format!("{:x}\r\n", chunk.len()).as_bytes());
        conn.send(&chunk);
        conn.send(b"\r\n");
    }
    conn.send(b"0\r\n\r\n");
    let response = conn.response().unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.body_text(), "HTTP content length exceeded 10485760 bytes.");
    assert!(conn.closed());
}

#[test]
fn slowloris_head_is_closed_without_an_answer() {
    let server = impatient_server();
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"GET /dev/echo HTTP/1.1\r\nHost: a\r\nX-Drip: ");
    assert_eq!(conn.response(), None);
    assert!(conn.closed());
    // Other clients are unaffected.
    assert_eq!(server.request(raw::FOLLOW_UP).status, 200);
}

#[test]
fn slow_body_gets_408_and_close() {
    let server = impatient_server();
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"POST /dev/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nonly ten b");
    let response = conn.response().unwrap();
    assert_eq!(response.status, 408);
    assert!(conn.closed());
}

#[test]
fn http2_prior_knowledge_request_is_served() {
    let server = server();
    let mut conn = RawConn::connect(server.addr);
    // Preface, an empty SETTINGS frame, then HEADERS (END_STREAM | END_HEADERS) on stream 1 with an HPACK block
    // of static-table entries and literals without Huffman coding: GET http://a/dev/echo.
    let mut request = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00".to_vec();
    let block: Vec<u8> = [&[0x82, 0x86, 0x04, 9][..], b"/dev/echo", &[0x01, 1, b'a']].concat();
    request.extend_from_slice(&[0, 0, block.len() as u8, 0x01, 0x05, 0, 0, 0, 1]);
    request.extend_from_slice(&block);
    conn.send(&request);
    let mut frames = Vec::new();
    let mut received = Vec::new();
    while !frames
        .iter()
        .any(|(kind, flags, stream, _): &(u8, u8, u32, Vec<u8>)| *kind == 0 && flags & 1 == 1 && *stream == 1)
    {
        let more = conn.read_some();
        assert!(!more.is_empty(), "connection closed; frames so far: {frames:?}");
        received.extend_from_slice(&more);
        while received.len() >= 9 {
            let len = usize::from(received[0]) << 16 | usize::from(received[1]) << 8 | usize::from(received[2]);
            if received.len() < 9 + len {
                break;
            }
            let stream = u32::from_be_bytes([received[5], received[6], received[7], received[8]]) & 0x7fff_ffff;
            frames.push((received[3], received[4], stream, received[9..9 + len].to_vec()));
            received.drain(..9 + len);
        }
    }
    let headers = frames
        .iter()
        .find(|(kind, _, stream, _)| *kind == 1 && *stream == 1)
        .expect("a HEADERS frame");
    assert_eq!(headers.3.first(), Some(&0x88), ":status 200 (static table entry 8)");
    let body: Vec<u8> = frames
        .iter()
        .filter(|(kind, _, stream, _)| *kind == 0 && *stream == 1)
        .flat_map(|f| f.3.clone())
        .collect();
    assert_eq!(String::from_utf8_lossy(&body), r#"{"reply": "one"}"#);
}
