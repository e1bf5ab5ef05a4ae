//! Fuzzes JSONPath compilation and evaluation. Input: the path on the first line, a JSON document after it.
//!
//! Properties beyond "no panic": error offsets lie inside the text; a definite path selects at most one value
//! and an indefinite one a list; evaluation stays within its budget (a small budget must fail cleanly, never
//! loop).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_mapping::json::{Json, parse};
use tollgate_mapping::jsonpath::{JsonPath, Selection};

const DOC: &str = r#"{"store":{"book":[{"category":"reference","price":8.95,"isbn":"x"},{"category":"fiction","price":12.99}],
"bicycle":{"color":"red","price":19.95}},"expensive":10,"a b":[1,[2,[3]],{"c":null}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (path_text, doc_text) = text.split_once('\n').unwrap_or((text, ""));
    let path = match JsonPath::compile(path_text) {
        Ok(path) => path,
        Err(err) => {
            assert!(
                err.offset <= path_text.len(),
                "offset {} beyond {}",
                err.offset,
                path_text.len()
            );
            let _ = err.to_string();
            return;
        }
    };
    let fixed = parse(DOC).expect("the fixed document is JSON");
    let docs = [Some(fixed), parse(doc_text).ok()];
    for doc in docs.iter().flatten() {
        for budget in [64, 1_000_000] {
            match path.select_with_budget(doc, budget) {
                Ok(Selection::Many(_)) => assert!(!path.is_definite()),
                Ok(Selection::One(_) | Selection::Missing) => assert!(path.is_definite()),
                Err(_) => {}
            }
        }
        if let Ok(selection) = path.select(doc) {
            let _ = selection.into_json().map(|v: Json| v.to_compact());
        }
    }
});
