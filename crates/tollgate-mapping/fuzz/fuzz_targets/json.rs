//! Fuzzes the JSON parser and the tree-less compactor. Properties beyond "no panic": a parsed value written
//! compactly parses back to the same value; the compactor accepts nothing the parser rejects (it may stop early at
//! a repeated key, deferring to the parser) and, when it finishes, writes the same bytes; error offsets lie inside
//! the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_mapping::json::{parse, write_compact_text, write_java};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut compacted = String::new();
    let direct = write_compact_text(text, &mut compacted);
    match parse(text) {
        Ok(value) => {
            let compact = value.to_compact();
            assert_eq!(parse(&compact).as_ref(), Ok(&value), "round trip of {compact}");
            match direct {
                Ok(true) => assert_eq!(compacted, compact),
                Ok(false) => {}
                Err(err) => panic!("the compactor rejected what the parser accepted: {err}"),
            }
            let mut java = String::new();
            write_java(&value, &mut java);
        }
        Err(err) => {
            assert!(err.offset <= text.len());
            assert_ne!(direct, Ok(true), "the compactor accepted what the parser rejected");
        }
    }
});
