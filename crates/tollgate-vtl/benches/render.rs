//! Compile and render times of realistic mapping templates, and allocations per render.
//!
//! The templates are the golden cases in `tests/golden/bench/` (so Velocity 1.7 pins their output, and
//! `cargo xtask velocity bench crates/tollgate-vtl/tests/golden/bench` times the same files on a warm JVM).
//! Allocations are counted by `stats_alloc`'s instrumented system allocator (no unsafe code of ours); they are
//! printed once before criterion runs.
//!
//! Under `TOLLGATE_BENCH_ITERATIONS=N` (optionally `TOLLGATE_BENCH_OP=TEMPLATE`), renders each template (or the
//! named one) N times and exits, so an instruction counter can measure a render on a busy machine:
//! `(count(N) - count(0)) / N` under `valgrind --tool=callgrind` (`cargo xtask bench vtl --icount --op NAME`).

use std::alloc::System;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tollgate_vtl::{Engine, Map, Template, Value, VarsHost};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn json_to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::integer(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(json_to_value)),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.as_str(), json_to_value(v)))),
    }
}

struct Case {
    name: String,
    source: String,
    vars: Map,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bench");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("bench templates")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "vm"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let vars = Map::new();
            if let Ok(text) = std::fs::read_to_string(p.with_extension("json"))
                && let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(&text)
            {
                for (k, v) in &o {
                    if !v.is_null() {
                        vars.insert(k.as_str(), json_to_value(v));
                    }
                }
            }
            Case {
                name: p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                source: std::fs::read_to_string(&p).expect("template"),
                vars,
            }
        })
        .collect()
}

fn allocation_table(engine: &Engine, cases: &[Case]) {
    println!(
        "{:<22} {:>14} {:>14} {:>12}",
        "template", "allocs/render", "bytes/render", "output"
    );
    for case in cases {
        let template: Template = engine.compile(&case.name, &case.source).expect("compiles");
        let host = VarsHost::new(case.vars.clone());
        let out = template.render(&host).expect("renders");
        const N: usize = 100;
        let region = Region::new(GLOBAL);
        for _ in 0..N {
            black_box(template.render(&host).expect("renders"));
        }
        let stats = region.change();
        println!(
            "{:<22} {:>14.1} {:>14.0} {:>12}",
            case.name,
            stats.allocations as f64 / N as f64,
            stats.bytes_allocated as f64 / N as f64,
            out.len()
        );
    }
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new();
    let cases = cases();
    allocation_table(&engine, &cases);
    for case in &cases {
        c.bench_function(&format!("compile/{}", case.name), |b| {
            b.iter(|| black_box(engine.compile(&case.name, black_box(&case.source)).expect("compiles")))
        });
        let template = engine.compile(&case.name, &case.source).expect("compiles");
        let host = VarsHost::new(case.vars.clone());
        c.bench_function(&format!("render/{}", case.name), |b| {
            b.iter(|| black_box(template.render(black_box(&host)).expect("renders")))
        });
    }
}

criterion_group!(benches, bench);

/// The counting mode: compiles every chosen template and renders it `iterations` times.
fn run_iterations(iterations: u64, which: &str) {
    let engine = Engine::new();
    for case in cases().iter().filter(|c| which.is_empty() || c.name == which) {
        let template = engine.compile(&case.name, &case.source).expect("compiles");
        let host = VarsHost::new(case.vars.clone());
        for _ in 0..iterations {
            black_box(template.render(black_box(&host)).expect("renders"));
        }
    }
}

fn main() {
    if let Ok(iterations) = std::env::var("TOLLGATE_BENCH_ITERATIONS") {
        let which = std::env::var("TOLLGATE_BENCH_OP").unwrap_or_default();
        run_iterations(iterations.parse().unwrap_or(0), &which);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
