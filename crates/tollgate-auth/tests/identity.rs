//! Identity sources and the checks made before invoking a Lambda authorizer: `fixtures/identity.json`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use serde_json::Value;
use tollgate_auth::{
    AuthError, ConfigError, IdentitySource, LambdaAuthorizer, LambdaAuthorizerConfig, LambdaAuthorizerKind,
    ResponseType,
};

use common::Params;

fn config(case: &Value) -> LambdaAuthorizerConfig {
    LambdaAuthorizerConfig {
        id: "api/prod/auth".to_owned(),
        kind: if case["kind"] == "TOKEN" {
            LambdaAuthorizerKind::Token
        } else {
            LambdaAuthorizerKind::Request
        },
        identity_source: vec![case["identitySource"].as_str().unwrap().to_owned()],
        identity_validation_expression: case["identityValidationExpression"].as_str().map(str::to_owned),
        result_ttl_seconds: u32::try_from(case["ttl"].as_u64().unwrap()).unwrap(),
    }
}

#[test]
fn identity_cases() {
    let mut failures = Vec::new();
    for case in common::cases("identity.json") {
        let name = case["name"].as_str().unwrap();
        let authorizer = LambdaAuthorizer::compile(&config(&case)).unwrap();
        let request = Params::from_json(&case["request"]);
        match (case["expect"].as_str().unwrap(), authorizer.identity(&request)) {
            ("invoke", Ok(identity)) => {
                let want: Vec<Option<String>> = serde_json::from_value(case["values"].clone()).unwrap();
                if identity.values() != want.as_slice() {
                    failures.push(format!("{name}: values {:?}", identity.values()));
                }
            }
            ("401", Err(error @ AuthError::Unauthorized(_))) => {
                assert_eq!(error.response_type(), ResponseType::Unauthorized);
            }
            (expect, got) => failures.push(format!("{name}: expected {expect}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn identity_source_forms() {
    // DG/api-gateway-lambda-authorizer-input: path parameters cannot be identity sources.
    assert_eq!(
        IdentitySource::parse_list("method.request.header.Auth, method.request.querystring.Name").unwrap(),
        [
            IdentitySource::Header("Auth".to_owned()),
            IdentitySource::QueryString("Name".to_owned())
        ]
    );
    assert_eq!(
        IdentitySource::parse("context.identity.sourceIp").unwrap().expression(),
        "context.identity.sourceIp"
    );
    for bad in [
        "method.request.path.id",
        "method.request.header.",
        "header.Auth",
        "stageVariables.",
    ] {
        assert!(IdentitySource::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn compile_rules() {
    let token = |source: &str, ttl: u32, expression: Option<&str>| {
        LambdaAuthorizer::compile(&LambdaAuthorizerConfig {
            id: "a".to_owned(),
            kind: LambdaAuthorizerKind::Token,
            identity_source: vec![source.to_owned()],
            identity_validation_expression: expression.map(str::to_owned),
            result_ttl_seconds: ttl,
        })
    };
    assert!(token("method.request.header.A", 3600, None).is_ok());
    assert_eq!(
        token("method.request.header.A", 3601, None).unwrap_err(),
        ConfigError::TtlOutOfRange(3601)
    );
    assert!(matches!(
        token("method.request.querystring.a", 300, None),
        Err(ConfigError::InvalidIdentitySource { .. })
    ));
    assert_eq!(
        token("method.request.header.A, method.request.header.B", 300, None).unwrap_err(),
        ConfigError::TokenSourceCount(2)
    );
    assert!(matches!(
        token("method.request.header.A", 300, Some("(")),
        Err(ConfigError::InvalidValidationExpression { .. })
    ));
    let request_without_sources = LambdaAuthorizer::compile(&LambdaAuthorizerConfig {
        id: "a".to_owned(),
        kind: LambdaAuthorizerKind::Request,
        identity_source: Vec::new(),
        identity_validation_expression: None,
        result_ttl_seconds: 300,
    });
    assert_eq!(
        request_without_sources.unwrap_err(),
        ConfigError::CachingWithoutIdentitySource
    );
    // An unbalanced expression cannot escape the whole-match anchors.
    assert!(matches!(
        token("method.request.header.A", 300, Some("a)|(b")),
        Err(ConfigError::InvalidValidationExpression { .. })
    ));
}
