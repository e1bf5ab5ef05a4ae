//! Writing a typical proxy event and reading a typical proxy response.
//!
//! Run with `cargo bench -p tollgate-lambda-event --bench event`. Before criterion's timings it prints the
//! allocations per operation, counted by a global allocator wrapper.

use criterion::{Criterion, criterion_group};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::hint::black_box;
use tollgate_lambda_event::{
    BinaryMediaTypes, Body, EventInput, Identity, RequestContext, ResponseOptions, parse_proxy_response, write_event,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const HEADERS: [(&str, &str); 10] = [
    ("Host", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
    (
        "User-Agent",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    ),
    ("Accept", "application/json"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Content-Type", "application/json"),
    (
        "Authorization",
        "Bearer eyJraWQiOiJwVWZ1IiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiIzNGY4In0.c2lnbmF0dXJl",
    ),
    ("X-Amzn-Trace-Id", "Root=1-669a0c1e-1b2c3d4e5f60718293a4b5c6"),
    ("X-Forwarded-For", "198.51.100.7"),
    ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Proto", "https"),
];

const QUERY: [(&str, &str); 3] = [("limit", "25"), ("sort", "created_at desc"), ("filter", "status:open")];

fn body() -> String {
    let mut body = String::from("{\"items\":[");
    while body.len() < 1000 {
        body.push_str("{\"id\":\"0547626d\",\"name\":\"widget\",\"price\":12.5},");
    }
    body.push_str("{}]}");
    body
}

fn context() -> RequestContext<'static> {
    RequestContext {
        resource_id: "nfuwwd",
        resource_path: "/items/{id}",
        operation_name: None,
        http_method: "POST",
        extended_request_id: "A463RGFevHcEhcA=",
        request_time_epoch_ms: 1_784_692_372_486,
        path: "/prod/items/42",
        account_id: "123456789012",
        protocol: "HTTP/1.1",
        stage: "prod",
        domain_prefix: "a1b2c3d4e5",
        request_id: "0547626d-6f57-4e19-b03e-92289aea3627",
        identity: Identity {
            source_ip: "198.51.100.7",
            user_agent: Some(HEADERS[1].1),
            ..Identity::default()
        },
        domain_name: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        deployment_id: "2pi5mk",
        api_id: "a1b2c3d4e5",
        authorizer: None,
    }
}

fn response_payload() -> Vec<u8> {
    let body = body().replace('"', "\\\"");
    format!(
        "{{\"statusCode\":200,\"headers\":{{\"Content-Type\":\"application/json\",\"Cache-Control\":\"no-store\",\
         \"X-Request-Id\":\"0547626d\"}},\"multiValueHeaders\":{{\"Set-Cookie\":[\"a=1; Path=/\",\"b=2; HttpOnly\"]}},\
         \"body\":\"{body}\",\"isBase64Encoded\":false}}"
    )
    .into_bytes()
}

fn allocations_per_op(iterations: u64, mut op: impl FnMut()) -> f64 {
    let region = Region::new(GLOBAL);
    for _ in 0..iterations {
        op();
    }
    region.change().allocations as f64 / iterations as f64
}

fn report_allocations() {
    let body = body();
    let context = context();
    let input = EventInput {
        resource: "/items/{id}",
        path: "/items/42",
        http_method: "POST",
        headers: &HEADERS,
        query: &QUERY,
        path_parameters: &[("id", "42")],
        stage_variables: &[],
        request_context: &context,
        body: Body::Text(body.as_bytes()),
    };
    let mut out = Vec::new();
    write_event(&input, &mut out);
    let event_len = out.len();
    let reused = allocations_per_op(10_000, || {
        out.clear();
        write_event(black_box(&input), &mut out);
    });
    let fresh = allocations_per_op(10_000, || {
        let mut out = Vec::new();
        write_event(black_box(&input), &mut out);
        black_box(out);
    });
    let payload = response_payload();
    let types = BinaryMediaTypes::default();
    let options = ResponseOptions {
        function_error: false,
        accept: Some("application/json"),
        binary_media_types: &types,
    };
    let parse = allocations_per_op(10_000, || {
        black_box(parse_proxy_response(black_box(&payload), &options).ok());
    });
    println!("event: {event_len} bytes, body {} bytes", body.len());
    println!("allocations per event, reused buffer: {reused:.2}");
    println!("allocations per event, fresh buffer:  {fresh:.2}");
    println!("allocations per parsed response ({} bytes): {parse:.2}", payload.len());
}

fn bench(c: &mut Criterion) {
    let body = body();
    let context = context();
    let input = EventInput {
        resource: "/items/{id}",
        path: "/items/42",
        http_method: "POST",
        headers: &HEADERS,
        query: &QUERY,
        path_parameters: &[("id", "42")],
        stage_variables: &[],
        request_context: &context,
        body: Body::Text(body.as_bytes()),
    };
    let mut out = Vec::with_capacity(4096);
    c.bench_function("write_event/typical (10 headers, 3 query, 1 KB body)", |b| {
        b.iter(|| {
            out.clear();
            write_event(black_box(&input), &mut out);
        })
    });
    let binary = EventInput {
        body: Body::Binary(body.as_bytes()),
        ..input
    };
    c.bench_function("write_event/binary 1 KB body", |b| {
        b.iter(|| {
            out.clear();
            write_event(black_box(&binary), &mut out);
        })
    });
    let payload = response_payload();
    let types = BinaryMediaTypes::default();
    let options = ResponseOptions {
        function_error: false,
        accept: Some("application/json"),
        binary_media_types: &types,
    };
    c.bench_function("parse_proxy_response/typical (5 header lines, 1 KB body)", |b| {
        b.iter(|| parse_proxy_response(black_box(&payload), &options))
    });
}

criterion_group!(benches, bench);

/// Under `TOLLGATE_BENCH_ITERATIONS=N`, runs each operation N times and exits, so an instruction counter
/// (`valgrind --tool=callgrind`) can measure it on a busy machine: (count(N) - count(0)) / N.
fn run_iterations(iterations: u64, which: &str) {
    let body = body();
    let context = context();
    let input = EventInput {
        resource: "/items/{id}",
        path: "/items/42",
        http_method: "POST",
        headers: &HEADERS,
        query: &QUERY,
        path_parameters: &[("id", "42")],
        stage_variables: &[],
        request_context: &context,
        body: Body::Text(body.as_bytes()),
    };
    let payload = response_payload();
    let types = BinaryMediaTypes::default();
    let options = ResponseOptions {
        function_error: false,
        accept: Some("application/json"),
        binary_media_types: &types,
    };
    let mut out = Vec::with_capacity(4096);
    for _ in 0..iterations {
        match which {
            "event" => {
                out.clear();
                write_event(black_box(&input), &mut out);
            }
            _ => {
                black_box(parse_proxy_response(black_box(&payload), &options).ok());
            }
        }
    }
}

fn main() {
    if let Ok(iterations) = std::env::var("TOLLGATE_BENCH_ITERATIONS") {
        let which = std::env::var("TOLLGATE_BENCH_OP").unwrap_or_default();
        run_iterations(iterations.parse().unwrap_or(0), &which);
        return;
    }
    report_allocations();
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
