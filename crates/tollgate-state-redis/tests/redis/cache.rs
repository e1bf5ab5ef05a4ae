//! The response cache: shared across nodes, TTL, removal, flush, size bounds, unreadable values.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use tollgate_runtime::state::{CachePartition, CachedResponse, MAX_CACHED_RESPONSE, StateKey, StateStore};

use crate::harness::RedisServer;
use crate::{EXACT, node, now};

fn partition() -> CachePartition {
    CachePartition {
        name: "dev".into(),
        max_bytes: 500 * 1024 * 1024,
    }
}

fn response(body: &'static [u8]) -> Arc<CachedResponse> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.append("x-multi", HeaderValue::from_static("1"));
    headers.append("x-multi", HeaderValue::from_static("2"));
    Arc::new(CachedResponse::new(
        StatusCode::ACCEPTED,
        headers,
        Bytes::from_static(body),
        true,
    ))
}

const KEY: &str = "tg:cache:dev:abc123:/pets:GET|q=1";
const REDIS_KEY: &str = "test:cache:dev:abc123:/pets:GET|q=1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_stored_by_one_node_is_served_by_the_other() {
    let redis = RedisServer::start();
    let (a, b) = (node(&redis, EXACT).await, node(&redis, EXACT).await);
    let (partition, key) = (partition(), StateKey::new(KEY));
    assert!(b.cache_get(&partition, &key, now()).await.unwrap().is_none());
    let stored = response(b"{\"pets\":[1,2]}");
    a.cache_put(&partition, &key, Arc::clone(&stored), Duration::from_secs(300), now())
        .await
        .unwrap();
    let served = b
        .cache_get(&partition, &key, now())
        .await
        .unwrap()
        .expect("a hit on the other node");
    assert_eq!(served.status, stored.status);
    assert_eq!(served.headers, stored.headers);
    assert_eq!(served.body, stored.body);
    assert!(served.trace_header);
    let ttl = redis.integer(&["PTTL", REDIS_KEY]).unwrap();
    assert!(ttl > 0 && ttl <= 300_000, "SET PX 300000: PTTL {ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_expire_after_their_ttl() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let (partition, key) = (partition(), StateKey::new(KEY));
    store
        .cache_put(&partition, &key, response(b"short"), Duration::from_millis(50), now())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(store.cache_get(&partition, &key, now()).await.unwrap().is_none());
    assert_eq!(redis.integer(&["EXISTS", REDIS_KEY]), Some(0));
    // A TTL of 0 stores nothing.
    store
        .cache_put(&partition, &key, response(b"never"), Duration::ZERO, now())
        .await
        .unwrap();
    assert_eq!(redis.integer(&["EXISTS", REDIS_KEY]), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_and_flush_invalidate_on_every_node() {
    let redis = RedisServer::start();
    let (a, b) = (node(&redis, EXACT).await, node(&redis, EXACT).await);
    let (partition, key) = (partition(), StateKey::new(KEY));
    let ttl = Duration::from_secs(300);
    a.cache_put(&partition, &key, response(b"one"), ttl, now())
        .await
        .unwrap();
    assert!(b.cache_get(&partition, &key, now()).await.unwrap().is_some());
    a.cache_remove(&partition, &key).await.unwrap();
    assert!(
        b.cache_get(&partition, &key, now()).await.unwrap().is_none(),
        "removed everywhere"
    );

    a.cache_put(&partition, &key, response(b"two"), ttl, now())
        .await
        .unwrap();
    let other = StateKey::new("tg:cache:dev:abc123:/pets:GET|q=2");
    a.cache_put(&partition, &other, response(b"three"), ttl, now())
        .await
        .unwrap();
    b.cache_flush(&partition).await.unwrap();
    assert!(
        a.cache_get(&partition, &key, now()).await.unwrap().is_none(),
        "flushed on the other node"
    );
    assert!(a.cache_get(&partition, &other, now()).await.unwrap().is_none());
    assert_eq!(redis.integer(&["GET", "test:cachegen:dev"]), Some(1));
    // Another partition is not flushed.
    let prod = CachePartition {
        name: "prod".into(),
        max_bytes: 1 << 30,
    };
    let prod_key = StateKey::new("tg:cache:prod:abc123:/pets:GET");
    a.cache_put(&prod, &prod_key, response(b"prod"), ttl, now())
        .await
        .unwrap();
    b.cache_flush(&partition).await.unwrap();
    assert!(b.cache_get(&prod, &prod_key, now()).await.unwrap().is_some());
    // After the flush, new entries are hits again on both nodes, though the flush was b's and a has not read
    // the partition since: a put takes the generation current in Redis.
    a.cache_put(&partition, &key, response(b"four"), ttl, now())
        .await
        .unwrap();
    let served = b
        .cache_get(&partition, &key, now())
        .await
        .unwrap()
        .expect("a hit after the flush");
    assert_eq!(served.body, Bytes::from_static(b"four"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_larger_than_the_limits_are_not_stored() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let (partition, key) = (partition(), StateKey::new(KEY));
    let ttl = Duration::from_secs(60);
    let entry = |size: usize| {
        Arc::new(CachedResponse::new(
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from(vec![b'x'; size]),
            false,
        ))
    };
    // API Gateway caches bodies up to 1,048,576 bytes (DG/api-gateway-caching.html).
    store
        .cache_put(&partition, &key, entry(MAX_CACHED_RESPONSE), ttl, now())
        .await
        .unwrap();
    let kept = store
        .cache_get(&partition, &key, now())
        .await
        .unwrap()
        .expect("1 MiB is cached");
    assert_eq!(kept.body.len(), MAX_CACHED_RESPONSE);
    // One byte more is not, and replacing with it drops the old entry.
    store
        .cache_put(&partition, &key, entry(MAX_CACHED_RESPONSE + 1), ttl, now())
        .await
        .unwrap();
    assert!(store.cache_get(&partition, &key, now()).await.unwrap().is_none());
    // Nor is an entry larger than the partition's whole budget.
    let tiny = CachePartition {
        name: "tiny".into(),
        max_bytes: 1000,
    };
    store.cache_put(&tiny, &key, entry(2000), ttl, now()).await.unwrap();
    assert!(store.cache_get(&tiny, &key, now()).await.unwrap().is_none());
    store.cache_put(&tiny, &key, entry(10), ttl, now()).await.unwrap();
    assert!(store.cache_get(&tiny, &key, now()).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_written_by_something_else_is_a_miss() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let (partition, key) = (partition(), StateKey::new(KEY));
    redis.command(&["SET", REDIS_KEY, "not a cached response"]).unwrap();
    assert!(store.cache_get(&partition, &key, now()).await.unwrap().is_none());
    assert_eq!(store.stats().unreadable_entries, 1);
    // A bucket key read as a cache entry (wrong type) is a Redis error: a miss too, and the link stays up.
    redis.command(&["DEL", REDIS_KEY]).unwrap();
    redis.command(&["HSET", REDIS_KEY, "t", "1"]).unwrap();
    assert!(store.cache_get(&partition, &key, now()).await.unwrap().is_none());
    assert_eq!(store.stats().server_errors, 1);
    assert!(store.is_up());
}
