//! [`JsonStr`]: the text of a JSON string or number, usually a slice of the document it was parsed from.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string shared with the document it came from: a parser hands out slices of one copy of the
/// input instead of allocating a string per key, value and number. Cloning is a reference-count increment.
/// Behaves as a `str` (it dereferences to one; equality, order and hashing are the text's).
#[derive(Clone)]
pub struct JsonStr {
    text: Arc<str>,
    /// `start..end` of `text`, or [`WHOLE`] for all of it.
    start: u32,
    end: u32,
}

/// `start` and `end` of a string that is all of its buffer (of any length).
const WHOLE: u32 = u32::MAX;

impl JsonStr {
    /// The part `start..end` of `text`, which must be a `str` slice ending before 4 GiB (the parser's limit).
    pub(crate) fn slice(text: &Arc<str>, start: usize, end: usize) -> Option<JsonStr> {
        let (start, end) = (u32::try_from(start).ok()?, u32::try_from(end).ok()?);
        if end == WHOLE {
            return None;
        }
        text.get(start as usize..end as usize)?;
        Some(JsonStr {
            text: text.clone(),
            start,
            end,
        })
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        if self.start == WHOLE {
            &self.text
        } else {
            self.text
                .get(self.start as usize..self.end as usize)
                .unwrap_or_default()
        }
    }

    /// The text's bytes: cheaper than [`JsonStr::as_str`] (no character-boundary checks), for comparisons.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        if self.start == WHOLE {
            self.text.as_bytes()
        } else {
            self.text
                .as_bytes()
                .get(self.start as usize..self.end as usize)
                .unwrap_or_default()
        }
    }

    /// Whether this is the text `other`: lengths and first bytes first, which tell most keys of an object apart
    /// without a call to `memcmp`.
    #[inline]
    pub(crate) fn is(&self, other: &str) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.first() == b.first() && a == b
    }

    /// The length and first (up to) eight bytes mixed into a word: equal strings have equal fingerprints, and
    /// most different keys of an object differ in it. Read as one word of the buffer where it fits.
    #[inline]
    pub(crate) fn fingerprint(&self) -> u64 {
        let (start, len) = if self.start == WHOLE {
            (0, self.text.len())
        } else {
            (self.start as usize, self.end.saturating_sub(self.start) as usize)
        };
        let word = self
            .text
            .as_bytes()
            .get(start..start + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok());
        let head = match word {
            Some(word) => {
                let mask = u64::MAX.checked_shr(64 - 8 * len.min(8) as u32).unwrap_or(0);
                u64::from_le_bytes(word) & mask
            }
            None => {
                let mut word = [0u8; 8];
                for (slot, &b) in word.iter_mut().zip(self.as_bytes()) {
                    *slot = b;
                }
                u64::from_le_bytes(word)
            }
        };
        head ^ (len as u64).rotate_right(8)
    }

    /// The text as a shared `Arc<str>`: free when this string is a whole buffer, a copy otherwise.
    pub fn to_arc(&self) -> Arc<str> {
        if self.start == WHOLE {
            self.text.clone()
        } else {
            Arc::from(self.as_str())
        }
    }
}

impl Deref for JsonStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for JsonStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for JsonStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for JsonStr {
    fn from(s: &str) -> JsonStr {
        JsonStr::from(Arc::<str>::from(s))
    }
}

impl From<String> for JsonStr {
    fn from(s: String) -> JsonStr {
        JsonStr::from(Arc::<str>::from(s))
    }
}

impl From<Box<str>> for JsonStr {
    fn from(s: Box<str>) -> JsonStr {
        JsonStr::from(Arc::<str>::from(s))
    }
}

impl From<Arc<str>> for JsonStr {
    fn from(text: Arc<str>) -> JsonStr {
        JsonStr {
            text,
            start: WHOLE,
            end: WHOLE,
        }
    }
}

impl From<JsonStr> for String {
    fn from(s: JsonStr) -> String {
        s.as_str().to_owned()
    }
}

impl From<JsonStr> for Box<str> {
    fn from(s: JsonStr) -> Box<str> {
        s.as_str().into()
    }
}

impl PartialEq for JsonStr {
    fn eq(&self, other: &JsonStr) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for JsonStr {}

impl PartialEq<str> for JsonStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for JsonStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for JsonStr {
    fn partial_cmp(&self, other: &JsonStr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsonStr {
    fn cmp(&self, other: &JsonStr) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for JsonStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for JsonStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for JsonStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
