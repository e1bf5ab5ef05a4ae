//! The embedded store under a fake clock: bucket refill and burst, quota windows and offset, cache TTL, LRU
//! order and byte budget, exactness under threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::*;

/// The store's futures are ready at once; tests need no runtime.
fn now<T: Unpin>(future: StateFuture<'_, T>) -> T {
    match future.0 {
        FutureKind::Ready(Some(Ok(value))) => value,
        _ => panic!("the embedded store answers synchronously"),
    }
}

fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
}

fn admitted(store: &EmbeddedStore, key: &StateKey, limit: Throttle, time: SystemTime, tries: usize) -> usize {
    (0..tries)
        .filter(|_| now(store.acquire(key, limit, time)) == Admission::Admitted)
        .count()
}

#[test]
fn bucket_starts_full_and_refills_at_the_rate() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:test:rate");
    let limit = Throttle {
        rate_limit: 10.0,
        burst_limit: 5,
    };
    assert_eq!(
        admitted(&store, &key, limit, at(0), 8),
        5,
        "a full bucket admits the burst"
    );
    assert_eq!(
        admitted(&store, &key, limit, at(99), 3),
        0,
        "0.99 tokens are not a token"
    );
    assert_eq!(
        admitted(&store, &key, limit, at(100), 3),
        1,
        "one token after 100 ms at 10/s"
    );
    assert_eq!(admitted(&store, &key, limit, at(400), 5), 3, "three more after 300 ms");
    assert_eq!(
        admitted(&store, &key, limit, at(60_000), 20),
        5,
        "a long pause refills to the burst only"
    );
}

#[test]
fn zero_rate_never_refills_and_zero_burst_refuses() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:test:zero-rate");
    let limit = Throttle {
        rate_limit: 0.0,
        burst_limit: 3,
    };
    assert_eq!(admitted(&store, &key, limit, at(0), 5), 3);
    assert_eq!(admitted(&store, &key, limit, at(3_600_000), 5), 0);
    let closed = Throttle {
        rate_limit: 1000.0,
        burst_limit: 0,
    };
    assert_eq!(admitted(&store, &StateKey::new("tg:test:closed"), closed, at(0), 5), 0);
}

#[test]
fn release_gives_a_token_back_up_to_the_burst() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:test:release");
    let limit = Throttle {
        rate_limit: 0.0,
        burst_limit: 2,
    };
    assert_eq!(admitted(&store, &key, limit, at(0), 2), 2);
    now(store.release(&key, limit, at(0)));
    assert_eq!(admitted(&store, &key, limit, at(0), 3), 1);
    now(store.release(&key, limit, at(0)));
    now(store.release(&key, limit, at(0)));
    now(store.release(&key, limit, at(0)));
    assert_eq!(admitted(&store, &key, limit, at(0), 3), 2, "never above the burst");
    now(store.release(&StateKey::new("tg:test:never-used"), limit, at(0)));
}

#[test]
fn a_smaller_burst_caps_saved_tokens() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:test:reload");
    let big = Throttle {
        rate_limit: 0.0,
        burst_limit: 100,
    };
    assert_eq!(admitted(&store, &key, big, at(0), 1), 1);
    let small = Throttle {
        rate_limit: 0.0,
        burst_limit: 2,
    };
    assert_eq!(admitted(&store, &key, small, at(0), 10), 2);
}

#[test]
fn clock_going_backwards_does_not_mint_tokens() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:test:backwards");
    let limit = Throttle {
        rate_limit: 1.0,
        burst_limit: 1,
    };
    assert_eq!(admitted(&store, &key, limit, at(10_000), 1), 1);
    assert_eq!(admitted(&store, &key, limit, at(0), 1), 0);
    assert_eq!(admitted(&store, &key, limit, at(10_999), 1), 0);
    assert_eq!(admitted(&store, &key, limit, at(11_000), 1), 1);
}

const DAY: QuotaWindow = QuotaWindow { start: 0, end: 86_400 };
const NEXT_DAY: QuotaWindow = QuotaWindow {
    start: 86_400,
    end: 172_800,
};

#[test]
fn quota_admits_the_limit_per_window_and_counts_nothing_when_exceeded() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:plan:{p/k}:quota");
    let quota = Quota { limit: 3, offset: 0 };
    let outcomes: Vec<QuotaOutcome> = (0..5).map(|_| now(store.consume(&key, quota, DAY))).collect();
    assert_eq!(
        outcomes,
        [
            QuotaOutcome::Admitted { remaining: 2 },
            QuotaOutcome::Admitted { remaining: 1 },
            QuotaOutcome::Admitted { remaining: 0 },
            QuotaOutcome::Exceeded,
            QuotaOutcome::Exceeded,
        ]
    );
    assert_eq!(store.quota_used(&key, DAY.start), 3);
    assert_eq!(
        now(store.consume(&key, quota, NEXT_DAY)),
        QuotaOutcome::Admitted { remaining: 2 },
        "a new window starts from zero"
    );
    assert_eq!(store.quota_used(&key, DAY.start), 0, "only the current window is kept");
}

#[test]
fn quota_offset_applies_to_the_first_window_only() {
    let store = EmbeddedStore::new();
    let key = StateKey::new("tg:plan:{p/offset}:quota");
    let quota = Quota { limit: 5, offset: 3 };
    let first = (0..10)
        .filter(|_| now(store.consume(&key, quota, DAY)) != QuotaOutcome::Exceeded)
        .count();
    let second = (0..10)
        .filter(|_| now(store.consume(&key, quota, NEXT_DAY)) != QuotaOutcome::Exceeded)
        .count();
    assert_eq!((first, second), (2, 5));
    let none = Quota { limit: 2, offset: 9 };
    assert_eq!(
        now(store.consume(&StateKey::new("tg:plan:{p/none}:quota"), none, DAY)),
        QuotaOutcome::Exceeded
    );
}

#[test]
fn exact_under_threads() {
    let store = Arc::new(EmbeddedStore::new());
    let quota_key = StateKey::new("tg:plan:{p/threads}:quota");
    let bucket_key = StateKey::new("tg:plan:{p/threads}:rate");
    let quota_admitted = Arc::new(AtomicU64::new(0));
    let bucket_admitted = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (store, quota_key, bucket_key) = (Arc::clone(&store), quota_key.clone(), bucket_key.clone());
            let (quota_admitted, bucket_admitted) = (Arc::clone(&quota_admitted), Arc::clone(&bucket_admitted));
            std::thread::spawn(move || {
                let quota = Quota { limit: 1000, offset: 0 };
                let limit = Throttle {
                    rate_limit: 0.0,
                    burst_limit: 777,
                };
                for _ in 0..500 {
                    if now(store.consume(&quota_key, quota, DAY)) != QuotaOutcome::Exceeded {
                        quota_admitted.fetch_add(1, Ordering::Relaxed);
                    }
                    if now(store.acquire(&bucket_key, limit, at(0))) == Admission::Admitted {
                        bucket_admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(quota_admitted.load(Ordering::Relaxed), 1000);
    assert_eq!(bucket_admitted.load(Ordering::Relaxed), 777);
}

fn response(body: &str) -> Arc<CachedResponse> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    Arc::new(CachedResponse::new(
        StatusCode::OK,
        headers,
        Bytes::from(body.to_owned()),
        false,
    ))
}

fn partition(max_bytes: u64) -> CachePartition {
    CachePartition {
        name: "dev".into(),
        max_bytes,
    }
}

fn body(entry: Option<Arc<CachedResponse>>) -> Option<String> {
    entry.map(|e| String::from_utf8_lossy(&e.body).into_owned())
}

#[test]
fn cache_entries_live_for_their_ttl() {
    let store = EmbeddedStore::new();
    let part = partition(1 << 20);
    let key = StateKey::new("tg:cache:dev:GET:/pets");
    assert_eq!(body(now(store.cache_get(&part, &key, at(0)))), None);
    now(store.cache_put(&part, &key, response("a"), Duration::from_secs(300), at(0)));
    assert_eq!(
        body(now(store.cache_get(&part, &key, at(299_999)))).as_deref(),
        Some("a")
    );
    assert_eq!(
        body(now(store.cache_get(&part, &key, at(300_000)))),
        None,
        "expired at the TTL"
    );
    assert_eq!(store.cache_usage("dev").0, 0, "an expired entry is dropped when seen");
}

#[test]
fn cache_evicts_least_recently_used_past_the_budget() {
    let store = EmbeddedStore::new();
    let one = response(&"x".repeat(1000));
    let key_len = "tg:k0".len() as u64;
    let per_entry = one.size() + key_len;
    let part = partition(per_entry * 3);
    let keys: Vec<StateKey> = (0..4).map(|i| StateKey::new(format!("tg:k{i}"))).collect();
    let ttl = Duration::from_secs(60);
    for key in &keys[..3] {
        now(store.cache_put(&part, key, Arc::clone(&one), ttl, at(0)));
    }
    assert_eq!(store.cache_usage("dev"), (3, per_entry * 3));
    // Touch k0 so k1 is now the least recently used.
    assert!(now(store.cache_get(&part, &keys[0], at(1))).is_some());
    now(store.cache_put(&part, &keys[3], Arc::clone(&one), ttl, at(2)));
    let present: Vec<bool> = keys
        .iter()
        .map(|k| now(store.cache_get(&part, k, at(3))).is_some())
        .collect();
    assert_eq!(present, [true, false, true, true]);
    assert!(store.cache_usage("dev").1 <= per_entry * 3);
}

#[test]
fn cache_replaces_refuses_oversize_removes_and_flushes() {
    let store = EmbeddedStore::new();
    let part = partition(10_000);
    let key = StateKey::new("tg:cache:dev:GET:/a");
    let ttl = Duration::from_secs(60);
    now(store.cache_put(&part, &key, response("old"), ttl, at(0)));
    now(store.cache_put(&part, &key, response("new"), ttl, at(0)));
    assert_eq!(body(now(store.cache_get(&part, &key, at(1)))).as_deref(), Some("new"));
    assert_eq!(store.cache_usage("dev").0, 1, "a replacement does not add an entry");
    now(store.cache_put(&part, &key, response(&"y".repeat(20_000)), ttl, at(0)));
    assert_eq!(
        body(now(store.cache_get(&part, &key, at(1)))),
        None,
        "an entry over the whole budget is not kept, and the old one is gone"
    );
    assert_eq!(store.cache_usage("dev"), (0, 0));
    now(store.cache_put(&part, &key, response("again"), ttl, at(0)));
    now(store.cache_remove(&part, &key));
    assert_eq!(body(now(store.cache_get(&part, &key, at(1)))), None);
    let other = StateKey::new("tg:cache:dev:GET:/b");
    now(store.cache_put(&part, &key, response("1"), ttl, at(0)));
    now(store.cache_put(&part, &other, response("2"), ttl, at(0)));
    now(store.cache_flush(&part));
    assert_eq!(store.cache_usage("dev"), (0, 0));
    let elsewhere = CachePartition {
        name: "prod".into(),
        max_bytes: 10_000,
    };
    assert_eq!(
        body(now(store.cache_get(&elsewhere, &other, at(1)))),
        None,
        "partitions are separate"
    );
}

#[test]
fn lru_slots_are_reused() {
    let store = EmbeddedStore::new();
    let part = partition(100_000);
    let ttl = Duration::from_secs(60);
    for round in 0..50 {
        let key = StateKey::new(format!("tg:k{}", round % 5));
        now(store.cache_put(&part, &key, response("v"), ttl, at(0)));
        if round % 3 == 0 {
            now(store.cache_remove(&part, &key));
        }
    }
    let (entries, bytes) = store.cache_usage("dev");
    assert!(entries <= 5);
    assert_eq!(bytes, entries as u64 * (response("v").size() + "tg:k0".len() as u64));
    let fresh = StateKey::new("tg:k0");
    now(store.cache_put(&part, &fresh, response("v"), ttl, at(0)));
    assert!(now(store.cache_get(&part, &fresh, at(1))).is_some());
}

#[test]
fn state_keys_compare_by_text() {
    let a = StateKey::new("tg:a");
    assert_eq!(a, StateKey::new(String::from("tg:a")));
    assert_ne!(a, StateKey::new("tg:b"));
    assert_eq!(a.as_str(), "tg:a");
    assert_eq!(format!("{a} {a:?}"), "tg:a \"tg:a\"");
}
