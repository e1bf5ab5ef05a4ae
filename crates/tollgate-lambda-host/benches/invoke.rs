//! Invocations of a warm local Rust function (examples/rust_echo.rs on `lambda_runtime`) through the host:
//! criterion timings for one invocation, then bounded runs that print invocations per second and p50/p99
//! latency, sequential and with concurrent callers, and the same echo on awslambdaric (Python) and aws-lambda-ric
//! (Node), installed by the test scripts if missing. Nothing is asserted.
//!
//! `cargo bench -p tollgate-lambda-host --bench invoke` (builds the example in release first if needed).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tollgate_lambda_host::{FunctionConfig, FunctionHost, HostOptions, InvokeRequest};

const WAIT: Duration = Duration::from_secs(30);

fn rust_echo() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let path = profile_dir.join("examples").join("rust_echo");
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "tollgate-lambda-host",
                "--example",
                "rust_echo",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "building the rust_echo example failed");
    }
    path
}

/// The functions measured: the same echo on three runtime clients.
#[derive(Clone, Copy, Debug)]
enum Client {
    Rust,
    Python,
    Node,
}

fn setup(script: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/functions")
        .join(script);
    let output = Command::new(path).output().unwrap();
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn start_client(client: Client, max_concurrency: usize) -> FunctionHost {
    let functions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/functions");
    let mut config = match client {
        Client::Rust => FunctionConfig::new("echo", format!("exec '{}'", rust_echo().display())),
        Client::Python => {
            let python = setup("python/setup-awslambdaric");
            let mut config = FunctionConfig::new("echo", format!("exec '{python}' -m awslambdaric handler.fn"));
            config.working_dir = Some(functions.join("python"));
            config
        }
        Client::Node => {
            let ric = setup("node/setup-aws-lambda-ric");
            let mut config = FunctionConfig::new("echo", format!("exec '{ric}' handler.fn"));
            config.working_dir = Some(functions.join("node"));
            config
        }
    };
    config.max_concurrency = max_concurrency;
    FunctionHost::start(vec![config], HostOptions::default()).unwrap()
}

fn start(max_concurrency: usize) -> FunctionHost {
    start_client(Client::Rust, max_concurrency)
}

fn payload(size: usize) -> String {
    format!(
        r#"{{"action":"echo","data":"{}"}}"#,
        "x".repeat(size.saturating_sub(30))
    )
}

fn criterion_benches(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let host = start(1);
    let mut group = c.benchmark_group("lambda_host/invoke");
    for size in [100usize, 64 * 1024] {
        let body = bytes::Bytes::from(payload(size));
        runtime
            .block_on(host.invoke("echo", InvokeRequest::new(body.clone(), WAIT)))
            .unwrap();
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("warm_echo_{size}b"), |b| {
            b.iter(|| {
                let invocation = runtime
                    .block_on(host.invoke("echo", InvokeRequest::new(body.clone(), WAIT)))
                    .unwrap();
                assert!(invocation.function_error.is_none());
                invocation
            });
        });
    }
    group.finish();
    runtime.block_on(host.shutdown());
}

/// `count` invocations from `callers` concurrent callers; prints the rate and latency percentiles.
fn measure(runtime: &tokio::runtime::Runtime, client: Client, callers: usize, count: usize) {
    let host = start_client(client, callers);
    let body = bytes::Bytes::from(payload(100));
    runtime.block_on(async {
        // Warm every process the run will use.
        let warm: Vec<_> = (0..callers)
            .map(|_| {
                let host = host.clone();
                let body = body.clone();
                tokio::spawn(async move { host.invoke("echo", InvokeRequest::new(body, WAIT)).await })
            })
            .collect();
        for call in warm {
            call.await.unwrap().unwrap();
        }
        let start = Instant::now();
        let workers: Vec<_> = (0..callers)
            .map(|_| {
                let host = host.clone();
                let body = body.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(count / callers);
                    for _ in 0..count / callers {
                        let begun = Instant::now();
                        let invocation = host.invoke("echo", InvokeRequest::new(body.clone(), WAIT)).await.unwrap();
                        assert!(invocation.function_error.is_none());
                        latencies.push(begun.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(count);
        for worker in workers {
            latencies.extend(worker.await.unwrap());
        }
        let elapsed = start.elapsed();
        latencies.sort();
        let percentile = |p: f64| {
            let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[index].as_secs_f64() * 1e6
        };
        println!(
            "lambda_host/measure client={client:?} callers={callers} invocations={} rate={:.0}/s p50={:.0}µs p99={:.0}µs max={:.0}µs processes={}",
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentile(0.50),
            percentile(0.99),
            percentile(1.0),
            host.status("echo").unwrap().processes,
        );
        host.shutdown().await;
    });
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion, &runtime);
    criterion.final_summary();
    measure(&runtime, Client::Rust, 1, 5_000);
    measure(&runtime, Client::Rust, 4, 8_000);
    measure(&runtime, Client::Python, 1, 2_000);
    measure(&runtime, Client::Node, 1, 2_000);
}
