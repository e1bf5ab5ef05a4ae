//! JSON bodies as template values: objects become `LinkedHashMap`s, arrays json-smart `JSONArray`s (lists that
//! print as compact JSON), numbers `Integer`/`Long`/`BigInteger`/`Double`.

use std::any::Any;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use tollgate_vtl::{HostError, HostObject, Key, List, Map, Value};

use crate::json::{Builder, Json, JsonError, Short, number_scan, parse_with, write_json_string};

/// Deepest value [`write_json`] writes; deeper parts print as `null` (templates can build cyclic lists).
const MAX_WRITE_DEPTH: usize = 64;

/// Turns JSON into template values for one render. Keys are made once per distinct name (the objects of an
/// array repeat theirs), and arrays stay JSON until a template looks into them (see [`JsonArray`]).
#[derive(Debug)]
pub(crate) struct Converter {
    /// Taken from the thread's spare on creation and given back on drop: the next render on this thread starts
    /// with the keys of the last one (the same API's bodies repeat their member names).
    keys: RefCell<Option<Box<KeyCache>>>,
    /// A buffer `$util` functions write into before their result becomes a string value.
    scratch: RefCell<String>,
}

thread_local! {
    /// The key cache of the last render on this thread (bounded: [`KEY_SLOTS`] keys of at most
    /// [`MAX_CACHED_KEY`] bytes).
    static SPARE_KEYS: Cell<Option<Box<KeyCache>>> = const { Cell::new(None) };
}

impl Default for Converter {
    fn default() -> Converter {
        let keys = SPARE_KEYS.try_with(Cell::take).ok().flatten().unwrap_or_default();
        Converter {
            keys: RefCell::new(Some(keys)),
            scratch: RefCell::default(),
        }
    }
}

impl Drop for Converter {
    fn drop(&mut self) {
        if let Some(keys) = self.keys.get_mut().take() {
            let _ = SPARE_KEYS.try_with(|spare| spare.set(Some(keys)));
        }
    }
}

impl Converter {
    /// The template value of a JSON value.
    pub(crate) fn value(self: &Rc<Self>, json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => number_value(n),
            Json::String(s) => Value::Str(s.to_arc()),
            Json::Array(items) => Value::object(JsonArray::lazy(items.clone(), self.clone())),
            Json::Object(members) => Value::Map(Map::from_entries(
                members.iter().map(|(k, v)| (self.key(k), self.value(v))).collect(),
            )),
        }
    }

    /// The template value of the JSON `text`, built straight from the text (no [`Json`] tree), and how many
    /// values it holds (what [`Json::node_count`] counts).
    pub(crate) fn parse(self: &Rc<Self>, text: &str) -> Result<(Value, u64), JsonError> {
        let mut builder = ValueBuilder::new(self, true);
        let value = parse_with(text, &mut builder)?;
        Ok((value, builder.nodes))
    }

    /// The items of `text`, an array of scalars the parser checked before.
    fn scalar_items(self: &Rc<Self>, text: &str) -> List {
        let mut builder = ValueBuilder::new(self, false);
        match parse_with(text, &mut builder) {
            Ok(Value::Object(array)) => array
                .as_any()
                .downcast_ref::<JsonArray>()
                .map_or_else(List::new, |a| a.items().clone()),
            _ => List::new(),
        }
    }

    /// Runs `write` into a cleared buffer and makes its output a string value; `original` itself when the output
    /// equals it (text that needed no escaping costs no copy).
    pub(crate) fn string_from(&self, original: &Value, write: impl FnOnce(&mut String)) -> Value {
        let Ok(mut out) = self.scratch.try_borrow_mut() else {
            let mut out = String::new();
            write(&mut out);
            return Value::string(out);
        };
        out.clear();
        write(&mut out);
        if original.as_str() == Some(out.as_str()) {
            return original.clone();
        }
        Value::string(out.as_str())
    }

    fn key(&self, name: &str) -> Key {
        match self.keys.try_borrow_mut() {
            Ok(mut cache) => match cache.as_mut() {
                Some(cache) => cache.key(name, 0, name.len()),
                None => Key::from(name),
            },
            Err(_) => Key::from(name),
        }
    }
}

/// The keys made in recent renders on this thread, by a hash of their text: two slots per hash, the latest keys win
/// them, so a lookup is at most two comparisons and no input can make it slower (a miss makes the key, as without a
/// cache).
#[derive(Debug)]
struct KeyCache {
    slots: [Option<(Fingerprint, Key)>; KEY_SLOTS],
}

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache {
            slots: std::array::from_fn(|_| None),
        }
    }
}

/// A power of two (the set is the top bits of the hash): room for the member names of a few APIs' bodies.
const KEY_SLOTS: usize = 256;
/// Longer keys are made each time (rare, and comparing them costs as much as making them).
const MAX_CACHED_KEY: usize = 48;
/// Keys up to this long are all in their [`Fingerprint`]: equal fingerprints are equal keys.
const FINGERPRINTED: usize = 16;

/// A key's length and its first and last (up to) eight bytes as little-endian words (zero-padded when shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    head: u64,
    tail: u64,
}

impl Fingerprint {
    /// The fingerprint of `text[start..end]`, read as whole words of `text` where they fit (a key is followed by
    /// at least its closing quote and a value, so they nearly always do).
    #[inline]
    fn at(text: &[u8], start: usize, end: usize) -> Fingerprint {
        let len = end.saturating_sub(start);
        let word = |at: usize| {
            text.get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_le_bytes)
        };
        if len <= 8 {
            if let Some(head) = word(start) {
                let mask = u64::MAX.checked_shr(64 - 8 * len as u32).unwrap_or(0);
                return Fingerprint {
                    len,
                    head: head & mask,
                    tail: 0,
                };
            }
        } else if let (Some(head), Some(tail)) = (word(start), word(end - 8)) {
            return Fingerprint { len, head, tail };
        }
        Fingerprint::of(text.get(start..end).unwrap_or_default())
    }

    /// [`Fingerprint::at`] of a key of at most [`FINGERPRINTED`] bytes whose words lie inside `text`; `None` for
    /// any other.
    #[inline(always)]
    fn short(text: &[u8], start: usize, end: usize) -> Option<Fingerprint> {
        let len = end.checked_sub(start)?;
        let word = |at: usize| {
            text.get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_le_bytes)
        };
        if len <= 8 {
            let head = word(start)?;
            let mask = u64::MAX.checked_shr(64 - 8 * len as u32).unwrap_or(0);
            Some(Fingerprint {
                len,
                head: head & mask,
                tail: 0,
            })
        } else if len <= FINGERPRINTED {
            Some(Fingerprint {
                len,
                head: word(start)?,
                tail: word(end - 8)?,
            })
        } else {
            None
        }
    }

    /// The fingerprint of `bytes`, byte by byte.
    #[cold]
    fn of(bytes: &[u8]) -> Fingerprint {
        let padded = |part: &[u8]| {
            let mut word = [0u8; 8];
            for (slot, &b) in word.iter_mut().zip(part) {
                *slot = b;
            }
            u64::from_le_bytes(word)
        };
        let len = bytes.len();
        Fingerprint {
            len,
            head: padded(bytes),
            tail: if len > 8 {
                padded(bytes.get(len - 8..).unwrap_or_default())
            } else {
                0
            },
        }
    }

    /// The cache slot: a multiplicative hash of the fingerprint.
    #[inline]
    fn slot(&self) -> usize {
        let mixed = self.head.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ self.tail.wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            ^ self.len as u64;
        let mixed = (mixed ^ (mixed >> 29)).wrapping_mul(0x1656_67b1_9e37_79f9);
        (mixed >> (64 - KEY_SLOTS.trailing_zeros())) as usize
    }
}

impl KeyCache {
    /// The key `text[start..end]` (a `str` slice the parser checked).
    ///
    /// The usual case, a name of at most [`FINGERPRINTED`] bytes that the set's most recent way holds, is a few
    /// word reads and one comparison, inlined into the parser; everything else is [`KeyCache::key_rest`].
    #[inline]
    fn key(&mut self, text: &str, start: usize, end: usize) -> Key {
        if let Some(print) = Fingerprint::short(text.as_bytes(), start, end) {
            let set = print.slot() & !1;
            if let Some(Some((known, key))) = self.slots.get(set)
                && *known == print
            {
                return key.clone();
            }
        }
        self.key_rest(text, start, end)
    }

    /// [`KeyCache::key`] past its first check.
    #[inline(never)]
    fn key_rest(&mut self, text: &str, start: usize, end: usize) -> Key {
        let bytes = text.as_bytes().get(start..end).unwrap_or_default();
        if bytes.len() > MAX_CACHED_KEY {
            return Key::from(text.get(start..end).unwrap_or_default());
        }
        let print = Fingerprint::at(text.as_bytes(), start, end);
        let set = print.slot() & !1;
        let Some([recent, older]) = self.slots.get_mut(set..set + 2) else {
            return Key::from(text.get(start..end).unwrap_or_default());
        };
        let holds = |entry: &Option<(Fingerprint, Key)>| {
            entry.as_ref().is_some_and(|(known, key)| {
                *known == print && (bytes.len() <= FINGERPRINTED || key.as_str().is_some_and(|k| k.as_bytes() == bytes))
            })
        };
        // Two ways per set, the most recent first: two names that share a set (the members of one object) both
        // stay.
        if holds(recent) {
            if let Some((_, key)) = recent {
                return key.clone();
            }
        } else if holds(older) {
            std::mem::swap(recent, older);
            if let Some((_, key)) = recent {
                return key.clone();
            }
        }
        let key = Key::from(text.get(start..end).unwrap_or_default());
        *older = recent.replace((print, key.clone()));
        key
    }
}

/// Builds template values while the parser reads the text: what [`Converter::value`] makes of the parsed tree,
/// except that arrays are converted at once (there is no tree to keep).
struct ValueBuilder<'a> {
    converter: &'a Rc<Converter>,
    /// The converter's key cache, held for the whole parse (`None` when a nested parse holds it).
    keys: Option<Box<KeyCache>>,
    nodes: u64,
    /// Whether arrays of scalars stay text until read.
    defer: bool,
    /// A copy of the text those arrays read, made for the first one.
    shared: Option<Rc<str>>,
}

impl<'a> ValueBuilder<'a> {
    fn new(converter: &'a Rc<Converter>, defer: bool) -> ValueBuilder<'a> {
        ValueBuilder {
            converter,
            keys: converter.keys.try_borrow_mut().ok().and_then(|mut keys| keys.take()),
            nodes: 0,
            defer,
            shared: None,
        }
    }

    fn node(&mut self) {
        self.nodes = self.nodes.saturating_add(1);
    }
}

impl Drop for ValueBuilder<'_> {
    fn drop(&mut self) {
        if let Some(keys) = self.keys.take()
            && let Ok(mut slot) = self.converter.keys.try_borrow_mut()
        {
            *slot = Some(keys);
        }
    }
}

impl Builder for ValueBuilder<'_> {
    type Value = Value;
    type Key = Key;
    const READS_NUMBERS: bool = true;

    fn literal(&mut self, value: Option<bool>) -> Value {
        self.node();
        value.map_or(Value::Null, Value::Bool)
    }

    fn number(&mut self, text: &str, start: usize, end: usize, short: Short) -> Result<Value, JsonError> {
        self.node();
        Ok(match short {
            Short::Integer(n) => Value::integer(n),
            Short::Double(d) => Value::Double(d),
            Short::Other => general_number(text.get(start..end).unwrap_or_default()),
        })
    }

    fn string(&mut self, text: &str, start: usize, end: usize) -> Result<Value, JsonError> {
        self.node();
        Ok(Value::Str(Arc::from(text.get(start..end).unwrap_or_default())))
    }

    fn decoded(&mut self, text: String) -> Value {
        self.node();
        Value::Str(Arc::from(text))
    }

    fn key(&mut self, text: &str, start: usize, end: usize) -> Result<Key, JsonError> {
        Ok(match &mut self.keys {
            Some(keys) => keys.key(text, start, end),
            None => Key::from(text.get(start..end).unwrap_or_default()),
        })
    }

    fn decoded_key(&mut self, text: String) -> Key {
        match &mut self.keys {
            Some(keys) => keys.key(&text, 0, text.len()),
            None => Key::from(text.as_str()),
        }
    }

    fn array(&mut self, items: &mut Vec<Value>, start: usize) -> Value {
        self.node();
        JsonArray::new_value(items.drain(start..))
    }

    fn scalar_array(&mut self, text: &str, start: usize, end: usize, len: usize) -> Option<Value> {
        if !self.defer {
            return None;
        }
        self.nodes = self.nodes.saturating_add(len as u64 + 1);
        let text = self.shared.get_or_insert_with(|| Rc::from(text)).clone();
        Some(Value::object(JsonArray {
            source: Source::Text {
                text,
                start,
                end,
                len,
                converter: self.converter.clone(),
            },
            items: OnceCell::new(),
        }))
    }

    fn defers_scalar_arrays(&self) -> bool {
        self.defer
    }

    fn object(&mut self, members: &mut Vec<(Key, Value)>, start: usize) -> Value {
        self.node();
        // `put` keeps a repeated key's first position and takes its last value; so does `from_entries`.
        Value::Map(Map::from_entries(members.split_off(start.min(members.len()))))
    }
}

/// json-smart's number types: `Integer` when it fits, then `Long`, then `BigInteger`; decimals as `Double`.
fn number_value(literal: &str) -> Value {
    short_number(literal.as_bytes()).unwrap_or_else(|| general_number(literal))
}

/// [`number_value`] without its fast path: the general parse, for every literal the fast path does not take.
fn general_number(literal: &str) -> Value {
    if !literal.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        if let Ok(n) = literal.parse::<i64>() {
            return Value::integer(n);
        }
        if let Ok(n) = literal.parse::<i128>() {
            return Value::BigInt(Box::new(n));
        }
    }
    literal.parse::<f64>().map_or(Value::Null, Value::Double)
}

/// [`number_value`] of the numbers bodies are made of (the parser's [`Short`] forms), read in one pass; `None`
/// for anything else, which the general parse reads.
fn short_number(literal: &[u8]) -> Option<Value> {
    match number_scan(literal, 0) {
        Ok((Short::Integer(n), end)) if end == literal.len() => Some(Value::integer(n)),
        Ok((Short::Double(d), end)) if end == literal.len() => Some(Value::Double(d)),
        _ => None,
    }
}

/// Appends the JSON text of a template value (how json-smart serializes Java collections).
fn write_json_at(value: &Value, out: &mut String, depth: usize) {
    if depth > MAX_WRITE_DEPTH {
        out.push_str("null");
        return;
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(_) | Value::Int(_) | Value::Long(_) | Value::BigInt(_) | Value::Double(_) => {
            value.write_java_string(out);
        }
        Value::Str(s) => write_json_string(s, out),
        Value::List(list) => write_json_items(&list.to_vec(), out, depth),
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.to_vec().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(&k.to_java_string(), out);
                out.push(':');
                write_json_at(v, out, depth + 1);
            }
            out.push('}');
        }
        Value::Object(obj) => match obj.as_any().downcast_ref::<JsonArray>() {
            Some(array) => array.write_items(out, depth),
            None => write_json_string(&value.to_java_string(), out),
        },
        other => write_json_string(&other.to_java_string(), out),
    }
}

fn write_json_items(items: &[Value], out: &mut String, depth: usize) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_at(item, out, depth + 1);
    }
    out.push(']');
}

/// Appends what [`write_json_at`] writes for the template value of `json`, without making that value.
fn write_json_source_at(json: &Json, out: &mut String, depth: usize) {
    if depth > MAX_WRITE_DEPTH {
        out.push_str("null");
        return;
    }
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(n) => write_json_at(&number_value(n), out, depth),
        Json::String(s) => write_json_string(s, out),
        Json::Array(items) => write_json_source_items(items, out, depth),
        Json::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json_source_at(v, out, depth + 1);
            }
            out.push('}');
        }
    }
}

fn write_json_source_items(items: &[Json], out: &mut String, depth: usize) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_source_at(item, out, depth + 1);
    }
    out.push(']');
}

/// A json-smart `JSONArray`: a Java list whose `toString` is compact JSON (AWS-recorded: `$input.path` lists
/// render as `[{"foo":"bar"}]`, also inside maps).
///
/// An array from a JSON document keeps the JSON until a template looks at an item: its items become template
/// values then, once (so they are the same objects on every look). Its size and its text need no conversion.
#[derive(Debug)]
pub(crate) struct JsonArray {
    /// Where the items come from until converted.
    source: Source,
    items: OnceCell<List>,
}

#[derive(Debug)]
enum Source {
    /// Items made as template values.
    Values,
    /// The items of a parsed JSON tree.
    Tree(Arc<[Json]>, Rc<Converter>),
    /// An array of scalars read straight from a body: its text `text[start..end]`, checked by the parser, with
    /// `len` items (a list of tags nobody reads costs no values).
    Text {
        text: Rc<str>,
        start: usize,
        end: usize,
        len: usize,
        converter: Rc<Converter>,
    },
}

impl JsonArray {
    pub(crate) fn new_value(items: impl IntoIterator<Item = Value>) -> Value {
        Value::object(JsonArray {
            source: Source::Values,
            items: OnceCell::from(List::from_iter(items)),
        })
    }

    fn lazy(json: Arc<[Json]>, converter: Rc<Converter>) -> JsonArray {
        JsonArray {
            source: Source::Tree(json, converter),
            items: OnceCell::new(),
        }
    }

    /// The items as template values, converted on first use.
    fn items(&self) -> &List {
        self.items.get_or_init(|| match &self.source {
            Source::Values => List::new(),
            Source::Tree(json, converter) => json.iter().map(|j| converter.value(j)).collect(),
            Source::Text {
                text,
                start,
                end,
                converter,
                ..
            } => converter.scalar_items(text.get(*start..*end).unwrap_or_default()),
        })
    }

    /// The JSON not yet converted.
    fn unconverted(&self) -> Option<&[Json]> {
        match (self.items.get(), &self.source) {
            (None, Source::Tree(json, _)) => Some(json),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match (self.items.get(), &self.source) {
            (None, Source::Tree(json, _)) => json.len(),
            (None, Source::Text { len, .. }) => *len,
            _ => self.items().len(),
        }
    }

    fn write_items(&self, out: &mut String, depth: usize) {
        match self.unconverted() {
            Some(json) => write_json_source_items(json, out, depth),
            None => write_json_items(&self.items().to_vec(), out, depth),
        }
    }

    fn position(&self, needle: &Value) -> Option<usize> {
        self.items().to_vec().iter().position(|v| v.java_equals(needle))
    }
}

fn index_arg(args: &[Value]) -> Option<usize> {
    match args.first()? {
        Value::Int(i) => usize::try_from(*i).ok(),
        Value::Long(l) => usize::try_from(*l).ok(),
        _ => None,
    }
}

impl HostObject for JsonArray {
    fn type_name(&self) -> &str {
        "net.minidev.json.JSONArray"
    }

    fn property(&self, name: &str) -> Result<Value, HostError> {
        // Velocity reads `$list.empty` through `isEmpty()`.
        Ok(if name == "empty" {
            Value::Bool(self.len() == 0)
        } else {
            Value::Null
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        Ok(match (name, args.len()) {
            ("size", 0) => Value::Int(i32::try_from(self.len()).unwrap_or(i32::MAX)),
            ("isEmpty", 0) => Value::Bool(self.len() == 0),
            ("get", 1) => {
                let items = self.items();
                let Some(i) = index_arg(args).filter(|i| *i < items.len()) else {
                    return Err(HostError::new(format!(
                        "Index out of bounds: {} for length {}",
                        args.first().map(Value::to_java_string).unwrap_or_default(),
                        items.len()
                    )));
                };
                items.get(i).unwrap_or_default()
            }
            ("contains", 1) => Value::Bool(args.first().is_some_and(|v| self.position(v).is_some())),
            ("indexOf", 1) => {
                let found = args.first().and_then(|v| self.position(v));
                Value::Int(found.and_then(|i| i32::try_from(i).ok()).unwrap_or(-1))
            }
            ("add", 1) => {
                self.items().push(args.first().cloned().unwrap_or_default());
                Value::Bool(true)
            }
            ("toString", 0) | ("toJSONString", 0) => {
                let mut out = String::new();
                self.write_string(&mut out);
                Value::string(out)
            }
            _ => Value::Null,
        })
    }

    fn index(&self, key: &Value) -> Result<Value, HostError> {
        Ok(index_arg(std::slice::from_ref(key))
            .and_then(|i| self.items().get(i))
            .unwrap_or_default())
    }

    fn iterate(&self) -> Option<Vec<Value>> {
        Some(self.items().to_vec())
    }

    fn trace(&self, visit: &mut dyn FnMut(&Value)) {
        if let Some(items) = self.items.get() {
            visit(&Value::List(items.clone()));
        }
    }

    fn write_string(&self, out: &mut String) {
        self.write_items(out, 0);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A `$context` sub-object AWS prints as nothing (`$context.identity` renders `""`, AWS-recorded;
/// `$context.authorizer.claims` is documented as null) while its members stay readable.
#[derive(Debug)]
pub(crate) struct SilentMap {
    pub(crate) map: Map,
}

impl HostObject for SilentMap {
    fn type_name(&self) -> &str {
        "java.util.Map"
    }

    fn property(&self, name: &str) -> Result<Value, HostError> {
        Ok(self.map.get_str(name).unwrap_or_default())
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        Ok(match (name, args) {
            ("get", [key]) => self.map.get_str(&key.to_java_string()).unwrap_or_default(),
            ("containsKey", [key]) => Value::Bool(self.map.get_str(&key.to_java_string()).is_some()),
            ("keySet", []) => Value::list(self.map.keys()),
            ("values", []) => Value::list(self.map.values()),
            ("size", []) => Value::Int(i32::try_from(self.map.len()).unwrap_or(i32::MAX)),
            ("isEmpty", []) => Value::Bool(self.map.is_empty()),
            _ => Value::Null,
        })
    }

    fn index(&self, key: &Value) -> Result<Value, HostError> {
        Ok(self.map.get_str(&key.to_java_string()).unwrap_or_default())
    }

    fn iterate(&self) -> Option<Vec<Value>> {
        Some(self.map.values())
    }

    fn write_string(&self, _out: &mut String) {}

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Writes `value` as `$util`/`$input` arguments are read: Java's `String.valueOf`.
pub(crate) fn arg_string(value: &Value) -> Option<String> {
    arg_str(value).map(Cow::into_owned)
}

/// [`arg_string`], borrowing a string argument (the usual case) instead of copying it.
pub(crate) fn arg_str(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::Str(s) => Some(Cow::Borrowed(s)),
        _ => Some(Cow::Owned(value.to_java_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
            _ => a.type_name() == b.type_name() && a.java_equals(b),
        }
    }

    #[test]
    fn the_number_fast_path_agrees_with_the_general_parse() {
        let mut literals: Vec<String> = [
            "0",
            "-0",
            "7",
            "2147483647",
            "2147483648",
            "-2147483649",
            "999999999999999999",
            "1000000000000000000",
            "9223372036854775808",
            "1.0",
            "-0.0",
            "0.0",
            "1e2",
            "1E+2",
            "1e-2",
            "-2.5e+3",
            "3.5",
            "0.1",
            "0.3",
            "0.30000000000000004",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "9007199254740992.0",
            "9007199254740993.0",
            "9007199254740993e0",
            "123456789012345678.5",
            "1e400",
            "1e-400",
            "4.35",
            "2.675",
            "0e0",
            "-0e+5",
            "1e0001",
            "1.5e",
            "1.",
            ".5",
            "+1",
            "-",
            "",
            "1x",
            "1.5x",
            "1e5x",
            "00.5",
            "1e99999",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every decimal of up to 19 digits with the point anywhere, and exponents around the exact range.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 10_u64.pow(1 + (state >> 59) as u32 % 19)).to_string();
            let point = (state >> 40) as usize % (digits.len() + 1);
            let mut literal = String::new();
            if state & 1 == 1 {
                literal.push('-');
            }
            literal.push_str(&digits[..point.max(1)]);
            if point > 0 && point < digits.len() {
                literal.push('.');
                literal.push_str(&digits[point..]);
            }
            if state & 2 == 2 {
                literal.push_str(&format!("e{}", (state >> 20) as i64 % 30 - 15));
            }
            literals.push(literal);
        }
        for literal in &literals {
            let (fast, general) = (number_value(literal), general_number(literal));
            assert!(same(&fast, &general), "{literal}: {fast:?} vs {general:?}");
        }
    }

    #[test]
    fn fingerprints_read_by_words_are_the_ones_read_by_bytes() {
        let text: Vec<u8> = (0..64_u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for start in 0..text.len() {
            for end in start..=text.len() {
                let by_bytes = Fingerprint::of(&text[start..end]);
                assert_eq!(Fingerprint::at(&text, start, end), by_bytes, "{start}..{end}");
                let short = Fingerprint::short(&text, start, end);
                let words_fit = end - start <= FINGERPRINTED && start + 8 <= text.len();
                assert_eq!(short.is_some(), words_fit, "{start}..{end}");
                if let Some(short) = short {
                    assert_eq!(short, by_bytes, "{start}..{end}");
                }
            }
        }
    }

    #[test]
    fn cached_keys_are_the_keys_asked_for() {
        let mut cache = KeyCache::default();
        let names: Vec<String> = (0..2000)
            .map(|i| match i % 4 {
                0 => format!("k{i}"),
                1 => "x".repeat(i % 60),
                2 => format!("{}é{}", "a".repeat(i % 20), i % 7),
                _ => format!("name{}", i % 9),
            })
            .collect();
        for _ in 0..2 {
            for name in &names {
                assert_eq!(cache.key(name, 0, name.len()).as_str(), Some(name.as_str()));
                let quoted = format!("\"{name}\"");
                assert_eq!(cache.key(&quoted, 1, quoted.len() - 1).as_str(), Some(name.as_str()));
            }
        }
    }
}
