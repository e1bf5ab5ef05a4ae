//! Runs one operation a given number of times, for instruction counts under Callgrind, which do not depend on
//! machine load (wall-clock numbers on a shared 2-core VM do):
//!
//! ```sh
//! cargo bench -p tollgate-mapping --bench instructions --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/instructions-* OP 10
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/instructions-* OP 110
//! ```
//!
//! (difference of the two totals) / 100 = instructions per operation; set-up cancels out. OP is one of
//! `reshape`, `compile`, `json-root-1mb`, `parse-1mb`, `escape-74kb`, and the load route `POST /orders`
//! (`xtask/load/bench-api.yaml`) in parts: `parse-order` (its 2 KB body), `orders-request` (its request template
//! over that body), `orders-response` (its response template over the backend's answer) and `orders` (both);
//! `values-order` and `values-echo` render only `#set($o = $input.path('$'))` over the 2 KB body and over the
//! backend's answer (the two bodies' JSON made template values, with a render's fixed cost).

use std::hint::black_box;

use tollgate_mapping::json::parse;
use tollgate_mapping::util_functions::escape_javascript;
use tollgate_mapping::{ContextState, MappingEngine, MethodRequest, RequestContext, TemplateInput};

mod common;
use common::{Orders, RESHAPE, escape_text, large_body, load_order_body, order_body, render};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [op, count] = args.as_slice() else {
        eprintln!("usage: instructions OP COUNT");
        std::process::exit(64);
    };
    let count: usize = count.parse().unwrap_or(1);
    let engine = MappingEngine::new();
    let method = MethodRequest::new(
        vec![("id".into(), "42".into())],
        vec![("verbose".into(), "true".into())],
        vec![("Content-Type".into(), "application/json".into())],
    );
    let context = RequestContext::example();
    let small = order_body();
    let large = large_body();
    let text = escape_text();
    let reshape = engine.compile("reshape", RESHAPE).expect("benchmark input is valid");
    let json_root = engine
        .compile("json-root", "$input.json('$')")
        .expect("benchmark input is valid");
    let load_order = load_order_body();
    let orders = Orders::compile(&engine);
    let render = |template, body: &str| render(template, &method, &context, body);
    // The backend echoes the request template's output; the response template reads that.
    let echoed = render(&orders.request, &load_order);
    for _ in 0..count {
        match op.as_str() {
            "reshape" => {
                let input = TemplateInput {
                    method: &method,
                    body: &small,
                    context: &context,
                    stage_variables: &[],
                };
                black_box(
                    reshape
                        .render(&input, &mut ContextState::default())
                        .expect("benchmark input is valid"),
                );
            }
            "compile" => {
                black_box(engine.compile("reshape", RESHAPE).expect("benchmark input is valid"));
            }
            "json-root-1mb" => {
                let input = TemplateInput {
                    method: &method,
                    body: &large,
                    context: &context,
                    stage_variables: &[],
                };
                black_box(
                    json_root
                        .render(&input, &mut ContextState::default())
                        .expect("benchmark input is valid"),
                );
            }
            "parse-1mb" => {
                black_box(parse(black_box(&large)).expect("benchmark input is valid"));
            }
            "parse-order" => {
                black_box(parse(black_box(&load_order)).expect("benchmark input is valid"));
            }
            "orders-request" => {
                black_box(render(&orders.request, &load_order));
            }
            "orders-response" => {
                black_box(render(&orders.response, &echoed));
            }
            "values-order" => {
                black_box(render(&orders.values_only, &load_order));
            }
            "values-echo" => {
                black_box(render(&orders.values_only, &echoed));
            }
            "orders" => {
                black_box(render(&orders.request, &load_order));
                black_box(render(&orders.response, &echoed));
            }
            "escape-74kb" => {
                let mut out = String::with_capacity(text.len() * 2);
                escape_javascript(black_box(&text), &mut out);
                black_box(out);
            }
            other => {
                eprintln!("unknown operation `{other}`");
                std::process::exit(64);
            }
        }
    }
}
