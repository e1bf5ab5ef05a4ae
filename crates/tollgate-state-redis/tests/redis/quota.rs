//! Quotas: exactly N across nodes under concurrency, the first window's offset, windows apart, expiry.

use std::sync::Arc;

use tollgate_runtime::state::{Quota, QuotaOutcome, QuotaWindow, StateKey, StateStore};

use crate::harness::RedisServer;
use crate::{EXACT, node, today};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_of_n_admits_exactly_n_with_50_callers_on_two_nodes() {
    let redis = RedisServer::start();
    let nodes = [Arc::new(node(&redis, EXACT).await), Arc::new(node(&redis, EXACT).await)];
    let quota = Quota { limit: 37, offset: 0 };
    let window = today();
    let tasks: Vec<_> = (0..50)
        .map(|caller| {
            let store = Arc::clone(&nodes[caller % 2]);
            tokio::spawn(async move {
                let key = StateKey::new("tg:plan:{gold/alice}:quota");
                let mut outcomes = Vec::new();
                for _ in 0..2 {
                    outcomes.push(store.consume(&key, quota, window).await.unwrap());
                }
                outcomes
            })
        })
        .collect();
    let mut remaining = Vec::new();
    let mut exceeded = 0;
    for task in tasks {
        for outcome in task.await.unwrap() {
            match outcome {
                QuotaOutcome::Admitted { remaining: left } => remaining.push(left),
                QuotaOutcome::Exceeded => exceeded += 1,
            }
        }
    }
    remaining.sort_unstable();
    // Every admitted request saw a different count: 36 left, 35 left, …, 0 left.
    assert_eq!(remaining, (0..37).collect::<Vec<u64>>());
    assert_eq!(exceeded, 63);
    let counter = format!("test:plan:{{gold/alice}}:quota:w:{}", window.start);
    assert_eq!(
        redis.integer(&["GET", &counter]),
        Some(37),
        "refused requests count nothing"
    );
    let ttl = redis.integer(&["TTL", &counter]).unwrap();
    assert!(
        ttl > 3600 && ttl <= 86_400 + 3600,
        "the counter outlives its window by an hour: TTL {ttl}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offset_applies_in_the_first_window_only() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let key = StateKey::new("tg:plan:{basic/bob}:quota");
    let quota = Quota { limit: 5, offset: 2 };
    let first = today();
    let next = QuotaWindow {
        start: first.end,
        end: first.end + 86_400,
    };
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        outcomes.push(store.consume(&key, quota, first).await.unwrap());
    }
    assert_eq!(
        outcomes,
        [
            QuotaOutcome::Admitted { remaining: 2 },
            QuotaOutcome::Admitted { remaining: 1 },
            QuotaOutcome::Admitted { remaining: 0 },
            QuotaOutcome::Exceeded
        ],
        "AWS QuotaSettings.offset: 5 - 2 in the initial period"
    );
    let mut admitted = 0;
    for _ in 0..7 {
        admitted += usize::from(matches!(
            store.consume(&key, quota, next).await.unwrap(),
            QuotaOutcome::Admitted { .. }
        ));
    }
    assert_eq!(admitted, 5, "the full limit from the second period on");
    // Another node joining later sees the same first window.
    let late = node(&redis, EXACT).await;
    assert_eq!(late.consume(&key, quota, first).await.unwrap(), QuotaOutcome::Exceeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_in_the_past_still_counts() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    // A node whose clock is days behind: its counter must not expire at once (it would admit everything).
    let key = StateKey::new("tg:plan:{basic/slow}:quota");
    let old = QuotaWindow {
        start: 86_400,
        end: 2 * 86_400,
    };
    let quota = Quota { limit: 3, offset: 0 };
    let mut admitted = 0;
    for _ in 0..6 {
        admitted += usize::from(matches!(
            store.consume(&key, quota, old).await.unwrap(),
            QuotaOutcome::Admitted { .. }
        ));
    }
    assert_eq!(admitted, 3);
}
