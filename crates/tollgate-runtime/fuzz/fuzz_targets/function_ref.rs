//! Fuzzing the parser of the function a Lambda integration URI names (`FunctionRef::parse`). Beyond "no panic",
//! an accepted function must read back consistently: the name is a valid Lambda function name found in the text,
//! the qualifier follows it after a `:`, and the text is kept exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_runtime::FunctionRef;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(function) = FunctionRef::parse(&text, "us-east-1") else {
        return;
    };
    assert_eq!(function.as_written(), text);
    let name = function.name();
    assert!((1..=64).contains(&name.len()), "{text:?}");
    assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text:?}");
    match function.qualifier() {
        Some(qualifier) => assert!(text.ends_with(&format!("{name}:{qualifier}")), "{text:?}"),
        None => assert!(text.ends_with(name), "{text:?}"),
    }
    if text.starts_with("arn:") {
        assert_eq!(text.split(':').nth(3), Some(function.region()), "{text:?}");
    } else {
        assert_eq!(function.region(), "us-east-1");
    }
});
