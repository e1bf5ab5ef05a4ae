//! What a mapping costs per request: a typical reshaping template, `$input.json('$')` on a large body, the
//! `$util.escapeJavaScript` loop, and the parts under them (JSON parsing, JSONPath).
//!
//! Run: `cargo bench -p tollgate-mapping --bench mapping`. Numbers go to `docs/performance.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tollgate_mapping::json::parse;
use tollgate_mapping::jsonpath::JsonPath;
use tollgate_mapping::util_functions::escape_javascript;
use tollgate_mapping::{ContextState, MappingEngine, MethodRequest, RequestContext, TemplateInput};

mod common;
use common::{Orders, RESHAPE, escape_text, large_body, load_order_body, order_body, render};

fn bench(c: &mut Criterion) {
    let engine = MappingEngine::new();
    let method = MethodRequest::new(
        vec![("id".into(), "42".into())],
        vec![("verbose".into(), "true".into())],
        vec![
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "*/*".into()),
        ],
    );
    let context = RequestContext::example();

    let body = order_body();
    let template = engine.compile("reshape", RESHAPE).expect("benchmark input is valid");
    let input = TemplateInput {
        method: &method,
        body: &body,
        context: &context,
        stage_variables: &[],
    };
    let mut group = c.benchmark_group("mapping/render");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("reshape_2kb_foreach", |b| {
        b.iter(|| {
            black_box(
                template
                    .render(&input, &mut ContextState::default())
                    .expect("benchmark input is valid"),
            )
        })
    });
    group.bench_function("compile_reshape", |b| {
        b.iter(|| black_box(engine.compile("reshape", RESHAPE).expect("benchmark input is valid")))
    });

    // The load route `POST /orders`: its 2 KB body made template values, and both of its templates.
    let order = load_order_body();
    let orders = Orders::compile(&engine);
    let render = |template, body: &str| render(template, &method, &context, body);
    let echoed = render(&orders.request, &order);
    group.throughput(Throughput::Bytes(order.len() as u64));
    group.bench_function("values_order_2kb", |b| {
        b.iter(|| black_box(render(&orders.values_only, &order)))
    });
    group.bench_function("orders_both_templates", |b| {
        b.iter(|| {
            black_box(render(&orders.request, &order));
            black_box(render(&orders.response, &echoed))
        })
    });

    let large = large_body();
    let json_root = engine
        .compile("json-root", "$input.json('$')")
        .expect("benchmark input is valid");
    let input = TemplateInput {
        method: &method,
        body: &large,
        context: &context,
        stage_variables: &[],
    };
    group.throughput(Throughput::Bytes(large.len() as u64));
    group.bench_function("input_json_root_1mb", |b| {
        b.iter(|| {
            black_box(
                json_root
                    .render(&input, &mut ContextState::default())
                    .expect("benchmark input is valid"),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("mapping/parts");
    group.throughput(Throughput::Bytes(large.len() as u64));
    group.bench_function("json_parse_1mb", |b| {
        b.iter(|| black_box(parse(black_box(&large)).expect("benchmark input is valid")))
    });
    let doc = parse(&large).expect("benchmark input is valid");
    let path = JsonPath::compile("$[*].nested.b").expect("benchmark input is valid");
    group.bench_function("jsonpath_wildcard_1mb", |b| {
        b.iter(|| black_box(path.select(&doc).expect("benchmark input is valid")))
    });
    let text = escape_text();
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("escape_javascript_74kb", |b| {
        b.iter(|| {
            let mut out = String::with_capacity(text.len() * 2);
            escape_javascript(black_box(&text), &mut out);
            black_box(out)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
