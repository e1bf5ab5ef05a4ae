//! API keys, usage plans, throttles and the response cache through `tollgate serve --usage-plans`
//! (fixtures/usage-plans.yaml and usage-plans.plans.yaml): exact 403/429 bytes, exact counts under 50
//! concurrent clients, a rate bounded by the measured time, cache hits seen by a counting backend, and a
//! reload when the usage-plans file changes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{Scratch, Server, fixture, run};
use crate::raw::{RawConn, RawResponse};

pub(crate) const METERED: &str = "metered-0123456789abcdefghij";

/// A backend that answers every request with `{"hit":N}`, N counting the requests it has seen.
pub(crate) struct CountingBackend {
    pub(crate) addr: SocketAddr,
    hits: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CountingBackend {
    pub(crate) fn start() -> CountingBackend {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, stopping) = (Arc::clone(&hits), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16_384 {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let body = format!("{{\"hit\":{n}}}");
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        CountingBackend {
            addr,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for CountingBackend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start(backend: &CountingBackend, plans: &std::path::Path) -> Server {
    let variable = format!("backend={}", backend.addr);
    Server::start(
        &fixture("usage-plans.yaml"),
        &["--usage-plans", plans.to_str().unwrap(), "--stage-variable", &variable],
    )
}

pub(crate) fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: api\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut conn = RawConn::connect(addr);
    conn.send(request.as_bytes());
    conn.response().expect("an answer")
}

/// `clients` threads each send `each` requests; the responses, in no particular order.
pub(crate) fn concurrently(
    addr: SocketAddr,
    clients: usize,
    each: usize,
    path: &str,
    key: Option<&str>,
) -> Vec<RawResponse> {
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (path, key) = (path.to_owned(), key.map(str::to_owned));
            std::thread::spawn(move || {
                let headers: Vec<(&str, &str)> = key.as_deref().map(|k| ("x-api-key", k)).into_iter().collect();
                (0..each).map(|_| get(addr, &path, &headers)).collect::<Vec<_>>()
            })
        })
        .collect();
    threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
}

pub(crate) fn count(responses: &[RawResponse], status: u16, body: &str) -> usize {
    responses
        .iter()
        .filter(|r| r.status == status && r.body_text() == body)
        .count()
}

#[test]
fn missing_unknown_disabled_and_unplanned_keys_are_403() {
    let backend = CountingBackend::start();
    let server = start(&backend, &fixture("usage-plans.plans.yaml"));
    // Source: LocalStack TestUsagePlans::test_api_key_required_for_methods (AWS-recorded 403 / 200 / 403 when
    // disabled); spec §7 INVALID_API_KEY bytes.
    for key in [
        None,
        Some("unknown-0123456789abcdefghij"),
        Some("disabled-0123456789abcdefghi"),
        Some("orphan-0123456789abcdefghijk"),
    ] {
        let headers: Vec<(&str, &str)> = key.map(|k| ("x-api-key", k)).into_iter().collect();
        let response = get(server.addr, "/dev/limited", &headers);
        assert_eq!(response.status, 403, "{key:?}");
        assert_eq!(response.body_text(), r#"{"message":"Forbidden"}"#);
        assert_eq!(response.header("x-amzn-ErrorType"), Some("ForbiddenException"));
        assert!(response.header("x-amzn-RequestId").is_some());
    }
    let ok = get(server.addr, "/dev/limited", &[("X-Api-Key", METERED)]);
    assert_eq!((ok.status, ok.body_text().as_str()), (200, r#"{"key": "metered"}"#));
}

#[test]
fn a_quota_of_n_admits_exactly_n_with_50_clients() {
    let backend = CountingBackend::start();
    let server = start(&backend, &fixture("usage-plans.plans.yaml"));
    let responses = concurrently(server.addr, 50, 2, "/dev/limited", Some(METERED));
    assert_eq!(responses.len(), 100);
    assert_eq!(
        count(&responses, 200, r#"{"key": "metered"}"#),
        20,
        "the plan's quota is 20 a day"
    );
    assert_eq!(count(&responses, 429, r#"{"message":"Limit Exceeded"}"#), 80);
    assert!(
        responses
            .iter()
            .filter(|r| r.status == 429)
            .all(|r| r.header("x-amzn-ErrorType") == Some("LimitExceededException"))
    );
}

#[test]
fn a_burst_admits_exactly_its_size_with_50_clients() {
    let backend = CountingBackend::start();
    let server = start(&backend, &fixture("usage-plans.plans.yaml"));
    // Rate 0: the bucket never refills, so exactly the burst gets through however the requests interleave.
    let responses = concurrently(server.addr, 50, 2, "/dev/burst", None);
    assert_eq!(count(&responses, 200, ""), 10);
    assert_eq!(count(&responses, 429, r#"{"message":"Too Many Requests"}"#), 90);
    assert!(
        responses
            .iter()
            .filter(|r| r.status == 429)
            .all(|r| r.header("x-amzn-ErrorType") == Some("TooManyRequestsException"))
    );
}

#[test]
fn a_rate_admits_the_burst_plus_rate_times_time() {
    let backend = CountingBackend::start();
    let server = start(&backend, &fixture("usage-plans.plans.yaml"));
    // Rate 20/s, burst 5, one client back to back for about 1.5 s. Every admitted request took a token that
    // existed: at most 5 + 20 × (time from before the first request to after the last) + 1 for rounding.
    let started = Instant::now();
    let mut admitted = 0u64;
    let mut sent = 0u64;
    while started.elapsed() < Duration::from_millis(1500) && sent < 10_000 {
        let response = get(server.addr, "/dev/paced", &[]);
        sent += 1;
        match response.status {
            200 => admitted += 1,
            429 => assert_eq!(response.body_text(), r#"{"message":"Too Many Requests"}"#),
            other => panic!("unexpected status {other}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("paced: {sent} sent, {admitted} admitted in {elapsed:.3} s");
    let ceiling = 5.0 + 20.0 * elapsed + 1.0;
    assert!(
        (admitted as f64) <= ceiling,
        "{admitted} admitted in {elapsed:.3} s (at most {ceiling:.1})"
    );
    assert!(
        admitted > 5,
        "{admitted} admitted: the bucket refilled at least once in {elapsed:.3} s"
    );
    assert!(
        sent > admitted,
        "{sent} sent, {admitted} admitted: the throttle refused some"
    );
}

#[test]
fn cache_hits_skip_the_backend_and_max_age_0_follows_the_strategy() {
    let backend = CountingBackend::start();
    let server = start(&backend, &fixture("usage-plans.plans.yaml"));
    let addr = server.addr;
    let body = |path: &str, headers: &[(&str, &str)]| get(addr, path, headers).body_text();
    assert_eq!(body("/dev/cached?q=1", &[]), r#"{"hit":1}"#, "a miss");
    assert_eq!(
        body("/dev/cached?q=1&other=x", &[]),
        r#"{"hit":1}"#,
        "a hit: `other` is no cache key"
    );
    assert_eq!(backend.hits(), 1);
    assert_eq!(body("/dev/cached?q=2", &[]), r#"{"hit":2}"#, "`q` is a cache key");
    // requireAuthorizationForCacheControl (default true) and no IAM caller: the default strategy ignores the
    // header and says so.
    let ignored = get(addr, "/dev/cached?q=1", &[("Cache-Control", "max-age=0")]);
    assert_eq!(ignored.body_text(), r#"{"hit":1}"#);
    assert!(
        ignored.header("warning").is_some_and(|w| w.starts_with("199 ")),
        "{ignored:?}"
    );
    assert_eq!(backend.hits(), 2);
    // An HTTP_PROXY method that lets anyone invalidate: refetched and replaced.
    assert_eq!(body("/dev/anyone", &[]), r#"{"hit":3}"#);
    assert_eq!(body("/dev/anyone", &[]), r#"{"hit":3}"#);
    assert_eq!(body("/dev/anyone", &[("Cache-Control", "max-age=0")]), r#"{"hit":4}"#);
    assert_eq!(body("/dev/anyone", &[]), r#"{"hit":4}"#);
    assert_eq!(backend.hits(), 4);
}

#[test]
fn editing_the_usage_plans_file_reloads_it() {
    let backend = CountingBackend::start();
    let scratch = Scratch::new("usage-plans-reload");
    let plans = scratch.file("plans.yaml");
    let original = std::fs::read_to_string(fixture("usage-plans.plans.yaml")).unwrap();
    std::fs::write(&plans, &original).unwrap();
    let server = start(&backend, &plans);
    assert_eq!(get(server.addr, "/dev/limited", &[("x-api-key", METERED)]).status, 200);
    let revoked = original.replace(
        "{id: metered, value: metered-0123456789abcdefghij, enabled: true}",
        "{id: metered, value: metered-0123456789abcdefghij, enabled: false}",
    );
    assert_ne!(revoked, original);
    std::fs::write(&plans, revoked).unwrap();
    server.wait_version(2);
    assert_eq!(get(server.addr, "/dev/limited", &[("x-api-key", METERED)]).status, 403);
    // A broken file is reported and the last good settings keep serving.
    std::fs::write(&plans, "apiKeys: [{id: x, value: short}]\n").unwrap();
    server.wait_stderr("plans.yaml:1:");
    assert_eq!(get(server.addr, "/dev/limited", &[("x-api-key", METERED)]).status, 403);
}

#[test]
fn validate_reports_usage_plan_problems_with_their_location() {
    let scratch = Scratch::new("usage-plans-validate");
    let plans = scratch.file("bad.plans.yaml");
    std::fs::write(
        &plans,
        "stages:\n  dev:\n    methodSettings:\n      \"/nowhere/GET\": {cachingEnabled: true}\n",
    )
    .unwrap();
    let api = fixture("usage-plans.yaml");
    let (code, _, stderr) = run(&[
        "validate".as_ref(),
        api.as_os_str(),
        "--usage-plans".as_ref(),
        plans.as_os_str(),
        "--stage-variable=backend=127.0.0.1:9".as_ref(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("a method setting names GET /nowhere, which the API does not have"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.plans.yaml:4:7"), "{stderr}");
    let (code, stdout, stderr) = run(&[
        "validate".as_ref(),
        api.as_os_str(),
        "--usage-plans".as_ref(),
        fixture("usage-plans.plans.yaml").as_os_str(),
        "--stage-variable=backend=127.0.0.1:9".as_ref(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("valid for stage dev"), "{stdout}");
}
