//! The policy table: `fixtures/policy.json`, policy × method ARN → decision.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use tollgate_auth::{Policy, PolicyDecision};

#[test]
fn policy_table() {
    let mut failures = Vec::new();
    for case in common::cases("policy.json") {
        let name = case["name"].as_str().unwrap();
        let bytes = serde_json::to_vec(&case["policy"]).unwrap();
        let got = match Policy::parse(&bytes) {
            Ok(policy) => match policy.evaluate(case["arn"].as_str().unwrap()) {
                PolicyDecision::Allow => "Allow",
                PolicyDecision::ExplicitDeny => "ExplicitDeny",
                PolicyDecision::ImplicitDeny => "ImplicitDeny",
            },
            Err(_) => "Invalid",
        };
        if got != case["expect"].as_str().unwrap() {
            failures.push(format!("{name}: expected {}, got {got}", case["expect"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
