//! The edge's own HTTP/1 readers on arbitrary bytes: the head scanner, the head rules with the request they
//! build, the lazy reader of original header names, and the chunked decoder. Properties, not just "no panic":
//! * `scan` never reports a head longer than its input or past the edge's head cap;
//! * a head `inspect` accepts is one httparse accepts, its request has one header value per field, its declared
//!   length is within AWS's 10 MB, and the original names read back from the head are httparse's names;
//! * the chunked decoder gives the same verdict and the same data fed all at once or split at any point (the
//!   connection feeds it whatever each socket read returned).
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
#[allow(dead_code, unreachable_pub)]
#[path = "../../../tollgate-runtime/src/header_names.rs"]
mod header_names;

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
                assert_eq!(inspected.request.headers().len(), request.headers.len());
                let names = header_names::OriginalHeaderNames::from_head(inspected.head);
                assert!(names.iter().eq(request.headers.iter().map(|header| header.name)));
                if let Framing::Length(declared) = inspected.framing {
                    assert!(declared > 0 && declared <= head::MAX_BODY);
                }
            }
        }
        Scan::Incomplete => assert!(data.len() <= head::MAX_HEAD),
        Scan::Reject(_) => {}
    }

    let mut whole_data = Vec::new();
    let whole = Chunked::default().decode(data, |piece| whole_data.extend_from_slice(piece));
    let split = data.len() / 3;
    let mut pieces = Chunked::default();
    let mut split_data = Vec::new();
    let first = pieces.decode(&data[..split], |piece| split_data.extend_from_slice(piece));
    let combined = match first {
        Err(err) => Err(err),
        Ok((used, true)) => Ok((used, true)),
        Ok((used, false)) => {
            assert_eq!(used, split, "an unfinished body consumes all it is given");
            pieces
                .decode(&data[split..], |piece| split_data.extend_from_slice(piece))
                .map(|(more, done)| (used + more, done))
                .map_err(|(at, e)| (used + at, e))
        }
    };
    assert_eq!(whole, combined);
    if whole.is_ok() {
        assert_eq!(whole_data, split_data);
    }
});
