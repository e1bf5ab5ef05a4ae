//! Cognito user-pool tokens: `fixtures/cognito.json`, signed here with the committed test keys.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::Value;
use tollgate_auth::{
    AuthError, CognitoAuthorizer, CognitoAuthorizerConfig, ConfigError, Jwks, ResponseType, TokenRejection,
    UnauthorizedReason, UserPool,
};

use common::Params;

const POOL_ARN: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_PoolA";

fn sign_rsa(key: &str, message: &[u8]) -> Vec<u8> {
    let der = common::fixture_bytes(&format!("keys/{key}.pk8.der"));
    let pair = RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
        .unwrap();
    signature
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token(case: &Value) -> String {
    if let Some(raw) = case["raw"].as_str() {
        return raw.to_owned();
    }
    let encode = |value: &Value| {
        let json = serde_json::to_vec(value).unwrap();
        if case["pad"].as_bool() == Some(true) {
            URL_SAFE.encode(json)
        } else {
            b64(&json)
        }
    };
    let signing_input = format!("{}.{}", encode(&case["header"]), encode(&case["claims"]));
    let signature = match case["sign"].as_str().unwrap() {
        "none" => Vec::new(),
        "hmac" => {
            // The classic confusion attack: HMAC keyed with the verifier's public key material.
            let secret = common::fixture_bytes("keys/pool-a.jwks.json");
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
            ring::hmac::sign(&key, signing_input.as_bytes()).as_ref().to_vec()
        }
        key => sign_rsa(key, signing_input.as_bytes()),
    };
    let mut token = format!("{signing_input}.{}", b64(&signature));
    if case["tamper"].as_bool() == Some(true) {
        let mut claims = case["claims"].clone();
        claims["cognito:username"] = Value::from("mallory");
        let forged = format!("{}.{}", encode(&case["header"]), encode(&claims));
        token = format!("{forged}.{}", b64(&signature));
    }
    token
}

fn authorizer(validation: Option<&str>) -> CognitoAuthorizer {
    let jwks = Arc::new(Jwks::parse(&common::fixture_bytes("keys/pool-a.jwks.json")).unwrap());
    let config = CognitoAuthorizerConfig {
        id: "pool-auth".to_owned(),
        identity_source: Some("method.request.header.Authorization".to_owned()),
        identity_validation_expression: validation.map(str::to_owned),
        provider_arns: vec![POOL_ARN.to_owned()],
    };
    CognitoAuthorizer::compile(&config, |pool| (pool.arn() == POOL_ARN).then(|| Arc::clone(&jwks))).unwrap()
}

fn rejection_name(rejection: TokenRejection) -> &'static str {
    match rejection {
        TokenRejection::Malformed => "Malformed",
        TokenRejection::UnsupportedAlgorithm => "UnsupportedAlgorithm",
        TokenRejection::WrongIssuer => "WrongIssuer",
        TokenRejection::UnknownKey => "UnknownKey",
        TokenRejection::BadSignature => "BadSignature",
        TokenRejection::MissingExpiry => "MissingExpiry",
        TokenRejection::Expired => "Expired",
        TokenRejection::NotYetValid => "NotYetValid",
        TokenRejection::WrongTokenUse => "WrongTokenUse",
        TokenRejection::MissingScope => "MissingScope",
        TokenRejection::AudienceMismatch => "AudienceMismatch",
    }
}

#[test]
fn cognito_cases() {
    let document: Value = serde_json::from_slice(&common::fixture_bytes("cognito.json")).unwrap();
    let now = document["now"].as_i64().unwrap();
    let mut failures = Vec::new();
    // Twice, each authorizer shared by every case and both rounds: a token verified before (by an earlier case
    // or the first round) must get exactly the answer it got the first time.
    let mut authorizers: std::collections::HashMap<Option<String>, CognitoAuthorizer> = Default::default();
    for (round, case) in [0, 1]
        .into_iter()
        .flat_map(|round| common::cases("cognito.json").into_iter().map(move |case| (round, case)))
    {
        let name = format!("{} (round {round})", case["name"].as_str().unwrap());
        let validation = case["validation"].as_str().map(str::to_owned);
        let authorizer = authorizers
            .entry(validation.clone())
            .or_insert_with(|| authorizer(validation.as_deref()));
        let params = if case["omit_header"].as_bool() == Some(true) {
            Params::header("X-Other", "x")
        } else {
            Params::header(
                "authorization",
                &format!("{}{}", case["prefix"].as_str().unwrap(), token(&case)),
            )
        };
        let scopes: Vec<String> = serde_json::from_value(case["scopes"].clone()).unwrap();
        let result = authorizer.authorize(&params, &scopes, now);
        let got = match &result {
            Ok(_) => "ok",
            Err(AuthError::Unauthorized(UnauthorizedReason::Token(rejection))) => rejection_name(*rejection),
            Err(AuthError::Unauthorized(UnauthorizedReason::MissingIdentitySource(_))) => "Missing",
            Err(_) => "other",
        };
        if let Err(error) = &result {
            assert_eq!(
                error.response_type(),
                ResponseType::Unauthorized,
                "{name}: every failure is a 401"
            );
        }
        if got != case["expect"].as_str().unwrap() {
            failures.push(format!("{name}: expected {}, got {got}", case["expect"]));
            continue;
        }
        if let (Ok(claims), Some(expected)) = (&result, case["expect_claims"].as_object()) {
            for (claim, value) in expected {
                if claims.get(claim) != value.as_str() {
                    failures.push(format!(
                        "{name}: claim {claim} = {:?}, expected {value}",
                        claims.get(claim)
                    ));
                }
            }
            if expected.len() == case["claims"].as_object().unwrap().len() {
                let order: Vec<&str> = claims.entries().iter().map(|(k, _)| k.as_str()).collect();
                let want: Vec<&str> = case["claims"].as_object().unwrap().keys().map(String::as_str).collect();
                if order != want {
                    failures.push(format!("{name}: claims order {order:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A token verified once is checked again on every use for what depends on the time and the method.
#[test]
fn a_verified_token_is_still_checked_against_the_time_and_the_method() {
    let document: Value = serde_json::from_slice(&common::fixture_bytes("cognito.json")).unwrap();
    let now = document["now"].as_i64().unwrap();
    let case = common::cases("cognito.json")
        .into_iter()
        .find(|case| case["expect"] == "ok" && case["scopes"].as_array().is_some_and(Vec::is_empty))
        .unwrap();
    let exp = case["claims"]["exp"].as_i64().unwrap();
    let authorizer = authorizer(case["validation"].as_str());
    let params = Params::header(
        "authorization",
        &format!("{}{}", case["prefix"].as_str().unwrap(), token(&case)),
    );
    let refusal = |result: Result<_, AuthError>| match result {
        Err(AuthError::Unauthorized(UnauthorizedReason::Token(rejection))) => rejection_name(rejection),
        Ok(_) => "ok",
        Err(_) => "other",
    };
    assert_eq!(refusal(authorizer.authorize(&params, &[], now)), "ok");
    assert_eq!(refusal(authorizer.authorize(&params, &[], now)), "ok");
    assert_eq!(refusal(authorizer.authorize(&params, &[], exp)), "Expired");
    assert_eq!(
        refusal(authorizer.authorize(&params, &["scope/x".to_owned()], now)),
        "WrongTokenUse"
    );
    assert_eq!(refusal(authorizer.authorize(&params, &[], now)), "ok");
}

#[test]
fn user_pool_from_arn() {
    let pool = UserPool::from_arn(POOL_ARN).unwrap();
    assert_eq!(
        pool.issuer(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolA"
    );
    assert_eq!(
        pool.jwks_url(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolA/.well-known/jwks.json"
    );
    for bad in [
        "arn:aws:cognito-idp:us-east-1:123456789012:pool/us-east-1_PoolA",
        "arn:aws:s3:us-east-1:123456789012:userpool/us-east-1_PoolA",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/a/b",
        "us-east-1_PoolA",
    ] {
        assert!(
            matches!(UserPool::from_arn(bad), Err(ConfigError::InvalidProviderArn(_))),
            "{bad}"
        );
    }
}

#[test]
fn compile_errors() {
    let base = CognitoAuthorizerConfig {
        id: "a".to_owned(),
        identity_source: None,
        identity_validation_expression: None,
        provider_arns: vec![POOL_ARN.to_owned()],
    };
    let none = |_: &UserPool| None;
    assert_eq!(
        CognitoAuthorizer::compile(&base, none).unwrap_err(),
        ConfigError::MissingJwks(POOL_ARN.to_owned())
    );
    let jwks = Arc::new(Jwks::parse(&common::fixture_bytes("keys/pool-a.jwks.json")).unwrap());
    let some = |_: &UserPool| Some(Arc::clone(&jwks));
    let default = CognitoAuthorizer::compile(&base, some).unwrap();
    assert_eq!(default.header(), "Authorization");
    let query = CognitoAuthorizerConfig {
        identity_source: Some("method.request.querystring.token".to_owned()),
        ..base.clone()
    };
    assert!(matches!(
        CognitoAuthorizer::compile(&query, some),
        Err(ConfigError::InvalidIdentitySource { .. })
    ));
    let no_pools = CognitoAuthorizerConfig {
        provider_arns: Vec::new(),
        ..base.clone()
    };
    assert_eq!(
        CognitoAuthorizer::compile(&no_pools, some).unwrap_err(),
        ConfigError::NoProviders
    );
    let bad_regex = CognitoAuthorizerConfig {
        identity_validation_expression: Some("(".to_owned()),
        ..base
    };
    assert!(matches!(
        CognitoAuthorizer::compile(&bad_regex, some),
        Err(ConfigError::InvalidValidationExpression { .. })
    ));
}

#[test]
fn jwks_parsing() {
    let jwks = Jwks::parse(&common::fixture_bytes("keys/pool-a.jwks.json")).unwrap();
    assert_eq!(jwks.key_ids().collect::<Vec<_>>(), ["key-a", "key-rotated"]);
    // Keys that cannot verify RS256 are skipped; broken RSA keys and broken documents are errors.
    let mixed = br#"{"keys":[{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"},
        {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"ps","alg":"PS256","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"ok","n":"AQAB","e":"AQAB"}]}"#;
    assert_eq!(Jwks::parse(mixed).unwrap().key_ids().collect::<Vec<_>>(), ["ok"]);
    assert!(Jwks::parse(br#"{"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}"#).is_err());
    assert!(Jwks::parse(br#"{"keys":[{"kty":"RSA","kid":"x","e":"AQAB"}]}"#).is_err());
    assert!(Jwks::parse(br#"{"nokeys":[]}"#).is_err());
    assert!(Jwks::parse(b"not json").is_err());
}
