//! `RedisStore` against a real `redis-server` (Debian's /usr/bin/redis-server), each test with its own server
//! on a free loopback port. Two stores on one server are two gateway nodes: separate connections, separate
//! fallbacks.

// clippy.toml allows unwrap in tests, but only inside `#[test]` functions; in these helpers a failed unwrap is
// a failed test just the same.
#![allow(clippy::unwrap_used)]

mod harness;

mod admit;
mod bucket;
mod cache;
mod failure;
mod quota;

use std::time::{Duration, SystemTime};

use tollgate_runtime::state::QuotaWindow;
use tollgate_state_redis::{RedisConfig, RedisStore};

use crate::harness::RedisServer;

/// Generous for a busy 2-core machine: these tests are about exact counts, not about the timeout.
const EXACT: &str = "timeout=5s&prefix=test";

/// A connected store (a "node") on `server` with the URL options `options`.
async fn node(server: &RedisServer, options: &str) -> RedisStore {
    let store = RedisStore::new(RedisConfig::parse(&server.url(options)).unwrap()).unwrap();
    store.connect().await.unwrap();
    store
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// Today's UTC day as a quota window.
fn today() -> QuotaWindow {
    let seconds = now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let start = seconds - seconds % 86_400;
    QuotaWindow {
        start,
        end: start + 86_400,
    }
}

/// Waits up to 20 s for `done`, polling; panics with `what` if it never holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
