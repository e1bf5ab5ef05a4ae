//! Map keys with Java's `equals`/`hashCode` meaning: `Integer(1)` and `Long(1)` are different keys, strings
//! compare by content, collections and host objects by identity (mutable keys are not worth Java's pitfalls).

use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use super::{Value, double_bits};

/// A `LinkedHashMap` key: a [`Value`] compared the way Java's `HashMap` compares keys.
///
/// The key carries its hash, computed once when it is made: maps compare hashes before contents when they scan,
/// and never hash a stored key again.
#[derive(Debug)]
pub struct Key(pub(crate) Value, u64);

impl Clone for Key {
    /// Keys are nearly always strings, cloned per entry (from a key cache, into a map): a `String` key is cloned
    /// inline.
    #[inline(always)]
    fn clone(&self) -> Key {
        match &self.0 {
            Value::Str(s) => Key(Value::Str(Arc::clone(s)), self.1),
            other => Key(other.clone(), self.1),
        }
    }
}

impl Key {
    fn new(v: Value) -> Key {
        let hash = hash_value(&v);
        Key(v, hash)
    }

    /// The key's hash ([`hash_str`] for a `String`).
    #[inline]
    pub(crate) fn hash(&self) -> u64 {
        self.1
    }

    /// The key as a value.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// The key's string, when it is a `String`.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }
}

impl From<Value> for Key {
    fn from(v: Value) -> Key {
        Key::new(v)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key(Value::Str(Arc::from(s)), hash_str(s))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        match (&self.0, &other.0) {
            (Value::List(a), Value::List(b)) => a.ptr_eq(b),
            (Value::Map(a), Value::Map(b)) => a.ptr_eq(b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            (a, b) => a.java_equals(b),
        }
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.1);
    }
}

/// One randomly keyed SipHash state per process, shared by every map: hashing stays resistant to crafted keys
/// (request bodies become maps), and the compiler can hash literal property names once, ahead of time.
static HASH_STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();

fn hasher() -> std::collections::hash_map::DefaultHasher {
    use std::hash::BuildHasher as _;
    HASH_STATE
        .get_or_init(std::collections::hash_map::RandomState::new)
        .build_hasher()
}

/// The hash of the `String` key `s` (for lookups prepared at compile time, and for every string key).
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = hasher();
    s.hash(&mut h);
    h.finish()
}

/// Java's `equals` decides key equality; equal keys hash alike.
fn hash_value(v: &Value) -> u64 {
    if let Value::Str(s) = v {
        return hash_str(s);
    }
    let mut state = hasher();
    match v {
        Value::Null => 0u8.hash(&mut state),
        Value::Bool(b) => (1u8, b).hash(&mut state),
        Value::Int(i) => (2u8, i).hash(&mut state),
        Value::Long(l) => (3u8, l).hash(&mut state),
        Value::BigInt(l) => (4u8, l).hash(&mut state),
        Value::Double(d) => (5u8, double_bits(*d)).hash(&mut state),
        Value::Str(s) => s.hash(&mut state),
        Value::List(l) => (6u8, l.addr()).hash(&mut state),
        Value::Map(m) => (7u8, m.addr()).hash(&mut state),
        Value::Object(o) => (8u8, Rc::as_ptr(o).cast::<u8>() as usize).hash(&mut state),
        Value::Block(b) => (9u8, b.block).hash(&mut state),
    }
    state.finish()
}

#[cfg(test)]
impl Key {
    /// A key with a chosen hash: tests make distinct keys collide.
    pub(crate) fn with_hash(v: Value, hash: u64) -> Key {
        Key(v, hash)
    }
}
