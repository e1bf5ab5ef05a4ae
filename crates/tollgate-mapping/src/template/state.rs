//! What a template leaves behind in `$context`: overrides for the runtime, and everything the request template
//! set, carried to the response template. Plain `Send` data, so the runtime can hold it across the integration
//! call.

use tollgate_vtl::{Map, Value};

/// `$context.requestOverride.*` as the request template left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOverride {
    /// `requestOverride.header.*`: integration request headers to replace.
    pub header: Vec<(String, String)>,
    /// `requestOverride.querystring.*`: integration query parameters to replace.
    pub querystring: Vec<(String, String)>,
    /// `requestOverride.path.*`: integration URI path parameters to replace.
    pub path: Vec<(String, String)>,
}

/// `$context.responseOverride.*` as the templates left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseOverride {
    /// `responseOverride.status`, when set to an integer in 100–599 (anything else is ignored).
    pub status: Option<u16>,
    /// `responseOverride.header.*`: method response headers to replace.
    pub header: Vec<(String, String)>,
}

/// The `$context` state that outlives one render: the overrides, and the values a request template set, which
/// the response template of the same request reads back (AWS-recorded: custom keys included).
///
/// Start each request with `ContextState::default()`, render the request template, apply
/// [`ContextState::request_override`], call the integration, render the response template with the same state,
/// then apply [`ContextState::response_override`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextState {
    /// The request overrides.
    pub request_override: RequestOverride,
    /// The response overrides.
    pub response_override: ResponseOverride,
    /// Keys templates added to `$context`, with their values, in order.
    pub(crate) carried: Vec<(String, Carried)>,
}

impl ContextState {
    /// Whether any override is set.
    pub fn has_overrides(&self) -> bool {
        let r = &self.request_override;
        let s = &self.response_override;
        !(r.header.is_empty()
            && r.querystring.is_empty()
            && r.path.is_empty()
            && s.status.is_none()
            && s.header.is_empty())
    }
}

/// A template value detached from its render (values are `Rc`-shared inside one render only).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Carried {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(String),
    List(Vec<Carried>),
    Map(Vec<(String, Carried)>),
}

/// How deep and how many values a carried value may hold: a template can build self-referencing collections.
const MAX_CARRIED_DEPTH: usize = 16;
const MAX_CARRIED_VALUES: usize = 10_000;

impl Carried {
    pub(crate) fn from_value(value: &Value) -> Carried {
        let mut budget = MAX_CARRIED_VALUES;
        Carried::detach(value, 0, &mut budget)
    }

    fn detach(value: &Value, depth: usize, budget: &mut usize) -> Carried {
        if depth > MAX_CARRIED_DEPTH || *budget == 0 {
            return Carried::Null;
        }
        *budget -= 1;
        match value {
            Value::Null => Carried::Null,
            Value::Bool(b) => Carried::Bool(*b),
            Value::Int(i) => Carried::Int(*i),
            Value::Long(l) => Carried::Long(*l),
            Value::Double(d) => Carried::Double(*d),
            Value::Str(s) => Carried::Str(s.to_string()),
            Value::List(list) => Carried::List(
                list.to_vec()
                    .iter()
                    .map(|v| Carried::detach(v, depth + 1, budget))
                    .collect(),
            ),
            Value::Map(map) => Carried::Map(
                map.to_vec()
                    .iter()
                    .map(|(k, v)| (k.to_java_string(), Carried::detach(v, depth + 1, budget)))
                    .collect(),
            ),
            other => Carried::Str(other.to_java_string()),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Carried::Null => Value::Null,
            Carried::Bool(b) => Value::Bool(*b),
            Carried::Int(i) => Value::Int(*i),
            Carried::Long(l) => Value::Long(*l),
            Carried::Double(d) => Value::Double(*d),
            Carried::Str(s) => Value::string(s.as_str()),
            Carried::List(items) => Value::list(items.iter().map(Carried::to_value)),
            Carried::Map(entries) => {
                let map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(Value::string(k.as_str()), v.to_value());
                }
                Value::Map(map)
            }
        }
    }
}

/// Reads a template-written override map (`header`, `querystring`, `path`) as name/value pairs; non-string
/// values are written with Java's `toString`, nulls skipped.
pub(crate) fn pairs_of(value: Option<Value>) -> Vec<(String, String)> {
    let Some(Value::Map(map)) = value else {
        return Vec::new();
    };
    map.to_vec()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_java_string(), v.to_java_string()))
        .collect()
}

/// `responseOverride.status`: an integer, or a string holding one, in 100–599.
pub(crate) fn status_of(value: Option<Value>) -> Option<u16> {
    let n: i64 = match value? {
        Value::Int(i) => i64::from(i),
        Value::Long(l) => l,
        Value::Str(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
}
