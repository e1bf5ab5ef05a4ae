//! Golden non-proxy Lambda results: `tests/fixtures/function-results/*.json` give an invocation's payload and
//! `X-Amz-Function-Error`, and the string selection patterns are matched against.

mod support;

use support::{fixtures, opt_str, read_json, str_field};
use tollgate_lambda_event::classify_function_result;

#[test]
fn golden_function_results() {
    let mut checked = 0;
    for path in fixtures("function-results") {
        for case in read_json(&path)["cases"].as_array().expect("a `cases` list") {
            let name = str_field(case, "name");
            assert!(
                !str_field(case, "source").is_empty(),
                "{name}: every case names its source"
            );
            let payload = match (case.get("payload"), opt_str(case, "payloadRaw")) {
                (Some(value), None) => serde_json::to_vec(value).expect("payload serializes"),
                (None, Some(raw)) => raw.as_bytes().to_vec(),
                _ => panic!("{name}: needs exactly one of `payload` and `payloadRaw`"),
            };
            let result = classify_function_result(&payload, opt_str(case, "functionError"));
            let expect = &case["expect"];
            assert_eq!(
                result.is_error(),
                expect["isError"].as_bool().expect("isError"),
                "{name}: is_error"
            );
            assert_eq!(
                result.selection_input(),
                str_field(expect, "selectionInput"),
                "{name}: selection input"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 8,
        "expected the golden function-result fixtures, found {checked}"
    );
}
