//! Request validation, CORS and binary payloads through `tollgate serve`, on the example APIs the README points
//! to (examples/validation.yaml, cors.yaml, binary.yaml): AWS's exact 400 bodies, a browser's preflight, and a
//! PNG stored and read back through an HTTP integration with CONVERT_TO_BINARY / CONVERT_TO_TEXT.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::Server;
use crate::raw::{RawConn, RawResponse};

/// The first bytes of a PNG file: not UTF-8 (0x89), with NUL bytes.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
/// `PNG` in base64.
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ";

fn example(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// Sends one request on a fresh connection and reads the answer.
fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> RawResponse {
    let mut conn = RawConn::connect(addr);
    let mut request = head.replace('\n', "\r\n");
    request.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    conn.send(&bytes);
    conn.response().expect("a response")
}

#[test]
fn validation_answers_with_aws_400_bodies() {
    let server = Server::start(&example("validation.yaml"), &[]);
    let addr = server.addr;

    let missing = exchange(
        addr,
        "POST /dev/orders HTTP/1.1\nHost: localhost\nContent-Type: application/json\n",
        br#"{"customerId": "C-1234", "items": [{"sku": "a", "quantity": 1}]}"#,
    );
    assert_eq!(missing.status, 400);
    assert_eq!(missing.header("x-amzn-ErrorType"), Some("BadRequestException"));
    let request_id = missing.header("x-amzn-RequestId").unwrap().to_owned();
    assert_eq!(
        missing.body_text(),
        format!(
            r#"{{"message": "Missing required request parameters: [Idempotency-Key]", "requestId": "{request_id}"}}"#
        )
    );

    let empty = exchange(
        addr,
        "POST /dev/orders HTTP/1.1\nHost: localhost\nContent-Type: application/json\nIdempotency-Key: k1\n",
        b"",
    );
    assert_eq!(empty.status, 400);
    let request_id = empty.header("x-amzn-RequestId").unwrap().to_owned();
    assert_eq!(
        empty.body_text(),
        format!(
            r#"{{"message": "Invalid request body", "errors": "[object has missing required properties (["customerId","items"])]", "requestId": "{request_id}"}}"#
        )
    );

    let nested = exchange(
        addr,
        "POST /dev/orders HTTP/1.1\nHost: localhost\nContent-Type: application/json\nIdempotency-Key: k2\n",
        br#"{"customerId": "C-1234", "items": [{"sku": "a", "quantity": 0}], "giftMessage": null}"#,
    );
    assert_eq!(nested.status, 400);
    assert!(
        nested
            .body_text()
            .contains(r#""errors": "[numeric instance is lower than the required minimum (minimum: 1, found: 0)]""#),
        "{}",
        nested.body_text()
    );

    let accepted = exchange(
        addr,
        "POST /dev/orders HTTP/1.1\nHost: localhost\nContent-Type: application/json\nIdempotency-Key: k3\n",
        br#"{"customerId": "C-1234", "currency": "EUR", "items": [{"sku": "a", "quantity": 2}], "giftMessage": null}"#,
    );
    assert_eq!(accepted.status, 201, "{}", accepted.body_text());
    assert!(accepted.body_text().contains(r#""status": "ACCEPTED""#));

    // `$default` model: any content type is checked against it.
    let note = exchange(
        addr,
        "PUT /dev/orders/o-1/notes HTTP/1.1\nHost: localhost\nContent-Type: text/plain\n",
        br#"{"text": ""}"#,
    );
    assert_eq!(note.status, 400);
    assert!(
        note.body_text()
            .contains("is too short (length: 0, required minimum: 1)")
    );
    let note = exchange(
        addr,
        "PUT /dev/orders/o-1/notes HTTP/1.1\nHost: localhost\nContent-Type: text/plain\n",
        br#"{"text": "leave at the door"}"#,
    );
    assert_eq!(note.status, 204, "{}", note.body_text());

    drop(server);
}

#[test]
fn cors_preflight_from_a_browser() {
    let server = Server::start(&example("cors.yaml"), &[]);
    let addr = server.addr;

    // What Chrome sends before a cross-origin JSON POST.
    let preflight = exchange(
        addr,
        "OPTIONS /dev/pets HTTP/1.1\nHost: localhost\nAccept: */*\nAccess-Control-Request-Method: POST\n\
         Access-Control-Request-Headers: content-type\nOrigin: https://app.example.com\n\
         Sec-Fetch-Mode: cors\nSec-Fetch-Site: cross-site\nSec-Fetch-Dest: empty\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\n",
        b"",
    );
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        preflight.header("Access-Control-Allow-Methods"),
        Some("GET,POST,OPTIONS")
    );
    assert_eq!(
        preflight.header("Access-Control-Allow-Headers"),
        Some("Content-Type,Authorization,X-Api-Key")
    );
    assert_eq!(preflight.header("Access-Control-Max-Age"), Some("600"));
    assert_eq!(preflight.body_text(), "{}");

    let list = exchange(
        addr,
        "GET /dev/pets HTTP/1.1\nHost: localhost\nOrigin: https://app.example.com\n",
        b"",
    );
    assert_eq!(list.status, 200);
    assert_eq!(
        list.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
    assert_eq!(list.header("Vary"), Some("Origin"));

    // Errors carry the headers through DEFAULT_4XX / DEFAULT_5XX, so the browser can read them.
    let unknown = exchange(
        addr,
        "GET /dev/owners HTTP/1.1\nHost: localhost\nOrigin: https://app.example.com\n",
        b"",
    );
    assert_eq!(unknown.status, 403);
    assert_eq!(unknown.body_text(), r#"{"message":"Missing Authentication Token"}"#);
    assert_eq!(
        unknown.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );

    let invalid = exchange(
        addr,
        "POST /dev/pets HTTP/1.1\nHost: localhost\nOrigin: https://app.example.com\n",
        b"",
    );
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body_text(),
        r#"{"message":"Missing required request parameters: [Content-Type]"}"#
    );
    assert_eq!(
        invalid.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );

    let broken = exchange(
        addr,
        "GET /dev/pets/7 HTTP/1.1\nHost: localhost\nOrigin: https://app.example.com\n",
        b"",
    );
    assert_eq!(broken.status, 500);
    assert_eq!(broken.body_text(), r#"{"message": "Internal server error"}"#);
    assert_eq!(
        broken.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );

    drop(server);
}

/// Stored objects by path: (Content-Type, bytes).
type Objects = Mutex<HashMap<String, (String, Vec<u8>)>>;

/// An image store on loopback: `PUT /store/NAME` keeps the body and its Content-Type, `GET /store/NAME` returns
/// them (404 when unknown). One request per connection; stopped on drop.
struct ImageStore {
    addr: SocketAddr,
    objects: Arc<Objects>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ImageStore {
    fn start() -> ImageStore {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let objects: Arc<Objects> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (store, stopping) = (Arc::clone(&objects), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => serve_one(stream, &store),
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        ImageStore {
            addr,
            objects,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ImageStore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, store: &Objects) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    }
    let body = data[head_end..head_end + length].to_vec();
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or("").to_owned());
    let (status, content_type, reply) = if method == "PUT" {
        let content_type = header("content-type").unwrap_or_else(|| "application/octet-stream".to_owned());
        store.lock().unwrap().insert(path, (content_type, body));
        ("200 OK", "application/json".to_owned(), b"{}".to_vec())
    } else {
        match store.lock().unwrap().get(&path) {
            Some((content_type, bytes)) => ("200 OK", content_type.clone(), bytes.clone()),
            None => ("404 Not Found", "application/json".to_owned(), b"{}".to_vec()),
        }
    };
    let mut answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    )
    .into_bytes();
    answer.extend_from_slice(&reply);
    let _ = stream.write_all(&answer);
}

#[test]
fn a_png_round_trips_through_an_http_integration() {
    let store = ImageStore::start();
    let variable = format!("imageHost={}", store.addr);
    let server = Server::start(&example("binary.yaml"), &["--stage-variable", &variable]);
    let addr = server.addr;

    // Upload: image/png is a binary media type, so the bytes reach the store untouched.
    let put = exchange(
        addr,
        "PUT /dev/images/cat.png HTTP/1.1\nHost: localhost\nContent-Type: image/png\n",
        PNG,
    );
    assert_eq!(put.status, 200, "{}", put.body_text());
    assert_eq!(put.body_text(), r#"{"stored": "cat.png"}"#);
    assert_eq!(
        store.objects.lock().unwrap().get("/store/cat.png"),
        Some(&("image/png".to_owned(), PNG.to_vec()))
    );

    // Download with a binary Accept: the same bytes and the store's Content-Type.
    let get = exchange(
        addr,
        "GET /dev/images/cat.png HTTP/1.1\nHost: localhost\nAccept: image/png\n",
        b"",
    );
    assert_eq!(get.status, 200);
    assert_eq!(get.body, PNG);
    assert_eq!(get.header("Content-Type"), Some("image/png"));

    // A text Accept gets base64 text (binary payload, text Accept, no contentHandling).
    let as_text = exchange(
        addr,
        "GET /dev/images/cat.png HTTP/1.1\nHost: localhost\nAccept: text/plain\n",
        b"",
    );
    let encoded = PNG_BASE64;
    assert_eq!(as_text.body_text(), encoded);

    // CONVERT_TO_TEXT on the integration response: base64 inside a JSON template.
    let json = exchange(
        addr,
        "GET /dev/images/cat.png/base64 HTTP/1.1\nHost: localhost\nAccept: application/json\n",
        b"",
    );
    assert_eq!(json.status, 200);
    assert_eq!(
        json.body_text(),
        format!(r#"{{"name": "cat.png", "data": "{encoded}"}}"#)
    );

    // CONVERT_TO_BINARY on the integration: base64 text in, bytes stored.
    let upload = exchange(
        addr,
        "PUT /dev/images/dog.png/base64 HTTP/1.1\nHost: localhost\nContent-Type: text/plain\n",
        encoded.as_bytes(),
    );
    assert_eq!(upload.status, 200, "{}", upload.body_text());
    assert_eq!(
        store.objects.lock().unwrap().get("/store/dog.png"),
        Some(&("image/png".to_owned(), PNG.to_vec()))
    );

    // Not base64: API Gateway's 500.
    let bad = exchange(
        addr,
        "PUT /dev/images/bad.png/base64 HTTP/1.1\nHost: localhost\nContent-Type: text/plain\n",
        b"not base64 at all",
    );
    assert_eq!(bad.status, 500);
    assert_eq!(bad.body_text(), r#"{"message": "Internal server error"}"#);

    drop(server);
}
