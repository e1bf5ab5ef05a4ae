//! Fuzzes the Cognito token path: JWT splitting and decoding, header and claim checks, RS256 verification
//! against the committed test JWKS, and the JWKS parser itself.
//!
//! Byte 0 chooses the mode: 0–127 the rest is an `Authorization` header value checked by a Cognito
//! authorizer (bit 0: the method has scopes); 128–255 the rest is a JWKS document. A fuzzer cannot forge an
//! RS256 signature, so an accepted token must carry the signature of one of the genuine seed tokens (signed
//! with the test key); the JWKS parser must never panic and keeps its key cap.

#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use tollgate_auth::{CognitoAuthorizer, CognitoAuthorizerConfig, Jwks};

static AUTHORIZER: LazyLock<CognitoAuthorizer> = LazyLock::new(|| {
    let jwks = Arc::new(
        Jwks::parse(include_bytes!("../../tests/fixtures/keys/pool-a.jwks.json")).expect("the test JWKS parses"),
    );
    let config = CognitoAuthorizerConfig {
        id: "fuzz".to_owned(),
        identity_source: None,
        identity_validation_expression: Some("client-[a-z]+".to_owned()),
        provider_arns: vec!["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_PoolA".to_owned()],
    };
    CognitoAuthorizer::compile(&config, |_| Some(Arc::clone(&jwks))).expect("the test authorizer compiles")
});

/// The signatures of the genuinely signed seeds (the last `.` part of each).
static GENUINE: LazyLock<Vec<&'static [u8]>> = LazyLock::new(|| {
    let seeds: [&'static [u8]; 3] = [
        include_bytes!("../seeds/jwt/id-token"),
        include_bytes!("../seeds/jwt/bearer-id-token"),
        include_bytes!("../seeds/jwt/access-token"),
    ];
    seeds
        .iter()
        .map(|seed| {
            let start = seed.iter().rposition(|&b| b == b'.').map_or(0, |dot| dot + 1);
            &seed[start..]
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode < 128 {
        let Ok(header) = std::str::from_utf8(rest) else {
            return;
        };
        let scopes = if mode & 1 == 1 { vec!["pets/read".to_owned()] } else { Vec::new() };
        if AUTHORIZER.verify(header, &scopes, 1_784_692_372).is_ok() {
            let signature = header.rsplit('.').next().unwrap_or("").as_bytes();
            assert!(GENUINE.contains(&signature), "a token without a genuine signature was accepted: {header:?}");
        }
    } else if let Ok(jwks) = Jwks::parse(rest) {
        assert!(jwks.key_ids().count() <= tollgate_auth::MAX_KEYS, "the key cap holds");
    }
});
