//! The usage-plans reader: what a valid file becomes, AWS's inheritance of method settings, references into the
//! API. Invalid files are golden-tested in `tests/usage_plans.rs`.

use tollgate_model::{Severity, Stage, UnauthorizedCacheControlHeaderStrategy};

use super::*;

const FILE: &str = r#"
account:
  throttleSettings: {rateLimit: 500, burstLimit: 100}
apiKeys:
  - id: alice
    name: Alice
    value: alice-0123456789abcdefghij
    enabled: true
    description: ignored, as AWS's own fields without a data-plane effect
  - name: bob
    value: bob-0123456789abcdefghijkl
    enabled: false
usagePlans:
  - id: basic
    throttle: {rateLimit: 10, burstLimit: 20}
    quota: {limit: 1000, offset: 10, period: MONTH}
    apiStages:
      - stage: dev
        apiId: abc123
        throttle:
          "/pets/POST": {rateLimit: 1, burstLimit: 2}
    apiKeys: [alice, bob]
stages:
  dev:
    cacheClusterEnabled: true
    cacheClusterSize: "1.6"
    methodSettings:
      "*/*": {throttlingRateLimit: 100, throttlingBurstLimit: 50, cachingEnabled: true, cacheTtlInSeconds: 60}
      "~1pets/GET": {throttlingBurstLimit: 5}
      "pets/POST": {throttlingRateLimit: 3}
      "/pets/{petId}/DELETE": {cachingEnabled: true, unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403}
"#;

fn parse_ok(text: &str) -> (UsagePlans, Vec<tollgate_model::Diagnostic>) {
    let (plans, diagnostics) = UsagePlans::parse("plans.yaml", text.as_bytes());
    let plans = plans.unwrap_or_else(|| panic!("{}", tollgate_model::render_all(&diagnostics, text)));
    (plans, diagnostics)
}

#[test]
fn reads_keys_plans_and_stages() {
    let (plans, diagnostics) = parse_ok(FILE);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(
        plans.account_throttle,
        Some(Throttle {
            rate_limit: 500.0,
            burst_limit: 100
        })
    );
    let keys: Vec<(&str, &str, bool)> = plans
        .api_keys
        .iter()
        .map(|k| (k.id.as_str(), k.value.as_str(), k.enabled))
        .collect();
    assert_eq!(
        keys,
        [
            ("alice", "alice-0123456789abcdefghij", true),
            ("bob", "bob-0123456789abcdefghijkl", false)
        ]
    );
    let plan = &plans.plans[0];
    assert_eq!(plan.id, "basic");
    assert_eq!(plan.keys, ["alice", "bob"]);
    assert_eq!(
        plan.quota,
        Some(QuotaConfig {
            quota: Quota {
                limit: 1000,
                offset: 10
            },
            period: QuotaPeriod::Month
        })
    );
    let stage = &plan.stages[0];
    assert_eq!(stage.stage, "dev");
    let throttle = &stage.method_throttles[0];
    assert_eq!(
        (throttle.resource_path.as_str(), throttle.http_method.as_str()),
        ("/pets", "POST")
    );
    let dev = plans.stage("dev").unwrap();
    assert!(dev.cache_enabled);
    assert_eq!(dev.cache_bytes, 1_638 << 20);
}

#[test]
fn method_settings_inherit_from_the_stage_default() {
    let (plans, _) = parse_ok(FILE);
    let mut stage = Stage::new("dev");
    plans.apply_to_stage(&mut stage);
    let get = stage.method_settings_for("/pets", "GET");
    assert_eq!(
        (get.throttling_rate_limit, get.throttling_burst_limit),
        (Some(100.0), Some(5)),
        "own burst, the default's rate"
    );
    assert!(get.caching_enabled, "GET inherits caching from */*");
    assert_eq!(get.cache_ttl_seconds, 60);
    let post = stage.method_settings_for("/pets", "POST");
    assert_eq!(
        (post.throttling_rate_limit, post.throttling_burst_limit),
        (Some(3.0), Some(50))
    );
    assert!(
        !post.caching_enabled,
        "only GET inherits caching (DG/api-gateway-caching.html)"
    );
    let delete = stage.method_settings_for("/pets/{petId}", "DELETE");
    assert!(delete.caching_enabled);
    assert_eq!(
        delete.unauthorized_cache_control_header_strategy,
        UnauthorizedCacheControlHeaderStrategy::FailWith403
    );
    assert!(delete.require_authorization_for_cache_control, "AWS's default");
    let other = stage.method_settings_for("/owners", "PUT");
    assert_eq!(other.throttling_rate_limit, Some(100.0), "unlisted methods get */*");
    let mut prod = Stage::new("prod");
    plans.apply_to_stage(&mut prod);
    assert!(prod.method_settings.is_empty(), "no settings for other stages");
}

#[test]
fn json_and_defaults() {
    let text = r#"{"apiKeys": [{"name": "k", "value": "kkkkkkkkkkkkkkkkkkkkkkkk"}]}"#;
    let (plans, diagnostics) = UsagePlans::parse("plans.json", text.as_bytes());
    let plans = plans.unwrap();
    assert!(!plans.api_keys[0].enabled, "AWS creates keys disabled");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].severity, Severity::Warning);
    assert_eq!(diagnostics[0].message, "this API key is disabled: it has no `enabled`");
    assert_eq!(plans.account_throttle, Some(ACCOUNT_DEFAULT_THROTTLE));
    let (lifted, _) = parse_ok("account: {throttleSettings: null}\n");
    assert_eq!(lifted.account_throttle, None);
    assert_eq!(UsagePlans::default().account_throttle, Some(ACCOUNT_DEFAULT_THROTTLE));
}

#[test]
fn caching_without_a_cluster_warns() {
    let text = "stages:\n  dev:\n    methodSettings:\n      \"*/*\": {cachingEnabled: true}\n";
    let (_, diagnostics) = parse_ok(text);
    assert_eq!(diagnostics.len(), 1);
    assert!(
        diagnostics[0].message.contains("no cache cluster"),
        "{:?}",
        diagnostics[0]
    );
}

#[test]
fn check_finds_methods_the_api_does_not_have() {
    let api_text = r#"
openapi: 3.0.1
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
"#;
    let api = tollgate_model::load("api.yaml", api_text.as_bytes(), &Default::default())
        .api
        .unwrap();
    let (plans, _) = parse_ok(FILE);
    let problems = plans.check(&api);
    let messages: Vec<String> = problems
        .iter()
        .map(|d| format!("{}:{}: {}", d.file, d.position.line, d.message))
        .collect();
    assert_eq!(
        messages,
        [
            "plans.yaml:21: a usage-plan throttle names POST /pets, which the API does not have",
            "plans.yaml:30: a method setting names POST /pets, which the API does not have",
            "plans.yaml:31: a method setting names DELETE /pets/{petId}, which the API does not have",
        ]
    );
}

#[test]
fn key_values_stay_out_of_debug_output() {
    let api_text = r#"
openapi: 3.0.1
info: {title: pets, version: "1"}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
paths:
  /pets:
    get:
      security: [{api_key: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
"#;
    let api = tollgate_model::load("api.yaml", api_text.as_bytes(), &Default::default())
        .api
        .unwrap();
    let (plans, _) = parse_ok(FILE);
    let secret = "alice-0123456789abcdefghij";
    assert!(!format!("{plans:?}").contains(secret));
    let mut stage = Stage::new("dev");
    plans.apply_to_stage(&mut stage);
    let options = crate::CompileOptions {
        usage_plans: Some(std::sync::Arc::new(plans)),
        ..Default::default()
    };
    let deployment = crate::Deployment::compile(&api, &stage, &options).unwrap();
    let debug = format!("{deployment:?}");
    assert!(debug.contains("\"alice\""), "the key's id is shown");
    assert!(!debug.contains(secret), "its value is not");
}
