//! A request's buckets and quota in one round trip (`admit.lua`): all or nothing, exact across nodes, and the
//! same arithmetic as the one-operation scripts.

use std::sync::Arc;

use tollgate_runtime::state::{
    Admission, AdmitOutcome, AdmitRequest, Quota, QuotaOutcome, StateKey, StateStore, Throttle,
};

use crate::harness::RedisServer;
use crate::{EXACT, node, now, today};

const fn throttle(rate_limit: f64, burst_limit: u32) -> Throttle {
    Throttle {
        rate_limit,
        burst_limit,
    }
}

async fn admit(store: &dyn StateStore, request: AdmitRequest<'_>) -> AdmitOutcome {
    store
        .admit_at_once(request, now())
        .expect("a Redis store admits in one step")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_takes_no_token_and_counts_nothing() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let (key, stage, account, quota) = (
        StateKey::new("tg:key:k1:GET /a"),
        StateKey::new("tg:stage:dev:GET /a"),
        StateKey::new("tg:account"),
        StateKey::new("tg:quota:k1"),
    );
    let three = |key_burst| AdmitRequest {
        buckets: [
            Some((&key, throttle(0.0, key_burst))),
            Some((&stage, throttle(0.0, 3))),
            Some((&account, throttle(0.0, 100))),
        ],
        quota: Some((&quota, Quota { limit: 2, offset: 0 }, today())),
    };
    // The first bucket empty (burst 0 here, answered without Redis): nothing anywhere changes.
    assert_eq!(admit(&store, three(0)).await, AdmitOutcome::Throttled);
    // Two admitted: the quota of 2 is used up, the stage bucket has 1 of 3 left.
    assert_eq!(admit(&store, three(10)).await, AdmitOutcome::Admitted);
    assert_eq!(admit(&store, three(10)).await, AdmitOutcome::Admitted);
    // The quota refuses the third: no bucket gives a token for it.
    assert_eq!(admit(&store, three(10)).await, AdmitOutcome::QuotaExceeded);
    assert_eq!(
        store.acquire(&stage, throttle(0.0, 3), now()).await.unwrap(),
        Admission::Admitted
    );
    assert_eq!(
        store.acquire(&stage, throttle(0.0, 3), now()).await.unwrap(),
        Admission::Throttled
    );
    // Now the stage bucket refuses: the key's bucket and the quota are left as they were.
    let no_quota = AdmitRequest {
        buckets: [Some((&key, throttle(0.0, 10))), Some((&stage, throttle(0.0, 3))), None],
        quota: None,
    };
    assert_eq!(admit(&store, no_quota).await, AdmitOutcome::Throttled);
    let mut left = 0;
    while store.acquire(&key, throttle(0.0, 10), now()).await.unwrap() == Admission::Admitted {
        left += 1;
    }
    assert_eq!(
        left, 8,
        "the key's bucket gave exactly the two admitted requests' tokens"
    );
    assert_eq!(
        store
            .consume(&quota, Quota { limit: 3, offset: 0 }, today())
            .await
            .unwrap(),
        QuotaOutcome::Admitted { remaining: 0 },
        "the quota counted exactly the two admitted requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_callers_on_two_nodes_admit_exactly_the_smallest_limit() {
    let redis = RedisServer::start();
    let nodes = [Arc::new(node(&redis, EXACT).await), Arc::new(node(&redis, EXACT).await)];
    let mut tasks = Vec::new();
    for caller in 0..50 {
        let store = Arc::clone(&nodes[caller % 2]);
        tasks.push(tokio::spawn(async move {
            let (stage, account, quota) = (
                StateKey::new("tg:stage:dev:GET /b"),
                StateKey::new("tg:account"),
                StateKey::new("tg:quota:k2"),
            );
            let mut admitted = 0;
            for _ in 0..4 {
                let request = AdmitRequest {
                    buckets: [
                        None,
                        Some((&stage, throttle(0.0, 60))),
                        Some((&account, throttle(0.0, 1000))),
                    ],
                    quota: Some((&quota, Quota { limit: 45, offset: 0 }, today())),
                };
                admitted += usize::from(admit(&*store, request).await == AdmitOutcome::Admitted);
            }
            admitted
        }));
    }
    let mut admitted = 0;
    for task in tasks {
        admitted += task.await.unwrap();
    }
    // 200 attempts: the quota of 45 is the smallest limit; the stage bucket (60) gave exactly 45 tokens.
    assert_eq!(admitted, 45);
    let stage = StateKey::new("tg:stage:dev:GET /b");
    let mut left = 0;
    while nodes[0].acquire(&stage, throttle(0.0, 60), now()).await.unwrap() == Admission::Admitted {
        left += 1;
    }
    assert_eq!(left, 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_refill_at_their_rate() {
    let redis = RedisServer::start();
    let store = node(&redis, EXACT).await;
    let bucket = StateKey::new("tg:stage:dev:GET /c");
    let request = AdmitRequest {
        buckets: [None, Some((&bucket, throttle(20.0, 2))), None],
        quota: None,
    };
    assert_eq!(admit(&store, request).await, AdmitOutcome::Admitted);
    assert_eq!(admit(&store, request).await, AdmitOutcome::Admitted);
    assert_eq!(admit(&store, request).await, AdmitOutcome::Throttled);
    // 20 per second: a token within 50 ms of Redis's clock; 300 ms is plenty on a busy machine.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(admit(&store, request).await, AdmitOutcome::Admitted);
    // The bucket expires once it would be full again, as bucket.lua's does.
    let ttl = redis.integer(&["PTTL", "test:stage:dev:GET /c"]).unwrap();
    assert!((1..=2_100).contains(&ttl), "PTTL {ttl}");
}
