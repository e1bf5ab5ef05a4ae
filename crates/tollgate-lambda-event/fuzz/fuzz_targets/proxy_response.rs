//! Fuzzes the proxy-response parser. Byte 0 chooses the options (function error, `Accept`, binary media
//! types); the rest is the function's payload. Beyond "no panic", it checks properties every answer must have.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_lambda_event::{
    BinaryMediaTypes, ProxyResponseErrorKind, ResponseOptions, classify_function_result, parse_proxy_response,
};

const ACCEPTS: [Option<&str>; 6] = [
    None,
    Some("*/*"),
    Some("image/png"),
    Some("application/x, image/png"),
    Some("image/*"),
    Some("text/plain;q=1"),
];

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, payload)) = data.split_first() else {
        return;
    };
    let lists: [&[&str]; 4] = [&[], &["image/png"], &["*/*"], &["application/*", "*/test"]];
    let types = BinaryMediaTypes::new(lists[usize::from(flags >> 4) % 4]);
    let options = ResponseOptions {
        function_error: flags & 1 == 1,
        accept: ACCEPTS[usize::from(flags >> 1 & 7) % ACCEPTS.len()],
        binary_media_types: &types,
    };
    let result = parse_proxy_response(payload, &options);
    let serde_accepts = serde_json::from_slice::<serde_json::Value>(payload).is_ok();
    match &result {
        Ok(response) => {
            assert!((100..=599).contains(&response.status()));
            for header in response.headers() {
                assert!(is_token(header.name()), "header name {:?}", header.name());
                assert!(!header.value().bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f));
            }
            // Escaped lone surrogates are accepted here (as Jackson does) and refused by serde_json.
            let surrogate_escape = payload
                .windows(3)
                .any(|w| w[0] == b'\\' && w[1] == b'u' && matches!(w[2], b'd' | b'D'));
            assert!(
                serde_accepts || surrogate_escape,
                "accepted JSON that serde_json refuses"
            );
            assert!(!options.function_error);
        }
        Err(error) => {
            assert!(error.status() == 502 || error.status() == 500);
            if error.kind() == ProxyResponseErrorKind::InvalidJson {
                assert!(!serde_accepts, "refused JSON that serde_json accepts: {error}");
            }
        }
    }
    // The non-proxy helper reads the same kind of payload.
    let classified = classify_function_result(payload, options.function_error.then_some("Unhandled"));
    assert_eq!(classified.is_error(), options.function_error);
});
