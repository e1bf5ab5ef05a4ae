//! Fuzzes the JSON parser. Properties beyond "no panic": a parsed value written compactly parses back to the
//! same value; error offsets lie inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_mapping::json::{parse, write_java};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text) {
        Ok(value) => {
            let compact = value.to_compact();
            assert_eq!(parse(&compact).as_ref(), Ok(&value), "round trip of {compact}");
            let mut java = String::new();
            write_java(&value, &mut java);
        }
        Err(err) => assert!(err.offset <= text.len()),
    }
});
