//! The edge's own HTTP/1 readers on arbitrary bytes: the head scanner, the head rules and the chunked-framing
//! tracker. Properties, not just "no panic":
//! * `scan` never reports a head longer than its input or past the edge's head cap;
//! * a head `inspect` accepts is one httparse accepts, with as many names as fields, and a declared length
//!   within AWS's 10 MB;
//! * the chunked tracker gives the same verdict fed all at once or split at any point (the connection feeds it
//!   whatever each socket read returned).
//!
//! The binary crate has no library, so the modules are compiled in here from their files.
#![no_main]

use libfuzzer_sys::fuzz_target;

// `chunked.rs` names `super::head`: both sit at the root here, as both sit in `edge` in the binary.
#[allow(dead_code, unreachable_pub)]
#[path = "../../src/edge/chunked.rs"]
mod chunked;
#[allow(dead_code, unreachable_pub)]
#[path = "../../src/edge/head.rs"]
mod head;

use chunked::Chunked;
use head::{Framing, Scan};

fuzz_target!(|data: &[u8]| {
    match head::scan(data) {
        Scan::Complete(len) => {
            assert!(len <= data.len() && len <= head::MAX_HEAD);
            let head_bytes = &data[..len];
            if let Ok(inspected) = head::inspect(head_bytes) {
                let mut fields = [httparse::EMPTY_HEADER; head::MAX_HEADERS];
                let mut request = httparse::Request::new(&mut fields);
                assert!(matches!(request.parse(head_bytes), Ok(httparse::Status::Complete(n)) if n == len));
                assert_eq!(inspected.names.len(), request.headers.len());
                if let Framing::Length(declared) = inspected.framing {
                    assert!(declared > 0 && declared <= head::MAX_BODY);
                }
            }
        }
        Scan::Incomplete => assert!(data.len() <= head::MAX_HEAD),
        Scan::Reject(_) => {}
    }

    let whole = Chunked::default().advance(data);
    let split = data.len() / 3;
    let mut pieces = Chunked::default();
    let first = pieces.advance(&data[..split]);
    let combined = match first {
        Err(err) => Err(err),
        Ok((used, true)) => Ok((used, true)),
        Ok((used, false)) => {
            assert_eq!(used, split, "an unfinished body consumes all it is given");
            pieces
                .advance(&data[split..])
                .map(|(more, done)| (used + more, done))
                .map_err(|(at, e)| (used + at, e))
        }
    };
    assert_eq!(whole, combined);
});
