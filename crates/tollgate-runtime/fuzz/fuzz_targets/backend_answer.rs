//! Fuzzing how the HTTP backend client reads an answer: the response head parser and the chunked decoder.
//! Beyond "no panic": the same bytes read the same whatever the sizes of the reads that deliver them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_runtime::fuzzing::read_backend_answer;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, wire)) = data.split_first() else {
        return;
    };
    let head_request = flags & 1 == 1;
    let whole = read_backend_answer(wire, head_request, wire.len().max(1));
    for piece in [1, 2, 7, 64] {
        assert_eq!(read_backend_answer(wire, head_request, piece), whole, "pieces of {piece}");
    }
});
