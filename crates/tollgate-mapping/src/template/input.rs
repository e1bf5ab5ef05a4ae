//! `$input` and `$util`: the operations, shared by prepared calls and by the objects templates can hold.

use std::any::Any;
use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use tollgate_vtl::{HostError, HostObject, Map, Value};

use super::schema::{op, util_op};
use super::values::{Converter, JsonArray, arg_str, arg_string};
use crate::json::{self, Json, write_compact};
use crate::jsonpath::{JsonPath, Selection};
use crate::request::MethodRequest;
use crate::util_functions;

/// What `$input` reads for one render.
#[derive(Debug)]
pub(crate) struct InputData<'a> {
    pub(crate) method: &'a MethodRequest,
    /// The payload `$input` reads: `{}` for an empty one (AWS-recorded).
    pub(crate) body: &'a str,
    /// The payload parsed as JSON, on first use; `None` when it is not JSON.
    pub(crate) json: &'a OnceCell<Option<Json>>,
    /// Work left for this render's JSONPath evaluations and JSON conversions (see [`HOST_WORK_BUDGET`]).
    pub(crate) work: &'a Cell<u64>,
    pub(crate) converter: &'a Rc<Converter>,
}

/// Work units one render may spend in `$input.json` / `$input.path` / `$util.parseJson` (JSONPath nodes visited,
/// values converted, bytes written / 8): the engine's step budget counts a host call as one step, so a template
/// calling `$input.path('$')` in a 1,000-iteration loop over a 10 MB body is bounded here instead.
pub(crate) const HOST_WORK_BUDGET: u64 = 64_000_000;

const OUT_OF_WORK: &str = "the render exceeded its work budget for JSON ($input.json, $input.path, $util.parseJson)";

fn charge(work: &Cell<u64>, units: u64) -> Result<(), HostError> {
    match work.get().checked_sub(units) {
        Some(left) => {
            work.set(left);
            Ok(())
        }
        None => {
            work.set(0);
            Err(HostError::new(OUT_OF_WORK))
        }
    }
}

impl<'a> InputData<'a> {
    pub(crate) fn new(
        method: &'a MethodRequest,
        body: &'a str,
        json: &'a OnceCell<Option<Json>>,
        work: &'a Cell<u64>,
        converter: &'a Rc<Converter>,
    ) -> Self {
        InputData {
            method,
            body: if body.is_empty() { "{}" } else { body },
            json,
            work,
            converter,
        }
    }

    fn select<'d>(&self, path: &JsonPath, doc: &'d Json) -> Result<Selection<'d>, HostError> {
        let mut left = self.work.get();
        let result = path.select_metered(doc, &mut left);
        self.work.set(left);
        result.map_err(|_| HostError::new(OUT_OF_WORK))
    }

    fn doc(&self) -> Option<&Json> {
        self.json.get_or_init(|| json::parse(self.body).ok()).as_ref()
    }

    /// Runs `$input.<op>(args)`; `path` is the literal JSONPath compiled at compile time, if any.
    pub(crate) fn call(&self, id: u32, path: Option<&JsonPath>, args: &[Value]) -> Result<Value, HostError> {
        match id {
            op::INPUT_BODY => Ok(Value::string(self.body)),
            op::INPUT_JSON | op::INPUT_PATH => {
                let compiled;
                let path = match path {
                    Some(p) => p,
                    None => {
                        let Some(text) = args.first().and_then(arg_string) else {
                            return Ok(Value::Null);
                        };
                        compiled = JsonPath::compile(&text).map_err(|e| HostError::new(e.to_string()))?;
                        &compiled
                    }
                };
                if id == op::INPUT_JSON {
                    self.json_text(path)
                } else {
                    self.path_value(path)
                }
            }
            op::INPUT_PARAMS_ALL => Ok(params_all(self.method)),
            op::INPUT_PARAMS_ONE => {
                let name = args.first().and_then(arg_string).unwrap_or_default();
                Ok(Value::string(self.method.param(&name).unwrap_or("")))
            }
            _ => Ok(Value::Null),
        }
    }

    /// `$input.json(path)`: the selection as compact JSON; `""` when nothing matches or the body is not JSON.
    fn json_text(&self, path: &JsonPath) -> Result<Value, HostError> {
        // `$input.json('$')` of a body nobody parsed yet: compact the text directly, without a tree.
        if path.is_root() && self.json.get().is_none() {
            charge(self.work, self.body.len() as u64 / 8)?;
            let mut out = String::with_capacity(self.body.len());
            match json::write_compact_text(self.body, &mut out) {
                Ok(true) => return Ok(Value::string(out)),
                Ok(false) => {}
                Err(_) => {
                    let _ = self.json.set(None);
                    return Ok(Value::string(""));
                }
            }
        }
        let Some(doc) = self.doc() else {
            return Ok(Value::string(""));
        };
        let selection = self.select(path, doc)?;
        let mut out = String::new();
        match selection {
            Selection::Missing => {}
            Selection::One(v) => write_compact(&v, &mut out),
            Selection::Many(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_compact(item, &mut out);
                }
                out.push(']');
            }
        }
        charge(self.work, out.len() as u64 / 8)?;
        Ok(Value::string(out))
    }

    /// `$input.path(path)`: the selection as template values; null when nothing matches.
    fn path_value(&self, path: &JsonPath) -> Result<Value, HostError> {
        // `$input.path('$')` of a body nobody parsed yet: build the values straight from the text.
        if path.is_root() && self.json.get().is_none() {
            return match self.converter.parse(self.body) {
                Ok((value, nodes)) => {
                    charge(self.work, nodes)?;
                    Ok(value)
                }
                Err(_) => {
                    let _ = self.json.set(None);
                    Ok(Value::Null)
                }
            };
        }
        let Some(doc) = self.doc() else { return Ok(Value::Null) };
        Ok(match self.select(path, doc)? {
            Selection::Missing => Value::Null,
            Selection::One(v) => {
                charge(self.work, v.node_count() as u64)?;
                self.converter.value(&v)
            }
            Selection::Many(items) => {
                charge(self.work, items.iter().map(|v| v.node_count() as u64).sum())?;
                JsonArray::new_value(items.iter().map(|v| self.converter.value(v)))
            }
        })
    }
}

/// `$input.params()`: `path`, `querystring` and `header` maps (a repeated name keeps its last value).
pub(crate) fn params_all(method: &MethodRequest) -> Value {
    let map_of = |pairs: &[(String, String)]| {
        let map = Map::new();
        for (k, v) in pairs {
            map.insert(Value::string(k.as_str()), Value::string(v.as_str()));
        }
        Value::Map(map)
    };
    Value::map([
        ("path", map_of(method.path())),
        ("querystring", map_of(method.query())),
        ("header", map_of(method.headers())),
    ])
}

/// Runs `$util.<op>(args)`. A null argument gives null; other values are read as strings.
pub(crate) fn call_util(
    id: u32,
    args: &[Value],
    work: &Cell<u64>,
    converter: &Rc<Converter>,
) -> Result<Value, HostError> {
    let [arg] = args else { return Ok(Value::Null) };
    let Some(text) = arg_str(arg) else {
        return Ok(Value::Null);
    };
    let mut out = String::new();
    match id {
        op::UTIL_ESCAPE_JAVASCRIPT => {
            return Ok(converter.string_from(arg, |out| util_functions::escape_javascript(&text, out)));
        }
        op::UTIL_URL_ENCODE => return Ok(converter.string_from(arg, |out| util_functions::url_encode(&text, out))),
        op::UTIL_URL_DECODE => out = util_functions::url_decode(&text).map_err(|e| HostError::new(e.to_string()))?,
        op::UTIL_BASE64_ENCODE => util_functions::base64_encode(&text, &mut out),
        op::UTIL_BASE64_DECODE => {
            out = util_functions::base64_decode(&text).map_err(|e| HostError::new(e.to_string()))?;
        }
        op::UTIL_PARSE_JSON => {
            let (value, nodes) = converter
                .parse(&text)
                .map_err(|e| HostError::new(format!("parseJson: {e}")))?;
            charge(work, nodes)?;
            return Ok(value);
        }
        _ => return Ok(Value::Null),
    }
    Ok(Value::string(out))
}

/// `$util` held as a value (`#set($u = $util)`), where calls cannot be prepared.
#[derive(Debug)]
pub(crate) struct UtilObject {
    pub(crate) work: Rc<Cell<u64>>,
    pub(crate) converter: Rc<Converter>,
}

impl HostObject for UtilObject {
    fn type_name(&self) -> &str {
        "com.amazonaws.apigateway.Util"
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        call_util(util_op(name), args, &self.work, &self.converter)
    }

    fn write_string(&self, out: &mut String) {
        out.push_str("com.amazonaws.apigateway.Util");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `$input` held as a value (`#set($in = $input)`): an owned copy of what it reads.
#[derive(Debug)]
pub(crate) struct InputObject {
    pub(crate) method: MethodRequest,
    pub(crate) body: String,
    pub(crate) json: Rc<OnceCell<Option<Json>>>,
    pub(crate) work: Rc<Cell<u64>>,
    pub(crate) converter: Rc<Converter>,
}

impl HostObject for InputObject {
    fn type_name(&self) -> &str {
        "com.amazonaws.apigateway.Input"
    }

    fn property(&self, name: &str) -> Result<Value, HostError> {
        Ok(if name == "body" {
            Value::string(self.body.as_str())
        } else {
            Value::Null
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        let id = match (name, args.len()) {
            ("json", 1) => op::INPUT_JSON,
            ("path", 1) => op::INPUT_PATH,
            ("params", 0) => op::INPUT_PARAMS_ALL,
            ("params", 1) => op::INPUT_PARAMS_ONE,
            ("getBody", 0) => op::INPUT_BODY,
            _ => return Ok(Value::Null),
        };
        InputData::new(&self.method, &self.body, &self.json, &self.work, &self.converter).call(id, None, args)
    }

    fn write_string(&self, out: &mut String) {
        out.push_str("com.amazonaws.apigateway.Input");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
