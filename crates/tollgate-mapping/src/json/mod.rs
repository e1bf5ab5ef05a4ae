//! The JSON documents templates see: request and integration-response bodies, `$util.parseJson` input and the
//! Lambda proxy events `tollgate render` reads.
//!
//! API Gateway reads bodies with json-smart in permissive, ordered mode (Jayway JsonPath's default provider), so
//! objects keep their key order, a repeated key keeps its first position with the last value, and numbers keep the
//! text they were written with (json-smart's high-precision mode hands out `BigDecimal`s, whose `toString` is the
//! literal). This module models exactly that: [`Json::Number`] holds the literal, objects are insertion-ordered.

mod compact;
mod object;
mod parse;
mod text;
mod write;

use std::sync::Arc;

pub use compact::write_compact_text;
pub use object::{Iter as ObjectIter, JsonObject};
pub(crate) use parse::{Builder, Short, number_scan, parse_with};
pub use parse::{JsonError, MAX_DEPTH, parse};
pub use text::JsonStr;
pub use write::{write_compact, write_java, write_json_string};

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the literal text it was written with (`10.50` stays `10.50`).
    Number(JsonStr),
    /// A string, unescaped.
    String(JsonStr),
    /// An array (cloning shares the items).
    Array(Arc<[Json]>),
    /// An object in key order.
    Object(JsonObject),
}

impl Json {
    /// The member `key` of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// The string inside a [`Json::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as `f64`, for comparisons in JSONPath filters.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// Whether this value is a JSON `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// How many values this tree holds (itself included); used to charge copies against a work budget.
    pub fn node_count(&self) -> usize {
        match self {
            Json::Array(items) => 1 + items.iter().map(Json::node_count).sum::<usize>(),
            Json::Object(map) => 1 + map.values().map(Json::node_count).sum::<usize>(),
            _ => 1,
        }
    }

    /// The compact JSON text of this value.
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        write_compact(self, &mut out);
        out
    }
}

#[cfg(test)]
mod tests;
