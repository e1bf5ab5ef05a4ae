//! The pooled backend against small scripted HTTP/1.1 servers on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{HttpBackend, HttpBackendError, HttpClientOptions, PooledHttpBackend};
use crate::body::RequestBody;

/// What a scripted backend does on each connection.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Script {
    /// Answers every request, keeping the connection open.
    KeepAlive,
    /// Answers one request and closes the connection, without a `Connection: close` header.
    CloseAfterAnswer,
    /// Answers one request, reads the next one whole, and closes without answering it: the backend's close
    /// crossing the gateway's next request.
    CloseOnSecondRequest,
}

/// A scripted backend: counts connections accepted, connections the client closed, and requests read.
struct Backend {
    port: u16,
    accepted: Arc<AtomicUsize>,
    closed_by_client: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Backend {
    async fn start(script: Script) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let backend = Backend {
            port,
            accepted: Arc::default(),
            closed_by_client: Arc::default(),
            requests: Arc::default(),
        };
        let (accepted, closed, requests) = (
            backend.accepted.clone(),
            backend.closed_by_client.clone(),
            backend.requests.clone(),
        );
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let number = accepted.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(serve(stream, number, script, closed.clone(), requests.clone()));
            }
        });
        backend
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves one connection per `script`; each answer's body names the connection (`conn-N`).
async fn serve(
    mut stream: TcpStream,
    number: usize,
    script: Script,
    closed_by_client: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
) {
    let mut buffer = Vec::new();
    let mut answered = 0;
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            closed_by_client.fetch_add(1, Ordering::SeqCst);
            return;
        };
        requests.fetch_add(1, Ordering::SeqCst);
        if script == Script::CloseOnSecondRequest && answered == 1 {
            return;
        }
        let body = format!("conn-{number} {request}");
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        answered += 1;
        if script == Script::CloseAfterAnswer {
            return;
        }
    }
}

/// Reads one request (head and `content-length` body); `None` at the end of the stream. Returns the request
/// line and the `host` header, which tests check.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, value)| value.trim().to_owned())
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let line = head.lines().next().unwrap_or_default().to_owned();
    let host = header("host").unwrap_or_default();
    buffer.drain(..head_end + length);
    Some(format!("{line} host={host}"))
}

fn options() -> HttpClientOptions {
    HttpClientOptions {
        connect_timeout: Duration::from_secs(5),
        ..HttpClientOptions::default()
    }
}

fn get(url: &str) -> Request<RequestBody> {
    Request::get(url).body(RequestBody::empty()).unwrap()
}

/// Sends `request` and reads the whole answer body.
async fn exchange(client: &PooledHttpBackend, request: Request<RequestBody>) -> Result<String, HttpBackendError> {
    let response = client.send(request).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect_bytes().await.unwrap();
    Ok(String::from_utf8(body.to_vec()).unwrap())
}

/// Polls `condition` for up to 5 s (the backend's side of a close arrives asynchronously).
async fn eventually(condition: impl Fn() -> bool) -> bool {
    for _ in 0..500 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    condition()
}

#[tokio::test]
async fn keep_alive_connections_are_reused_and_requests_go_in_origin_form_with_host() {
    let backend = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    let mut answers = Vec::new();
    for path in ["/a?x=1", "/b", ""] {
        answers.push(exchange(&client, get(&backend.url(path))).await.unwrap());
    }
    let host = format!("host=127.0.0.1:{}", backend.port);
    assert_eq!(
        answers,
        [
            format!("conn-1 GET /a?x=1 HTTP/1.1 {host}"),
            format!("conn-1 GET /b HTTP/1.1 {host}"),
            format!("conn-1 GET / HTTP/1.1 {host}"),
        ]
    );
    assert_eq!(backend.accepted(), 1);
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn a_client_made_outside_a_runtime_serves_requests_sent_from_one() {
    // The fuzz targets and embedders build their backends before their runtime.
    let client = PooledHttpBackend::new(&options()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let backend = Backend::start(Script::KeepAlive).await;
        exchange(&client, get(&backend.url("/rt"))).await.unwrap()
    });
    assert!(answer.starts_with("conn-1 GET /rt HTTP/1.1"), "{answer}");
}

#[tokio::test]
async fn a_host_header_of_the_request_is_kept() {
    let backend = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    let request = Request::get(backend.url("/h"))
        .header("host", "api.example.com")
        .body(RequestBody::empty())
        .unwrap();
    assert_eq!(
        exchange(&client, request).await.unwrap(),
        "conn-1 GET /h HTTP/1.1 host=api.example.com"
    );
}

#[tokio::test]
async fn origins_get_their_own_connections() {
    let first = Backend::start(Script::KeepAlive).await;
    let second = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    for _ in 0..2 {
        exchange(&client, get(&first.url("/"))).await.unwrap();
        exchange(&client, get(&second.url("/"))).await.unwrap();
    }
    assert_eq!((first.accepted(), second.accepted()), (1, 1));
    assert_eq!(client.idle_connections(), 2);
}

#[tokio::test]
async fn idle_connections_past_the_idle_timeout_are_closed() {
    let backend = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&HttpClientOptions {
        pool_idle_timeout: Duration::from_millis(100),
        ..options()
    })
    .unwrap();
    exchange(&client, get(&backend.url("/"))).await.unwrap();
    assert_eq!(client.idle_connections(), 1);
    // The reaper closes it without any further request.
    assert!(eventually(|| client.idle_connections() == 0).await);
    assert!(eventually(|| backend.closed_by_client.load(Ordering::SeqCst) == 1).await);
    assert_eq!(
        exchange(&client, get(&backend.url("/"))).await.unwrap(),
        format!("conn-2 GET / HTTP/1.1 host=127.0.0.1:{}", backend.port)
    );
}

#[tokio::test]
async fn at_most_max_idle_connections_per_origin_are_kept() {
    let backend = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&HttpClientOptions {
        pool_max_idle_per_host: 2,
        ..options()
    })
    .unwrap();
    // Four answers whose bodies are not read yet hold four connections.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(client.send(get(&backend.url("/"))).await.unwrap());
    }
    assert_eq!(backend.accepted(), 4);
    assert_eq!(client.idle_connections(), 0);
    for response in held {
        response.into_body().collect_bytes().await.unwrap();
    }
    assert_eq!(client.idle_connections(), 2);
    // The two over the limit were closed.
    assert!(eventually(|| backend.closed_by_client.load(Ordering::SeqCst) == 2).await);
}

#[tokio::test]
async fn an_answer_dropped_before_its_end_does_not_return_its_connection() {
    let backend = Backend::start(Script::KeepAlive).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    let response = client.send(get(&backend.url("/"))).await.unwrap();
    drop(response);
    assert_eq!(client.idle_connections(), 0);
    assert!(eventually(|| backend.closed_by_client.load(Ordering::SeqCst) == 1).await);
}

#[tokio::test]
async fn a_connection_the_backend_closed_after_answering_is_not_used_again() {
    let backend = Backend::start(Script::CloseAfterAnswer).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(exchange(&client, get(&backend.url("/"))).await.unwrap());
    }
    let host = format!("host=127.0.0.1:{}", backend.port);
    assert_eq!(answers, [1, 2, 3].map(|n| format!("conn-{n} GET / HTTP/1.1 {host}")));
    assert_eq!(backend.requests(), 3);
}

#[tokio::test]
async fn a_get_that_met_the_backends_close_is_sent_again_on_a_fresh_connection() {
    let backend = Backend::start(Script::CloseOnSecondRequest).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    let host = format!("host=127.0.0.1:{}", backend.port);
    assert_eq!(
        exchange(&client, get(&backend.url("/one"))).await.unwrap(),
        format!("conn-1 GET /one HTTP/1.1 {host}")
    );
    // Written to conn-1, which closes without answering: sent again on conn-2.
    assert_eq!(
        exchange(&client, get(&backend.url("/two"))).await.unwrap(),
        format!("conn-2 GET /two HTTP/1.1 {host}")
    );
    assert_eq!((backend.accepted(), backend.requests()), (2, 3));
}

#[tokio::test]
async fn a_post_that_met_the_backends_close_is_never_sent_twice() {
    let backend = Backend::start(Script::CloseOnSecondRequest).await;
    let client = PooledHttpBackend::new(&options()).unwrap();
    exchange(&client, get(&backend.url("/one"))).await.unwrap();
    let post = Request::builder()
        .method(Method::POST)
        .uri(backend.url("/orders"))
        .header("content-length", "2")
        .body(RequestBody::full("{}"))
        .unwrap();
    let err = exchange(&client, post).await.unwrap_err();
    assert!(matches!(err, HttpBackendError::Exchange(_)), "{err:?}");
    assert_eq!((backend.accepted(), backend.requests()), (1, 2));
}

#[tokio::test]
async fn an_answer_before_the_whole_request_body_is_read_and_the_connection_dropped() {
    // The backend reads the head only, answers 413 with keep-alive, and neither reads the body nor closes: the
    // gateway must not wait for the body to go out before reading the answer.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (done, mut finished) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let answer = b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 8\r\n\r\ntoo big!";
        stream.write_all(answer).await.unwrap();
        // Hold the connection open, reading nothing, until the test ends.
        let _ = (&mut finished).await;
    });
    let client = PooledHttpBackend::new(&options()).unwrap();
    let request = Request::post(format!("http://127.0.0.1:{port}/upload"))
        .body(RequestBody::full(vec![b'x'; 16 * 1024 * 1024]))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), client.send(request))
        .await
        .expect("the answer came while the body was still going out")
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = response.into_body().collect_bytes().await.unwrap();
    assert_eq!(&body[..], b"too big!");
    // Half a body went out: the connection is out of step and never pooled.
    assert_eq!(client.idle_connections(), 0);
    drop(done);
}

#[tokio::test]
async fn an_answer_head_over_64_kib_is_an_exchange_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = Vec::new();
        read_request(&mut stream, &mut buffer).await;
        let mut answer = b"HTTP/1.1 200 OK\r\nx-long: ".to_vec();
        answer.resize(answer.len() + 70 * 1024, b'a');
        // The head never ends; the client must give up at its limit rather than read on.
        let _ = stream.write_all(&answer).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let client = PooledHttpBackend::new(&options()).unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        client.send(get(&format!("http://127.0.0.1:{port}/"))),
    )
    .await
    .expect("refused at the limit, without waiting for more")
    .unwrap_err();
    assert!(
        matches!(&err, HttpBackendError::Exchange(detail) if detail.contains("64 KiB")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = PooledHttpBackend::new(&options()).unwrap();
    let err = exchange(&client, get(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpBackendError::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn a_backend_that_never_completes_the_tls_handshake_is_a_connect_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and keeps the socket open, silent.
    let silent = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    });
    let client = PooledHttpBackend::new(&HttpClientOptions {
        connect_timeout: Duration::from_millis(200),
        ..options()
    })
    .unwrap();
    let err = exchange(&client, get(&format!("https://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    let HttpBackendError::Connect(detail) = &err else {
        panic!("not a connect error: {err:?}")
    };
    assert_eq!(detail, &format!("no connection to 127.0.0.1:{port} within 200 ms"));
    silent.abort();
}

#[tokio::test]
async fn a_non_http_uri_is_refused() {
    let client = PooledHttpBackend::new(&options()).unwrap();
    let err = exchange(&client, get("ftp://127.0.0.1/file")).await.unwrap_err();
    assert!(matches!(err, HttpBackendError::Connect(_)), "{err:?}");
}

mod tls {
    //! HTTPS to a local rustls server whose certificate a test CA signed (`testdata/`).

    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    use super::{HttpBackendError, HttpClientOptions, PooledHttpBackend, exchange, get, options};

    const CA: &[u8] = include_bytes!("testdata/ca.pem");
    const CERT: &[u8] = include_bytes!("testdata/backend.pem");
    const KEY: &[u8] = include_bytes!("testdata/backend.key");

    /// A TLS server on its own thread answering `requests` requests on one connection; returns its port.
    fn serve_tls(requests: usize) -> u16 {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(CERT).unwrap()],
                PrivateKeyDer::from_pem_slice(KEY).unwrap(),
            )
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let Ok((tcp, _)) = listener.accept() else { return };
            let Ok(connection) = rustls::ServerConnection::new(Arc::new(config)) else {
                return;
            };
            let mut tls = rustls::StreamOwned::new(connection, tcp);
            for _ in 0..requests {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if tls.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let body = format!("tls {line}");
                let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                if tls.write_all(answer.as_bytes()).and_then(|()| tls.flush()).is_err() {
                    return;
                }
            }
        });
        port
    }

    fn test_roots() -> Arc<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(CA).unwrap()).unwrap();
        Arc::new(roots)
    }

    #[tokio::test]
    async fn https_backends_are_reached_over_tls_and_the_connection_is_reused() {
        let port = serve_tls(2);
        let client = PooledHttpBackend::new(&HttpClientOptions {
            tls_roots: Some(test_roots()),
            ..options()
        })
        .unwrap();
        for path in ["/one", "/two"] {
            // The server accepts one connection only: the second request must reuse it.
            let answer = exchange(&client, get(&format!("https://localhost:{port}{path}")))
                .await
                .unwrap();
            assert_eq!(answer, format!("tls GET {path} HTTP/1.1"));
        }
    }

    #[tokio::test]
    async fn a_certificate_from_an_unknown_authority_is_a_connect_error() {
        let port = serve_tls(1);
        // The default roots (webpki's) do not include the test CA.
        let client = PooledHttpBackend::new(&options()).unwrap();
        let err = exchange(&client, get(&format!("https://localhost:{port}/")))
            .await
            .unwrap_err();
        let HttpBackendError::Connect(detail) = &err else {
            panic!("not a connect error: {err:?}")
        };
        assert!(detail.contains("UnknownIssuer"), "{detail}");
    }
}
