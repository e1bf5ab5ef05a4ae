//! Backends that misbehave: the gateway answers every client (a 5xx chosen by the runtime), never hangs
//! past the integration timeout, and keeps serving.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::harness::{Server, fixture};
use crate::raw::RawConn;

/// A backend on loopback that misbehaves according to the request path; stopped on drop.
struct ChaosBackend {
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ChaosBackend {
    fn start() -> ChaosBackend {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(stream) = misbehave(stream) {
                            held.push(stream);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        ChaosBackend {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ChaosBackend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One request per connection (answers say `Connection: close`, so the gateway's client never reuses a
/// connection this backend is about to close). Reads the request head, then: `/hang` keeps the connection open
/// and silent (returned, to be held),
/// `/reset` closes at once, `/garbage` answers bytes that are not HTTP, `/truncated` promises 100 bytes and
/// sends 5, anything else answers 200.
fn misbehave(mut stream: TcpStream) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65_536 {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
    match path.as_str() {
        "/hang" => return Some(stream),
        "/reset" => {
            let _ = stream.shutdown(Shutdown::Both);
        }
        "/garbage" => {
            let _ = stream.write_all(b"\x00\x01 this is not HTTP at all\r\n\r\n");
        }
        "/truncated" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort");
        }
        _ => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok",
            );
        }
    }
    None
}

#[test]
fn misbehaving_backends_get_5xx_answers_and_the_gateway_keeps_serving() {
    let backend = ChaosBackend::start();
    let variable = format!("backend={}", backend.addr);
    let server = Server::start(&fixture("backend.yaml"), &["--stage-variable", &variable]);
    let get = |path: &str| server.request(format!("GET /dev{path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());

    assert_eq!(get("/fine").status, 200);
    assert_eq!(get("/fine").body_text(), "ok");
    for path in ["/hang", "/reset", "/garbage"] {
        let response = get(path);
        assert!(
            (500..=504).contains(&response.status),
            "{path}: {} {}",
            response.status,
            response.body_text()
        );
    }
    // A body cut short after its head: AWS buffers integration responses and would answer 502. The runtime
    // streams HTTP_PROXY bodies, so the status line has already gone out; the client must then see the
    // connection end (never a hang, never a body padded to the promised length).
    let mut conn = RawConn::connect(server.addr);
    conn.send(b"GET /dev/truncated HTTP/1.1\r\nHost: a\r\n\r\n");
    let received = conn.read_to_end();
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("HTTP/1.1 502 ") || text.starts_with("HTTP/1.1 200 "),
        "{text}"
    );
    assert!(
        !text.starts_with("HTTP/1.1 200 ") || text.ends_with("\r\n\r\nshort"),
        "{text}"
    );
    // The integration timeout (500 ms in the fixture) is what a hanging backend gets: AWS's 504.
    assert_eq!(get("/hang").status, 504);
    assert_eq!(get("/fine").status, 200, "still serving after the faults");
}

/// A backend that records every request line it receives (reading `Content-Length` and chunked bodies
/// properly, keep-alive) and answers each with 200.
struct CaptureBackend {
    addr: std::net::SocketAddr,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CaptureBackend {
    fn start() -> CaptureBackend {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (recording, stopping) = (Arc::clone(&seen), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let recording = Arc::clone(&recording);
                        std::thread::spawn(move || capture(stream, &recording));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        CaptureBackend {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for CaptureBackend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn capture(stream: TcpStream, seen: &std::sync::Mutex<Vec<String>>) {
    use std::io::BufRead;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = std::io::BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut length, mut chunked) = (0usize, false);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let lower = header.trim_end().to_ascii_lowercase();
            if lower.is_empty() {
                break;
            }
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        if chunked {
            loop {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let size = usize::from_str_radix(size.trim_end().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
                let mut data = vec![0u8; size + 2];
                if reader.read_exact(&mut data).is_err() {
                    return;
                }
                if size == 0 {
                    break;
                }
            }
        } else if reader.read_exact(&mut vec![0u8; length]).is_err() {
            return;
        }
        seen.lock().unwrap().push(line.trim_end().to_owned());
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .is_err()
        {
            return;
        }
    }
}

#[test]
fn smuggling_corpus_through_http_proxy_reaches_the_backend_as_sent_once() {
    let backend = CaptureBackend::start();
    let variable = format!("backend={}", backend.addr);
    let server = Server::start(&fixture("backend.yaml"), &["--stage-variable", &variable]);
    let corpus = crate::raw::load_corpus(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/edge-corpus"));
    let mut accepted = 0;
    for case in &corpus {
        if let Err(mismatch) = crate::raw::run_case(server.addr, case) {
            panic!("{mismatch}");
        }
        // Every 200 went to the backend once, and so did the follow-up on connections left open.
        accepted += case.statuses.iter().filter(|&&status| status == 200).count() + usize::from(!case.close);
    }
    let seen = backend.seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|line| !line.contains("smuggled")),
        "a smuggled request reached the backend: {seen:?}"
    );
    assert_eq!(seen.len(), accepted, "backend saw {seen:#?}");
    assert!(
        seen.iter()
            .all(|line| line.starts_with("GET /echo ") || line.starts_with("POST /echo ")),
        "{seen:?}"
    );
}
