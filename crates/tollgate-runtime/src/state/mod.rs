//! The gateway's shared request state: throttle buckets, usage-plan quota counters and the response cache,
//! behind one [`StateStore`] trait.
//!
//! The default is [`EmbeddedStore`]: in process, exact for one node, no server needed. The trait is shaped so
//! that a shared store (Redis or Valkey) can serve many gateway nodes with the same semantics: every operation
//! is one atomic step on one key, so it maps onto one Lua script (or one command) and one round trip.
//!
//! | operation | semantics | Redis mapping (one round trip) |
//! | --- | --- | --- |
//! | [`StateStore::acquire`] | token bucket: `burst_limit` capacity, refilled at `rate_limit` tokens/s, one token per request | a Lua script over a hash `{tokens, at}` using `redis.call('TIME')` (one clock for every node), `PEXPIRE` at the time the bucket is full again; or GCRA, one timestamp per key |
//! | [`StateStore::release`] | gives a token back (a later check rejected the request) | the same script with `-1` |
//! | [`StateStore::consume`] | quota: admit while fewer than `limit` (minus `offset` in the first window) were admitted in the window | a Lua script: `GET` the counter `key:{window.start}`, compare, `INCR` only when admitted, `EXPIREAT window.end`; `SET key:first window.start NX` fixes the first window |
//! | [`StateStore::cache_get`] / [`StateStore::cache_put`] / [`StateStore::cache_remove`] | TTL entries, at most [`MAX_CACHED_RESPONSE`] bytes of body, evicted least recently used beyond the partition's byte budget | `GET` / `SET key value PX ttl` / `DEL`; the budget is the server's `maxmemory` with `allkeys-lru` |
//! | [`StateStore::cache_flush`] | drops a partition (a stage's cache) | `INCR` a per-partition generation that is part of every key (no `SCAN`/`DEL` storm) |
//!
//! Keys are built once, when a deployment is compiled ([`StateKey`]), and already carry Redis Cluster hash tags
//! (`tg:plan:{basic/alice}:rate` and `tg:plan:{basic/alice}:quota` share a slot), so a shared store can use them
//! verbatim. The phases that use the store fail open on a [`StateError`] (a log line, the request goes on),
//! like Envoy's global rate limit and AWS's best-effort limits.

mod embedded;
mod lru;

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

pub use embedded::EmbeddedStore;

/// The largest response body API Gateway caches (DG/api-gateway-caching.html): 1,048,576 bytes.
pub const MAX_CACHED_RESPONSE: usize = 1_048_576;

/// A key in the store: its text (what a shared store would use) and a hash computed once.
#[derive(Clone)]
pub struct StateKey {
    text: Arc<str>,
    hash: u64,
}

/// One randomly keyed hasher per process: cache keys carry request values, so their hashes must not be
/// predictable (hash flooding).
fn seed() -> &'static std::collections::hash_map::RandomState {
    static SEED: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    SEED.get_or_init(Default::default)
}

impl StateKey {
    /// A key with this text.
    pub fn new(text: impl Into<Arc<str>>) -> StateKey {
        let text = text.into();
        let hash = seed().hash_one(&*text);
        StateKey { text, hash }
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn hash_value(&self) -> u64 {
        self.hash
    }
}

impl PartialEq for StateKey {
    fn eq(&self, other: &StateKey) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for StateKey {}

impl Hash for StateKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl fmt::Display for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A token bucket's settings (AWS `ThrottleSettings`): `burst_limit` tokens at most, `rate_limit` tokens added
/// per second. A burst of 0 refuses everything; a rate of 0 never refills.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttle {
    /// Steady-state requests per second.
    pub rate_limit: f64,
    /// The bucket's capacity: requests admitted at once after a quiet period.
    pub burst_limit: u32,
}

/// The answer of [`StateStore::acquire`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A token was taken.
    Admitted,
    /// The bucket is empty.
    Throttled,
}

/// A usage plan's quota (AWS `QuotaSettings`): `limit` requests per window; in the first window the store
/// sees for a key, `offset` fewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests admitted per window.
    pub limit: u64,
    /// Requests subtracted from the limit in the initial window (AWS API reference, `QuotaSettings.offset`).
    pub offset: u64,
}

/// Everything a request is admitted against, for [`StateStore::admit_at_once`]: its throttles in the order they
/// are taken (the API key's for the method, the stage's for the method, the account's) and its quota.
#[derive(Clone, Copy, Debug)]
pub struct AdmitRequest<'a> {
    /// The buckets to take a token from; `None` where a level has no throttle.
    pub buckets: [Option<(&'a StateKey, Throttle)>; 3],
    /// The quota to count the request against, with its current window.
    pub quota: Option<(&'a StateKey, Quota, QuotaWindow)>,
}

/// The answer of [`StateStore::admit_at_once`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdmitOutcome {
    /// A token was taken from every bucket and the quota counted the request.
    Admitted,
    /// A bucket was empty; nothing was taken or counted.
    Throttled,
    /// The quota is used up; nothing was taken or counted.
    QuotaExceeded,
}

/// Takes a token from each of `request`'s buckets in order, then counts its quota: on the first refusal the
/// tokens already taken are given back and the refusal is returned. A store error lets the request through
/// (fail open). What the gateway does with a store that declines [`StateStore::admit_at_once`], and what a
/// networked store can do on its fallback.
pub async fn admit_one_by_one(store: &dyn StateStore, request: AdmitRequest<'_>, now: SystemTime) -> AdmitOutcome {
    let mut taken: [Option<(&StateKey, Throttle)>; 3] = [None; 3];
    for (slot, bucket) in taken.iter_mut().zip(request.buckets) {
        let Some((key, limit)) = bucket else { continue };
        match store.acquire(key, limit, now).await {
            Ok(Admission::Admitted) => *slot = Some((key, limit)),
            Ok(Admission::Throttled) => {
                tracing::debug!(bucket = %key, "throttled");
                give_back(store, &taken, now).await;
                return AdmitOutcome::Throttled;
            }
            Err(err) => tracing::warn!(bucket = %key, error = %err, "throttle unavailable; admitting"),
        }
    }
    let Some((key, quota, window)) = request.quota else {
        return AdmitOutcome::Admitted;
    };
    match store.consume(key, quota, window).await {
        Ok(QuotaOutcome::Admitted { .. }) => AdmitOutcome::Admitted,
        Ok(QuotaOutcome::Exceeded) => {
            tracing::debug!(quota = %key, "quota exceeded");
            give_back(store, &taken, now).await;
            AdmitOutcome::QuotaExceeded
        }
        Err(err) => {
            tracing::warn!(quota = %key, error = %err, "quota unavailable; admitting");
            AdmitOutcome::Admitted
        }
    }
}

async fn give_back(store: &dyn StateStore, taken: &[Option<(&StateKey, Throttle)>; 3], now: SystemTime) {
    for (key, limit) in taken.iter().flatten() {
        if let Err(err) = store.release(key, *limit, now).await {
            tracing::warn!(bucket = %key, error = %err, "could not give a token back");
        }
    }
}

/// A quota window: `[start, end)` in seconds since the Unix epoch (a UTC calendar day, week or month).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaWindow {
    /// The first second of the window.
    pub start: u64,
    /// The first second after it.
    pub end: u64,
}

/// The answer of [`StateStore::consume`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaOutcome {
    /// The request was counted.
    Admitted {
        /// Requests left in the window after this one.
        remaining: u64,
    },
    /// The window's quota is used up; nothing was counted.
    Exceeded,
}

/// A response kept in the cache: what the integration answered, after response mapping.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CachedResponse {
    /// The status.
    pub status: StatusCode,
    /// The method response's headers (the per-request ids are added when it is served).
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Whether AWS adds `X-Amzn-Trace-Id` when serving it (the integration type's rule).
    pub trace_header: bool,
}

impl CachedResponse {
    /// A cached response.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes, trace_header: bool) -> CachedResponse {
        CachedResponse {
            status,
            headers,
            body,
            trace_header,
        }
    }

    /// What the entry counts against a cache's byte budget: body, header names and values, and a fixed
    /// per-entry overhead.
    pub fn size(&self) -> u64 {
        let headers: usize = self.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 8).sum();
        (self.body.len() + headers + 128) as u64
    }
}

/// One cache: a stage's, with its byte budget (AWS `cacheClusterSize`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachePartition {
    /// The partition's name (the stage).
    pub name: Arc<str>,
    /// The most bytes its entries may take ([`CachedResponse::size`]).
    pub max_bytes: u64,
}

/// A shared store could not answer (unreachable, timed out). The embedded store never fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateError {
    /// What went wrong, for the log.
    pub message: String,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state store: {}", self.message)
    }
}

impl std::error::Error for StateError {}

/// The future a [`StateStore`] operation returns: already complete for the embedded store (no allocation),
/// or a boxed future for a networked one.
pub struct StateFuture<'a, T>(FutureKind<'a, T>);

type BoxedFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StateError>> + Send + 'a>>;

enum FutureKind<'a, T> {
    Ready(Option<Result<T, StateError>>),
    Pending(BoxedFuture<'a, T>),
}

impl<'a, T> StateFuture<'a, T> {
    /// An operation that already completed.
    pub fn ready(value: T) -> StateFuture<'a, T> {
        StateFuture(FutureKind::Ready(Some(Ok(value))))
    }

    /// An operation that already failed.
    pub fn failed(error: StateError) -> StateFuture<'a, T> {
        StateFuture(FutureKind::Ready(Some(Err(error))))
    }

    /// Whether the operation completed when it was called (always, for the embedded store). A pending one has
    /// not started: it runs when polled.
    pub fn is_ready(&self) -> bool {
        matches!(self.0, FutureKind::Ready(_))
    }

    /// An operation still under way (a network round trip).
    pub fn boxed(future: impl Future<Output = Result<T, StateError>> + Send + 'a) -> StateFuture<'a, T> {
        StateFuture(FutureKind::Pending(Box::pin(future)))
    }
}

impl<T: Unpin> Future for StateFuture<'_, T> {
    type Output = Result<T, StateError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            FutureKind::Ready(value) => match value.take() {
                Some(value) => Poll::Ready(value),
                None => Poll::Ready(Err(StateError {
                    message: "state future polled after completion".to_owned(),
                })),
            },
            FutureKind::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

impl<T> fmt::Debug for StateFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            FutureKind::Ready(_) => "StateFuture(ready)",
            FutureKind::Pending(_) => "StateFuture(pending)",
        })
    }
}

/// Where throttle buckets, quota counters and cached responses live. Every operation is atomic on its key:
/// concurrent callers never see a half-applied step, so a quota of N admits exactly N requests and a bucket
/// never hands out more tokens than it holds. Times are passed in (the gateway's injected clock); a shared
/// store may use its own clock instead (Redis `TIME`) so nodes agree.
pub trait StateStore: Send + Sync + fmt::Debug {
    /// Takes one token from the bucket `key` (created full), refilling it first for the time since its last use.
    fn acquire<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, Admission>;

    /// Gives back a token taken by [`StateStore::acquire`] for a request a later check refused (never above
    /// the burst).
    fn release<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, ()>;

    /// Counts one request against the quota `key` in `window`, unless the window's limit is reached.
    fn consume<'a>(&'a self, key: &'a StateKey, quota: Quota, window: QuotaWindow) -> StateFuture<'a, QuotaOutcome>;

    /// Admits a request against all its buckets and its quota in one atomic step (every bucket gives a token
    /// and the quota counts it, or nothing changes), for a store where each operation is a round trip. `None`
    /// (the default) has the caller take the buckets one by one, giving tokens back when a later check refuses.
    fn admit_at_once<'a>(
        &'a self,
        request: AdmitRequest<'a>,
        now: SystemTime,
    ) -> Option<StateFuture<'a, AdmitOutcome>> {
        let _ = (request, now);
        None
    }

    /// The live entry `key` of `partition`, if any (expired entries are gone).
    fn cache_get<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        now: SystemTime,
    ) -> StateFuture<'a, Option<Arc<CachedResponse>>>;

    /// Stores (or replaces) `key` for `ttl`, evicting least recently used entries past the partition's budget.
    fn cache_put<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        entry: Arc<CachedResponse>,
        ttl: Duration,
        now: SystemTime,
    ) -> StateFuture<'a, ()>;

    /// Drops `key` from `partition`.
    fn cache_remove<'a>(&'a self, partition: &'a CachePartition, key: &'a StateKey) -> StateFuture<'a, ()>;

    /// Drops every entry of `partition` (AWS "Flush stage cache").
    fn cache_flush<'a>(&'a self, partition: &'a CachePartition) -> StateFuture<'a, ()>;
}

/// Nanoseconds since the Unix epoch; 0 before it.
pub(crate) fn nanos(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
