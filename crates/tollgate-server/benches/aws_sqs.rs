//! SendMessage through the gateway: requests per second and latency, bounded in count and time.
//!
//! ```text
//! cargo bench -p tollgate-server --bench aws_sqs          # MESSAGES=2000 CLIENTS=50 by default
//! MESSAGES=10000 CLIENTS=100 cargo bench -p tollgate-server --bench aws_sqs
//! ```
//!
//! Three runs of the same SQS SendMessage (by path, form template, `tests/fixtures/aws-services.yaml`):
//! 1. **moto direct**: `tollgate_aws::AwsClient` straight to moto, the same wire request the gateway sends: what
//!    moto itself can take.
//! 2. **gateway → moto**: through `tollgate serve` (the bench-profile binary) to moto; every message is then
//!    counted in the queues.
//! 3. **gateway → fixed answer**: through `tollgate serve` to a loopback endpoint that answers every request with
//!    a fixed SendMessage result at once, so the numbers are the gateway's own cost (routing, template, SigV4,
//!    pooled connection), not moto's.
//!
//! Messages are spread over queues of ≈20 (moto's cost per call grows with the queue's length).

// A benchmark is a tool: a failed set-up ends it with a message.
#![allow(clippy::unwrap_used)]

#[path = "../../tollgate-aws/tests/support/mod.rs"]
#[allow(dead_code)]
mod moto;

#[path = "../tests/aws/gateway.rs"]
#[allow(dead_code)]
mod gateway;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tollgate_aws::{AwsClient, IntegrationRequest, IntegrationUri, ServiceTable};

use gateway::Gateway;
use moto::{ACCOUNT, REGION, client, moto};

/// The whole benchmark stops here, finished or not.
const BOUND: Duration = Duration::from_secs(600);
const QUEUE_SIZE: usize = 20;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn body(i: usize) -> String {
    format!("bench message {i}: \"quoted\" & ampersand ü")
}

/// What `$util.urlEncode` writes (Java's URLEncoder): alphanumerics and `.-*_` stay, space is `+`.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// One request; `Ok(latency)` when answered 200.
type Outcome = Result<Duration, String>;

/// Runs `send(i)` for `i in 0..messages` from `clients` concurrent tasks.
async fn drive<F, Fut>(messages: usize, clients: usize, send: F) -> (Duration, Vec<Outcome>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let send = Arc::new(send);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (send, next) = (Arc::clone(&send), Arc::clone(&next));
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= messages {
                    return outcomes;
                }
                outcomes.push(send(i).await);
            }
        });
    }
    let mut outcomes = Vec::with_capacity(messages);
    while let Some(done) = tasks.join_next().await {
        outcomes.extend(done.unwrap());
    }
    (started.elapsed(), outcomes)
}

fn report(name: &str, clients: usize, (elapsed, outcomes): &(Duration, Vec<Outcome>)) {
    let mut latencies: Vec<Duration> = outcomes.iter().filter_map(|o| o.as_ref().ok().copied()).collect();
    let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    latencies.sort();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{name:<26} {:>6} requests {clients:>4} clients {:>8.1} s {:>8.0} req/s   p50 {:>7.1} ms  p90 {:>7.1} ms  p99 {:>7.1} ms  failed {}",
        outcomes.len(),
        elapsed.as_secs_f64(),
        outcomes.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.9),
        at(0.99),
        failed.len(),
    );
    if let Some(first) = failed.first() {
        println!("  first failure: {first}");
    }
}

/// An endpoint that answers every request with a fixed SendMessage result, immediately.
async fn fixed_answer_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|_request| async {
                    let body = r#"{"MD5OfMessageBody":"51b0a325ef1d4a6d4bfd3b8d9b2e2c1f","MessageId":"00000000-0000-0000-0000-000000000000"}"#;
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/x-amz-json-1.0")
                            .body(Full::new(Bytes::from_static(body.as_bytes())))
                            .unwrap(),
                    )
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{address}")
}

async fn create_queues(aws: &AwsClient, count: usize) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..count {
        let (name, url) = moto::create_queue(aws).await;
        names.push(name);
        urls.push(url);
    }
    (names, urls)
}

async fn count_messages(aws: &AwsClient, urls: &[String]) -> usize {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    let mut total = 0;
    for url in urls {
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        total += attributes[&QueueAttributeName::ApproximateNumberOfMessages]
            .parse::<usize>()
            .unwrap();
    }
    total
}

async fn through_gateway(
    gateway: Arc<Gateway>,
    names: Arc<Vec<String>>,
    messages: usize,
    clients: usize,
) -> (Duration, Vec<Outcome>) {
    drive(messages, clients, move |i| {
        let (gateway, names) = (Arc::clone(&gateway), Arc::clone(&names));
        async move {
            let started = Instant::now();
            let answer = gateway
                .post_text(&format!("/sqs/path/{}", names[i % names.len()]), &body(i))
                .await;
            if answer.status == StatusCode::OK {
                Ok(started.elapsed())
            } else {
                Err(format!("{}: {}", answer.status, answer.text()))
            }
        }
    })
    .await
}

async fn run(messages: usize, clients: usize) {
    let moto = moto();
    let aws = client(&moto);
    let queues = messages.div_ceil(QUEUE_SIZE);
    let env_base = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", REGION),
    ];
    let stage = [("account", ACCOUNT)];

    // 1. moto direct, through the same wire path (no gateway).
    let (names, _) = create_queues(&aws, queues).await;
    let names = Arc::new(names);
    let direct = {
        let (aws, names) = (aws.clone(), Arc::clone(&names));
        drive(messages, clients, move |i| {
            let (aws, names) = (aws.clone(), Arc::clone(&names));
            async move {
                let uri = format!(
                    "arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{}",
                    names[i % names.len()]
                );
                let uri = IntegrationUri::parse(&uri, ServiceTable::builtin()).unwrap();
                let target = uri.resolve(&tollgate_aws::NoPlaceholders).unwrap();
                let mut form = String::from("Action=SendMessage&MessageBody=");
                form.push_str(&url_encode(&body(i)));
                let request = IntegrationRequest {
                    method: &Method::POST,
                    query: &[],
                    headers: &[("Content-Type", "application/x-www-form-urlencoded")],
                    content_type: None,
                    body: Bytes::from(form),
                };
                let started = Instant::now();
                match aws.send(&target, None, &request, Duration::from_secs(29)).await {
                    Ok(r) if r.status == StatusCode::OK => Ok(started.elapsed()),
                    Ok(r) => Err(format!("{}: {}", r.status, String::from_utf8_lossy(&r.body))),
                    Err(e) => Err(e.to_string()),
                }
            }
        })
        .await
    };
    report("moto direct", clients, &direct);

    // 2. Through the gateway to moto, then every message counted.
    let (names, urls) = create_queues(&aws, queues).await;
    let mut env: Vec<(&str, &str)> = env_base.to_vec();
    env.push(("AWS_ENDPOINT_URL", &moto.endpoint));
    let gateway = Arc::new(Gateway::start("aws-services.yaml", &env, &stage));
    let result = through_gateway(Arc::clone(&gateway), Arc::new(names), messages, clients).await;
    report("gateway -> moto", clients, &result);
    let counted = count_messages(&aws, &urls).await;
    println!("  messages in the queues afterwards: {counted} (sent {messages})");
    drop(gateway);

    // 3. Through the gateway to an endpoint that answers at once.
    let fixed = fixed_answer_endpoint().await;
    let mut env: Vec<(&str, &str)> = env_base.to_vec();
    env.push(("AWS_ENDPOINT_URL", &fixed));
    let gateway = Arc::new(Gateway::start("aws-services.yaml", &env, &stage));
    let names: Vec<String> = (0..queues).map(|i| format!("q{i}")).collect();
    let fixed_messages = messages * 5;
    let result = through_gateway(Arc::clone(&gateway), Arc::new(names), fixed_messages, clients).await;
    report("gateway -> fixed answer", clients, &result);
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once in test mode: keep that tiny.
    let test_mode = !std::env::args().any(|a| a == "--bench");
    let (messages, clients) = if test_mode {
        (20, 4)
    } else {
        (setting("MESSAGES", 2_000), setting("CLIENTS", 50))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(BOUND, run(messages, clients))
            .await
            .expect("the benchmark exceeded its bound");
    });
}
