//! `java.util.LinkedHashMap`: a shared, mutable, insertion-ordered map.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;

use super::{Key, Value};

/// A `java.util.LinkedHashMap`. Cloning shares the map (as a Java reference does).
#[derive(Clone)]
pub struct Map(Rc<MapCell>);

pub(crate) type MapCell = RefCell<IndexMap<Key, Value, MapHasher>>;

/// One randomly keyed SipHash state per process, shared by every map: hashing stays resistant to crafted
/// keys (request bodies become maps), and the compiler can hash literal property names once, ahead of time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MapHasher;

static HASH_STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();

impl std::hash::BuildHasher for MapHasher {
    type Hasher = std::collections::hash_map::DefaultHasher;

    fn build_hasher(&self) -> Self::Hasher {
        HASH_STATE
            .get_or_init(std::collections::hash_map::RandomState::new)
            .build_hasher()
    }
}

/// Maps up to this size are searched by scanning.
const SMALL_MAP: usize = 8;

/// The hash a map gives the `String` key `name` (for lookups prepared at compile time).
pub(crate) fn hash_str(name: &str) -> u64 {
    use std::hash::BuildHasher as _;
    MapHasher.hash_one(super::key::StrKey(name))
}

impl Default for Map {
    fn default() -> Map {
        Map::new()
    }
}

impl Map {
    /// A new empty map.
    pub fn new() -> Map {
        let cell = Rc::new(RefCell::new(IndexMap::with_hasher(MapHasher)));
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
        self.0.borrow().get(&super::key::StrKey(k)).cloned()
    }

    /// `get(k)` for a `String` key whose hash ([`hash_str`]) was computed ahead of time.
    #[inline]
    pub(crate) fn get_str_hashed(&self, k: &str, hash: u64) -> Option<Value> {
        use indexmap::map::raw_entry_v1::RawEntryApiV1 as _;
        let map = self.0.borrow();
        // Small maps (most JSON objects): a scan beats hashing and probing.
        if map.len() <= SMALL_MAP {
            return map
                .iter()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(_, v)| v.clone());
        }
        map.raw_entry_v1()
            .from_hash(hash, |key| key.as_str() == Some(k))
            .map(|(_, v)| v.clone())
    }

    /// `remove(k)`: the remaining entries keep their order.
    pub fn remove(&self, k: &Key) -> Option<Value> {
        self.0.borrow_mut().shift_remove(k)
    }

    /// `containsKey(k)`.
    pub fn contains_key(&self, k: &Key) -> bool {
        self.0.borrow().contains_key(k)
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
        let out = Map::new();
        for (k, v) in self.0.borrow().iter() {
            out.insert(k.clone(), deep_copy_value(v));
        }
        out
    }

    /// `true` when both handles point to the same Java map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn addr(&self) -> usize {
        Rc::as_ptr(&self.0).cast::<u8>() as usize
    }

    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(&mut IndexMap<Key, Value, MapHasher>) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }

    /// `AbstractMap.equals`: same size and every entry equal.
    pub(crate) fn java_equals(&self, other: &Map) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        let (a, b) = (self.to_vec(), other.to_vec());
        a.len() == b.len()
            && a.iter()
                .all(|(k, v)| other.get(&Key(k.clone())).is_some_and(|w| v.java_equals(&w)))
            && b.len() == self.len()
    }
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
