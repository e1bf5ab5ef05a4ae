//! Fuzzes parameter-mapping parsing and evaluation. Input: the target on the first line, the source after it.
//!
//! Properties beyond "no panic": error offsets lie inside the half they blame; a parsed mapping evaluates
//! against a request without panicking, on every side it parses for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_mapping::param_mapping::{IntegrationResponseView, MappingInput, MappingSide, ParameterMapping, Part};
use tollgate_mapping::{MethodRequest, RequestContext};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (target, source) = text.split_once('\n').unwrap_or((text, ""));
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let method = MethodRequest::new(
        vec![pair("id", "7")],
        vec![pair("q", "a"), pair("q", "b")],
        vec![pair("X-A", "1"), pair("Content-Type", "application/json")],
    );
    let context = RequestContext::example();
    let stage = vec![pair("v", "s")];
    let headers = vec![pair("Set-Cookie", "a")];
    for side in [
        MappingSide::Request,
        MappingSide::Response,
        MappingSide::GatewayResponse,
    ] {
        match ParameterMapping::parse(target, source, side) {
            Ok(mapping) => {
                let input = MappingInput::new(&method, r#"{"a":{"b":[1,"x"]}}"#, &stage, &context)
                    .with_integration_response(IntegrationResponseView {
                        headers: &headers,
                        body: source,
                    });
                if let Ok(Some(value)) = mapping.evaluate(&input) {
                    let _ = value.joined();
                }
            }
            Err(err) => {
                let blamed = match err.part {
                    Part::Target => target,
                    Part::Source => source,
                };
                assert!(
                    err.offset <= blamed.len(),
                    "offset {} beyond {}",
                    err.offset,
                    blamed.len()
                );
                let _ = err.to_string();
            }
        }
    }
});
