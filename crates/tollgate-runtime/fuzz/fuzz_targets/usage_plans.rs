//! Usage-plans file fuzzing: arbitrary bytes through `UsagePlans::parse`. Beyond "no panic": a result comes
//! back exactly when no diagnostic is an error, every diagnostic points inside the file, and a result applies
//! to a stage, checks against an API and compiles into a deployment without panicking.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tollgate_model::{RestApi, Stage};
use tollgate_runtime::{CompileOptions, Deployment, UsagePlans};

const API: &str = r#"
openapi: 3.0.1
info: {title: fuzz, version: "1"}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
paths:
  /pets:
    get:
      security: [{api_key: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        cacheKeyParameters: [method.request.querystring.q, integration.request.header.x]
        responses: {default: {statusCode: "200"}}
    post:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: mock, responses: {default: {statusCode: "200"}}}
  /pets/{petId}:
    x-amazon-apigateway-any-method:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: mock, responses: {default: {statusCode: "200"}}}
"#;

fn api() -> &'static RestApi {
    static API_MODEL: OnceLock<RestApi> = OnceLock::new();
    API_MODEL.get_or_init(|| {
        tollgate_model::load("api.yaml", API.as_bytes(), &Default::default())
            .api
            .expect("the fuzz API imports")
    })
}

fuzz_target!(|data: &[u8]| {
    let (plans, diagnostics) = UsagePlans::parse("plans.yaml", data);
    assert_eq!(plans.is_some(), !diagnostics.iter().any(|d| d.is_error()));
    for diagnostic in &diagnostics {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end as usize <= data.len());
    }
    let Some(plans) = plans else { return };
    let problems = plans.check(api());
    assert!(problems.iter().all(|d| d.file == "plans.yaml"));
    for name in ["dev", "prod"] {
        let mut stage = Stage::new(name);
        plans.apply_to_stage(&mut stage);
        let mut options = CompileOptions::default();
        options.usage_plans = Some(Arc::new(plans.clone()));
        let _ = Deployment::compile(api(), &stage, &options);
    }
});
