//! The data-driven conformance suite: each fixture file holds an API definition (OpenAPI with the
//! `x-amazon-apigateway-*` extensions, exactly as users write it for AWS), the requests to send, what the
//! client must get back, what the backend must have received, and where each expectation comes from.
//!
//! Requests go in-process through `Gateway::handle`; HTTP and HTTP_PROXY integrations reach a real hyper
//! server on loopback that records what it received (`backend.rs`). A case is `pass` (Tollgate matches the
//! AWS-derived expectation) or a named `divergence` (the expectation pins what Tollgate does instead, and why).
//!
//! `cargo test -p tollgate-runtime --test conformance` runs everything. `TOLLGATE_CONFORMANCE_FILTER=x` runs
//! the cases whose `feature/name` contains `x`; `TOLLGATE_CONFORMANCE_REPORT=path` writes the markdown report
//! (`cargo xtask conformance` sets both and writes `docs/conformance.md`).

// Test harness code: a failed unwrap is a failed test with its location, which is what we want.
#![allow(clippy::unwrap_used)]

mod backend;
mod fixture;
mod function;
mod report;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tollgate_runtime::{
    Backends, Clock, CompileOptions, Deployment, Gateway, GatewayOptions, OriginalHeaderNames, PeerAddr, RandomIds,
};

use crate::fixture::{Case, Expect, Fixture};
use crate::report::{Outcome, Report};

/// A clock that stands still (requests are reproducible) unless a case sets it (`clock_ms`).
#[derive(Debug)]
struct FixedClock(AtomicU64);

impl FixedClock {
    fn new() -> FixedClock {
        // 22/Jul/2026:03:52:52 +0000, the spec's example time.
        FixedClock(AtomicU64::new(1_784_692_372_486))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    let filter = std::env::var("TOLLGATE_CONFORMANCE_FILTER").unwrap_or_default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    paths.sort();
    let mut report = Report::default();
    for path in paths {
        let fixture = Fixture::read(&path);
        run_fixture(&fixture, &filter, &mut report).await;
    }
    if let Ok(target) = std::env::var("TOLLGATE_CONFORMANCE_REPORT") {
        std::fs::write(&target, report.markdown()).unwrap();
    }
    println!("{}", report.summary());
    let failures = report.failures();
    assert!(failures.is_empty(), "conformance failures:\n{}", failures.join("\n"));
    assert!(report.total() > 0 || !filter.is_empty(), "no conformance case ran");
}

async fn run_fixture(fixture: &Fixture, filter: &str, report: &mut Report) {
    let selected: Vec<&Case> = fixture
        .cases
        .iter()
        .filter(|c| format!("{}/{}", fixture.feature, c.name).contains(filter))
        .collect();
    if selected.is_empty() {
        return;
    }
    let backend = backend::Backend::start().await;
    let (dead, _refusing) = backend::refusing_port();
    let mut stage = tollgate_model::Stage::new(&fixture.stage);
    stage
        .variables
        .insert("backend".to_owned(), format!("127.0.0.1:{}", backend.port()));
    stage.variables.insert("dead".to_owned(), format!("127.0.0.1:{dead}"));
    for (k, v) in &fixture.stage_variables {
        stage.variables.insert(k.clone(), v.clone());
    }
    let loaded = tollgate_model::load(&fixture.file_name, fixture.definition.as_bytes(), &Default::default());
    let Some(api) = loaded.api.clone() else {
        panic!("{}: import failed:\n{}", fixture.file_name, loaded.render_diagnostics());
    };
    let mut options = CompileOptions::default();
    options.api_id = Some("a1b2c3d4e5".to_owned());
    if let Some(text) = &fixture.usage_plans {
        let name = fixture.file_name.replace(".yaml", ".plans.yaml");
        let (plans, diagnostics) = tollgate_runtime::UsagePlans::parse(&name, text.as_bytes());
        let plans = plans.unwrap_or_else(|| panic!("{name}:\n{}", tollgate_model::render_all(&diagnostics, text)));
        let problems = plans.check(&api);
        assert!(
            problems.is_empty(),
            "{name}:\n{}",
            tollgate_model::render_all(&problems, text)
        );
        plans.apply_to_stage(&mut stage);
        options.usage_plans = Some(Arc::new(plans));
    }
    if let Some(path) = &fixture.jwks {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
        options.user_pool_keys.insert_jwks("*", &bytes).unwrap();
    }
    let deployment = Deployment::compile(&api, &stage, &options).unwrap_or_else(|diagnostics| {
        panic!(
            "{}: compile failed:\n{}",
            fixture.file_name,
            tollgate_model::render_all(&diagnostics, api.source.text())
        )
    });
    let mut gateway_options = GatewayOptions::default();
    let clock = Arc::new(FixedClock::new());
    gateway_options.clock = clock.clone();
    gateway_options.ids = Arc::new(RandomIds::seeded(1));
    let function = function::ScriptedFunction::default();
    let backends = Backends::production().unwrap().with_lambda(Arc::new(function.clone()));
    let gateway = Gateway::new(deployment, backends, gateway_options);
    for case in selected {
        if let Some(ms) = case.clock_ms {
            clock.0.store(ms, Ordering::Relaxed);
        }
        backend.prepare(case.backend.clone());
        function.prepare(case.function.clone());
        let request = case.request.build();
        let mut request = request.map(|b| http_body_util::Full::new(Bytes::from(b)));
        request
            .extensions_mut()
            .insert(PeerAddr("198.51.100.7:4711".parse().unwrap()));
        // The header names as the client spelled them, as the server passes them on.
        let names: Vec<Box<str>> = case
            .request
            .headers
            .iter()
            .map(|(name, _)| name.as_str().into())
            .collect();
        request.extensions_mut().insert(OriginalHeaderNames::from_names(names));
        let response = gateway.handle(request).await;
        let (parts, body) = response.into_parts();
        let body = body.collect_bytes().await.unwrap_or_default();
        let received = backend.take_received();
        let mut mismatches = case.check(&parts, &body, received.as_ref());
        let invoked = function.take_received();
        if let Some(want) = &case.function_received {
            mismatches.extend(function::check(want, invoked.as_ref()));
        }
        if let Some(want) = case.function_invoked
            && want != invoked.is_some()
        {
            mismatches.push(format!("the function was {}invoked", if want { "not " } else { "" }));
        }
        let outcome = match (&case.expect, mismatches.is_empty()) {
            (Expect::Pass, true) => Outcome::Pass,
            (Expect::Divergence(name), true) => Outcome::Divergence(name.clone()),
            (_, false) => Outcome::Fail(mismatches),
        };
        report.add(&fixture.feature, case, outcome);
    }
    backend.stop();
}
