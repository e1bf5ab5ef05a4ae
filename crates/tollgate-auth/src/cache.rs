//! The authorizer result cache (spec §9.5; reliability-security-scale §2.6).
//!
//! * The key is the authorizer's id plus every identity value, each length-prefixed, so no choice of values
//!   can collide with another (`a,b` + `c` is not `a` + `b,c`).
//! * The value is the function's whole output, **policy included**: the caller evaluates it again for every
//!   method ARN, so an Allow for one path does not leak to another within the TTL (AWS's documented
//!   behaviour). Never a cached "allowed" flag.
//! * Only valid outputs are cached. A 401/500 is not (\[unk\]: AWS does not document caching of errors; not
//!   caching them can only call the function more often, never authorize more).
//! * Entries expire `ttl` seconds after insertion; the cache is bounded, evicting expired entries first, then
//!   the least recently used. Time is passed in by the caller (milliseconds on any monotonic or wall clock),
//!   so tests control it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use crate::lambda::output::AuthorizerOutput;

/// A result-cache key: see [`LambdaAuthorizer::cache_key`](crate::LambdaAuthorizer::cache_key).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(Box<[u8]>);

/// Its length only: the identity values it holds (tokens, API keys) are credentials and must not reach a log
/// through `{:?}`.
impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CacheKey({} bytes)", self.0.len())
    }
}

impl CacheKey {
    pub(crate) fn new(authorizer_id: &str, values: &[Option<String>]) -> CacheKey {
        let mut bytes = Vec::with_capacity(
            8 + authorizer_id.len()
                + values
                    .iter()
                    .map(|v| 9 + v.as_deref().map_or(0, str::len))
                    .sum::<usize>(),
        );
        push_field(&mut bytes, Some(authorizer_id));
        for value in values {
            push_field(&mut bytes, value.as_deref());
        }
        CacheKey(bytes.into_boxed_slice())
    }
}

/// Tag byte (present or not), then a 64-bit length, then the bytes.
fn push_field(bytes: &mut Vec<u8>, field: Option<&str>) {
    match field {
        Some(text) => {
            bytes.push(1);
            bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
            bytes.extend_from_slice(text.as_bytes());
        }
        None => bytes.push(0),
    }
}

/// A bounded, thread-safe cache of authorizer outputs.
#[derive(Debug)]
pub struct AuthorizerCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<CacheKey, Entry>,
    /// Last-use tick → key, oldest first.
    recency: BTreeMap<u64, CacheKey>,
    tick: u64,
}

#[derive(Debug)]
struct Entry {
    output: Arc<AuthorizerOutput>,
    expires_at_ms: u64,
    last_used: u64,
}

impl AuthorizerCache {
    /// A cache holding at most `capacity` results (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> AuthorizerCache {
        AuthorizerCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The cached output for `key` at time `now_ms`, if present and not expired.
    pub fn get(&self, key: &CacheKey, now_ms: u64) -> Option<Arc<AuthorizerOutput>> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let expired = inner.entries.get(key)?.expires_at_ms <= now_ms;
        if expired {
            inner.remove(key);
            return None;
        }
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(key)?;
        let previous = std::mem::replace(&mut entry.last_used, tick);
        let output = Arc::clone(&entry.output);
        inner.recency.remove(&previous);
        inner.recency.insert(tick, key.clone());
        Some(output)
    }

    /// Stores `output` under `key` for `ttl_seconds` from `now_ms` (0: not stored).
    pub fn insert(&self, key: CacheKey, output: Arc<AuthorizerOutput>, ttl_seconds: u32, now_ms: u64) {
        if ttl_seconds == 0 {
            return;
        }
        let mut inner = self.lock();
        inner.remove(&key);
        if inner.entries.len() >= self.capacity {
            inner.purge_expired(now_ms);
        }
        while inner.entries.len() >= self.capacity {
            let Some((_, oldest)) = inner.recency.pop_first() else {
                break;
            };
            inner.entries.remove(&oldest);
        }
        inner.tick += 1;
        let tick = inner.tick;
        let expires_at_ms = now_ms.saturating_add(u64::from(ttl_seconds) * 1000);
        inner.recency.insert(tick, key.clone());
        inner.entries.insert(
            key,
            Entry {
                output,
                expires_at_ms,
                last_used: tick,
            },
        );
    }

    /// Number of entries (expired ones included until they are touched or purged).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry (a redeployment flushes authorizer caches on AWS).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.recency.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that matters more than
        // losing the cache: keep serving.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn remove(&mut self, key: &CacheKey) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.last_used);
        }
    }

    fn purge_expired(&mut self, now_ms: u64) {
        let expired: Vec<CacheKey> = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.expires_at_ms <= now_ms)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &expired {
            self.remove(key);
        }
    }
}
