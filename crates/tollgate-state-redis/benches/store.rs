//! What a request pays for shared state: operations per second and CPU per operation of the Redis store
//! against the embedded one, on a local `redis-server` started here.
//!
//! `cargo bench -p tollgate-state-redis --bench store` (TOLLGATE_BENCH_OPS sets the operations per row,
//! 20,000 by default). Each row is bounded by that count and by 20 s, whichever comes first. CPU is read
//! from /proc for this process (the gateway's side: client, scripts' arguments, futures) and for the
//! redis-server process (the scripts themselves), so the numbers mean something on a busy machine too.

// The harness is shared with the tests, which use more of it.
#[allow(dead_code)]
#[path = "../tests/redis/harness.rs"]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use tollgate_runtime::EmbeddedStore;
use tollgate_runtime::state::{CachePartition, CachedResponse, Quota, QuotaWindow, StateKey, StateStore, Throttle};
use tollgate_state_redis::{RedisConfig, RedisStore};

use crate::harness::RedisServer;

const ROW_DEADLINE: Duration = Duration::from_secs(20);
const OPEN_BUCKET: Throttle = Throttle {
    rate_limit: 1e9,
    burst_limit: 1_000_000_000,
};
const BIG_QUOTA: Quota = Quota {
    limit: 1 << 50,
    offset: 0,
};

#[derive(Clone, Copy)]
enum Op {
    Acquire,
    Consume,
    CacheGet,
}

/// CPU seconds (user + system) of a process, from /proc/PID/stat.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

async fn run(store: Arc<dyn StateStore>, op: Op, concurrency: usize, ops: usize) -> (usize, Duration) {
    let partition = Arc::new(CachePartition {
        name: "bench".into(),
        max_bytes: 1 << 30,
    });
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let store = Arc::clone(&store);
            let partition = Arc::clone(&partition);
            tokio::spawn(async move {
                let bucket = StateKey::new(format!("tg:plan:{{bench/{task}}}:rate"));
                let quota = StateKey::new(format!("tg:plan:{{bench/{task}}}:quota"));
                let cached = StateKey::new("tg:cache:bench:d:/pets:GET|q=1");
                let window = QuotaWindow {
                    start: 0,
                    end: u64::MAX / 2,
                };
                let mut done = 0;
                while done < ops / concurrency && started.elapsed() < ROW_DEADLINE {
                    let now = SystemTime::now();
                    let ok = match op {
                        Op::Acquire => store.acquire(&bucket, OPEN_BUCKET, now).await.is_ok(),
                        Op::Consume => store.consume(&quota, BIG_QUOTA, window).await.is_ok(),
                        Op::CacheGet => store
                            .cache_get(&partition, &cached, now)
                            .await
                            .is_ok_and(|hit| hit.is_some()),
                    };
                    assert!(ok, "the operation failed");
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap_or(0);
    }
    (total, started.elapsed())
}

fn main() {
    let ops: usize = std::env::var("TOLLGATE_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("tokio runtime: {err}"));
    let redis = RedisServer::start();
    let redis_pid = redis.pid().to_string();
    let config = RedisConfig::parse(&redis.url("timeout=5s&prefix=bench")).unwrap_or_else(|err| panic!("{err}"));
    let shared = RedisStore::new(config).unwrap_or_else(|err| panic!("{err}"));
    runtime.block_on(async {
        shared.connect().await.unwrap_or_else(|err| panic!("{err}"));
    });
    let shared: Arc<dyn StateStore> = Arc::new(shared);
    let embedded: Arc<dyn StateStore> = Arc::new(EmbeddedStore::new());
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let entry = Arc::new(CachedResponse::new(
        StatusCode::OK,
        headers,
        Bytes::from(vec![b'x'; 1024]),
        false,
    ));
    let partition = CachePartition {
        name: "bench".into(),
        max_bytes: 1 << 30,
    };
    let cached = StateKey::new("tg:cache:bench:d:/pets:GET|q=1");
    runtime.block_on(async {
        for store in [&shared, &embedded] {
            let stored = store.cache_put(
                &partition,
                &cached,
                Arc::clone(&entry),
                Duration::from_secs(600),
                SystemTime::now(),
            );
            stored.await.unwrap_or_else(|err| panic!("{err}"));
        }
    });

    println!("| store | operation | concurrency | ops | ops/s | wall µs/op | gateway CPU µs/op | redis CPU µs/op |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let me = std::process::id().to_string();
    for (name, op) in [
        ("acquire", Op::Acquire),
        ("consume", Op::Consume),
        ("cache_get 1 KiB hit", Op::CacheGet),
    ] {
        for concurrency in [1, 32] {
            for (label, store) in [("embedded", &embedded), ("redis", &shared)] {
                let (gateway_before, redis_before) = (cpu_seconds(&me), cpu_seconds(&redis_pid));
                let (done, elapsed) = runtime.block_on(run(Arc::clone(store), op, concurrency, ops));
                let gateway_cpu = cpu_seconds(&me) - gateway_before;
                let redis_cpu = cpu_seconds(&redis_pid) - redis_before;
                let per = |seconds: f64| seconds * 1e6 / done.max(1) as f64;
                let redis_column = if label == "redis" {
                    format!("{:.1}", per(redis_cpu))
                } else {
                    "–".to_owned()
                };
                println!(
                    "| {label} | {name} | {concurrency} | {done} | {:.0} | {:.2} | {:.2} | {redis_column} |",
                    done as f64 / elapsed.as_secs_f64(),
                    per(elapsed.as_secs_f64()),
                    per(gateway_cpu),
                );
            }
        }
    }
}
