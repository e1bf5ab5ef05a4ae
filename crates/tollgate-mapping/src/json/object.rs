//! [`JsonObject`]: a JSON object's members in document order, each key once.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::{Json, JsonStr};

/// Objects with more members than this find keys through a hash index instead of a scan.
const SCAN_LIMIT: usize = 16;

/// A JSON object as json-smart's ordered mode keeps it: members in the order they were written, and a repeated
/// key in its first position with its last value (`LinkedHashMap.put`). Cloning shares the members.
#[derive(Clone, Default)]
pub struct JsonObject {
    members: Arc<[(JsonStr, Json)]>,
    /// Positions by key, for objects too large to scan.
    index: Option<Arc<HashMap<JsonStr, usize>>>,
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> JsonObject {
        JsonObject::default()
    }

    /// An object of `members` in order; a repeated key keeps its first position and takes the last value.
    pub fn from_members(members: impl IntoIterator<Item = (JsonStr, Json)>) -> JsonObject {
        let mut out = Vec::new();
        let mut keys = KeySet::default();
        for (key, value) in members {
            match keys.position(&key, &out, 0) {
                Some(at) => {
                    if let Some(slot) = out.get_mut(at) {
                        slot.1 = value;
                    }
                }
                None => {
                    keys.add_in(&key, out.len(), &out, 0);
                    out.push((key, value));
                }
            }
        }
        JsonObject::from_unique(out.into(), keys)
    }

    /// Members already free of repeated keys, with the key set that checked them.
    pub(super) fn from_unique(members: Arc<[(JsonStr, Json)]>, keys: KeySet) -> JsonObject {
        JsonObject {
            members,
            index: keys.index.map(Arc::new),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        let at = match &self.index {
            Some(index) => *index.get(key)?,
            None => self.members.iter().position(|(k, _)| k.is(key))?,
        };
        self.members.get(at).map(|(_, v)| v)
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.members.iter(),
        }
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &JsonStr> + ExactSizeIterator {
        self.members.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Json> + ExactSizeIterator {
        self.members.iter().map(|(_, v)| v)
    }
}

/// The members of a [`JsonObject`] in order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, (JsonStr, Json)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a JsonStr, &'a Json);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a JsonObject {
    type Item = (&'a JsonStr, &'a Json);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl PartialEq for JsonObject {
    /// Map equality: the same keys with equal values, in any order.
    fn eq(&self, other: &JsonObject) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Whether `members`, a small object's (at most [`SCAN_LIMIT`]), repeat a key: each key's fingerprint compared with
/// the ones before it, the text only when they match. `None` for a larger object.
pub(super) fn small_repeats_a_key(members: &[(JsonStr, Json)]) -> Option<bool> {
    if members.len() > SCAN_LIMIT {
        return None;
    }
    let mut prints = [0u64; SCAN_LIMIT];
    for (at, (key, _)) in members.iter().enumerate() {
        let print = key.fingerprint();
        let known = prints.get(..at).unwrap_or_default();
        let repeated = known
            .iter()
            .zip(members)
            .any(|(&p, (other, _))| p == print && other.as_bytes() == key.as_bytes());
        if repeated {
            return Some(true);
        }
        if let Some(slot) = prints.get_mut(at) {
            *slot = print;
        }
    }
    Some(false)
}

/// The keys of an object being built, for finding a repeated one: a scan while the object is small, a hash
/// index (kept by the object) once it is large.
#[derive(Default)]
pub(super) struct KeySet {
    index: Option<HashMap<JsonStr, usize>>,
}

impl KeySet {
    /// The position of `key` among `members[start..]` (the object's members so far).
    pub(super) fn position(&self, key: &str, members: &[(JsonStr, Json)], start: usize) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => members.get(start..)?.iter().position(|(k, _)| k.is(key)),
        }
    }

    /// Records `key` at position `at` (the object now has `at + 1` members, listed in `members[start..]`).
    pub(super) fn add_in(&mut self, key: &JsonStr, at: usize, members: &[(JsonStr, Json)], start: usize) {
        match &mut self.index {
            Some(index) => {
                index.insert(key.clone(), at);
            }
            None if at >= SCAN_LIMIT => {
                let known = members.get(start..).unwrap_or_default();
                let mut index: HashMap<JsonStr, usize> = HashMap::with_capacity(known.len() * 2);
                for (i, (k, _)) in known.iter().enumerate() {
                    index.insert(k.clone(), i);
                }
                index.insert(key.clone(), at);
                self.index = Some(index);
            }
            None => {}
        }
    }
}
