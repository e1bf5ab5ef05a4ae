//! The Runtime API's HTTP/1.1 framing: any bytes as a request head and a chunked body. Parsing never panics, a
//! parsed head's ranges lie inside the input and its length covers them, and the chunked decoder never exceeds its
//! limit, never consumes more than it was given, and decodes the same body whether fed at once or in two parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_lambda_host::http1::{BodyError, Chunked, parse_head};

const LIMIT: usize = 4096;

fn decode(parts: &[&[u8]]) -> Result<(Vec<u8>, bool), BodyError> {
    let (mut decoder, mut body, mut pending) = (Chunked::default(), Vec::new(), Vec::new());
    for part in parts {
        pending.extend_from_slice(part);
        let used = decoder.step(&pending, &mut body, LIMIT)?;
        assert!(used <= pending.len());
        assert!(body.len() <= LIMIT);
        pending.drain(..used);
    }
    Ok((body, decoder == Chunked::Done))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(head)) = parse_head(data) {
        assert!(head.len <= data.len());
        assert!(head.path.end <= head.len);
        if let Some(error_type) = &head.error_type {
            assert!(error_type.end <= head.len);
        }
    }
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let whole = decode(&[data]);
    let (first, second) = data.split_at(split);
    let parts = decode(&[first, second]);
    if let (Ok((a, true)), Ok((b, true))) = (&whole, &parts) {
        assert_eq!(a, b);
    }
});
