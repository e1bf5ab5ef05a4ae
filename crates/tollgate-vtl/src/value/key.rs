//! Map keys with Java's `equals`/`hashCode` meaning: `Integer(1)` and `Long(1)` are different keys, strings
//! compare by content, collections and host objects by identity (mutable keys are not worth Java's pitfalls).

use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use super::{Value, double_bits};

/// A `LinkedHashMap` key: a [`Value`] compared the way Java's `HashMap` compares keys.
#[derive(Clone, Debug)]
pub struct Key(pub(crate) Value);

impl Key {
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
        Key(v)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key(Value::Str(Arc::from(s)))
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
        match &self.0 {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => (1u8, b).hash(state),
            Value::Int(i) => (2u8, i).hash(state),
            Value::Long(l) => (3u8, l).hash(state),
            Value::BigInt(l) => (4u8, l).hash(state),
            Value::Double(d) => (5u8, double_bits(*d)).hash(state),
            Value::Str(s) => s.hash(state),
            Value::List(l) => (6u8, l.addr()).hash(state),
            Value::Map(m) => (7u8, m.addr()).hash(state),
            Value::Object(o) => (8u8, Rc::as_ptr(o).cast::<u8>() as usize).hash(state),
            Value::Block(b) => (9u8, b.block).hash(state),
        }
    }
}

/// A borrowed string key that finds a `Key` holding an equal `String` without allocating.
#[derive(Hash)]
pub(crate) struct StrKey<'a>(pub(crate) &'a str);

impl indexmap::Equivalent<Key> for StrKey<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        key.as_str() == Some(self.0)
    }
}
