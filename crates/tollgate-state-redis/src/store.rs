//! [`RedisStore`]: the runtime's [`StateStore`] over Redis, so several gateway nodes enforce one set of
//! throttles and quotas and share one response cache.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tollgate_runtime::EmbeddedStore;
use tollgate_runtime::state::{
    Admission, AdmitOutcome, AdmitRequest, CachePartition, CachedResponse, MAX_CACHED_RESPONSE, Quota, QuotaOutcome,
    QuotaWindow, StateError, StateFuture, StateKey, StateStore, Throttle, admit_one_by_one,
};

use crate::config::{ConfigError, OnError, RedisConfig};
use crate::entry;
use crate::keys::Keys;
use crate::link::{Failure, Link};
use crate::stats::StoreStats;

/// A quota counter outlives its window by this much, so a node whose clock runs behind still finds the
/// window's count instead of starting it again at 0.
const QUOTA_SLACK_SECONDS: u64 = 3600;
/// Lua numbers are doubles: integers above 2^53 would round.
const MAX_EXACT: u64 = 1 << 53;
/// Rates are sent as decimals; anything above this is "always full" already.
const MAX_RATE: f64 = 1e12;
/// The prefix when neither the URL nor the server names one.
const DEFAULT_PREFIX: &str = "tollgate";

/// The shared store. Every operation is one round trip (a Lua script, a command, or a two-command pipeline
/// for a cache lookup) bounded by the configured timeout; when Redis cannot answer, [`OnError`] decides.
pub struct RedisStore {
    link: Arc<Link>,
    config: RedisConfig,
    keys: Keys,
    bucket: redis::Script,
    quota: redis::Script,
    admit: redis::Script,
    cache_put: redis::Script,
    /// Answers while Redis cannot, with per-node limits (on-error=open).
    fallback: EmbeddedStore,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("link", &self.link)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `config`. It connects when [`RedisStore::connect`] is awaited (or, failing that, in the
    /// background from the first operation); until then operations follow the on-error policy.
    ///
    /// # Errors
    ///
    /// A URL the `redis` crate refuses.
    pub fn new(config: RedisConfig) -> Result<RedisStore, ConfigError> {
        let client = redis::Client::open(config.url.as_str()).map_err(|err| ConfigError {
            message: format!("`{}`: {err}", config.display_url()),
        })?;
        let link = Link::new(client, config.display_url(), config.timeout, config.reconnect_interval);
        let keys = Keys::new(config.prefix.as_deref().unwrap_or(DEFAULT_PREFIX));
        Ok(RedisStore {
            link,
            keys,
            config,
            bucket: redis::Script::new(concat!(
                include_str!("lua/bucket_fns.lua"),
                include_str!("lua/bucket.lua")
            )),
            quota: redis::Script::new(include_str!("lua/quota.lua")),
            admit: redis::Script::new(concat!(
                include_str!("lua/bucket_fns.lua"),
                include_str!("lua/admit.lua")
            )),
            cache_put: redis::Script::new(include_str!("lua/cache_put.lua")),
            fallback: EmbeddedStore::new(),
        })
    }

    /// Connects now. On failure the store keeps trying in the background every reconnect interval and
    /// applies the on-error policy meanwhile, so a gateway may start before its Redis.
    ///
    /// # Errors
    ///
    /// Redis did not answer a `PING` within the connect timeout (at least 1 s).
    pub async fn connect(&self) -> Result<(), StateError> {
        self.link.connect().await.map_err(state_error)
    }

    /// Whether a connection to Redis is up.
    pub fn is_up(&self) -> bool {
        self.link.is_up()
    }

    /// The store's settings.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The counters, for metrics and health checks.
    pub fn stats(&self) -> StoreStats {
        self.link.counters.snapshot(self.link.is_up())
    }

    /// A failed operation answered by the fallback (open) or refused (closed): counted, and logged at debug
    /// (the link logs losing and regaining Redis once each).
    fn failed(&self, what: &str, key: &StateKey, failure: &Failure) -> OnError {
        let counter = match self.config.on_error {
            OnError::Open => &self.link.counters.fallbacks,
            OnError::Closed => &self.link.counters.refusals,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%key, error = %failure, kind = failure.kind(), on_error = ?self.config.on_error, "state store: {what} failed");
        self.config.on_error
    }

    /// One node's share of a throttle while Redis is away.
    fn per_node_throttle(&self, limit: Throttle) -> Throttle {
        Throttle {
            rate_limit: limit.rate_limit / f64::from(self.config.nodes),
            burst_limit: limit.burst_limit.div_ceil(self.config.nodes),
        }
    }

    /// One node's share of a quota while Redis is away.
    fn per_node_quota(&self, quota: Quota) -> Quota {
        let nodes = u64::from(self.config.nodes);
        Quota {
            limit: quota.limit.div_ceil(nodes),
            offset: quota.offset / nodes,
        }
    }

    async fn bucket_step(&self, key: &StateKey, limit: Throttle, cost: i8) -> Result<i64, Failure> {
        let redis_key = self.keys.of(key);
        let rate = rate_arg(limit);
        let script = &self.bucket;
        self.link
            .call(|mut connection| async move {
                let mut invocation = script.prepare_invoke();
                invocation.key(redis_key).arg(rate).arg(limit.burst_limit).arg(cost);
                invocation.invoke_async::<i64>(&mut connection).await
            })
            .await
    }

    /// `admit.lua` for `request`: 1 admitted, 0 throttled, -1 quota used up.
    async fn admit_step(&self, request: &AdmitRequest<'_>) -> Result<i64, Failure> {
        let buckets: Vec<(String, f64, u32)> = request
            .buckets
            .iter()
            .flatten()
            .map(|(key, limit)| (self.keys.of(key), rate_arg(*limit), limit.burst_limit))
            .collect();
        let quota = request.quota.map(|(key, quota, window)| {
            let (counter, first) = self.keys.quota(key, window.start);
            let expire_at = window.end.saturating_add(QUOTA_SLACK_SECONDS);
            (counter, first, quota, window.start, expire_at)
        });
        let script = &self.admit;
        self.link
            .call(|mut connection| async move {
                let mut invocation = script.prepare_invoke();
                invocation.arg(buckets.len());
                for (key, rate, burst) in buckets {
                    invocation.key(key).arg(rate).arg(burst);
                }
                if let Some((counter, first, quota, start, expire_at)) = quota {
                    invocation
                        .key(counter)
                        .key(first)
                        .arg(quota.limit.min(MAX_EXACT))
                        .arg(quota.offset.min(MAX_EXACT))
                        .arg(start)
                        .arg(expire_at);
                }
                invocation.invoke_async::<i64>(&mut connection).await
            })
            .await
    }

    /// [`StateStore::admit_at_once`] while Redis cannot answer (on-error=open): one by one on this node's store,
    /// with this node's share of every limit.
    async fn admit_on_fallback(&self, request: AdmitRequest<'_>, now: SystemTime) -> AdmitOutcome {
        let shares = AdmitRequest {
            buckets: request
                .buckets
                .map(|bucket| bucket.map(|(key, limit)| (key, self.per_node_throttle(limit)))),
            quota: request
                .quota
                .map(|(key, quota, window)| (key, self.per_node_quota(quota), window)),
        };
        admit_one_by_one(&self.fallback, shares, now).await
    }

    async fn delete(&self, key: String) -> Result<(), Failure> {
        self.link
            .call(|mut connection| async move { redis::cmd("DEL").arg(key).query_async::<()>(&mut connection).await })
            .await
    }
}

/// A bucket's rate as `bucket.lua` and `admit.lua` take it: finite, non-negative, at most [`MAX_RATE`].
fn rate_arg(limit: Throttle) -> f64 {
    if limit.rate_limit.is_finite() {
        limit.rate_limit.clamp(0.0, MAX_RATE)
    } else if limit.rate_limit > 0.0 {
        MAX_RATE
    } else {
        0.0
    }
}

fn state_error(failure: Failure) -> StateError {
    StateError {
        message: failure.to_string(),
    }
}

impl StateStore for RedisStore {
    /// One round trip (`admit.lua`) for all of a request's buckets and its quota, instead of one per bucket and
    /// one for the quota.
    fn admit_at_once<'a>(
        &'a self,
        request: AdmitRequest<'a>,
        now: SystemTime,
    ) -> Option<StateFuture<'a, AdmitOutcome>> {
        let mut buckets = request.buckets.iter().flatten();
        if buckets.clone().any(|(_, limit)| limit.burst_limit == 0) {
            return Some(StateFuture::ready(AdmitOutcome::Throttled));
        }
        let Some(named) = buckets
            .next()
            .map(|(key, _)| *key)
            .or(request.quota.map(|(key, ..)| key))
        else {
            return Some(StateFuture::ready(AdmitOutcome::Admitted));
        };
        Some(StateFuture::boxed(async move {
            match self.admit_step(&request).await {
                Ok(1) => Ok(AdmitOutcome::Admitted),
                Ok(0) => Ok(AdmitOutcome::Throttled),
                Ok(_) => Ok(AdmitOutcome::QuotaExceeded),
                Err(failure) => match self.failed("admission", named, &failure) {
                    OnError::Open => Ok(self.admit_on_fallback(request, now).await),
                    OnError::Closed if request.buckets.iter().any(Option::is_some) => Ok(AdmitOutcome::Throttled),
                    OnError::Closed => Ok(AdmitOutcome::QuotaExceeded),
                },
            }
        }))
    }

    fn acquire<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, Admission> {
        if limit.burst_limit == 0 {
            return StateFuture::ready(Admission::Throttled);
        }
        StateFuture::boxed(async move {
            match self.bucket_step(key, limit, 1).await {
                Ok(1) => Ok(Admission::Admitted),
                Ok(_) => Ok(Admission::Throttled),
                Err(failure) => match self.failed("throttle", key, &failure) {
                    OnError::Open => self.fallback.acquire(key, self.per_node_throttle(limit), now).await,
                    OnError::Closed => Ok(Admission::Throttled),
                },
            }
        })
    }

    fn release<'a>(&'a self, key: &'a StateKey, limit: Throttle, now: SystemTime) -> StateFuture<'a, ()> {
        if limit.burst_limit == 0 {
            return StateFuture::ready(());
        }
        StateFuture::boxed(async move {
            match self.bucket_step(key, limit, -1).await {
                Ok(_) => Ok(()),
                Err(failure) => match self.failed("give back", key, &failure) {
                    OnError::Open => self.fallback.release(key, self.per_node_throttle(limit), now).await,
                    OnError::Closed => Ok(()),
                },
            }
        })
    }

    fn consume<'a>(&'a self, key: &'a StateKey, quota: Quota, window: QuotaWindow) -> StateFuture<'a, QuotaOutcome> {
        StateFuture::boxed(async move {
            let (counter, first) = self.keys.quota(key, window.start);
            let expire_at = window.end.saturating_add(QUOTA_SLACK_SECONDS);
            let script = &self.quota;
            let result = self
                .link
                .call(|mut connection| async move {
                    let mut invocation = script.prepare_invoke();
                    invocation
                        .key(counter)
                        .key(first)
                        .arg(quota.limit.min(MAX_EXACT))
                        .arg(quota.offset.min(MAX_EXACT))
                        .arg(window.start)
                        .arg(expire_at);
                    invocation.invoke_async::<i64>(&mut connection).await
                })
                .await;
            match result {
                Ok(remaining) => Ok(u64::try_from(remaining)
                    .map_or(QuotaOutcome::Exceeded, |remaining| QuotaOutcome::Admitted { remaining })),
                Err(failure) => match self.failed("quota", key, &failure) {
                    OnError::Open => self.fallback.consume(key, self.per_node_quota(quota), window).await,
                    OnError::Closed => Ok(QuotaOutcome::Exceeded),
                },
            }
        })
    }

    fn cache_get<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        now: SystemTime,
    ) -> StateFuture<'a, Option<Arc<CachedResponse>>> {
        StateFuture::boxed(async move {
            let generation_key = self.keys.cache_generation(&partition.name);
            let entry_key = self.keys.of(key);
            // One round trip; no atomicity needed: an entry read just before a concurrent flush was current.
            let result = self
                .link
                .call(|mut connection| async move {
                    let mut pipe = redis::pipe();
                    pipe.get(generation_key).get(entry_key);
                    pipe.query_async::<(Option<u64>, Option<Vec<u8>>)>(&mut connection)
                        .await
                })
                .await;
            let (generation, value) = match result {
                Ok(found) => found,
                Err(failure) => {
                    return match self.failed("cache lookup", key, &failure) {
                        OnError::Open => self.fallback.cache_get(partition, key, now).await,
                        OnError::Closed => Ok(None),
                    };
                }
            };
            let generation = generation.unwrap_or(0);
            let Some(value) = value else { return Ok(None) };
            match entry::decode(Bytes::from(value)) {
                Ok((written, response)) if written == generation => Ok(Some(Arc::new(response))),
                // Written before the partition was flushed.
                Ok(_) => Ok(None),
                Err(err) => {
                    self.link.counters.unreadable_entries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%key, error = ?err, "state store: unreadable cache entry; a miss");
                    Ok(None)
                }
            }
        })
    }

    fn cache_put<'a>(
        &'a self,
        partition: &'a CachePartition,
        key: &'a StateKey,
        entry: Arc<CachedResponse>,
        ttl: Duration,
        now: SystemTime,
    ) -> StateFuture<'a, ()> {
        StateFuture::boxed(async move {
            // The embedded store keeps nothing larger than the partition's budget either.
            let fits = entry.body.len() <= MAX_CACHED_RESPONSE && entry.size() <= partition.max_bytes;
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
            if !fits || ttl_ms == 0 {
                return self.cache_remove(partition, key).await;
            }
            let (entry_key, generation_key) = (self.keys.of(key), self.keys.cache_generation(&partition.name));
            let payload = entry::payload(&entry);
            let script = &self.cache_put;
            // The script reads the partition's generation and writes the entry under it in one step: a flush by
            // any node before this put leaves the new entry a hit, one after it makes it a miss.
            let stored = self
                .link
                .call(|mut connection| async move {
                    let mut invocation = script.prepare_invoke();
                    invocation
                        .key(entry_key)
                        .key(generation_key)
                        .arg(entry::MAGIC.as_slice())
                        .arg(payload)
                        .arg(ttl_ms);
                    invocation.invoke_async::<u64>(&mut connection).await
                })
                .await;
            match stored {
                Ok(_) => Ok(()),
                Err(failure) => match self.failed("cache store", key, &failure) {
                    OnError::Open => self.fallback.cache_put(partition, key, entry, ttl, now).await,
                    OnError::Closed => Ok(()),
                },
            }
        })
    }

    fn cache_remove<'a>(&'a self, partition: &'a CachePartition, key: &'a StateKey) -> StateFuture<'a, ()> {
        StateFuture::boxed(async move {
            // The local copy goes too, so an outage later cannot serve what was removed.
            let _ = self.fallback.cache_remove(partition, key).await;
            match self.delete(self.keys.of(key)).await {
                Ok(()) => Ok(()),
                Err(failure) => {
                    self.failed("cache removal", key, &failure);
                    Ok(())
                }
            }
        })
    }

    fn cache_flush<'a>(&'a self, partition: &'a CachePartition) -> StateFuture<'a, ()> {
        StateFuture::boxed(async move {
            let _ = self.fallback.cache_flush(partition).await;
            let key = self.keys.cache_generation(&partition.name);
            self.link
                .call(|mut connection| async move { redis::cmd("INCR").arg(key).query_async::<u64>(&mut connection).await })
                .await
                .map_err(state_error)?;
            Ok(())
        })
    }
}
