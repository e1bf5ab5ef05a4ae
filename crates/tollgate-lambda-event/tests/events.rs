//! Golden events: each `tests/fixtures/events/NAME.case.json` (input and sources) must produce exactly the
//! bytes of `NAME.event.json` (whitespace outside strings ignored).

mod support;

use serde_json::Value;
use support::event_case::{owned_case, render};
use support::{fixtures, minify, opt_str, read_json, str_field};

#[test]
fn golden_events() {
    let mut checked = 0;
    for case_path in fixtures("events")
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".case.json"))
    {
        let case = read_json(&case_path);
        assert!(
            !str_field(&case, "source").is_empty(),
            "{}: every case names its source",
            case_path.display()
        );
        let expected_path = case_path.to_string_lossy().replace(".case.json", ".event.json");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| panic!("{expected_path}: {e}"));
        let actual = render(&owned_case(&case["input"]));
        let actual = String::from_utf8(actual).expect("the event is UTF-8");
        let expected = minify(&expected);
        if actual != expected {
            let at = actual.bytes().zip(expected.bytes()).take_while(|(a, b)| a == b).count();
            panic!(
                "{}: event differs at byte {at}\n  expected …{}\n  actual   …{}",
                case_path.display(),
                &expected[at.saturating_sub(60)..(at + 60).min(expected.len())],
                &actual[at.saturating_sub(60)..(at + 60).min(actual.len())],
            );
        }
        // Where an execution log printed AWS's own bytes, the event starts with exactly those bytes.
        if let Some(logged) = opt_str(&case, "loggedPrefix") {
            assert!(
                actual.starts_with(logged),
                "{}: differs from the logged bytes",
                case_path.display()
            );
        }
        serde_json::from_str::<Value>(&actual).unwrap_or_else(|e| panic!("{}: not JSON: {e}", case_path.display()));
        checked += 1;
    }
    assert!(checked >= 10, "expected the golden event fixtures, found {checked}");
}
