//! Runs N requests through `Gateway::handle` in-process, for instruction counts that do not depend on machine
//! load: `perf stat -e instructions:u target/release/examples/handle_loop mock 0` and `... mock 100000`, then
//! (difference) / 100000 is the runtime's cost per request. Kinds: `mock`, `http-vtl` (in-process backend),
//! `not-found`.

// Measurement tool: a failed unwrap aborts the run with its location.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use tollgate_runtime::{
    BackendFuture, Backends, CompileOptions, Deployment, Gateway, GatewayOptions, HttpBackend, RandomIds, RequestBody,
    ResponseBody,
};

#[derive(Debug)]
struct InProcessBackend;

impl HttpBackend for InProcessBackend {
    fn send(&self, _request: http::Request<RequestBody>) -> BackendFuture {
        Box::pin(async {
            let body = r#"{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"name":"c"}],"next":null}"#;
            Ok(http::Response::builder()
                .status(200)
                .body(ResponseBody::full(body))
                .unwrap())
        })
    }
}

const API: &str = include_str!("../benches/api.yaml");

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "mock".to_owned());
    let count: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let loaded = tollgate_model::load("api.yaml", API.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    let deployment =
        Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default()).unwrap();
    let mut options = GatewayOptions::default();
    options.ids = Arc::new(RandomIds::seeded(1));
    let gateway = Gateway::new(deployment, Backends::new(Arc::new(InProcessBackend)), options);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut bytes = 0usize;
    runtime.block_on(async {
        for _ in 0..count {
            let request = match kind.as_str() {
                "http-vtl" => http::Request::post("http://h/prod/search?q=dogs")
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(br#"{"name": "Rex \"the\" dog"}"#)))
                    .unwrap(),
                "not-found" => http::Request::get("http://h/prod/nothing/here")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
                _ => http::Request::get("http://h/prod/pets/7")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            };
            let response = gateway.handle(request).await;
            bytes += response.into_body().collect_bytes().await.unwrap().len();
        }
    });
    println!("{count} {kind} requests, {bytes} body bytes");
}
