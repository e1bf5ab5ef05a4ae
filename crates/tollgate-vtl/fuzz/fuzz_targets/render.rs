//! Compiles and renders arbitrary templates with production (API Gateway) limits, in both profiles, with a
//! few context variables of every kind. Any panic, hang or unbounded allocation is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_vtl::{CycleGuard, Engine, Limits, Map, Profile, Value, VarsHost};

fn vars() -> VarsHost {
    let m = Map::new();
    m.insert("s", Value::from("a,b,c"));
    m.insert("n", Value::Int(42));
    m.insert("d", Value::Double(1.5));
    m.insert("l", Value::list([Value::Int(1), Value::from("x"), Value::Null]));
    m.insert(
        "m",
        Value::map([("k", Value::from("v")), ("list", Value::list([Value::Bool(true)]))]),
    );
    VarsHost::new(m)
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    // Host values are built inside the guard, so cycles a template makes through them are freed too.
    let _guard = CycleGuard::new();
    for profile in [Profile::Velocity, Profile::ApiGateway] {
        let mut limits = Limits::api_gateway();
        // Small budgets keep each run fast; they are still the production code paths.
        limits.fuel = 200_000;
        limits.max_output_bytes = 1 << 20;
        let engine = Engine::builder().profile(profile).limits(limits).build();
        match engine.compile("fuzz.vm", source) {
            Ok(t) => {
                if let Err(e) = t.render(&vars()) {
                    let _ = e.report();
                }
            }
            Err(errors) => {
                let _ = errors.report();
            }
        }
    }
});
