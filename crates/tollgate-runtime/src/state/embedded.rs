//! The in-process [`StateStore`]: sharded maps under short mutexes, exact for one node.
//!
//! Each operation locks one shard, updates one entry and returns an already completed [`StateFuture`], so a
//! request pays a hash-map probe on a precomputed hash and no allocation (except the first use of a key).
//! Holding the shard lock across read-and-update is what makes a quota of N admit exactly N under any
//! concurrency. Throttle and quota keys come from the deployment's configuration, never from requests, so
//! those maps are bounded by the configuration; caches are bounded by their partitions' byte budgets.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use super::lru::Lru;
use super::{
    Admission, CachePartition, CachedResponse, Quota, QuotaOutcome, QuotaWindow, StateFuture, StateKey, StateStore,
    Throttle, nanos,
};

const SHARDS: usize = 16;

/// Uses the hash a [`StateKey`] carries instead of hashing again.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

pub(crate) type KeyHasher = BuildHasherDefault<PassThrough>;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date (nanoseconds since the epoch).
    at: u64,
}

#[derive(Clone, Copy, Debug)]
struct Counter {
    /// The window the key was first counted in: the one `Quota::offset` applies to.
    first_window: u64,
    window: u64,
    count: u64,
}

/// The embedded store (the default): token buckets, quota counters and byte-bounded LRU caches in memory.
#[derive(Debug)]
pub struct EmbeddedStore {
    buckets: [Mutex<HashMap<StateKey, Bucket, KeyHasher>>; SHARDS],
    counters: [Mutex<HashMap<StateKey, Counter, KeyHasher>>; SHARDS],
    caches: RwLock<HashMap<Arc<str>, Arc<Mutex<Lru>>>>,
}

impl Default for EmbeddedStore {
    fn default() -> Self {
        EmbeddedStore::new()
    }
}

/// A poisoned lock only means another request panicked mid-update of plain numbers; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn shard(key: &StateKey) -> usize {
    (key.hash_value() >> 60) as usize % SHARDS
}

/// Tolerance for floating-point refill sums (a full token that computes as 0.999999999).
const EPSILON: f64 = 1e-9;

impl EmbeddedStore {
    /// An empty store.
    pub fn new() -> EmbeddedStore {
        EmbeddedStore {
            buckets: std::array::from_fn(|_| Mutex::new(HashMap::default())),
            counters: std::array::from_fn(|_| Mutex::new(HashMap::default())),
            caches: RwLock::new(HashMap::new()),
        }
    }

    /// How many requests were counted against `key` in the window starting at `window_start` (0 if none):
    /// what AWS's `GetUsage` reports.
    pub fn quota_used(&self, key: &StateKey, window_start: u64) -> u64 {
        lock(&self.counters[shard(key)])
            .get(key)
            .filter(|c| c.window == window_start)
            .map_or(0, |c| c.count)
    }

    /// Entries and bytes held by the cache `partition`.
    pub fn cache_usage(&self, partition: &str) -> (usize, u64) {
        let cache = self.existing(partition);
        cache.map_or((0, 0), |c| {
            let c = lock(&c);
            (c.len(), c.used())
        })
    }

    fn existing(&self, partition: &str) -> Option<Arc<Mutex<Lru>>> {
        let caches = self.caches.read().unwrap_or_else(PoisonError::into_inner);
        caches.get(partition).cloned()
    }

    fn partition(&self, partition: &CachePartition) -> Arc<Mutex<Lru>> {
        if let Some(cache) = self.existing(&partition.name) {
            return cache;
        }
        let mut caches = self.caches.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(cache) = caches.get(&partition.name) {
            return Arc::clone(cache);
        }
        let cache = Arc::new(Mutex::new(Lru::new()));
        caches.insert(Arc::clone(&partition.name), Arc::clone(&cache));
        cache
    }

    fn refill(bucket: &mut Bucket, limit: Throttle, now: u64) {
        let burst = f64::from(limit.burst_limit);
        if now > bucket.at {
            let elapsed = (now - bucket.at) as f64 / 1e9;
            bucket.tokens = (bucket.tokens + elapsed * limit.rate_limit.max(0.0)).min(burst);
            bucket.at = now;
        }
        // A smaller burst after a reload caps what was saved up.
        bucket.tokens = bucket.tokens.min(burst);
    }
}

impl StateStore for EmbeddedStore {
    fn acquire<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, Admission> {
        let now = nanos(now);
        let mut buckets = lock(&self.buckets[shard(key)]);
        if !buckets.contains_key(key) {
            let full = Bucket {
                tokens: f64::from(limit.burst_limit),
                at: now,
            };
            buckets.insert(key.clone(), full);
        }
        let Some(bucket) = buckets.get_mut(key) else {
            return StateFuture::ready(Admission::Admitted);
        };
        EmbeddedStore::refill(bucket, limit, now);
        if bucket.tokens + EPSILON >= 1.0 {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
            StateFuture::ready(Admission::Admitted)
        } else {
            StateFuture::ready(Admission::Throttled)
        }
    }

    fn release<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, ()> {
        let now = nanos(now);
        if let Some(bucket) = lock(&self.buckets[shard(key)]).get_mut(key) {
            EmbeddedStore::refill(bucket, limit, now);
            bucket.tokens = (bucket.tokens + 1.0).min(f64::from(limit.burst_limit));
        }
        StateFuture::ready(())
    }

    fn consume<'a>(&'a self, key: &'a StateKey, quota: Quota, window: QuotaWindow) -> StateFuture<'a, QuotaOutcome> {
        let mut counters = lock(&self.counters[shard(key)]);
        if !counters.contains_key(key) {
            let fresh = Counter {
                first_window: window.start,
                window: window.start,
                count: 0,
            };
            counters.insert(key.clone(), fresh);
        }
        let Some(counter) = counters.get_mut(key) else {
            return StateFuture::ready(QuotaOutcome::Exceeded);
        };
        if counter.window != window.start {
            counter.window = window.start;
            counter.count = 0;
        }
        let limit = if counter.window == counter.first_window {
            quota.limit.saturating_sub(quota.offset)
        } else {
            quota.limit
        };
        if counter.count >= limit {
            return StateFuture::ready(QuotaOutcome::Exceeded);
        }
        counter.count += 1;
        StateFuture::ready(QuotaOutcome::Admitted {
            remaining: limit - counter.count,
        })
    }

    fn cache_get<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        now: SystemTime,
    ) -> StateFuture<'a, Option<Arc<CachedResponse>>> {
        let cache = self.existing(&partition.name);
        StateFuture::ready(cache.and_then(|cache| lock(&cache).get(key, nanos(now))))
    }

    fn cache_put<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        entry: Arc<CachedResponse>,
        ttl: Duration,
        now: SystemTime,
    ) -> StateFuture<'a, ()> {
        let expires_at = nanos(now).saturating_add(u64::try_from(ttl.as_nanos()).unwrap_or(u64::MAX));
        let cache = self.partition(partition);
        lock(&cache).put(key, entry, expires_at, partition.max_bytes);
        StateFuture::ready(())
    }

    fn cache_remove<'a>(&'a self, partition: &'a CachePartition, key: &'a StateKey) -> StateFuture<'a, ()> {
        if let Some(cache) = self.existing(&partition.name) {
            lock(&cache).remove(key);
        }
        StateFuture::ready(())
    }

    fn cache_flush<'a>(&'a self, partition: &'a CachePartition) -> StateFuture<'a, ()> {
        if let Some(cache) = self.existing(&partition.name) {
            lock(&cache).clear();
        }
        StateFuture::ready(())
    }
}
