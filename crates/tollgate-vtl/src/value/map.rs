//! `java.util.LinkedHashMap`: a shared, mutable, insertion-ordered map.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

use super::entries::{Entries, SMALL_MAP};
use super::{Key, Value};

/// A `java.util.LinkedHashMap`. Cloning shares the map (as a Java reference does).
#[derive(Clone)]
pub struct Map(Rc<MapCell>);

pub(crate) type MapCell = RefCell<Entries>;

impl Default for Map {
    fn default() -> Map {
        Map::new()
    }
}

impl Map {
    /// A new empty map.
    pub fn new() -> Map {
        Map::with_capacity(0)
    }

    /// A new empty map with room for `n` entries, so filling it with a known number of entries (a JSON object's
    /// members) does not grow and rehash it on the way.
    pub fn with_capacity(n: usize) -> Map {
        Map::wrap(Entries::with_capacity(n))
    }

    /// The map of `entries` put in order, built in one go (a JSON object's members): a repeated key keeps its
    /// first position and takes its last value, as `put` does.
    pub fn from_entries(entries: Vec<(Key, Value)>) -> Map {
        Map::wrap(Entries::from_vec(entries))
    }

    fn wrap(entries: Entries) -> Map {
        let cell = Rc::new(RefCell::new(entries));
        super::cycles::track_map(&cell);
        Map(cell)
    }

    pub(crate) fn cell(&self) -> &Rc<MapCell> {
        &self.0
    }

    /// `put(k, v)`: replaces the value in place (keeping the key's position) or appends; returns the old value.
    pub fn insert(&self, k: impl Into<Key>, v: Value) -> Option<Value> {
        self.0.borrow_mut().insert(k.into(), v)
    }

    /// `get(k)`.
    pub fn get(&self, k: &Key) -> Option<Value> {
        self.0.borrow().get(k).cloned()
    }

    /// `get(k)` for a `String` key.
    pub fn get_str(&self, k: &str) -> Option<Value> {
        let map = self.0.borrow();
        // Small maps: comparing a few strings beats hashing one.
        if map.len() <= SMALL_MAP {
            return map
                .iter()
                .find(|(key, _)| key.as_str().is_some_and(|s| super::str_eq(s, k)))
                .map(|(_, v)| v.clone());
        }
        let at = map.position_str(k, super::hash_str(k))?;
        map.get_index(at).map(|(_, v)| v.clone())
    }

    /// `containsKey(k)` for a `String` key.
    pub(crate) fn contains_str(&self, k: &str) -> bool {
        let map = self.0.borrow();
        if map.len() <= SMALL_MAP {
            return map.keys().any(|key| key.as_str().is_some_and(|s| super::str_eq(s, k)));
        }
        map.position_str(k, super::hash_str(k)).is_some()
    }

    /// `get(k)` for a `String` key whose hash ([`hash_str`](super::hash_str)) was computed ahead of time.
    #[inline]
    pub(crate) fn get_str_hashed(&self, k: &str, hash: u64, hint: &AtomicU32) -> Option<Value> {
        lookup_str(&self.0.borrow(), k, hash, hint).cloned()
    }

    /// Borrows the entries (do not hold the borrow while calling back into the engine).
    #[inline]
    pub(crate) fn entries(&self) -> std::cell::Ref<'_, Entries> {
        self.0.borrow()
    }

    /// `remove(k)`: the remaining entries keep their order.
    pub fn remove(&self, k: &Key) -> Option<Value> {
        self.0.borrow_mut().shift_remove(k)
    }

    /// `containsKey(k)`.
    pub fn contains_key(&self, k: &Key) -> bool {
        self.0.borrow().position(k).is_some()
    }

    /// `size()`.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// `isEmpty()`.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// A copy of the entries in order (cheap: values are reference-counted).
    pub fn to_vec(&self) -> Vec<(Value, Value)> {
        self.0.borrow().iter().map(|(k, v)| (k.0.clone(), v.clone())).collect()
    }

    /// `keySet()` as a list of keys, in order.
    pub fn keys(&self) -> Vec<Value> {
        self.0.borrow().keys().map(|k| k.0.clone()).collect()
    }

    /// `values()` as a list, in order.
    pub fn values(&self) -> Vec<Value> {
        self.0.borrow().values().cloned().collect()
    }

    /// An independent copy of the map and, recursively, of lists and maps inside it.
    pub fn deep_copy(&self) -> Map {
        let entries: Vec<(Key, Value)> = self
            .0
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), deep_copy_value(v)))
            .collect();
        Map::from_entries(entries)
    }

    /// `true` when both handles point to the same Java map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn addr(&self) -> usize {
        Rc::as_ptr(&self.0).cast::<u8>() as usize
    }

    /// `clear()`.
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// `AbstractMap.equals`: same size and every entry equal.
    pub(crate) fn java_equals(&self, other: &Map) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        let (a, b) = (self.to_vec(), other.to_vec());
        a.len() == b.len()
            && a.iter()
                .all(|(k, v)| other.get(&Key::from(k.clone())).is_some_and(|w| v.java_equals(&w)))
            && b.len() == self.len()
    }
}

/// The value of the `String` key `k` whose hash is `hash`; `hint` remembers where the key was found last time
/// (a cache per property segment of a template: it is checked, never trusted).
#[inline]
pub(crate) fn lookup_str<'m>(map: &'m Entries, k: &str, hash: u64, hint: &AtomicU32) -> Option<&'m Value> {
    if let Some((key, v)) = map.get_index(hint.load(Relaxed) as usize)
        && key.hash() == hash
        && let Some(s) = key.as_str()
    {
        // Keys longer than two words compare out of line: with every call here a tail call, the hit path saves
        // no registers.
        if k.len() > 16 {
            return lookup_str_long(map, k, hash, hint, s, v);
        }
        if super::str_eq(s, k) {
            return Some(v);
        }
    }
    lookup_str_miss(map, k, hash, hint)
}

/// [`lookup_str`]'s hint check for a long key.
#[inline(never)]
fn lookup_str_long<'m>(
    map: &'m Entries,
    k: &str,
    hash: u64,
    hint: &AtomicU32,
    found: &str,
    v: &'m Value,
) -> Option<&'m Value> {
    if found == k {
        return Some(v);
    }
    lookup_str_miss(map, k, hash, hint)
}

/// [`lookup_str`] when the hint missed: finds the key and remembers its position.
#[inline(never)]
fn lookup_str_miss<'m>(map: &'m Entries, k: &str, hash: u64, hint: &AtomicU32) -> Option<&'m Value> {
    let index = map.position_str(k, hash)?;
    // Only a changed position is stored: templates are shared between threads, and a steady hint is only read.
    if let Ok(i) = u32::try_from(index) {
        hint.store(i, Relaxed);
    }
    map.get_index(index).map(|(_, v)| v)
}

pub(super) fn deep_copy_value(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::List(l.deep_copy()),
        Value::Map(m) => Value::Map(m.deep_copy()),
        other => other.clone(),
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Value::Map(self.clone()).to_java_string())
    }
}
