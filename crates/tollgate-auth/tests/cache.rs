//! The result cache: scenarios in `fixtures/cache.json` through the whole Lambda flow, plus bounds and
//! thread safety.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::cell::Cell;
use std::sync::Arc;

use serde_json::{Value, json};
use tollgate_auth::{
    AuthError, AuthorizerCache, AuthorizerOutput, Denial, LambdaAuthorizer, LambdaAuthorizerConfig,
    LambdaAuthorizerKind, method_arn,
};

use common::Params;

/// One request through identity → cache → (fake) invocation → policy, the sequence the runtime runs.
fn run(
    authorizer: &LambdaAuthorizer,
    cache: &AuthorizerCache,
    policies: &Value,
    request: &Params,
    path: &str,
    now_ms: u64,
    invocations: &Cell<u32>,
) -> &'static str {
    let arn = method_arn("us-east-1", "123456789012", "api1", "prod", "GET", path);
    let outcome = (|| -> Result<(), AuthError> {
        let identity = authorizer.identity(request)?;
        let key = authorizer.cache_key(&identity);
        let cached = key.as_ref().and_then(|key| cache.get(key, now_ms));
        let output = match cached {
            Some(output) => output,
            None => {
                invocations.set(invocations.get() + 1);
                let name = identity.first().unwrap_or("");
                let (payload, error) = match policies.get(name) {
                    Some(policy) => (serde_json::to_vec(policy).unwrap(), None),
                    None if name == "Unauthorized" => {
                        (br#"{"errorMessage":"Unauthorized"}"#.to_vec(), Some("Unhandled"))
                    }
                    None => (b"{}".to_vec(), None),
                };
                let output = Arc::new(AuthorizerOutput::from_invocation(&payload, error)?);
                if let Some(key) = key {
                    cache.insert(key, Arc::clone(&output), authorizer.ttl_seconds(), now_ms);
                }
                output
            }
        };
        output.authorize(&arn)
    })();
    match outcome {
        Ok(()) => "Allow",
        Err(AuthError::AccessDenied(Denial::Explicit)) => "ExplicitDeny",
        Err(AuthError::AccessDenied(Denial::Implicit)) => "ImplicitDeny",
        Err(AuthError::Unauthorized(_)) => "Unauthorized",
        Err(AuthError::Configuration(_)) => "Configuration",
    }
}

#[test]
fn cache_scenarios() {
    let document: Value = serde_json::from_slice(&common::fixture_bytes("cache.json")).unwrap();
    let policies = &document["policies"];
    let mut failures = Vec::new();
    for case in common::cases("cache.json") {
        let name = case["name"].as_str().unwrap();
        let authorizer = LambdaAuthorizer::compile(&LambdaAuthorizerConfig {
            id: "api1/prod/auth".to_owned(),
            kind: if case["kind"] == "TOKEN" {
                LambdaAuthorizerKind::Token
            } else {
                LambdaAuthorizerKind::Request
            },
            identity_source: vec![case["identitySource"].as_str().unwrap().to_owned()],
            identity_validation_expression: None,
            result_ttl_seconds: u32::try_from(case["ttl"].as_u64().unwrap()).unwrap(),
        })
        .unwrap();
        let cache = AuthorizerCache::new(100);
        for (index, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let invocations = Cell::new(0);
            let result = run(
                &authorizer,
                &cache,
                policies,
                &Params::from_json(&step["request"]),
                step["path"].as_str().unwrap(),
                step["t"].as_u64().unwrap(),
                &invocations,
            );
            let invoked = invocations.get() == 1;
            if result != step["result"] || invoked != step["invoked"].as_bool().unwrap() {
                failures.push(format!(
                    "{name} step {index}: got {result}, invoked {invoked}; expected {step}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn output(principal: &str) -> Arc<AuthorizerOutput> {
    let payload = json!({"principalId": principal, "policyDocument": {"Statement": []}});
    Arc::new(AuthorizerOutput::parse(&serde_json::to_vec(&payload).unwrap()).unwrap())
}

fn token_authorizer(id: &str) -> LambdaAuthorizer {
    LambdaAuthorizer::compile(&LambdaAuthorizerConfig {
        id: id.to_owned(),
        kind: LambdaAuthorizerKind::Token,
        identity_source: vec!["method.request.header.A".to_owned()],
        identity_validation_expression: None,
        result_ttl_seconds: 300,
    })
    .unwrap()
}

#[test]
fn authorizers_never_share_entries() {
    // reliability-security-scale.md §2.6: key = (api, stage, authorizer id, identity values).
    let (one, two) = (token_authorizer("api/prod/one"), token_authorizer("api/prod/two"));
    let request = Params::header("A", "same-token");
    let key_one = one.cache_key(&one.identity(&request).unwrap()).unwrap();
    let key_two = two.cache_key(&two.identity(&request).unwrap()).unwrap();
    assert_ne!(key_one, key_two);
    let cache = AuthorizerCache::new(10);
    cache.insert(key_one.clone(), output("one"), 300, 0);
    assert!(cache.get(&key_two, 1).is_none());
    assert_eq!(cache.get(&key_one, 1).unwrap().principal_id(), Some("one"));
}

#[test]
fn bounded_with_least_recently_used_eviction() {
    let authorizer = token_authorizer("a");
    let key = |token: &str| {
        authorizer
            .cache_key(&authorizer.identity(&Params::header("A", token)).unwrap())
            .unwrap()
    };
    let cache = AuthorizerCache::new(2);
    cache.insert(key("1"), output("1"), 300, 0);
    cache.insert(key("2"), output("2"), 300, 0);
    assert!(cache.get(&key("1"), 1).is_some(), "touch 1: 2 becomes the oldest");
    cache.insert(key("3"), output("3"), 300, 2);
    assert_eq!(cache.len(), 2);
    assert!(cache.get(&key("2"), 3).is_none(), "2 was evicted");
    assert!(cache.get(&key("1"), 3).is_some());
    assert!(cache.get(&key("3"), 3).is_some());
    // Expired entries go first when the cache is full.
    cache.insert(key("short"), output("s"), 1, 10);
    cache.insert(key("4"), output("4"), 300, 2_000);
    assert!(cache.get(&key("short"), 2_000).is_none());
    assert_eq!(cache.len(), 2);
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn shared_between_threads() {
    let authorizer = Arc::new(token_authorizer("a"));
    let cache = Arc::new(AuthorizerCache::new(64));
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let (authorizer, cache) = (Arc::clone(&authorizer), Arc::clone(&cache));
            std::thread::spawn(move || {
                for round in 0..200u64 {
                    let token = format!("t{}", (round + thread) % 100);
                    let key = authorizer
                        .cache_key(&authorizer.identity(&Params::header("A", &token)).unwrap())
                        .unwrap();
                    match cache.get(&key, round) {
                        Some(hit) => assert_eq!(hit.principal_id(), Some(token.as_str())),
                        None => cache.insert(key, output(&token), 300, round),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(cache.len() <= 64);
}

/// The cache's debug output holds no identity value: they are credentials.
#[test]
fn debug_output_holds_no_identity_value() {
    let authorizer = token_authorizer("api/prod/one");
    let key = authorizer
        .cache_key(&authorizer.identity(&Params::header("A", "secret-token-value")).unwrap())
        .unwrap();
    let cache = AuthorizerCache::new(10);
    cache.insert(key.clone(), output("one"), 300, 0);
    for shown in [format!("{key:?}"), format!("{cache:?}")] {
        assert!(!shown.contains("secret"), "{shown}");
    }
}
