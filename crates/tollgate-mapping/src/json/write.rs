//! Writing JSON values: compact JSON text, and the Java `toString` form templates print.

use std::fmt::Write as _;

use super::Json;

/// Appends the compact JSON text of `value` (no spaces, keys in order, numbers as written).
pub fn write_compact(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(n) => out.push_str(n),
        Json::String(s) => write_json_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_compact(item, out);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a quoted JSON string: `"` and `\` escaped, control characters as short or `\u00XX` escapes,
/// everything else (non-ASCII included) as is.
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[run_start..i]);
        run_start = i + 1;
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// Appends the Java `toString` of the object API Gateway builds for `value` (what `$input.path` results print):
/// objects are `LinkedHashMap`s (`{k=v, k2=v2}`), arrays are json-smart `JSONArray`s whose `toString` is compact
/// JSON, strings print raw, numbers as written, `null` as `null`.
pub fn write_java(value: &Json, out: &mut String) {
    match value {
        Json::String(s) => out.push_str(s),
        Json::Array(_) => write_compact(value, out),
        Json::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_java(item, out);
            }
            out.push('}');
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => write_compact(value, out),
    }
}
