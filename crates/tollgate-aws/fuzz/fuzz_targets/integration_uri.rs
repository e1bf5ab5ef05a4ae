//! Integration URIs: any input parses or fails with a span inside the input, and whatever parses resolves and
//! builds a request whose URI is valid, without panicking.
#![no_main]

use bytes::Bytes;
use http::Method;
use libfuzzer_sys::fuzz_target;
use tollgate_aws::{
    Endpoint, IntegrationCredentials, IntegrationRequest, IntegrationUri, PlaceholderValues, ServiceTable,
    build_request,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The same text as a `credentials` value must not panic either.
    let _ = IntegrationCredentials::parse(Some(text)).map(|c| c.role_arn(&PlaceholderValues::default()).is_some());
    match IntegrationUri::parse(text, ServiceTable::builtin()) {
        Err(err) => {
            let span = err.span();
            assert!(span.start <= span.end && span.end <= text.len(), "{err:?}");
            if let Some(offending) = text.get(span.clone()) {
                assert_eq!(offending, err.offending());
            }
            let _ = err.to_string();
        }
        Ok(uri) => {
            // Placeholder values taken from the input itself, so odd characters reach the encoders.
            let value = text.get(text.len() / 2..).unwrap_or("v");
            let stage = [("a", value), ("x", "y z"), ("fn", "f:1")];
            let path = [("p", value), ("key", "a/b c"), ("proxy", value)];
            let vars = PlaceholderValues {
                stage_variables: &stage,
                path_parameters: &path,
            };
            let Ok(target) = uri.resolve(&vars) else { return };
            let _ = target.lambda_function();
            let headers = [("X-Amz-Target", "T.Op"), ("Accept", "application/xml")];
            let query = [("q", value), ("", "")];
            let request = IntegrationRequest {
                method: &Method::POST,
                query: &query,
                headers: &headers,
                content_type: Some("application/json"),
                body: Bytes::from_static(b"{}"),
            };
            for endpoint in [
                Endpoint::public(&target),
                Endpoint::parse("http://127.0.0.1:4566/base").unwrap(),
            ] {
                if let Ok(wire) = build_request(&target, &endpoint, &request) {
                    assert!(wire.uri.scheme().is_some() && wire.uri.authority().is_some());
                    assert_eq!(wire.uri.to_string().parse::<http::Uri>().ok(), Some(wire.uri.clone()));
                }
            }
        }
    }
});
