//! The client's header names as it spelled them.

use std::sync::Arc;

use bytes::Bytes;

/// Request extension: the client's header names with their original case, in arrival order (one entry per
/// header line). `http` lowercases names; API Gateway hands custom header names on as sent.
///
/// A server can hand over the raw request head ([`OriginalHeaderNames::from_head`]): the names are then read from
/// it only when something asks (a Lambda proxy event, `$input.params()`), and a request costs no allocation for
/// them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalHeaderNames(Spelling);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Spelling {
    Names(Arc<[Box<str>]>),
    /// An HTTP/1 request head: request line, header lines, empty line.
    Head(Bytes),
}

impl Default for OriginalHeaderNames {
    fn default() -> Self {
        OriginalHeaderNames(Spelling::Names(Arc::from([])))
    }
}

impl OriginalHeaderNames {
    /// The names, in order.
    pub fn from_names<N: Into<Box<str>>>(names: impl IntoIterator<Item = N>) -> OriginalHeaderNames {
        OriginalHeaderNames(Spelling::Names(names.into_iter().map(Into::into).collect()))
    }

    /// The names of a raw HTTP/1 request head that an HTTP/1 parser accepted (no obs-fold: one field per line).
    pub fn from_head(head: Bytes) -> OriginalHeaderNames {
        OriginalHeaderNames(Spelling::Head(head))
    }

    /// The names, in arrival order.
    pub fn iter(&self) -> Names<'_> {
        Names(match &self.0 {
            Spelling::Names(names) => Source::List(names.iter()),
            Spelling::Head(head) => {
                // Past empty lines before the request line (RFC 9112 §2.2, as parsers skip them), then past it.
                let start = head
                    .iter()
                    .position(|&b| b != b'\r' && b != b'\n')
                    .unwrap_or(head.len());
                let head = &head[start..];
                let fields = head
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&[][..], |end| &head[end + 1..]);
                Source::Head(fields)
            }
        })
    }
}

/// Iterator over [`OriginalHeaderNames`].
#[derive(Debug)]
pub struct Names<'a>(Source<'a>);

#[derive(Debug)]
enum Source<'a> {
    List(std::slice::Iter<'a, Box<str>>),
    /// The header lines not yet read.
    Head(&'a [u8]),
}

impl<'a> Iterator for Names<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match &mut self.0 {
            Source::List(names) => names.next().map(|name| &**name),
            Source::Head(rest) => loop {
                let (line, after) = match rest.iter().position(|&b| b == b'\n') {
                    Some(end) => (&rest[..end], &rest[end + 1..]),
                    None => (*rest, &[][..]),
                };
                *rest = after;
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    *rest = &[];
                    return None;
                }
                let name = line.split(|&b| b == b':').next().unwrap_or_default();
                // Field names are tokens (ASCII), which the parser checked; anything else is skipped.
                if let Ok(name) = std::str::from_utf8(name) {
                    return Some(name);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_a_head_and_from_a_list_agree() {
        let head = Bytes::from_static(b"GET / HTTP/1.1\r\nhOsT: a\r\ntEsT-HEADeR: 1:2\r\nx-b:\r\nX-B: 3\r\n\r\n");
        let from_head = OriginalHeaderNames::from_head(head);
        let from_head: Vec<&str> = from_head.iter().collect();
        assert_eq!(from_head, ["hOsT", "tEsT-HEADeR", "x-b", "X-B"]);
        let list = OriginalHeaderNames::from_names(["hOsT", "tEsT-HEADeR", "x-b", "X-B"]);
        assert_eq!(list.iter().collect::<Vec<_>>(), from_head);
        let bare_lf = OriginalHeaderNames::from_head(Bytes::from_static(b"GET / HTTP/1.1\nHost: a\nA: b\n\nbody"));
        assert_eq!(bare_lf.iter().collect::<Vec<_>>(), ["Host", "A"]);
        let leading_empty_lines =
            OriginalHeaderNames::from_head(Bytes::from_static(b"\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assert_eq!(leading_empty_lines.iter().collect::<Vec<_>>(), ["Host"]);
        assert_eq!(OriginalHeaderNames::default().iter().count(), 0);
    }
}
