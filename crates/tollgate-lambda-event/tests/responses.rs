//! Golden proxy responses: each case of `tests/fixtures/responses/*.json` gives a function payload, the
//! request's `Accept`, the API's binary media types, and the outcome AWS gives (status, header lines, body) or
//! the error kind.

mod support;

use serde_json::Value;
use support::{fixtures, opt_str, read_json, str_field};
use tollgate_lambda_event::{BinaryMediaTypes, ProxyResponseErrorKind, ResponseOptions, parse_proxy_response};

fn kind_name(kind: ProxyResponseErrorKind) -> String {
    format!("{kind:?}")
}

fn payload(case: &Value) -> Vec<u8> {
    match (
        case.get("payload"),
        opt_str(case, "payloadRaw"),
        opt_str(case, "payloadHex"),
    ) {
        (Some(value), None, None) => serde_json::to_vec(value).expect("payload serializes"),
        (None, Some(raw), None) => raw.as_bytes().to_vec(),
        (None, None, Some(digits)) => support::hex(digits),
        _ => panic!("a case needs exactly one of `payload`, `payloadRaw`, `payloadHex`: {case}"),
    }
}

fn check(file: &str, case: &Value) {
    let name = str_field(case, "name");
    assert!(
        !str_field(case, "source").is_empty(),
        "{file} {name}: every case names its source"
    );
    let types: Vec<&str> = case
        .get("binaryMediaTypes")
        .and_then(Value::as_array)
        .map(|list| list.iter().map(|t| t.as_str().expect("a media type")).collect())
        .unwrap_or_default();
    let binary_media_types = BinaryMediaTypes::new(types);
    let options = ResponseOptions {
        function_error: case.get("functionError").and_then(Value::as_bool).unwrap_or(false),
        accept: opt_str(case, "accept"),
        binary_media_types: &binary_media_types,
    };
    let payload = payload(case);
    let expect = &case["expect"];
    let result = parse_proxy_response(&payload, &options);
    match (result, opt_str(expect, "error")) {
        (Ok(response), None) => {
            assert_eq!(
                u64::from(response.status()),
                expect["status"].as_u64().expect("a status"),
                "{file} {name}: status"
            );
            let headers: Vec<Value> = response
                .headers()
                .iter()
                .map(|h| Value::Array(vec![h.name().into(), h.value().into()]))
                .collect();
            assert_eq!(Value::Array(headers), expect["headers"], "{file} {name}: headers");
            let body = match (opt_str(expect, "body"), opt_str(expect, "bodyHex")) {
                (Some(text), None) => text.as_bytes().to_vec(),
                (None, Some(digits)) => support::hex(digits),
                _ => panic!("{file} {name}: expect needs `body` or `bodyHex`"),
            };
            assert_eq!(response.body(), body.as_slice(), "{file} {name}: body");
            if let Some(content_type) = expect.get("contentType") {
                assert_eq!(
                    response.content_type(),
                    content_type.as_str(),
                    "{file} {name}: content type"
                );
            }
        }
        (Err(error), Some(kind)) => {
            assert_eq!(kind_name(error.kind()), kind, "{file} {name}: error kind");
            assert_eq!(
                u64::from(error.status()),
                expect["status"].as_u64().expect("a status"),
                "{file} {name}: error status"
            );
        }
        (Ok(response), Some(kind)) => panic!("{file} {name}: expected {kind}, got {response:?}"),
        (Err(error), None) => panic!("{file} {name}: expected a response, got {error}"),
    }
}

#[test]
fn golden_responses() {
    let mut checked = 0;
    for path in fixtures("responses") {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for case in read_json(&path)["cases"].as_array().expect("a `cases` list") {
            check(&file, case);
            checked += 1;
        }
    }
    assert!(checked >= 40, "expected the golden response fixtures, found {checked}");
}
