//! Lambda authorizer answers: `fixtures/output.json`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use serde_json::Value;
use tollgate_auth::{AuthError, AuthorizerOutput, ContextValue, Denial, ResponseType};

fn check(case: &Value, method_arn: &str) -> Result<(), String> {
    let payload = match case.get("raw_payload") {
        Some(raw) => raw.as_str().unwrap().as_bytes().to_vec(),
        None => serde_json::to_vec(&case["payload"]).unwrap(),
    };
    let result = AuthorizerOutput::from_invocation(&payload, case["function_error"].as_str());
    let expect = &case["expect"];
    match (expect["kind"].as_str().unwrap(), result) {
        ("unauthorized", Err(error @ AuthError::Unauthorized(_))) => {
            assert_eq!(error.response_type(), ResponseType::Unauthorized);
            Ok(())
        }
        ("configuration", Err(error @ AuthError::Configuration(_))) => {
            assert_eq!(error.response_type(), ResponseType::AuthorizerConfigurationError);
            Ok(())
        }
        ("ok", Ok(output)) => {
            let decision = match output.authorize(method_arn) {
                Ok(()) => "Allow",
                Err(AuthError::AccessDenied(Denial::Explicit)) => "ExplicitDeny",
                Err(AuthError::AccessDenied(Denial::Implicit)) => "ImplicitDeny",
                Err(other) => return Err(format!("authorize gave {other}")),
            };
            if decision != expect["decision"] {
                return Err(format!("decision {decision}, expected {}", expect["decision"]));
            }
            if output.principal_id() != expect["principalId"].as_str() {
                return Err(format!("principalId {:?}", output.principal_id()));
            }
            if output.context_variable("principalId").as_deref() != expect["principalId"].as_str() {
                return Err("$context.authorizer.principalId differs".to_owned());
            }
            if output.usage_identifier_key() != expect["usageIdentifierKey"].as_str() {
                return Err(format!("usageIdentifierKey {:?}", output.usage_identifier_key()));
            }
            let expected_context = expect["context"].as_array().unwrap();
            if output.context().len() != expected_context.len() {
                return Err(format!("context {:?}", output.context()));
            }
            for ((key, value), want) in output.context().iter().zip(expected_context) {
                let typed = match value {
                    ContextValue::String(text) => ("String", Value::from(text.as_str())),
                    ContextValue::Integer(number) => ("Integer", Value::from(*number)),
                    ContextValue::Float(number) => ("Float", Value::from(*number)),
                    ContextValue::Bool(flag) => ("Bool", Value::from(*flag)),
                };
                if key != want[0].as_str().unwrap() || typed.0 != want[1] || typed.1 != want[2] {
                    return Err(format!("context entry {key}: {value:?}, expected {want}"));
                }
                if output.context_variable(key).as_deref() != want[3].as_str() {
                    return Err(format!(
                        "$context.authorizer.{key} = {:?}",
                        output.context_variable(key)
                    ));
                }
            }
            Ok(())
        }
        (kind, other) => Err(format!("expected {kind}, got {other:?}")),
    }
}

#[test]
fn output_cases() {
    let document: Value = serde_json::from_slice(&common::fixture_bytes("output.json")).unwrap();
    let method_arn = document["method_arn"].as_str().unwrap();
    let failures: Vec<String> = common::cases("output.json")
        .iter()
        .filter_map(|case| check(case, method_arn).err().map(|e| format!("{}: {e}", case["name"])))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn denial_bodies_are_awss_bytes() {
    // spec §7 ACCESS_DENIED: capital `Message`, 82 bytes for the explicit deny.
    assert_eq!(Denial::Explicit.default_body().len(), 82);
    assert_eq!(
        Denial::Implicit.default_body(),
        r#"{"Message":"User is not authorized to access this resource"}"#
    );
    assert_eq!(ResponseType::AccessDenied.as_str(), "ACCESS_DENIED");
}

#[test]
fn invoke_failure_is_a_configuration_error() {
    // spec §9.5 [obs]: invoke failure → 500 AUTHORIZER_CONFIGURATION_ERROR.
    let error = AuthError::invoke_failed("function not found");
    assert_eq!(error.response_type().as_str(), "AUTHORIZER_CONFIGURATION_ERROR");
}
