//! The query string as API Gateway reads it (spec §1 "Query strings").
//!
//! Form-decoded (`+` is a space, `%2B` a plus, a raw space stays), `&` and `;` both separate pairs, a key
//! without `=` has an empty value, and repeated keys keep every value in order: single-value views take the
//! last, multi-value views take all.

use std::borrow::Cow;

/// The decoded query parameters of one request, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses the raw query (without `?`).
    pub(crate) fn parse(raw: &str) -> Query {
        let pairs = raw
            .split(['&', ';'])
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key).into_owned(), form_decode(value).into_owned())
            })
            .collect();
        Query { pairs }
    }

    /// Every pair, in order, owned (for `$input.params()`).
    pub(crate) fn to_pairs(&self) -> Vec<(String, String)> {
        self.pairs.clone()
    }

    /// The last value of `name` (case-sensitive, as AWS).
    pub(crate) fn last(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all<'q>(&'q self, name: &'q str) -> impl Iterator<Item = &'q str> + 'q {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `application/x-www-form-urlencoded` decoding; invalid escapes stay as written, invalid UTF-8 becomes U+FFFD.
pub(crate) fn form_decode(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1)
                    .and_then(|h| hex_value(*h))
                    .zip(bytes.get(i + 2).and_then(|l| hex_value(*l)));
                if let Some((high, low)) = hex {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            other => out.push(other),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(err) => Cow::Owned(String::from_utf8_lossy(err.as_bytes()).into_owned()),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Source: spec §1 "Query strings" (LocalStack AWS-validated lambda proxy query-string tests).
    #[test]
    fn decodes_like_aws() {
        let q = Query::parse("date=2021-01-01T10:10:10.123456+00:00&plus=%2B&k=1&k=2;semi=x&flag&bad=%zz&u=%C3%A9");
        assert_eq!(q.last("date"), Some("2021-01-01T10:10:10.123456 00:00"));
        assert_eq!(q.last("plus"), Some("+"));
        assert_eq!(q.last("k"), Some("2"));
        assert_eq!(q.all("k").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(q.last("semi"), Some("x"));
        assert_eq!(q.last("flag"), Some(""));
        assert_eq!(q.last("bad"), Some("%zz"));
        assert_eq!(q.last("u"), Some("é"));
        assert_eq!(q.last("K"), None);
        assert_eq!(Query::parse(""), Query::default());
    }
}
