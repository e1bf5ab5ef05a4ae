//! What a request pays for shared state: the store's hot operations (`acquire`, `consume`, a 1 KiB `cache_get`
//! hit) on the Redis store against a local `redis-server` started here, next to the embedded store.
//!
//! `cargo bench -p tollgate-state-redis --bench store`. Two groups:
//!
//! * `wall/…`: the time one call takes, calls one after another (one client): the added latency per request.
//! * `cpu/…`: 32 concurrent callers; what is reported as the time per operation is the **CPU** it cost — this
//!   process (client, futures) plus the redis-server process (scripts, commands), summed from
//!   `/proc/PID/task/*/schedstat` in nanoseconds — so the number means something on a busy machine too.

#![allow(clippy::unwrap_used)] // benchmark set-up

// The harness is shared with the tests, which use more of it.
#[allow(dead_code)]
#[path = "../tests/redis/harness.rs"]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, StatusCode};
use tokio::runtime::Runtime;
use tollgate_runtime::EmbeddedStore;
use tollgate_runtime::state::{CachePartition, CachedResponse, Quota, QuotaWindow, StateKey, StateStore, Throttle};
use tollgate_state_redis::{RedisConfig, RedisStore};

use crate::harness::RedisServer;

/// Never empty during a run: every call is a full script execution that admits.
const OPEN_BUCKET: Throttle = Throttle {
    rate_limit: 1e9,
    burst_limit: 1_000_000_000,
};
const BIG_QUOTA: Quota = Quota {
    limit: 1 << 50,
    offset: 0,
};
const WINDOW: QuotaWindow = QuotaWindow {
    start: 0,
    end: u64::MAX / 2,
};
const CONCURRENCY: u64 = 32;

#[derive(Clone, Copy, Debug)]
enum Op {
    Acquire,
    Consume,
    CacheGet,
}

impl Op {
    const ALL: [(Op, &'static str); 3] = [
        (Op::Acquire, "acquire"),
        (Op::Consume, "consume"),
        (Op::CacheGet, "cache_get_1KiB_hit"),
    ];
}

struct Setup {
    runtime: Runtime,
    stores: [(&'static str, Arc<dyn StateStore>); 2],
    redis_pid: u32,
    _redis: RedisServer,
}

fn partition() -> CachePartition {
    CachePartition {
        name: "bench".into(),
        max_bytes: 1 << 30,
    }
}

fn cached_key() -> StateKey {
    StateKey::new("tg:cache:bench:d:/pets:GET|q=1")
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let redis = RedisServer::start();
    let config = RedisConfig::parse(&redis.url("timeout=5s&prefix=bench")).unwrap();
    let shared = RedisStore::new(config).unwrap();
    runtime.block_on(shared.connect()).unwrap();
    let stores: [(&'static str, Arc<dyn StateStore>); 2] = [
        ("embedded", Arc::new(EmbeddedStore::new())),
        ("redis", Arc::new(shared)),
    ];
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let entry = Arc::new(CachedResponse::new(
        StatusCode::OK,
        headers,
        Bytes::from(vec![b'x'; 1024]),
        false,
    ));
    let (partition, cached) = (partition(), cached_key());
    runtime.block_on(async {
        for (_, store) in &stores {
            let stored = store.cache_put(
                &partition,
                &cached,
                Arc::clone(&entry),
                Duration::from_secs(3600),
                SystemTime::now(),
            );
            stored.await.unwrap();
        }
    });
    Setup {
        runtime,
        stores,
        redis_pid: redis.pid(),
        _redis: redis,
    }
}

/// `count` operations one after another by caller `caller`.
async fn calls(store: &dyn StateStore, op: Op, caller: u64, count: u64) {
    let bucket = StateKey::new(format!("tg:plan:{{bench/{caller}}}:rate"));
    let quota = StateKey::new(format!("tg:plan:{{bench/{caller}}}:quota"));
    let (partition, cached) = (partition(), cached_key());
    for _ in 0..count {
        let now = SystemTime::now();
        let ok = match op {
            Op::Acquire => store.acquire(&bucket, OPEN_BUCKET, now).await.is_ok(),
            Op::Consume => store.consume(&quota, BIG_QUOTA, WINDOW).await.is_ok(),
            Op::CacheGet => store
                .cache_get(&partition, &cached, now)
                .await
                .is_ok_and(|hit| hit.is_some()),
        };
        assert!(ok, "{op:?} failed");
    }
}

/// CPU nanoseconds used so far by every thread of process `pid`.
fn cpu_nanos(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn stores(c: &mut Criterion) {
    let setup = setup();
    let mut wall = c.benchmark_group("wall");
    wall.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (op, name) in Op::ALL {
        for (label, store) in &setup.stores {
            wall.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    setup.runtime.block_on(calls(store.as_ref(), op, 0, iters));
                    started.elapsed()
                });
            });
        }
    }
    wall.finish();

    let me = std::process::id();
    let mut cpu = c.benchmark_group("cpu");
    cpu.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (op, name) in Op::ALL {
        for (label, store) in &setup.stores {
            cpu.bench_function(BenchmarkId::new(format!("{name}_x{CONCURRENCY}"), label), |b| {
                b.iter_custom(|iters| {
                    let each = iters.div_ceil(CONCURRENCY);
                    let before = cpu_nanos(me) + cpu_nanos(setup.redis_pid);
                    setup.runtime.block_on(async {
                        let tasks: Vec<_> = (0..CONCURRENCY)
                            .map(|caller| {
                                let store = Arc::clone(store);
                                tokio::spawn(async move { calls(store.as_ref(), op, caller, each).await })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                    });
                    let used = (cpu_nanos(me) + cpu_nanos(setup.redis_pid)).saturating_sub(before);
                    // Per requested iteration: `each × CONCURRENCY` may round `iters` up.
                    Duration::from_nanos(used * iters / (each * CONCURRENCY).max(1))
                });
            });
        }
    }
    cpu.finish();
}

criterion_group!(benches, stores);
criterion_main!(benches);
