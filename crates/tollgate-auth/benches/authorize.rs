//! The request-path costs of authorizers: a cache hit with policy re-evaluation, parsing a function's output,
//! and verifying a Cognito token.
//!
//! Run with `cargo bench -p tollgate-auth --bench authorize`.

#![allow(clippy::unwrap_used)] // benchmark set-up

use std::borrow::Cow;
use std::hint::black_box;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use tollgate_auth::{
    AuthorizerCache, AuthorizerOutput, CognitoAuthorizer, CognitoAuthorizerConfig, Jwks, LambdaAuthorizer,
    LambdaAuthorizerConfig, LambdaAuthorizerKind, RequestParams, method_arn,
};

struct Header(String);

impl RequestParams for Header {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        name.eq_ignore_ascii_case("authorization")
            .then_some(Cow::Borrowed(self.0.as_str()))
    }
    fn query_string(&self, _: &str) -> Option<Cow<'_, str>> {
        None
    }
    fn stage_variable(&self, _: &str) -> Option<Cow<'_, str>> {
        None
    }
    fn context(&self, _: &str) -> Option<Cow<'_, str>> {
        None
    }
}

/// A realistic output: ten statements (the last one matches), three context entries.
fn output_json() -> Vec<u8> {
    let mut statements: Vec<serde_json::Value> = (0..9)
        .map(|i| {
            serde_json::json!({"Action": "execute-api:Invoke", "Effect": "Allow",
                "Resource": format!("arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/other{i}/*")})
        })
        .collect();
    statements.push(serde_json::json!({"Action": "execute-api:Invoke", "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:api1/prod/*/pets/*"}));
    serde_json::to_vec(&serde_json::json!({"principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        "context": {"tenant": "t-42", "tier": 3, "admin": false}}))
    .unwrap()
}

fn lambda(c: &mut Criterion) {
    let authorizer = LambdaAuthorizer::compile(&LambdaAuthorizerConfig {
        id: "api1/prod/auth".to_owned(),
        kind: LambdaAuthorizerKind::Token,
        identity_source: vec!["method.request.header.Authorization".to_owned()],
        identity_validation_expression: Some("Bearer [A-Za-z0-9._-]+".to_owned()),
        result_ttl_seconds: 300,
    })
    .unwrap();
    let payload = output_json();
    let cache = AuthorizerCache::new(10_000);
    let request = Header("Bearer abc.def.ghi".to_owned());
    let key = authorizer.cache_key(&authorizer.identity(&request).unwrap()).unwrap();
    cache.insert(key, Arc::new(AuthorizerOutput::parse(&payload).unwrap()), 300, 0);
    let arn = method_arn("us-east-1", "123456789012", "api1", "prod", "GET", "/pets/42");
    c.bench_function("lambda: identity + cache hit + policy (10 statements)", |b| {
        b.iter(|| {
            let identity = authorizer.identity(black_box(&request)).unwrap();
            let key = authorizer.cache_key(&identity).unwrap();
            let output = cache.get(&key, 1).unwrap();
            output.authorize(black_box(&arn)).unwrap();
        });
    });
    c.bench_function("lambda: parse output (10 statements, 3 context)", |b| {
        b.iter(|| AuthorizerOutput::from_invocation(black_box(&payload), None).unwrap());
    });
}

fn cognito(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/");
    let jwks = Arc::new(Jwks::parse(&std::fs::read(format!("{dir}pool-a.jwks.json")).unwrap()).unwrap());
    let compile = || {
        CognitoAuthorizer::compile(
            &CognitoAuthorizerConfig {
                id: "pool".to_owned(),
                identity_source: None,
                identity_validation_expression: None,
                provider_arns: vec!["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_PoolA".to_owned()],
            },
            |_| Some(Arc::clone(&jwks)),
        )
        .unwrap()
    };
    let authorizer = compile();
    let header = URL_SAFE_NO_PAD.encode(br#"{"kid":"key-a","alg":"RS256"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        br#"{"sub":"u","cognito:groups":["a","b"],"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PoolA","aud":"client","token_use":"id","auth_time":1784688000,"exp":1784695444,"iat":1784691844,"email":"a@example.com"}"#,
    );
    let signing_input = format!("{header}.{claims}");
    let pair = RsaKeyPair::from_pkcs8(&std::fs::read(format!("{dir}pool-a.pk8.der")).unwrap()).unwrap();
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    let request = Header(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&signature)));
    // A fresh authorizer per run: the token has not been verified before.
    c.bench_function("cognito: verify RS256 id token + claims", |b| {
        b.iter_batched(
            compile,
            |fresh| fresh.authorize(black_box(&request), &[], 1_784_692_372).unwrap(),
            criterion::BatchSize::SmallInput,
        );
    });
    c.bench_function("cognito: the same token again (verified before) + claims", |b| {
        b.iter(|| authorizer.authorize(black_box(&request), &[], 1_784_692_372).unwrap());
    });
}

criterion_group!(benches, lambda, cognito);
criterion_main!(benches);
