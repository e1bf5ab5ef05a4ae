//! A run of `replaceAll` calls with one-character literal patterns and literal replacements
//! (`$s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")`, the usual JSON escaping in
//! mapping templates, or a single `replaceAll('"', '\\"')`), fused into one pass over the string.
//!
//! Each such call replaces every occurrence of one byte by a fixed text, independently of its neighbours, so the
//! run maps every byte of the input to a fixed text as well: the composition is worked out per byte at compile
//! time, and rendering is one scan (a table lookup per byte for short strings, `memchr` for long ones) instead of
//! one search-and-copy pass per call.

use super::regex::JavaRegex;

/// The per-byte texts of a fused run (bytes ≥ 0x80 are never replaced: the patterns are ASCII).
#[derive(Debug)]
pub(crate) struct ReplaceChain {
    /// For each byte: 0 when it stays itself, else 1 + its index in `texts` (only ASCII bytes are replaced; the
    /// table covers every byte so a lookup needs no bounds check).
    table: [u8; 256],
    texts: Box<[Box<str>]>,
    /// The longest text one byte becomes: the result is at most this many times the input's length.
    pub(crate) max_growth: usize,
    /// The replaced bytes (up to three are searched with `memchr`, which also suits long strings).
    replaced: Box<[u8]>,
}

/// Below this many bytes a scan looks each byte up in the table rather than starting a `memchr` search.
const SHORT: usize = 32;

/// Bytes a fused run may replace (every distinct pattern byte adds one text).
const MAX_TEXTS: usize = 127;

/// The longest text a byte may become in a fused run (`replaceAll("a", "aa")` repeated doubles it per call;
/// longer runs stay unfused, and the calls' own limits apply one by one).
const MAX_IMAGE: usize = 64;

impl ReplaceChain {
    /// Fuses the run of `replaceAll` calls (pattern and literal replacement, in call order), or `None` when a call
    /// is not of that kind. Only runs whose replacements are all non-empty are fused: then each call's result is
    /// at least as long as its input, so checking the final length against a limit checks every step's.
    pub(crate) fn fuse<'a>(calls: impl IntoIterator<Item = &'a JavaRegex>) -> Option<ReplaceChain> {
        // The image of every ASCII byte under the calls so far.
        let mut images: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        let mut count = 0usize;
        for regex in calls {
            let (byte, text) = regex.byte_replacement()?;
            if text.is_empty() {
                return None;
            }
            let pattern = char::from(byte);
            for image in &mut images {
                if image.contains(pattern) {
                    *image = image.replace(pattern, &text);
                    if image.len() > MAX_IMAGE {
                        return None;
                    }
                }
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        let mut table = [0u8; 256];
        let mut texts = Vec::new();
        let max_growth = images.iter().map(String::len).max().unwrap_or(1);
        for (b, image) in images.into_iter().enumerate() {
            let unchanged = image.len() == 1 && image.as_bytes().first().is_some_and(|&c| usize::from(c) == b);
            if unchanged {
                continue;
            }
            if texts.len() >= MAX_TEXTS {
                return None;
            }
            texts.push(image.into_boxed_str());
            if let Some(slot) = table.get_mut(b) {
                *slot = u8::try_from(texts.len()).ok()?;
            }
        }
        let replaced = (0u8..128).filter(|&b| table[usize::from(b)] != 0).collect();
        Some(ReplaceChain {
            table,
            texts: texts.into_boxed_slice(),
            max_growth,
            replaced,
        })
    }

    /// Appends the run's result on `s` to `out`.
    pub(crate) fn apply(&self, s: &str, out: &mut String) {
        let bytes = s.as_bytes();
        out.reserve(s.len());
        let mut last = 0;
        while let Some(at) = self.find(bytes, last) {
            // `at` is an ASCII byte, so both slices end on character boundaries.
            if at > last {
                out.push_str(s.get(last..at).unwrap_or_default());
            }
            let t = bytes.get(at).map_or(0, |&b| self.table[usize::from(b)]);
            let text: &str = self.texts.get(usize::from(t).wrapping_sub(1)).map_or("", |t| t);
            // JSON escapes are two ASCII characters (`\"`, `\n`): pushed as such, not through a `memcpy` call.
            match text.as_bytes() {
                &[a, b] if a.is_ascii() && b.is_ascii() => {
                    out.push(char::from(a));
                    out.push(char::from(b));
                }
                _ => out.push_str(text),
            }
            last = at + 1;
        }
        if last < s.len() {
            out.push_str(s.get(last..).unwrap_or_default());
        }
    }

    /// The position of the first replaced byte at or after `from`.
    #[inline]
    fn find(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let rest = bytes.get(i..)?;
        // Short strings (most values): a table lookup per byte; long ones: `memchr`'s vector search.
        let found = match *self.replaced {
            _ if rest.len() < SHORT => rest.iter().position(|&b| self.table[usize::from(b)] != 0),
            [a] => memchr::memchr(a, rest),
            [a, b] => memchr::memchr2(a, b, rest),
            [a, b, c] => memchr::memchr3(a, b, c, rest),
            _ => rest.iter().position(|&b| self.table[usize::from(b)] != 0),
        };
        found.map(|p| i + p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regex(pattern: &str, replacement: &str) -> JavaRegex {
        JavaRegex::compile(pattern).unwrap().with_replacement(replacement)
    }

    fn sequential(calls: &[(&str, &str)], s: &str) -> String {
        let mut cur = s.to_owned();
        for (p, r) in calls {
            let mut out = String::new();
            if regex(p, r).replace_into(&cur, r, false, &mut out).unwrap() {
                cur = out;
            }
        }
        cur
    }

    #[test]
    fn fused_run_equals_the_calls_one_after_another() {
        let runs: &[&[(&str, &str)]] = &[
            &[("\\\\", "\\\\\\\\"), ("\"", "\\\\\""), ("\n", "\\\\n"), ("\t", "\\\\t")],
            // A later call rewrites what an earlier one inserted.
            &[("a", "bb"), ("b", "ca"), ("c", "a")],
            &[("x", "y"), ("y", "x")],
            &[("'", "''"), ("'", "\\\\'")],
            &[("\"", "\\\\\"")],
            &[("\"", "\\\\\""), ("'", "\\\\'")],
        ];
        let mut inputs: Vec<String> = [
            "",
            "plain",
            "a\"b\\c\nd\te",
            "abcabc xyyx ''",
            "ünï\"cöde\\",
            "\"\"\"\\\\\n\n",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Every position in and around whole words, for the word-at-a-time scan.
        // (Beyond 32 bytes the scan is `memchr`'s.)
        for len in (1..26).chain([40, 70]) {
            for at in 0..len {
                for special in ["\"", "\\", "a", "y", "'", "\t", "ü"] {
                    let mut s = "-".repeat(len);
                    s.replace_range(at..=at, special);
                    s.push_str(special);
                    inputs.push(s);
                }
            }
        }
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        for calls in runs {
            let regexes: Vec<JavaRegex> = calls.iter().map(|(p, r)| regex(p, r)).collect();
            let chain = ReplaceChain::fuse(&regexes).unwrap();
            for &s in &inputs {
                let mut out = String::new();
                chain.apply(s, &mut out);
                assert_eq!(out, sequential(calls, s), "{calls:?} on {s:?}");
            }
        }
    }

    #[test]
    fn what_is_not_fused() {
        let fuse = |calls: &[(&str, &str)]| {
            let regexes: Vec<JavaRegex> = calls.iter().map(|(p, r)| regex(p, r)).collect();
            ReplaceChain::fuse(&regexes).is_some()
        };
        assert!(fuse(&[("\"", "\\\\\"")]), "one call");
        assert!(!fuse(&[("\"", ""), ("a", "b")]), "an empty replacement");
        assert!(!fuse(&[("ab", "x"), ("a", "b")]), "a pattern longer than one byte");
        assert!(!fuse(&[("[ab]", "x"), ("a", "b")]), "a regex");
        assert!(!fuse(&[("(a)", "$1$1"), ("a", "b")]), "a group reference");
        assert!(!fuse(&[("ü", "u"), ("a", "b")]), "a non-ASCII pattern");
        assert!(!fuse(&[("a", "aa"); 7]), "a byte growing past 64 bytes");
        assert!(fuse(&[("a", "aa"); 6]), "a byte growing to 64 bytes");
    }
}
