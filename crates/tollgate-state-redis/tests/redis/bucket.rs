//! Token buckets: burst, refill on Redis's clock, giving back, expiry, exactness across nodes.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tollgate_runtime::state::{Admission, StateKey, StateStore, Throttle};

use crate::harness::RedisServer;
use crate::{EXACT, node, now};

fn throttle(rate_limit: f64, burst_limit: u32) -> Throttle {
    Throttle {
        rate_limit,
        burst_limit,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_bucket_admits_its_burst_and_a_given_back_token_once_more() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let key = StateKey::new("tg:stage:dev:rate:/pets/GET");
    let limit = throttle(0.0, 5);
    let mut answers = Vec::new();
    for _ in 0..7 {
        answers.push(store.acquire(&key, limit, now()).await.unwrap());
    }
    assert_eq!(answers.iter().filter(|a| **a == Admission::Admitted).count(), 5);
    assert_eq!(answers[5..], [Admission::Throttled, Admission::Throttled]);
    store.release(&key, limit, now()).await.unwrap();
    assert_eq!(store.acquire(&key, limit, now()).await.unwrap(), Admission::Admitted);
    assert_eq!(store.acquire(&key, limit, now()).await.unwrap(), Admission::Throttled);
    // Giving back never fills past the burst.
    for _ in 0..20 {
        store.release(&key, limit, now()).await.unwrap();
    }
    let mut admitted = 0;
    for _ in 0..10 {
        admitted += usize::from(store.acquire(&key, limit, now()).await.unwrap() == Admission::Admitted);
    }
    assert_eq!(admitted, 5);
    // A rate of 0 never refills, so the bucket never expires.
    assert_eq!(redis.integer(&["PTTL", "test:stage:dev:rate:/pets/GET"]), Some(-1));
    // A burst of 0 refuses everything.
    assert_eq!(
        store.acquire(&key, throttle(100.0, 0), now()).await.unwrap(),
        Admission::Throttled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refill_follows_the_rate_on_redis_clock_not_the_nodes() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let key = StateKey::new("tg:plan:{gold/alice}:rate");
    let limit = throttle(4.0, 3);
    // Node clocks far apart (the epoch, a century ahead) change nothing: Redis's TIME is the only clock.
    let clocks = [SystemTime::UNIX_EPOCH, now() + Duration::from_secs(100 * 365 * 86_400)];
    for (index, clock) in clocks.iter().cycle().take(3).enumerate() {
        assert_eq!(
            store.acquire(&key, limit, *clock).await.unwrap(),
            Admission::Admitted,
            "{index}"
        );
    }
    // Empty now. Pretend the last update was 0.5 s ago on Redis's clock: 0.5 s × 4/s = 2 tokens.
    let time = redis.command(&["TIME"]).unwrap();
    let parts: Vec<i64> = time.split("\r\n").filter_map(|line| line.parse().ok()).collect();
    let redis_now = parts[0] * 1_000_000 + parts[1];
    let redis_key = "test:plan:{gold/alice}:rate";
    let earlier = (redis_now - 500_000).to_string();
    redis.command(&["HSET", redis_key, "t", "0", "at", &earlier]).unwrap();
    let set_at = Instant::now();
    let mut admitted = 0u32;
    for _ in 0..5 {
        admitted += u32::from(store.acquire(&key, limit, clocks[0]).await.unwrap() == Admission::Admitted);
    }
    let elapsed = set_at.elapsed().as_secs_f64();
    assert!(
        admitted >= 2,
        "{admitted} admitted: half a second at 4/s refills 2 tokens"
    );
    let ceiling = 2.0 + 4.0 * elapsed + 1.0;
    assert!(
        f64::from(admitted) <= ceiling,
        "{admitted} admitted in {elapsed:.3} s (at most {ceiling:.1})"
    );
    // The key lives until the bucket would be full again (3 tokens at 4/s = 750 ms), plus a second.
    let ttl = redis.integer(&["PTTL", redis_key]).unwrap();
    assert!(ttl > 0 && ttl <= 1_750, "PTTL {ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_callers_on_two_nodes_take_exactly_the_burst() {
    let redis = RedisServer::start();
    let nodes = [Arc::new(node(&redis, EXACT).await), Arc::new(node(&redis, EXACT).await)];
    let limit = throttle(0.0, 25);
    let tasks: Vec<_> = (0..50)
        .map(|caller| {
            let store = Arc::clone(&nodes[caller % 2]);
            tokio::spawn(async move {
                let key = StateKey::new("tg:account:rate");
                let mut admitted = 0u32;
                for _ in 0..2 {
                    admitted += u32::from(store.acquire(&key, limit, now()).await.unwrap() == Admission::Admitted);
                }
                admitted
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        admitted += task.await.unwrap();
    }
    assert_eq!(admitted, 25, "100 attempts on 2 nodes, one bucket of 25");
    for store in &nodes {
        assert_eq!(store.stats().failures(), 0, "{:?}", store.stats());
    }
}
