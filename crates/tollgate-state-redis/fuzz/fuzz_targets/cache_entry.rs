//! Whatever Redis holds under a cache key is read without panicking; what decodes encodes back to the same value.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tollgate_state_redis::codec::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok((generation, response)) = decode(Bytes::copy_from_slice(data)) {
        let again = encode(&response, generation);
        let (generation_again, response_again) = decode(Bytes::from(again)).expect("an encoded entry decodes");
        assert_eq!(generation_again, generation);
        assert_eq!(response_again.status, response.status);
        assert_eq!(response_again.headers, response.headers);
        assert_eq!(response_again.body, response.body);
        assert_eq!(response_again.trace_header, response.trace_header);
    }
});
