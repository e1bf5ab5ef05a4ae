//! Two `tollgate serve --state redis://…` processes sharing one real `redis-server` (tollgate-state-redis's test
//! harness: a free loopback port, stopped by its PID): one quota, one throttle and one response cache for both
//! gateways, with the fixtures of usage_plans.rs (usage-plans.yaml, usage-plans.plans.yaml). Each count below
//! would double with the embedded store, where every node keeps its own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::harness::{Server, fixture, run};
use crate::usage_plans::{CountingBackend, METERED, concurrently, count, get};

#[allow(dead_code)] // tollgate-state-redis's own tests use more of it
#[path = "../../../tollgate-state-redis/tests/redis/harness.rs"]
mod redis_harness;

use redis_harness::{RedisServer, dead_port};

/// Two gateway nodes on one Redis, both reaching `backend`. The timeout is generous for a busy machine: a call
/// that timed out would be answered by the node's own fallback share, and these tests are about exact counts.
fn two_nodes(redis: &RedisServer, backend: &CountingBackend) -> [Server; 2] {
    let state = redis.url("nodes=2&timeout=5s");
    let variable = format!("backend={}", backend.addr);
    let plans = fixture("usage-plans.plans.yaml");
    let start = || {
        Server::start(
            &fixture("usage-plans.yaml"),
            &[
                "--usage-plans",
                plans.to_str().unwrap(),
                "--stage-variable",
                &variable,
                "--state",
                &state,
            ],
        )
    };
    [start(), start()]
}

/// 50 clients, half on each node, `each` requests apiece.
fn on_both(nodes: &[Server; 2], each: usize, path: &str, key: Option<&str>) -> Vec<crate::raw::RawResponse> {
    let addrs: [SocketAddr; 2] = [nodes[0].addr, nodes[1].addr];
    let threads: Vec<_> = addrs
        .into_iter()
        .map(|addr| {
            let (path, key) = (path.to_owned(), key.map(str::to_owned));
            std::thread::spawn(move || concurrently(addr, 25, each, &path, key.as_deref()))
        })
        .collect();
    threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
}

#[test]
fn a_quota_of_n_admits_exactly_n_across_two_gateways() {
    let redis = RedisServer::start();
    let backend = CountingBackend::start();
    let nodes = two_nodes(&redis, &backend);
    let responses = on_both(&nodes, 2, "/dev/limited", Some(METERED));
    assert_eq!(responses.len(), 100);
    assert_eq!(
        count(&responses, 200, r#"{"key": "metered"}"#),
        20,
        "the plan's quota is 20 a day, for both gateways together"
    );
    assert_eq!(count(&responses, 429, r#"{"message":"Limit Exceeded"}"#), 80);
    // The count lives in Redis: one counter for the key's plan, at the quota's limit.
    let counters = redis.command(&["KEYS", "tollgate:*:quota:w:*"]).unwrap();
    let counter = counters
        .split("\r\n")
        .find(|line| line.starts_with("tollgate:"))
        .unwrap();
    assert_eq!(redis.integer(&["GET", counter]), Some(20), "{counters}");
    // A node's later requests see the other's count.
    assert_eq!(
        get(nodes[1].addr, "/dev/limited", &[("x-api-key", METERED)]).status,
        429
    );
}

#[test]
fn a_burst_is_shared_by_two_gateways() {
    let redis = RedisServer::start();
    let backend = CountingBackend::start();
    let nodes = two_nodes(&redis, &backend);
    // Rate 0, burst 10: exactly 10 of 100 requests, however they interleave across the nodes.
    let responses = on_both(&nodes, 2, "/dev/burst", None);
    assert_eq!(count(&responses, 200, ""), 10);
    assert_eq!(count(&responses, 429, r#"{"message":"Too Many Requests"}"#), 90);
}

#[test]
fn a_rate_is_shared_by_two_gateways() {
    let redis = RedisServer::start();
    let backend = CountingBackend::start();
    let nodes = two_nodes(&redis, &backend);
    // Rate 20/s, burst 5; one client per node back to back for about 1.5 s. One shared bucket admits at most
    // 5 + 20 × elapsed (+1 for rounding) in all; two separate buckets would admit up to twice that.
    let started = Instant::now();
    let threads: Vec<_> = nodes
        .iter()
        .map(|node| {
            let addr = node.addr;
            std::thread::spawn(move || {
                let (mut sent, mut admitted) = (0u64, 0u64);
                while started.elapsed() < Duration::from_millis(1500) && sent < 10_000 {
                    let response = get(addr, "/dev/paced", &[]);
                    sent += 1;
                    match response.status {
                        200 => admitted += 1,
                        429 => assert_eq!(response.body_text(), r#"{"message":"Too Many Requests"}"#),
                        other => panic!("unexpected status {other}"),
                    }
                }
                (sent, admitted)
            })
        })
        .collect();
    let per_node: Vec<(u64, u64)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let elapsed = started.elapsed().as_secs_f64();
    let admitted: u64 = per_node.iter().map(|(_, admitted)| admitted).sum();
    eprintln!("paced on two nodes: {per_node:?} (sent, admitted) in {elapsed:.3} s");
    let ceiling = 5.0 + 20.0 * elapsed + 1.0;
    assert!(
        (admitted as f64) <= ceiling,
        "{admitted} admitted in {elapsed:.3} s by two nodes (at most {ceiling:.1} for one shared bucket)"
    );
    assert!(admitted > 5, "{admitted} admitted: the bucket refilled");
    assert!(
        per_node.iter().all(|(sent, admitted)| sent > admitted),
        "{per_node:?}: both nodes were throttled"
    );
}

#[test]
fn a_cache_entry_filled_by_one_gateway_is_served_by_the_other() {
    let redis = RedisServer::start();
    let backend = CountingBackend::start();
    let [a, b] = two_nodes(&redis, &backend);
    let body = |node: &Server, path: &str| get(node.addr, path, &[]).body_text();
    assert_eq!(body(&a, "/dev/cached?q=1"), r#"{"hit":1}"#, "a miss on a");
    assert_eq!(body(&b, "/dev/cached?q=1"), r#"{"hit":1}"#, "a hit on b");
    assert_eq!(body(&b, "/dev/cached?q=2"), r#"{"hit":2}"#, "another key: a miss on b");
    assert_eq!(body(&a, "/dev/cached?q=2"), r#"{"hit":2}"#, "filled by b, served by a");
    assert_eq!(backend.hits(), 2);
    // Invalidation by one node (an HTTP_PROXY method anyone may invalidate) is seen by the other.
    assert_eq!(body(&a, "/dev/anyone"), r#"{"hit":3}"#);
    assert_eq!(body(&b, "/dev/anyone"), r#"{"hit":3}"#);
    let refreshed = get(b.addr, "/dev/anyone", &[("Cache-Control", "max-age=0")]);
    assert_eq!(refreshed.body_text(), r#"{"hit":4}"#);
    assert_eq!(body(&a, "/dev/anyone"), r#"{"hit":4}"#);
    assert_eq!(backend.hits(), 4);
}

#[test]
fn an_unreachable_redis_fails_closed_when_told_to() {
    let backend = CountingBackend::start();
    let state = format!("redis://127.0.0.1:{}/0?on-error=closed&timeout=100ms", dead_port());
    let variable = format!("backend={}", backend.addr);
    let plans = fixture("usage-plans.plans.yaml");
    let server = Server::start(
        &fixture("usage-plans.yaml"),
        &[
            "--usage-plans",
            plans.to_str().unwrap(),
            "--stage-variable",
            &variable,
            "--state",
            &state,
        ],
    );
    server.wait_stderr("Redis is not reachable yet");
    // Every request passes the account-level throttle (AWS's 10,000 requests per second) first: with no Redis
    // to count it, each is refused before its method's own limits, its quota or the backend.
    for path in ["/dev/limited", "/dev/burst", "/dev/cached?q=1", "/dev/anyone"] {
        let refused = get(server.addr, path, &[("x-api-key", METERED)]);
        assert_eq!(
            (refused.status, refused.body_text().as_str()),
            (429, r#"{"message":"Too Many Requests"}"#),
            "{path}"
        );
        assert_eq!(refused.header("x-amzn-ErrorType"), Some("TooManyRequestsException"));
    }
    assert_eq!(backend.hits(), 0);
}

#[test]
fn a_bad_state_url_is_a_usage_error_for_serve_and_validate() {
    let api = fixture("usage-plans.yaml");
    for command in ["serve", "validate"] {
        let (code, _, stderr) = run(&[
            command.as_ref(),
            api.as_os_str(),
            "--state".as_ref(),
            "redis://127.0.0.1:6379/0?on-error=maybe".as_ref(),
        ]);
        assert_eq!(code, 64, "{command}: {stderr}");
        assert!(
            stderr.contains("--state: on-error expects open or closed, got `maybe`"),
            "{command}: {stderr}"
        );
        let (code, _, stderr) = run(&[
            command.as_ref(),
            api.as_os_str(),
            "--state=memcached://user:secret@h".as_ref(),
        ]);
        assert_eq!(code, 64, "{command}: {stderr}");
        assert!(stderr.contains("is not a Redis URL"), "{command}: {stderr}");
        assert!(!stderr.contains("secret"), "the password is not printed: {stderr}");
    }
    let (code, stdout, stderr) = run(&[
        "validate".as_ref(),
        api.as_os_str(),
        "--stage-variable=backend=127.0.0.1:9".as_ref(),
        "--state=redis://10.0.0.5:6379/0?timeout=20ms&on-error=closed&nodes=3".as_ref(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("valid for stage dev"), "{stdout}");
}
