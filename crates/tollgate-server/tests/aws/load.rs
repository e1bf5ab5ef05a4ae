//! Nothing lost under load: 10,000 SendMessage requests through the gateway from 50 concurrent clients, all
//! answered 200, and exactly 10,000 distinct messages, each as sent, in the queues afterwards.
//!
//! moto's SendMessage and ReceiveMessage recompute the queue's attributes over all its messages for every message
//! they touch (≈25 ms per send at 2,000 messages; a 10-message receive at 200 takes ≈0.3 s), so the messages are
//! spread over 500 queues through the route's `{queue}` path parameter (20 each) and counted across all of them.
//! Bounded in time; the rate is printed, never asserted (`cargo bench -p tollgate-server --bench aws_sqs`
//! measures it).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::StatusCode;
use tollgate_aws::AwsClient;

use crate::common::{create_queue, queue_length, receive_all, start_gateway};
use crate::gateway::Gateway;
use crate::moto::{ACCOUNT, client, moto};

const MESSAGES: usize = 10_000;
const CLIENTS: usize = 50;
const QUEUES: usize = 500;
/// Concurrent set-up and read-back calls to moto.
const READERS: usize = 50;
/// The whole test, set-up and read-back included.
const LOAD_BOUND: Duration = Duration::from_secs(300);

fn message(i: usize) -> String {
    format!("message {i}: \"quoted\" & ampersand\nsecond line ü 🚀")
}

/// Sends messages `0..MESSAGES` from `CLIENTS` concurrent clients; message `i` goes to queue `i % QUEUES`.
/// Returns the statuses that were not 200 (with the body) and the elapsed time.
async fn send_all(gateway: Arc<Gateway>, queues: Arc<Vec<String>>) -> (Vec<(usize, String)>, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (gateway, queues, next) = (Arc::clone(&gateway), Arc::clone(&queues), Arc::clone(&next));
        clients.spawn(async move {
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= MESSAGES {
                    return failures;
                }
                let queue = &queues[i % queues.len()];
                let answer = gateway.post_text(&format!("/sqs/path/{queue}"), &message(i)).await;
                if answer.status != StatusCode::OK {
                    failures.push((i, format!("{}: {}", answer.status, answer.text())));
                }
            }
        });
    }
    let mut failures = Vec::new();
    while let Some(result) = clients.join_next().await {
        failures.extend(result.unwrap());
    }
    (failures, started.elapsed())
}

/// Runs `call` for every queue URL, `READERS` at a time.
async fn for_each_queue<T, F>(urls: &[String], call: impl Fn(String) -> F) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(READERS));
    let mut calls = tokio::task::JoinSet::new();
    for url in urls {
        let permits = Arc::clone(&permits);
        let call = call(url.clone());
        calls.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            call.await
        });
    }
    let mut results = Vec::new();
    while let Some(result) = calls.join_next().await {
        results.push(result.unwrap());
    }
    results
}

/// `ApproximateNumberOfMessages` summed over the queues, and every message body in them.
async fn read_back(aws: &AwsClient, urls: &[String]) -> (usize, Vec<String>) {
    let counts = for_each_queue(urls, |url| {
        let aws = aws.clone();
        async move { queue_length(&aws, &url).await }
    })
    .await;
    let messages = for_each_queue(urls, |url| {
        let aws = aws.clone();
        async move { receive_all(&aws, &url).await }
    })
    .await;
    let bodies = messages.into_iter().flatten().map(|m| m.body.unwrap()).collect();
    (counts.into_iter().sum(), bodies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_fifty_clients_nothing_lost() {
    let moto = moto();
    let aws = client(&moto);
    tokio::time::timeout(LOAD_BOUND, async {
        let slots: Vec<String> = (0..QUEUES).map(|i| i.to_string()).collect();
        let created = for_each_queue(&slots, |_| {
            let aws = aws.clone();
            async move { create_queue(&aws).await }
        })
        .await;
        let (names, urls): (Vec<String>, Vec<String>) = created.into_iter().unzip();
        let gateway = Arc::new(start_gateway(&moto, &[], &[("account", ACCOUNT)]));

        let (failures, elapsed) = send_all(Arc::clone(&gateway), Arc::new(names)).await;
        eprintln!(
            "load: {MESSAGES} SendMessage through the gateway, {CLIENTS} clients, {QUEUES} queues: {elapsed:.1?}, {:.0} requests/s",
            MESSAGES as f64 / elapsed.as_secs_f64()
        );
        assert!(failures.is_empty(), "{} not 200, e.g. {:?}", failures.len(), &failures[..failures.len().min(5)]);

        let (counted, bodies) = read_back(&aws, &urls).await;
        assert_eq!(counted, MESSAGES, "ApproximateNumberOfMessages over all queues");
        assert_eq!(bodies.len(), MESSAGES, "messages received");
        let distinct: HashSet<&str> = bodies.iter().map(String::as_str).collect();
        let expected: Vec<String> = (0..MESSAGES).map(message).collect();
        let expected: HashSet<&str> = expected.iter().map(String::as_str).collect();
        assert_eq!(distinct.len(), MESSAGES, "distinct messages");
        assert!(distinct == expected, "every message as sent");
    })
    .await
    .expect("the load test exceeded its bound");
}
