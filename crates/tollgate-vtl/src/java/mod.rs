//! The Java methods templates call on Strings, numbers, Booleans, ArrayLists and LinkedHashMaps.
//!
//! `call` returns `None` when Java has no such method for these argument types (Velocity then yields null),
//! and `Some(Err(_))` when the method throws (Velocity's `MethodInvocationException`).

pub(crate) mod regex;
pub(crate) mod replace_chain;

use std::sync::Arc;

use self::regex::JavaRegex;
use crate::limits::Limits;
use crate::value::{Key, List, Map, Value};

/// The Java methods the engine implements, resolved from the name once, at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum M {
    Add,
    AddAll,
    BooleanValue,
    CharAt,
    Clear,
    CompareTo,
    Concat,
    Contains,
    ContainsKey,
    ContainsValue,
    DoubleValue,
    EndsWith,
    EntrySet,
    Equals,
    EqualsIgnoreCase,
    FloatValue,
    Get,
    GetBytes,
    GetClass,
    GetOrDefault,
    HashCode,
    IndexOf,
    IntValue,
    Intern,
    IsEmpty,
    KeySet,
    LastIndexOf,
    Length,
    LongValue,
    Matches,
    Put,
    PutAll,
    PutIfAbsent,
    Remove,
    Replace,
    ReplaceAll,
    ReplaceFirst,
    Set,
    Size,
    Split,
    StartsWith,
    SubList,
    Substring,
    ToCharArray,
    ToLowerCase,
    ToString,
    ToUpperCase,
    Trim,
    Values,
    /// Any other name: no built-in class has it.
    Other,
}

impl M {
    /// A collection method that does not change its receiver or call back into the engine.
    pub(crate) fn only_reads(self) -> bool {
        matches!(
            self,
            M::Get
                | M::ContainsKey
                | M::Contains
                | M::ContainsValue
                | M::IndexOf
                | M::LastIndexOf
                | M::Size
                | M::IsEmpty
                | M::Equals
        )
    }

    pub(crate) fn from_name(name: &str) -> M {
        match name {
            "add" => M::Add,
            "addAll" => M::AddAll,
            "booleanValue" => M::BooleanValue,
            "charAt" => M::CharAt,
            "clear" => M::Clear,
            "compareTo" => M::CompareTo,
            "concat" => M::Concat,
            "contains" => M::Contains,
            "containsKey" => M::ContainsKey,
            "containsValue" => M::ContainsValue,
            "doubleValue" => M::DoubleValue,
            "endsWith" => M::EndsWith,
            "entrySet" => M::EntrySet,
            "equals" => M::Equals,
            "equalsIgnoreCase" => M::EqualsIgnoreCase,
            "floatValue" => M::FloatValue,
            "get" => M::Get,
            "getBytes" => M::GetBytes,
            "getClass" => M::GetClass,
            "getOrDefault" => M::GetOrDefault,
            "hashCode" => M::HashCode,
            "indexOf" => M::IndexOf,
            "intValue" => M::IntValue,
            "intern" => M::Intern,
            "isEmpty" => M::IsEmpty,
            "keySet" => M::KeySet,
            "lastIndexOf" => M::LastIndexOf,
            "length" => M::Length,
            "longValue" => M::LongValue,
            "matches" => M::Matches,
            "put" => M::Put,
            "putAll" => M::PutAll,
            "putIfAbsent" => M::PutIfAbsent,
            "remove" => M::Remove,
            "replace" => M::Replace,
            "replaceAll" => M::ReplaceAll,
            "replaceFirst" => M::ReplaceFirst,
            "set" => M::Set,
            "size" => M::Size,
            "split" => M::Split,
            "startsWith" => M::StartsWith,
            "subList" => M::SubList,
            "substring" => M::Substring,
            "toCharArray" => M::ToCharArray,
            "toLowerCase" => M::ToLowerCase,
            "toString" => M::ToString,
            "toUpperCase" => M::ToUpperCase,
            "trim" => M::Trim,
            "values" => M::Values,
            _ => M::Other,
        }
    }

    /// `replaceAll`, `replaceFirst`, `matches`, `split`: the first argument is a Java regex.
    pub(crate) fn takes_regex(self) -> bool {
        matches!(self, M::ReplaceAll | M::ReplaceFirst | M::Matches | M::Split)
    }
}

type Call = Option<Result<Value, Box<str>>>;

fn ok(v: Value) -> Call {
    Some(Ok(v))
}

/// A `void` method: Velocity 1.7 turns its result into the empty string (not null).
fn void() -> Call {
    Some(Ok(Value::Str(Arc::from(""))))
}

fn throw(msg: String) -> Call {
    Some(Err(msg.into_boxed_str()))
}

fn s(v: impl Into<Arc<str>>) -> Value {
    Value::Str(v.into())
}

/// An `int` parameter: Java accepts an Integer (not a Long) argument.
fn int_arg(v: &Value) -> Option<i32> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn str_arg(v: &Value) -> Option<&str> {
    v.as_str()
}

/// `List.contains(needle)` for a String `v` holding `needle`: only Strings and host objects can equal it.
#[inline]
pub(crate) fn list_contains_str(l: &List, v: &Value, needle: &str) -> bool {
    l.items().iter().any(|x| match x {
        Value::Str(s) => crate::value::str_eq(s, needle),
        Value::Object(_) => x.java_equals(v),
        _ => false,
    })
}

/// `List.add(v)`.
#[inline]
pub(crate) fn list_add(l: &List, v: &Value, limits: &Limits) -> Call {
    if l.is_readonly() {
        return unsupported();
    }
    if l.len() >= limits.max_collection_len {
        return throw("list too long".to_owned());
    }
    l.push(v.clone());
    ok(Value::Bool(true))
}

/// [`call`] for a list or map receiver: the collection's own methods without the dispatch every other
/// receiver needs (no regex is involved).
#[inline]
pub(crate) fn call_collection(recv: &Value, name: M, args: &[Value], limits: &Limits) -> Call {
    match recv {
        _ if matches!(name, M::ToString | M::Equals | M::GetClass) => call(recv, name, args, None, limits),
        Value::List(l) => list(l, name, args, limits),
        Value::Map(m) => map(m, name, args),
        _ => call(recv, name, args, None, limits),
    }
}

pub(crate) fn call(recv: &Value, name: M, args: &[Value], regex: Option<&JavaRegex>, limits: &Limits) -> Call {
    // Methods every object has.
    match (name, args) {
        // `String.toString()` is the string itself.
        (M::ToString, []) if matches!(recv, Value::Str(_)) => return ok(recv.clone()),
        (M::ToString, []) => return ok(s(recv.to_java_string())),
        (M::Equals, [other]) => return ok(Value::Bool(recv.java_equals(other))),
        (M::GetClass, []) => return ok(s(format!("class {}", recv.type_name()))),
        _ => {}
    }
    match recv {
        Value::Str(st) if args.iter().any(Value::is_null) => {
            // A null argument matches any reference parameter; the String method then throws.
            let takes_objects = matches!(
                (name, args.len()),
                (
                    M::Concat
                        | M::Contains
                        | M::StartsWith
                        | M::EndsWith
                        | M::IndexOf
                        | M::LastIndexOf
                        | M::CompareTo
                        | M::Split
                        | M::Matches,
                    1
                ) | (
                    M::Replace
                        | M::ReplaceAll
                        | M::ReplaceFirst
                        | M::Split
                        | M::IndexOf
                        | M::LastIndexOf
                        | M::StartsWith,
                    2
                )
            );
            if takes_objects {
                throw("java.lang.NullPointerException".to_owned())
            } else {
                string(st, name, args, regex, limits)
            }
        }
        Value::Str(st) => string(st, name, args, regex, limits),
        Value::List(l) => list(l, name, args, limits),
        Value::Map(m) => map(m, name, args),
        Value::Int(_) | Value::Long(_) | Value::Double(_) | Value::BigInt(_) => number(recv, name, args),
        Value::Bool(b) => match (name, args) {
            (M::BooleanValue, []) => ok(Value::Bool(*b)),
            (M::CompareTo, [Value::Bool(o)]) => ok(Value::Int((*b as i32) - (*o as i32))),
            _ => None,
        },
        _ => None,
    }
}

/// Java's `String` indexes count UTF-16 code units.
fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn utf16_substring(s: &str, begin: usize, end: usize) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    java_string_from_utf16(units.get(begin..end).unwrap_or(&[]))
}

/// A Java string with a lone surrogate prints `?` (the UTF-8 encoder's replacement), not U+FFFD.
fn java_string_from_utf16(units: &[u16]) -> String {
    char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or('?'))
        .collect()
}

fn utf16_index_of(hay: &str, needle: &str, from: usize) -> i32 {
    let h: Vec<u16> = hay.encode_utf16().collect();
    let n: Vec<u16> = needle.encode_utf16().collect();
    if n.is_empty() {
        return i32::try_from(from.min(h.len())).unwrap_or(-1);
    }
    if n.len() > h.len() {
        return -1;
    }
    (from..=h.len() - n.len())
        .find(|&i| h[i..i + n.len()] == n[..])
        .map_or(-1, |i| i32::try_from(i).unwrap_or(-1))
}

fn utf16_last_index_of(hay: &str, needle: &str, from: usize) -> i32 {
    let h: Vec<u16> = hay.encode_utf16().collect();
    let n: Vec<u16> = needle.encode_utf16().collect();
    if n.len() > h.len() {
        return -1;
    }
    let last = (h.len() - n.len()).min(from);
    (0..=last)
        .rev()
        .find(|&i| h[i..i + n.len()] == n[..])
        .map_or(-1, |i| i32::try_from(i).unwrap_or(-1))
}

fn unsupported() -> Call {
    throw("java.lang.UnsupportedOperationException".to_owned())
}

fn out_of_bounds(kind: &str, detail: String) -> Call {
    throw(format!("java.lang.{kind}: {detail}"))
}

fn string(st_arc: &Arc<str>, name: M, args: &[Value], regex: Option<&JavaRegex>, limits: &Limits) -> Call {
    let st: &str = st_arc;
    match (name, args) {
        (M::Length, []) => ok(Value::integer(utf16_len(st) as i64)),
        (M::IsEmpty, []) => ok(Value::Bool(st.is_empty())),
        (M::Trim, []) => ok(s(st.trim_matches(|c: char| c <= ' '))),
        (M::ToLowerCase, []) => ok(s(st.to_lowercase())),
        (M::ToUpperCase, []) => ok(s(st.to_uppercase())),
        (M::Intern, []) => ok(s(st)),
        (M::HashCode, []) => {
            let h = st
                .encode_utf16()
                .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
            ok(Value::Int(h))
        }
        (M::CharAt, [i]) => {
            let i = int_arg(i)?;
            let units: Vec<u16> = st.encode_utf16().collect();
            match usize::try_from(i).ok().and_then(|i| units.get(i)) {
                Some(&u) => ok(s(java_string_from_utf16(&[u]))),
                None => out_of_bounds(
                    "StringIndexOutOfBoundsException",
                    format!("index {i}, length {}", units.len()),
                ),
            }
        }
        (M::Substring, [b]) => {
            let b = int_arg(b)?;
            let len = utf16_len(st);
            match usize::try_from(b).ok().filter(|&b| b <= len) {
                Some(b) => ok(s(utf16_substring(st, b, len))),
                None => out_of_bounds(
                    "StringIndexOutOfBoundsException",
                    format!("begin {b}, end {len}, length {len}"),
                ),
            }
        }
        (M::Substring, [b, e]) => {
            let (b, e) = (int_arg(b)?, int_arg(e)?);
            let len = utf16_len(st);
            let valid = b >= 0 && e >= b && (e as usize) <= len;
            if valid {
                ok(s(utf16_substring(st, b as usize, e as usize)))
            } else {
                out_of_bounds(
                    "StringIndexOutOfBoundsException",
                    format!("begin {b}, end {e}, length {len}"),
                )
            }
        }
        (M::IndexOf, [n]) => ok(Value::Int(utf16_index_of(st, str_arg(n)?, 0))),
        (M::IndexOf, [n, from]) => {
            let from = int_arg(from)?.max(0) as usize;
            ok(Value::Int(utf16_index_of(st, str_arg(n)?, from)))
        }
        (M::LastIndexOf, [n]) => ok(Value::Int(utf16_last_index_of(st, str_arg(n)?, usize::MAX))),
        (M::LastIndexOf, [n, from]) => {
            let from = int_arg(from)?;
            if from < 0 {
                return ok(Value::Int(-1));
            }
            ok(Value::Int(utf16_last_index_of(st, str_arg(n)?, from as usize)))
        }
        (M::GetBytes, []) => ok(Value::list(st.bytes().map(|b| Value::Int(i32::from(b as i8))))),
        (M::GetBytes, [Value::Str(cs)]) => {
            let cs = cs.to_ascii_uppercase();
            let bytes: Vec<u8> = match cs.as_str() {
                "UTF-8" | "UTF8" => st.as_bytes().to_vec(),
                "ISO-8859-1" | "LATIN1" | "US-ASCII" | "ASCII" => st
                    .chars()
                    .map(|c| if (c as u32) < 256 { c as u32 as u8 } else { b'?' })
                    .collect(),
                "UTF-16" => {
                    let mut v = vec![0xFE, 0xFF];
                    v.extend(st.encode_utf16().flat_map(u16::to_be_bytes));
                    v
                }
                _ => return throw(format!("java.io.UnsupportedEncodingException: {cs}")),
            };
            ok(Value::list(bytes.into_iter().map(|b| Value::Int(i32::from(b as i8)))))
        }
        (M::ToCharArray, []) => ok(Value::list(st.encode_utf16().map(|u| s(java_string_from_utf16(&[u]))))),
        (M::Contains, [n]) => ok(Value::Bool(st.contains(str_arg(n)?))),
        (M::StartsWith, [n]) => ok(Value::Bool(st.starts_with(str_arg(n)?))),
        (M::StartsWith, [n, off]) => {
            let off = int_arg(off)?;
            let rest = usize::try_from(off)
                .ok()
                .and_then(|o| st.encode_utf16().nth(o).map(|_| o));
            ok(Value::Bool(rest.is_some_and(|o| {
                utf16_substring(st, o, utf16_len(st)).starts_with(str_arg(n).unwrap_or("\u{0}"))
            })))
        }
        (M::EndsWith, [n]) => ok(Value::Bool(st.ends_with(str_arg(n)?))),
        (M::EqualsIgnoreCase, [n]) => ok(Value::Bool(match n {
            Value::Str(o) => st.to_lowercase() == o.to_lowercase(),
            _ => false,
        })),
        (M::Concat, [n]) => {
            let o = str_arg(n)?;
            if st.len() + o.len() > limits.max_collection_len {
                return throw("string too long".to_owned());
            }
            ok(s(format!("{st}{o}")))
        }
        (M::CompareTo, [n]) => {
            let o = str_arg(n)?;
            let (a, b): (Vec<u16>, Vec<u16>) = (st.encode_utf16().collect(), o.encode_utf16().collect());
            let r = a
                .iter()
                .zip(b.iter())
                .find(|(x, y)| x != y)
                .map_or(a.len() as i32 - b.len() as i32, |(x, y)| i32::from(*x) - i32::from(*y));
            ok(Value::Int(r))
        }
        (M::Replace, [a, b]) => match (a, b) {
            (Value::Str(a), Value::Str(b)) => {
                let r = if a.is_empty() {
                    java_replace_empty(st, b)
                } else {
                    st.replace(&**a, b)
                };
                if r.len() > limits.max_collection_len {
                    return throw("string too long".to_owned());
                }
                ok(s(r))
            }
            _ => None,
        },
        (M::ReplaceAll | M::ReplaceFirst, [p, r]) => {
            let (Value::Str(p), Value::Str(r)) = (p, r) else {
                return None;
            };
            let compiled;
            let re = match regex {
                Some(re) => re,
                None => {
                    compiled = match JavaRegex::compile(p) {
                        Ok(c) => c,
                        Err(e) => return throw(e),
                    };
                    &compiled
                }
            };
            let mut out = String::new();
            match re.replace_into(st, r, name == M::ReplaceFirst, &mut out) {
                Ok(false) => ok(Value::Str(st_arc.clone())),
                Ok(true) if out.len() > limits.max_collection_len => throw("string too long".to_owned()),
                Ok(true) => ok(s(out)),
                Err(e) => throw(e),
            }
        }
        (M::Matches, [p]) => {
            let Value::Str(p) = p else { return None };
            let result = match regex {
                Some(re) => re.matches(st),
                None => JavaRegex::compile(p).and_then(|re| re.matches(st)),
            };
            match result {
                Ok(b) => ok(Value::Bool(b)),
                Err(e) => throw(e),
            }
        }
        (M::Split, [p]) => {
            let Value::Str(p) = p else { return None };
            let parts = match regex {
                Some(re) => re.split(st),
                None => JavaRegex::compile(p).and_then(|re| re.split(st)),
            };
            // Velocity wraps a String[] result; it prints as an array object, but templates index and iterate it.
            match parts {
                Ok(parts) => ok(Value::list(parts.into_iter().map(Value::from))),
                Err(e) => throw(e),
            }
        }
        (M::Split, [p, limit]) => {
            let (Value::Str(p), Some(limit)) = (p, int_arg(limit)) else {
                return None;
            };
            let parts = match regex {
                Some(re) => re.split_limit(st, limit),
                None => JavaRegex::compile(p).and_then(|re| re.split_limit(st, limit)),
            };
            match parts {
                Ok(parts) => ok(Value::list(parts.into_iter().map(Value::from))),
                Err(e) => throw(e),
            }
        }
        _ => None,
    }
}

/// `"ab".replace("", "-")` is `-a-b-` in Java.
fn java_replace_empty(st: &str, with: &str) -> String {
    let mut out = String::with_capacity(st.len() + with.len() * (st.len() + 1));
    out.push_str(with);
    for c in st.chars() {
        out.push(c);
        out.push_str(with);
    }
    out
}

fn list(l: &List, name: M, args: &[Value], limits: &Limits) -> Call {
    let len = l.len();
    let index = |v: &Value| int_arg(v);
    let oob = |i: i64| {
        out_of_bounds(
            "IndexOutOfBoundsException",
            format!("Index {i} out of bounds for length {len}"),
        )
    };
    match (name, args) {
        (M::Size, []) => ok(Value::integer(len as i64)),
        (M::IsEmpty, []) => ok(Value::Bool(len == 0)),
        (M::Get, [i]) => {
            let i = index(i)?;
            match usize::try_from(i).ok().and_then(|i| l.get(i)) {
                Some(v) => ok(v),
                None => oob(i64::from(i)),
            }
        }
        (M::Add, [v]) => list_add(l, v, limits),
        (M::Add, [i, v]) => {
            let i = index(i)?;
            match usize::try_from(i).ok().filter(|&i| i <= len) {
                Some(i) => {
                    if l.is_readonly() {
                        return unsupported();
                    }
                    l.with_mut(|items| items.insert(i, v.clone()));
                    void()
                }
                None => oob(i64::from(i)),
            }
        }
        (M::Set, [i, v]) => {
            let i = index(i)?;
            match usize::try_from(i).ok().and_then(|i| l.set(i, v.clone())) {
                Some(old) => ok(old),
                None => oob(i64::from(i)),
            }
        }
        (M::Remove, [Value::Int(i)]) => {
            let i = *i;
            match usize::try_from(i).ok().filter(|&i| i < len) {
                Some(i) => ok(l.with_mut(|items| items.remove(i))),
                None => oob(i64::from(i)),
            }
        }
        (M::Remove, [v]) => {
            let pos = l.items().iter().position(|x| x.java_equals(v));
            if let Some(p) = pos {
                l.with_mut(|items| items.remove(p));
            }
            ok(Value::Bool(pos.is_some()))
        }
        // A String needle (ids, names): only Strings and host objects can equal it.
        (M::Contains, [v @ Value::Str(needle)]) => ok(Value::Bool(list_contains_str(l, v, needle))),
        (M::Contains, [v]) => ok(Value::Bool(l.items().iter().any(|x| x.java_equals(v)))),
        (M::IndexOf, [v]) => ok(Value::integer(
            l.items().iter().position(|x| x.java_equals(v)).map_or(-1, |p| p as i64),
        )),
        (M::LastIndexOf, [v]) => ok(Value::integer(
            l.items()
                .iter()
                .rposition(|x| x.java_equals(v))
                .map_or(-1, |p| p as i64),
        )),
        (M::Clear, []) => {
            if l.is_readonly() {
                return unsupported();
            }
            l.with_mut(Vec::clear);
            void()
        }
        (M::AddAll, [Value::List(other)]) => {
            let items = other.to_vec();
            if len + items.len() > limits.max_collection_len {
                return throw("list too long".to_owned());
            }
            let changed = !items.is_empty();
            l.with_mut(|v| v.extend(items));
            ok(Value::Bool(changed))
        }
        (M::SubList, [a, b]) => {
            let (a, b) = (index(a)?, index(b)?);
            if a < 0 || b < a || b as usize > len {
                return out_of_bounds("IndexOutOfBoundsException", format!("fromIndex: {a}, toIndex: {b}"));
            }
            // A copy, not a view: writes through a subList are rare in templates.
            ok(Value::list(l.items()[a as usize..b as usize].iter().cloned()))
        }
        _ => None,
    }
}

fn map(m: &Map, name: M, args: &[Value]) -> Call {
    match (name, args) {
        (M::Size, []) => ok(Value::integer(m.len() as i64)),
        (M::IsEmpty, []) => ok(Value::Bool(m.is_empty())),
        (M::Get, [Value::Str(k)]) => ok(m.get_str(k).unwrap_or_default()),
        (M::Get, [k]) => ok(m.get(&Key::from(k.clone())).unwrap_or_default()),
        (M::ContainsKey, [Value::Str(k)]) => ok(Value::Bool(m.contains_str(k))),
        (M::ContainsKey, [k]) => ok(Value::Bool(m.contains_key(&Key::from(k.clone())))),
        (M::ContainsValue, [v]) => ok(Value::Bool(m.values().iter().any(|x| x.java_equals(v)))),
        (M::Put, [k, v]) => ok(m.insert(k.clone(), v.clone()).unwrap_or_default()),
        (M::Remove, [k]) => ok(m.remove(&Key::from(k.clone())).unwrap_or_default()),
        (M::PutAll, [Value::Map(other)]) => {
            for (k, v) in other.to_vec() {
                m.insert(k, v);
            }
            void()
        }
        (M::GetOrDefault, [k, d]) => ok(m.get(&Key::from(k.clone())).unwrap_or_else(|| d.clone())),
        (M::PutIfAbsent, [k, v]) => {
            let key = Key::from(k.clone());
            match m.get(&key) {
                Some(existing) if !existing.is_null() => ok(existing),
                _ => ok(m.insert(key, v.clone()).unwrap_or_default()),
            }
        }
        (M::KeySet, []) => ok(Value::List(List::readonly(m.keys()))),
        (M::Values, []) => ok(Value::List(List::readonly(m.values()))),
        (M::EntrySet, []) => ok(Value::List(List::readonly(
            m.to_vec()
                .into_iter()
                .map(|(k, v)| Value::object(Entry { key: k, value: v }))
                .collect(),
        ))),
        (M::Clear, []) => {
            m.clear();
            void()
        }
        _ => None,
    }
}

fn number(v: &Value, name: M, args: &[Value]) -> Call {
    let as_f64 = |v: &Value| match v {
        Value::Int(i) => f64::from(*i),
        Value::Long(l) => *l as f64,
        Value::BigInt(b) => **b as f64,
        Value::Double(d) => *d,
        _ => 0.0,
    };
    let as_i64 = |v: &Value| match v {
        Value::Int(i) => i64::from(*i),
        Value::Long(l) => *l,
        Value::BigInt(b) => **b as i64,
        Value::Double(d) => *d as i64,
        _ => 0,
    };
    match (name, args) {
        (M::IntValue, []) => ok(Value::Int(as_i64(v) as i32)),
        (M::LongValue, []) => ok(Value::Long(as_i64(v))),
        (M::DoubleValue, []) => ok(Value::Double(as_f64(v))),
        (M::FloatValue, []) => ok(Value::Double(f64::from(as_f64(v) as f32))),
        (M::CompareTo, [o]) if std::mem::discriminant(v) == std::mem::discriminant(o) => {
            let ord = crate::eval::ops::compare_numbers(v, o).unwrap_or(std::cmp::Ordering::Equal);
            ok(Value::Int(ord as i32))
        }
        _ => None,
    }
}

/// `Map.Entry`: `getKey()`, `getValue()`, prints `k=v`.
#[derive(Debug)]
struct Entry {
    key: Value,
    value: Value,
}

impl crate::host::HostObject for Entry {
    fn type_name(&self) -> &str {
        "java.util.Map$Entry"
    }

    fn property(&self, name: &str) -> Result<Value, crate::host::HostError> {
        Ok(match name {
            "key" => self.key.clone(),
            "value" => self.value.clone(),
            _ => Value::Null,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, crate::host::HostError> {
        Ok(match (name, args) {
            ("getKey", []) => self.key.clone(),
            ("getValue", []) => self.value.clone(),
            ("toString", []) => Value::from(format!("{}={}", self.key, self.value)),
            _ => Value::Null,
        })
    }

    fn equals(&self, other: &Value) -> Option<bool> {
        Some(match other {
            Value::Object(o) => o
                .as_any()
                .downcast_ref::<Entry>()
                .is_some_and(|e| e.key.java_equals(&self.key) && e.value.java_equals(&self.value)),
            _ => false,
        })
    }

    fn trace(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.key);
        visit(&self.value);
    }

    fn write_string(&self, out: &mut String) {
        self.key.write_java_string(out);
        out.push('=');
        self.value.write_java_string(out);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
