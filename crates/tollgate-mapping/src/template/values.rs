//! JSON bodies as template values: objects become `LinkedHashMap`s, arrays json-smart `JSONArray`s (lists that
//! print as compact JSON), numbers `Integer`/`Long`/`BigInteger`/`Double`.

use std::any::Any;
use std::fmt::Write as _;

use tollgate_vtl::{HostError, HostObject, List, Map, Value};

use crate::json::{Json, write_json_string};

/// Deepest value [`write_json`] writes; deeper parts print as `null` (templates can build cyclic lists).
const MAX_WRITE_DEPTH: usize = 64;

/// The template value of a JSON value.
pub(crate) fn json_to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number_value(n),
        Json::String(s) => Value::string(s.as_ref()),
        Json::Array(items) => JsonArray::new_value(items.iter().map(json_to_value)),
        Json::Object(map) => {
            let out = Map::new();
            for (k, v) in map {
                out.insert(Value::string(k.as_ref()), json_to_value(v));
            }
            Value::Map(out)
        }
    }
}

/// json-smart's number types: `Integer` when it fits, then `Long`, then `BigInteger`; decimals as `Double`.
fn number_value(literal: &str) -> Value {
    if !literal.contains(['.', 'e', 'E']) {
        if let Ok(n) = literal.parse::<i64>() {
            return Value::integer(n);
        }
        if let Ok(n) = literal.parse::<i128>() {
            return Value::BigInt(n);
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
            Some(array) => write_json_items(&array.items.to_vec(), out, depth),
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

/// A json-smart `JSONArray`: a Java list whose `toString` is compact JSON (AWS-recorded: `$input.path` lists
/// render as `[{"foo":"bar"}]`, also inside maps).
#[derive(Debug)]
pub(crate) struct JsonArray {
    items: List,
}

impl JsonArray {
    pub(crate) fn new_value(items: impl IntoIterator<Item = Value>) -> Value {
        Value::object(JsonArray {
            items: List::from_iter(items),
        })
    }

    fn position(&self, needle: &Value) -> Option<usize> {
        self.items.to_vec().iter().position(|v| v.java_equals(needle))
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
            Value::Bool(self.items.is_empty())
        } else {
            Value::Null
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        Ok(match (name, args.len()) {
            ("size", 0) => Value::Int(i32::try_from(self.items.len()).unwrap_or(i32::MAX)),
            ("isEmpty", 0) => Value::Bool(self.items.is_empty()),
            ("get", 1) => {
                let Some(i) = index_arg(args).filter(|i| *i < self.items.len()) else {
                    return Err(HostError::new(format!(
                        "Index out of bounds: {} for length {}",
                        args.first().map(Value::to_java_string).unwrap_or_default(),
                        self.items.len()
                    )));
                };
                self.items.get(i).unwrap_or_default()
            }
            ("contains", 1) => Value::Bool(args.first().is_some_and(|v| self.position(v).is_some())),
            ("indexOf", 1) => {
                let found = args.first().and_then(|v| self.position(v));
                Value::Int(found.and_then(|i| i32::try_from(i).ok()).unwrap_or(-1))
            }
            ("add", 1) => {
                self.items.push(args.first().cloned().unwrap_or_default());
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
            .and_then(|i| self.items.get(i))
            .unwrap_or_default())
    }

    fn iterate(&self) -> Option<Vec<Value>> {
        Some(self.items.to_vec())
    }

    fn write_string(&self, out: &mut String) {
        write_json_items(&self.items.to_vec(), out, 0);
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
    if value.is_null() {
        return None;
    }
    let mut s = String::new();
    let _ = write!(s, "{value}");
    Some(s)
}
