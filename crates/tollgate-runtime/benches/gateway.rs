//! What a user pays per request: routing, a MOCK request through the whole pipeline, and an HTTP request with
//! VTL templates both ways against an in-process backend (no sockets, so the numbers are the gateway's own).

// Benchmark setup code: a failed unwrap aborts the benchmark with its location.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use tollgate_runtime::router::{RouteMethod, Router};
use tollgate_runtime::{
    BackendFuture, Backends, CompileOptions, Deployment, Gateway, GatewayOptions, HttpBackend, RandomIds, RequestBody,
    ResponseBody,
};

/// Answers every request at once with a fixed JSON document, like a fast backend on the same host.
#[derive(Debug)]
struct InProcessBackend;

impl HttpBackend for InProcessBackend {
    fn send(&self, _request: http::Request<RequestBody>) -> BackendFuture {
        Box::pin(async {
            let body = r#"{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"name":"c"}],"next":null}"#;
            Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(ResponseBody::full(body))
                .unwrap())
        })
    }
}

const API: &str = include_str!("api.yaml");

fn gateway() -> Gateway {
    let loaded = tollgate_model::load("bench.yaml", API.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    let deployment =
        Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default()).unwrap();
    let mut options = GatewayOptions::default();
    options.ids = Arc::new(RandomIds::seeded(1));
    Gateway::new(deployment, Backends::new(Arc::new(InProcessBackend)), options)
}

fn router(c: &mut Criterion) {
    let mut router = Router::default();
    let mut id = 0;
    for a in [
        "users", "orders", "pets", "stores", "invoices", "carts", "items", "reviews",
    ] {
        for (path, method) in [
            (format!("/{a}"), RouteMethod::Get),
            (format!("/{a}"), RouteMethod::Post),
            (format!("/{a}/{{id}}"), RouteMethod::Get),
            (format!("/{a}/{{id}}"), RouteMethod::Delete),
            (format!("/{a}/{{id}}/history"), RouteMethod::Get),
            (format!("/{a}/search"), RouteMethod::Get),
        ] {
            router.insert(&path, method, id).unwrap();
            id += 1;
        }
    }
    router.insert("/{proxy+}", RouteMethod::Any, id).unwrap();
    let mut group = c.benchmark_group("router/match");
    group.bench_function("literal", |b| {
        b.iter(|| router.find(RouteMethod::Get, black_box("/reviews/search")))
    });
    group.bench_function("param", |b| {
        b.iter(|| router.find(RouteMethod::Get, black_box("/reviews/42/history")))
    });
    group.bench_function("backtrack-to-greedy", |b| {
        b.iter(|| router.find(RouteMethod::Get, black_box("/reviews/42/history/deeper/still")))
    });
    group.finish();
}

fn handle(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let gateway = gateway();
    let mut group = c.benchmark_group("gateway/handle");
    group.bench_function("mock", |b| {
        b.iter(|| {
            let request = http::Request::get("http://h/prod/pets/7")
                .body(Full::new(Bytes::new()))
                .unwrap();
            runtime.block_on(gateway.handle(request))
        })
    });
    group.bench_function("http-vtl-in-process", |b| {
        b.iter(|| {
            let request = http::Request::post("http://h/prod/search?q=dogs")
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(br#"{"name": "Rex \"the\" dog"}"#)))
                .unwrap();
            runtime.block_on(async { gateway.handle(request).await.into_body().collect_bytes().await.unwrap() })
        })
    });
    group.bench_function("not-found-403", |b| {
        b.iter(|| {
            let request = http::Request::get("http://h/prod/nothing/here")
                .body(Full::new(Bytes::new()))
                .unwrap();
            runtime.block_on(gateway.handle(request))
        })
    });
    group.finish();
}

criterion_group!(benches, router, handle);
criterion_main!(benches);
