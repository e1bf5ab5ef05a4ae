//! When Redis cannot answer: fail open with per-node limits or fail closed, within the timeout; a hung Redis;
//! a restart; a gateway that starts before its Redis.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use tollgate_runtime::state::{
    Admission, AdmitOutcome, AdmitRequest, CachePartition, CachedResponse, Quota, QuotaOutcome, StateKey, StateStore,
    Throttle,
};
use tollgate_state_redis::{RedisConfig, RedisStore};

use crate::harness::{RedisServer, dead_port};
use crate::{eventually, node, now, today};

/// Short timeout and reconnect interval, so the tests see the policy quickly.
const FAST: &str = "timeout=200ms&reconnect=100ms&prefix=test";
/// Far above the configured timeout: what these tests guard against is a call that never returns.
const NO_HANG: Duration = Duration::from_secs(10);

const BURST_TEN: Throttle = Throttle {
    rate_limit: 0.0,
    burst_limit: 10,
};
const QUOTA_EIGHT: Quota = Quota { limit: 8, offset: 0 };

fn unconnected(port: u16, options: &str) -> RedisStore {
    let url = format!("redis://127.0.0.1:{port}?{options}");
    RedisStore::new(RedisConfig::parse(&url).unwrap()).unwrap()
}

async fn admitted(store: &RedisStore, key: &StateKey, attempts: usize) -> usize {
    let mut admitted = 0;
    for _ in 0..attempts {
        let answer = tokio::time::timeout(NO_HANG, store.acquire(key, BURST_TEN, now()))
            .await
            .expect("acquire returned")
            .unwrap();
        admitted += usize::from(answer == Admission::Admitted);
    }
    admitted
}

async fn counted(store: &RedisStore, key: &StateKey, attempts: usize) -> usize {
    let mut counted = 0;
    for _ in 0..attempts {
        let outcome = tokio::time::timeout(NO_HANG, store.consume(key, QUOTA_EIGHT, today()))
            .await
            .expect("consume returned")
            .unwrap();
        counted += usize::from(matches!(outcome, QuotaOutcome::Admitted { .. }));
    }
    counted
}

async fn admitted_at_once(store: &RedisStore, request: AdmitRequest<'_>) -> usize {
    let mut admitted = 0;
    for _ in 0..12 {
        let step = store.admit_at_once(request, now()).expect("one step");
        let outcome = tokio::time::timeout(NO_HANG, step)
            .await
            .expect("admission returned")
            .unwrap();
        admitted += usize::from(outcome == AdmitOutcome::Admitted);
    }
    admitted
}

fn entry() -> Arc<CachedResponse> {
    Arc::new(CachedResponse::new(
        StatusCode::OK,
        HeaderMap::new(),
        Bytes::from_static(b"cached"),
        false,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_open_with_each_nodes_share_of_the_limits() {
    let store = unconnected(dead_port(), &format!("{FAST}&nodes=2"));
    assert!(store.connect().await.is_err(), "nothing listens there");
    let bucket = StateKey::new("tg:stage:dev:rate:/a/GET");
    assert_eq!(
        admitted(&store, &bucket, 12).await,
        5,
        "burst 10 over 2 nodes: 5 on this one"
    );
    let quota = StateKey::new("tg:plan:{p/k}:quota");
    assert_eq!(
        counted(&store, &quota, 12).await,
        4,
        "quota 8 over 2 nodes: 4 on this one"
    );
    // The cache keeps working locally.
    let partition = CachePartition {
        name: "dev".into(),
        max_bytes: 1 << 20,
    };
    let key = StateKey::new("tg:cache:dev:d:/a:GET");
    store
        .cache_put(&partition, &key, entry(), Duration::from_secs(60), now())
        .await
        .unwrap();
    assert!(store.cache_get(&partition, &key, now()).await.unwrap().is_some());
    let stats = store.stats();
    assert!(!stats.up);
    assert_eq!(stats.fallbacks, 12 + 12 + 2, "{stats:?}");
    assert_eq!(stats.refusals, 0);
    assert_eq!(stats.failures(), stats.fallbacks, "{stats:?}");
}

/// The one-step admission follows the same policy: this node's share of every limit (open), or a refusal
/// (closed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_admissions_in_one_step_follow_the_policy() {
    let (bucket, quota) = (
        StateKey::new("tg:stage:dev:rate:/b/GET"),
        StateKey::new("tg:plan:{p/k2}:quota"),
    );
    let request = AdmitRequest {
        buckets: [None, Some((&bucket, BURST_TEN)), None],
        quota: Some((&quota, QUOTA_EIGHT, today())),
    };
    let open = unconnected(dead_port(), &format!("{FAST}&nodes=2"));
    assert!(open.connect().await.is_err());
    assert_eq!(
        admitted_at_once(&open, request).await,
        4,
        "quota 8 over 2 nodes (the smaller share): 4 on this one"
    );
    assert_eq!(open.stats().fallbacks, 12);
    let closed = unconnected(dead_port(), &format!("{FAST}&on-error=closed"));
    assert!(closed.connect().await.is_err());
    assert_eq!(admitted_at_once(&closed, request).await, 0);
    assert_eq!(closed.stats().refusals, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_closed_when_configured() {
    let store = unconnected(dead_port(), &format!("{FAST}&on-error=closed"));
    assert!(store.connect().await.is_err());
    let bucket = StateKey::new("tg:stage:dev:rate:/a/GET");
    assert_eq!(admitted(&store, &bucket, 3).await, 0, "every throttled request refused");
    let quota = StateKey::new("tg:plan:{p/k}:quota");
    assert_eq!(counted(&store, &quota, 3).await, 0, "every metered request refused");
    let partition = CachePartition {
        name: "dev".into(),
        max_bytes: 1 << 20,
    };
    let key = StateKey::new("tg:cache:dev:d:/a:GET");
    store
        .cache_put(&partition, &key, entry(), Duration::from_secs(60), now())
        .await
        .unwrap();
    assert!(
        store.cache_get(&partition, &key, now()).await.unwrap().is_none(),
        "nothing cached"
    );
    let stats = store.stats();
    assert_eq!((stats.refusals, stats.fallbacks), (8, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_costs_each_call_at_most_the_timeout_then_nothing() {
    let redis = RedisServer::start();
    let store = node(&redis, FAST).await;
    let bucket = StateKey::new("tg:stage:dev:rate:/a/GET");
    assert_eq!(admitted(&store, &bucket, 2).await, 2);
    // A stopped process keeps its connections open and answers nothing.
    redis.signal("STOP");
    assert_eq!(
        admitted(&store, &bucket, 3).await,
        3,
        "three timeouts, each answered by the fallback"
    );
    let stats = store.stats();
    assert_eq!(stats.timeouts, 3, "{stats:?}");
    assert!(!stats.up, "three timeouts in a row take the link down");
    // Down: calls no longer wait for Redis at all.
    assert_eq!(
        admitted(&store, &bucket, 10).await,
        7,
        "the fallback's own bucket of 10 is empty after 10"
    );
    assert!(store.stats().unavailable >= 1, "{:?}", store.stats());
    redis.signal("CONT");
    eventually("the store reconnects after SIGCONT", || store.is_up()).await;
    // Back on the shared bucket. A timeout is no refusal: the three calls that timed out were already in
    // Redis's socket and ran when it resumed, so the shared bucket counts them as the fallback did (requests
    // that were admitted count against the shared limit; nothing is admitted twice). 10 - 2 - 3 = 5.
    assert_eq!(admitted(&store, &bucket, 10).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_redis_is_used_again_within_a_reconnect_interval() {
    let mut redis = RedisServer::start();
    let port = redis.port;
    let store = node(&redis, FAST).await;
    let quota = StateKey::new("tg:plan:{p/k}:quota");
    assert_eq!(counted(&store, &quota, 3).await, 3);
    redis.kill();
    // The loss shows on the next call; until the restart the fallback counts.
    assert_eq!(counted(&store, &quota, 2).await, 2);
    eventually("the link is down", || !store.is_up()).await;
    let redis = RedisServer::start_on(port);
    eventually("the store reconnects to the restarted server", || store.is_up()).await;
    assert_eq!(store.stats().reconnects, 1);
    // A fresh server (no persistence in this test): the scripts are loaded again and counting starts over.
    assert_eq!(counted(&store, &quota, 10).await, 8);
    let counter = format!("test:plan:{{p/k}}:quota:w:{}", today().start);
    assert_eq!(redis.integer(&["GET", &counter]), Some(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_may_start_before_its_redis() {
    let port = dead_port();
    let store = unconnected(port, FAST);
    assert!(store.connect().await.is_err());
    let bucket = StateKey::new("tg:stage:dev:rate:/a/GET");
    // The first call starts the background reconnection.
    assert_eq!(admitted(&store, &bucket, 1).await, 1);
    let redis = RedisServer::start_on(port);
    eventually("the store connects once Redis is up", || store.is_up()).await;
    assert_eq!(admitted(&store, &bucket, 12).await, 10, "the shared bucket, full");
    assert_eq!(redis.integer(&["EXISTS", "test:stage:dev:rate:/a/GET"]), Some(1));
}
