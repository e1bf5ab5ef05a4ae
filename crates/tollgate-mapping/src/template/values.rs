//! JSON bodies as template values: objects become `LinkedHashMap`s, arrays json-smart `JSONArray`s (lists that
//! print as compact JSON), numbers `Integer`/`Long`/`BigInteger`/`Double`.

use std::any::Any;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use tollgate_vtl::{HostError, HostObject, Key, List, Map, Value};

use crate::json::{Builder, Json, JsonError, parse_with, write_json_string};

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
            Json::Object(members) => {
                let map = Map::with_capacity(members.len());
                for (k, v) in members {
                    let key = self.key(k);
                    map.insert(key, self.value(v));
                }
                Value::Map(map)
            }
        }
    }

    /// The template value of the JSON `text`, built straight from the text (no [`Json`] tree), and how many
    /// values it holds (what [`Json::node_count`] counts).
    pub(crate) fn parse(self: &Rc<Self>, text: &str) -> Result<(Value, u64), JsonError> {
        let mut builder = ValueBuilder {
            converter: self,
            nodes: 0,
            defer: true,
            shared: None,
        };
        let value = parse_with(text, &mut builder)?;
        Ok((value, builder.nodes))
    }

    /// The items of `text`, an array of scalars the parser checked before.
    fn scalar_items(self: &Rc<Self>, text: &str) -> List {
        let mut builder = ValueBuilder {
            converter: self,
            nodes: 0,
            defer: false,
            shared: None,
        };
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
                Some(cache) => cache.key(name),
                None => Key::from(name),
            },
            Err(_) => Key::from(name),
        }
    }
}

/// The keys made in recent renders on this thread, by a hash of their text: one slot per hash, the latest key wins it, so a
/// lookup is one comparison and no input can make it slower.
#[derive(Debug)]
struct KeyCache {
    slots: [Option<Key>; KEY_SLOTS],
}

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache {
            slots: std::array::from_fn(|_| None),
        }
    }
}

const KEY_SLOTS: usize = 64;
/// Longer keys are made each time (rare, and hashing them costs as much as making them).
const MAX_CACHED_KEY: usize = 48;

impl KeyCache {
    fn key(&mut self, name: &str) -> Key {
        if name.len() > MAX_CACHED_KEY {
            return Key::from(name);
        }
        // FNV-1a: a few instructions per byte for short keys.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let Some(slot) = self.slots.get_mut((hash as usize) % KEY_SLOTS) else {
            return Key::from(name);
        };
        if let Some(key) = slot
            && key.as_str() == Some(name)
        {
            return key.clone();
        }
        let key = Key::from(name);
        *slot = Some(key.clone());
        key
    }
}

/// Builds template values while the parser reads the text: what [`Converter::value`] makes of the parsed tree,
/// except that arrays are converted at once (there is no tree to keep).
struct ValueBuilder<'a> {
    converter: &'a Rc<Converter>,
    nodes: u64,
    /// Whether arrays of scalars stay text until read.
    defer: bool,
    /// A copy of the text those arrays read, made for the first one.
    shared: Option<Rc<str>>,
}

impl ValueBuilder<'_> {
    fn node(&mut self) {
        self.nodes = self.nodes.saturating_add(1);
    }
}

impl Builder for ValueBuilder<'_> {
    type Value = Value;
    type Key = Key;

    fn literal(&mut self, value: Option<bool>) -> Value {
        self.node();
        value.map_or(Value::Null, Value::Bool)
    }

    fn number(&mut self, text: &str, start: usize, end: usize) -> Result<Value, JsonError> {
        self.node();
        Ok(number_value(text.get(start..end).unwrap_or_default()))
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
        Ok(self.converter.key(text.get(start..end).unwrap_or_default()))
    }

    fn decoded_key(&mut self, text: String) -> Key {
        self.converter.key(&text)
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
        let map = Map::with_capacity(members.len().saturating_sub(start));
        // `put` keeps a repeated key's first position and takes its last value.
        for (key, value) in members.drain(start..) {
            map.insert(key, value);
        }
        Value::Map(map)
    }
}

/// json-smart's number types: `Integer` when it fits, then `Long`, then `BigInteger`; decimals as `Double`.
fn number_value(literal: &str) -> Value {
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
