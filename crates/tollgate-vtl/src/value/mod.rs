//! Values: the Java objects templates see (String, Integer, Long, Double, Boolean, ArrayList, LinkedHashMap,
//! null) plus host-defined objects.
//!
//! Values are cheap to clone: strings are `Arc<str>`, lists and maps are shared mutable references
//! (`Rc<RefCell<…>>`), exactly as Java objects are shared: a list added to another list and then mutated shows
//! the change in both places. Values therefore live inside one render on one thread; a compiled
//! [`Template`](crate::Template) holds none of them and is `Send + Sync`.

mod cycles;
mod entries;
mod format;
mod jdouble;
mod key;
mod list;
mod map;

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

pub use self::cycles::CycleGuard;
pub(crate) use self::cycles::Tracking;
pub(crate) use self::jdouble::write_double;
pub use self::key::Key;
pub(crate) use self::key::hash_str;
pub use self::list::List;
pub use self::map::Map;
pub(crate) use self::map::lookup_str;
use crate::host::HostObject;

/// A template value: the Java object a Velocity reference evaluates to.
#[derive(Clone, Default)]
pub enum Value {
    /// Java `null`: an undefined reference, a missing property, a method that returned nothing.
    #[default]
    Null,
    /// `java.lang.Boolean`.
    Bool(bool),
    /// `java.lang.Integer`: integer literals that fit in 32 bits and integer arithmetic results.
    Int(i32),
    /// `java.lang.Long`: integer literals beyond 32 bits and arithmetic that overflowed `Integer`.
    Long(i64),
    /// `java.math.BigInteger`, as Velocity's `MathUtils` produces when `Long` arithmetic overflows
    /// (bounded to 128 bits here; beyond that arithmetic is a render error). Boxed: an `i128` inline would make
    /// every value four words with 16-byte alignment instead of three, for a number that is almost never made.
    BigInt(Box<i128>),
    /// `java.lang.Double`: floating-point literals and mixed arithmetic.
    Double(f64),
    /// `java.lang.String`.
    Str(Arc<str>),
    /// `java.util.ArrayList`, shared by reference.
    List(List),
    /// `java.util.LinkedHashMap`, shared by reference, insertion-ordered.
    Map(Map),
    /// An embedder's object (see [`HostObject`]): it decides how it is looked into and how it prints.
    Object(Rc<dyn HostObject>),
    /// A `#define` block; renders the block when referenced. Opaque to embedders.
    #[doc(hidden)]
    Block(BlockRef),
}

// Three words: values are moved, returned and stored in lists all the time (see `BigInt`).
#[cfg(target_pointer_width = "64")]
const _: () =
    assert!(std::mem::size_of::<Value>() == 24 && std::mem::size_of::<Result<Value, crate::error::Error>>() == 24);

/// A `#define` block bound to a variable (opaque).
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct BlockRef {
    pub(crate) block: u32,
    /// The template the block belongs to (an `#evaluate`d template has its own block table).
    pub(crate) owner: Arc<crate::compile::Program>,
}

impl Value {
    /// Builds a Java `String`.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// Builds an integer the way the golden-case loader and JSON do: `Integer` when it fits in 32 bits,
    /// `Long` otherwise.
    pub fn integer(n: i64) -> Value {
        match i32::try_from(n) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Long(n),
        }
    }

    /// Builds a new `ArrayList` holding `items`.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(List::from_iter(items))
    }

    /// Builds a new `LinkedHashMap` with `String` keys, keeping the given order.
    pub fn map<K: Into<Arc<str>>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        let entries = entries.into_iter();
        let map = Map::with_capacity(entries.size_hint().0);
        for (k, v) in entries {
            map.insert(Value::Str(k.into()), v);
        }
        Value::Map(map)
    }

    /// Wraps a host object.
    pub fn object(obj: impl HostObject + 'static) -> Value {
        Value::Object(Rc::new(obj))
    }

    /// `true` for Java `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, when this is a Java `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The Java class name Velocity's messages use (`java.lang.String`, …).
    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "java.lang.Boolean",
            Value::Int(_) => "java.lang.Integer",
            Value::Long(_) => "java.lang.Long",
            Value::BigInt(_) => "java.math.BigInteger",
            Value::Double(_) => "java.lang.Double",
            Value::Str(_) => "java.lang.String",
            Value::List(_) => "java.util.ArrayList",
            Value::Map(_) => "java.util.LinkedHashMap",
            Value::Object(o) => o.type_name(),
            Value::Block(_) => "org.apache.velocity.runtime.directive.Block$Reference",
        }
    }

    /// `true` for Java numbers (`Integer`, `Long`, `BigInteger`, `Double`).
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Long(_) | Value::BigInt(_) | Value::Double(_)
        )
    }

    /// Appends Java's `String.valueOf(this)` to `out` (`null` for null; a `#define` block as its name).
    ///
    /// Collections print as Java's `AbstractCollection`/`AbstractMap` do (`[a, b]`, `{k=v}`), doubles as
    /// `Double.toString` (`1.0`, `1.0E10`, `NaN`), host objects as they choose.
    pub fn write_java_string(&self, out: &mut String) {
        format::write_value(self, out, 0);
    }

    /// Java's `toString()` of this value as a new string.
    pub fn to_java_string(&self) -> String {
        let mut s = String::new();
        self.write_java_string(&mut s);
        s
    }

    /// Java's `equals` between two values (no Velocity coercions: `Integer(1)` does not equal `Long(1)`).
    pub fn java_equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Long(a), Value::Long(b)) => a == b,
            (Value::BigInt(a), Value::BigInt(b)) => a == b,
            // Double.equals compares bit patterns after canonicalising NaN.
            (Value::Double(a), Value::Double(b)) => double_bits(*a) == double_bits(*b),
            // Lengths and last bytes first: ids and keys of one length mostly differ at the end (`u1`, `u2`), and
            // then no `memcmp` is called.
            (Value::Str(a), Value::Str(b)) => str_eq(a, b),
            (Value::List(a), Value::List(b)) => a.java_equals(b),
            (Value::Map(a), Value::Map(b)) => a.java_equals(b),
            (Value::Object(a), b) => a.equals(b).unwrap_or(false),
            (a, Value::Object(b)) => b.equals(a).unwrap_or(false),
            (Value::Block(a), Value::Block(b)) => a.block == b.block && Arc::ptr_eq(&a.owner, &b.owner),
            _ => false,
        }
    }
}

/// String equality, with short strings (keys, ids, enum-like values) compared as one or two machine words
/// instead of through a `memcmp` call.
#[inline(always)]
pub(crate) fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a.first() == b.first() && a.last() == b.last() && a.get(1) == b.get(1),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The 4 bytes at `i` (callers check the length; out of range reads as `None`).
#[inline(always)]
fn word4(s: &[u8], i: usize) -> Option<u32> {
    s.get(i..i + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map(u32::from_ne_bytes)
}

/// The 8 bytes at `i` (callers check the length; out of range reads as `None`).
#[inline(always)]
fn word8(s: &[u8], i: usize) -> Option<u64> {
    s.get(i..i + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map(u64::from_ne_bytes)
}

/// `Double.doubleToLongBits`: every NaN is the same value.
pub(crate) fn double_bits(d: f64) -> u64 {
    if d.is_nan() { 0x7ff8_0000_0000_0000 } else { d.to_bits() }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Str(s) => write!(f, "{s:?}"),
            other => f.write_str(&other.to_java_string()),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_java_string())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Int(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Long(n)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Double(n)
    }
}

impl From<List> for Value {
    fn from(l: List) -> Value {
        Value::List(l)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::list(iter)
    }
}
