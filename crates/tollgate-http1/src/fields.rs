//! Reading the framing fields of an HTTP/1 message the way hyper reads them, so that Tollgate's own HTTP/1 code
//! (the edge's server, the backend client) decides framing and connection reuse exactly as hyper did.

/// Whether a field value is visible ASCII (and tabs): what `http::HeaderValue::to_str` accepts. hyper's list
/// checks see nothing in any other value.
pub fn is_visible_ascii(value: &[u8]) -> bool {
    value.iter().all(|&b| b == b'\t' || (32..127).contains(&b))
}

/// Whether a comma-separated field value (`Connection`, `Transfer-Encoding`) lists `token`, ASCII
/// case-insensitively.
pub fn lists_token(value: &[u8], token: &[u8]) -> bool {
    is_visible_ascii(value)
        && value
            .split(|&b| b == b',')
            .any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

/// Whether the last coding a `Transfer-Encoding` value lists is `chunked` (RFC 9112 §6.3: only then is the
/// body chunked).
pub fn last_coding_is_chunked(value: &[u8]) -> bool {
    is_visible_ascii(value)
        && value
            .rsplit(|&b| b == b',')
            .next()
            .is_some_and(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}

/// A `Content-Length` value: decimal digits only (no sign, no whitespace, no list), without overflow.
pub fn decimal_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |length, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        length.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tokens_as_hyper_does() {
        assert!(lists_token(b"close", b"close"));
        assert!(lists_token(b"Keep-Alive, Upgrade", b"upgrade"));
        assert!(lists_token(b" foo ,\tCLOSE ", b"close"));
        assert!(!lists_token(b"closed", b"close"));
        assert!(
            !lists_token(b"close\x80", b"close"),
            "obs-text: to_str fails, nothing is listed"
        );
        assert!(!lists_token(b"", b"close"));
    }

    #[test]
    fn chunked_must_be_the_last_coding() {
        assert!(last_coding_is_chunked(b"chunked"));
        assert!(last_coding_is_chunked(b"gzip, Chunked "));
        assert!(!last_coding_is_chunked(b"chunked, gzip"));
        assert!(!last_coding_is_chunked(b"xchunked"));
        assert!(!last_coding_is_chunked(b"chunked\xff"));
    }

    #[test]
    fn lengths_are_plain_decimal() {
        assert_eq!(decimal_length(b"0"), Some(0));
        assert_eq!(decimal_length(b"1234"), Some(1234));
        assert_eq!(decimal_length(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"18446744073709551616",
            b"+1",
            b"-1",
            b" 1",
            b"1 ",
            b"1,1",
            b"0x10",
        ] {
            assert_eq!(decimal_length(bad), None, "{bad:?}");
        }
    }
}
