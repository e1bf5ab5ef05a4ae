//! Query-string decoding as API Gateway applies it before a request reaches an integration.
//!
//! Recorded against AWS (REC/ lambda `test_lambda_aws_proxy_integration`, spec §1): form decoding, so `+`
//! becomes a space and `%2B` a plus; a raw space stays a space; repeated keys keep every value in order.
//! The documentation says an unencoded `;` splits the data, so `;` separates pairs like `&` [doc].
//! Decisions where AWS is unknown: a pair without `=` has the empty value, a pair with an empty name is
//! dropped, a `%` not followed by two hex digits stays literal, and bytes that do not form UTF-8 become U+FFFD.

use std::borrow::Cow;

/// The decoded parameters of one query string, in request order, repeated names included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> QueryParams<'a> {
    /// The `(name, value)` pairs in request order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(name, value)| (name.as_ref(), value.as_ref()))
    }

    /// The pairs as borrowed tuples, the shape [`EventInput::query`](crate::EventInput::query) takes.
    pub fn to_pairs(&self) -> Vec<(&str, &str)> {
        self.iter().collect()
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs (the event then has `null` query maps).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Decodes a raw query string (the part after `?`, without the `?`).
pub fn decode_query(raw: &str) -> QueryParams<'_> {
    let pairs = raw
        .split(['&', ';'])
        .filter(|segment| !segment.is_empty())
        .filter_map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            (!name.is_empty()).then(|| (form_decode(name), form_decode(value)))
        })
        .collect();
    QueryParams { pairs }
}

/// `application/x-www-form-urlencoded` decoding of one name or value.
pub(crate) fn form_decode(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(hex_value),
                bytes.get(i + 2).and_then(hex_value),
            ) {
                (Some(high), Some(low)) => {
                    decoded.push(high << 4 | low);
                    i += 2;
                }
                _ => decoded.push(b'%'),
            },
            _ => decoded.push(byte),
        }
        i += 1;
    }
    match String::from_utf8(decoded) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(error) => Cow::Owned(String::from_utf8_lossy(error.as_bytes()).into_owned()),
    }
}

fn hex_value(byte: &u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(raw: &str) -> Vec<(String, String)> {
        decode_query(raw)
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn form_decoding_as_recorded() {
        // REC/ lambda test_lambda_aws_proxy_integration, invocation-payload-with-params-encoding.
        assert_eq!(
            decoded(
                "dateTimeOffset=2023-06-12T18:05:10.123456+00:00&email=test%2Balias@gmail.com&plus=test+alias@gmail.com&url=https://www.google.com/&whitespace=foo bar&zhash=abort/"
            ),
            pairs(&[
                ("dateTimeOffset", "2023-06-12T18:05:10.123456 00:00"),
                ("email", "test+alias@gmail.com"),
                ("plus", "test alias@gmail.com"),
                ("url", "https://www.google.com/"),
                ("whitespace", "foo bar"),
                ("zhash", "abort/"),
            ])
        );
    }

    #[test]
    fn separators_and_odd_pairs() {
        assert_eq!(decoded("a=1;b=2&&c"), pairs(&[("a", "1"), ("b", "2"), ("c", "")]));
        assert_eq!(decoded("=x&a==b"), pairs(&[("a", "=b")]));
        assert_eq!(decoded(""), pairs(&[]));
    }

    #[test]
    fn bad_escapes_stay_and_bad_utf8_is_replaced() {
        assert_eq!(decoded("a=100%&b=%zz%4"), pairs(&[("a", "100%"), ("b", "%zz%4")]));
        assert_eq!(decoded("a=%FF%e2%82%ac"), pairs(&[("a", "\u{FFFD}€")]));
        assert_eq!(decoded("%61=1"), pairs(&[("a", "1")]));
    }

    #[test]
    fn plain_pairs_borrow() {
        let params = decode_query("a=1&b=2");
        assert!(
            params
                .pairs
                .iter()
                .all(|(k, v)| matches!((k, v), (Cow::Borrowed(_), Cow::Borrowed(_))))
        );
    }
}
