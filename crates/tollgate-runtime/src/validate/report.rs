//! `$context.error.validationErrorString`: the body-validation report in the words of the Java library API
//! Gateway validates with (java-json-tools' json-schema-validator, "fge").
//!
//! AWS does not document the format (spec §9.1 [unk]); what is known comes from real responses published in
//! public test suites ([obs]): the string is a Java `List.toString()` of the report's messages, e.g.
//! `[object has missing required properties (["transactionId"])]`,
//! `[instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])]`,
//! `[instance value ("AB") not found in enum (possible values: [...])]`,
//! `[numeric instance is lower than the required minimum (minimum: 315529200000, found: 1)]`,
//! `[instance failed to match exactly one schema (matched 0 out of 4)]`. Each message below is the library's
//! message bundle text with its arguments formatted as the library formats them (Jackson's compact JSON).
//!
//! Which messages, in which order: the library walks the instance depth first (an object's members in sorted
//! name order, an array's items in index order), runs a node's keywords in keyword-name order, and descends
//! into a node's children only while the report is still empty. `jsonschema` reports every error, so they are
//! sorted into that walk and those the library would not have reached are dropped. Keywords the library
//! reports as one message (`required`, `allOf`) are merged.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use super::schema;

/// How many `jsonschema` errors are read for one report (a body can violate a schema in many places; AWS
/// answers with the first level of the walk anyway).
const MAX_ERRORS: usize = 256;

/// One message of the report, where the walk meets it.
#[derive(Debug)]
struct Entry {
    instance: Vec<String>,
    keyword: &'static str,
    message: String,
}

/// The report for an instance that `model` rejected.
pub(crate) fn report(model: &schema::CompiledModel, instance: &Value) -> String {
    let mut entries = Vec::new();
    let mut required: HashMap<Vec<String>, Vec<String>> = HashMap::new();
    let mut all_of: HashMap<(Vec<String>, String), AllOfGroup> = HashMap::new();
    for error in model.validator.iter_errors(instance).take(MAX_ERRORS) {
        let evaluation = segments(error.evaluation_path().as_str());
        let instance_path = segments(error.instance_path().as_str());
        if let Some(at) = evaluation.iter().position(|s| s == "allOf") {
            // The library reports an unmatched `allOf` as one message at the node holding it.
            let depth = instance_depth(&evaluation[..at]);
            let node = instance_path.get(..depth).unwrap_or(&instance_path).to_vec();
            let index = evaluation.get(at + 1).cloned().unwrap_or_default();
            let key = (node, evaluation[..at].join("/"));
            let group = all_of.entry(key).or_insert_with(|| AllOfGroup {
                size: all_of_size(model, &evaluation[..at]),
                failed: Vec::new(),
            });
            if !group.failed.contains(&index) {
                group.failed.push(index);
            }
            continue;
        }
        if let ValidationErrorKind::Required { property } = error.kind() {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
            let missing = required.entry(instance_path).or_default();
            if !missing.contains(&name) {
                missing.push(name);
            }
            continue;
        }
        if let Some(entry) = entry(&error, instance_path) {
            entries.push(entry);
        }
    }
    for (instance, mut missing) in required {
        missing.sort_by(|a, b| java_compare(a, b));
        let mut list = String::from("[");
        for (i, name) in missing.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            push_json(&Value::String(name.clone()), &mut list);
        }
        list.push(']');
        entries.push(Entry {
            instance,
            keyword: "required",
            message: format!("object has missing required properties ({list})"),
        });
    }
    for ((instance, _), group) in all_of {
        let matched = group.size.saturating_sub(group.failed.len());
        entries.push(Entry {
            instance,
            keyword: "allOf",
            message: format!(
                "instance failed to match all required schemas (matched only {matched} out of {})",
                group.size
            ),
        });
    }
    entries.sort_by(|a, b| compare_paths(&a.instance, &b.instance).then_with(|| a.keyword.cmp(b.keyword)));
    let reached = reached_by_the_walk(&entries);
    let mut out = String::from("[");
    for (i, entry) in reached.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&entry.message);
    }
    out.push(']');
    out
}

#[derive(Debug)]
struct AllOfGroup {
    size: usize,
    failed: Vec<String>,
}

/// The entries the library's walk reports: every message at the first failing node, and the messages of the
/// nodes it still visits afterwards without descending (later siblings of that node and of its ancestors).
fn reached_by_the_walk(entries: &[Entry]) -> Vec<&Entry> {
    let Some(first) = entries.first() else {
        return Vec::new();
    };
    let failing = &first.instance;
    entries
        .iter()
        .filter(|e| {
            e.instance == *failing
                || e.instance
                    .split_last()
                    .is_some_and(|(_, parent)| parent.len() < failing.len() && failing.starts_with(parent))
        })
        .collect()
}

/// The message of one error, in the library's words; `None` for kinds draft 4 does not have.
fn entry(error: &ValidationError<'_>, instance: Vec<String>) -> Option<Entry> {
    let value = error.instance();
    let (keyword, message) = match error.kind() {
        ValidationErrorKind::Type { kind } => ("type", type_message(value, kind)),
        ValidationErrorKind::Enum { options } => (
            "enum",
            format!(
                "instance value ({}) not found in enum (possible values: {})",
                json(value),
                json(options)
            ),
        ),
        ValidationErrorKind::Minimum { limit } => (
            "minimum",
            format!(
                "numeric instance is lower than the required minimum (minimum: {}, found: {})",
                json(limit),
                json(value)
            ),
        ),
        ValidationErrorKind::ExclusiveMinimum { limit } => ("minimum", exclusive(value, limit, true)),
        ValidationErrorKind::Maximum { limit } => (
            "maximum",
            format!(
                "numeric instance is greater than the required maximum (maximum: {}, found: {})",
                json(limit),
                json(value)
            ),
        ),
        ValidationErrorKind::ExclusiveMaximum { limit } => ("maximum", exclusive(value, limit, false)),
        ValidationErrorKind::MultipleOf { multiple_of } => (
            "multipleOf",
            format!(
                "remainder of division is not zero ({} / {})",
                json(value),
                number(*multiple_of)
            ),
        ),
        ValidationErrorKind::MaxLength { limit } => {
            let text = value.as_str().unwrap_or("");
            (
                "maxLength",
                format!(
                    "string \"{text}\" is too long (length: {}, maximum allowed: {limit})",
                    text.chars().count()
                ),
            )
        }
        ValidationErrorKind::MinLength { limit } => {
            let text = value.as_str().unwrap_or("");
            (
                "minLength",
                format!(
                    "string \"{text}\" is too short (length: {}, required minimum: {limit})",
                    text.chars().count()
                ),
            )
        }
        ValidationErrorKind::Pattern { pattern } => (
            "pattern",
            format!(
                "ECMA 262 regex \"{pattern}\" does not match input string \"{}\"",
                value.as_str().unwrap_or("")
            ),
        ),
        ValidationErrorKind::MaxItems { limit } => (
            "maxItems",
            format!(
                "array is too long: must have at most {limit} elements but instance has {} elements",
                array_len(value)
            ),
        ),
        ValidationErrorKind::MinItems { limit } => (
            "minItems",
            format!(
                "array is too short: must have at least {limit} elements but instance has {} elements",
                array_len(value)
            ),
        ),
        ValidationErrorKind::UniqueItems => ("uniqueItems", "array must not contain duplicate elements".to_owned()),
        ValidationErrorKind::AdditionalItems { limit } => (
            "additionalItems",
            format!(
                "schema only allows {limit} elements in array but instance has {} elements",
                array_len(value)
            ),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let mut names = unexpected.clone();
            names.sort_by(|a, b| java_compare(a, b));
            let list = Value::Array(names.into_iter().map(Value::String).collect());
            (
                "additionalProperties",
                format!(
                    "object instance has properties which are not allowed by the schema: {}",
                    json(&list)
                ),
            )
        }
        ValidationErrorKind::MaxProperties { limit } => (
            "maxProperties",
            format!(
                "object has too many properties (found {} but schema requires at most {limit})",
                object_len(value)
            ),
        ),
        ValidationErrorKind::MinProperties { limit } => (
            "minProperties",
            format!(
                "object has too few properties (found {} but schema requires at least {limit})",
                object_len(value)
            ),
        ),
        ValidationErrorKind::Not { .. } => ("not", "instance matched a schema which it should not have".to_owned()),
        ValidationErrorKind::AnyOf { context } => (
            "anyOf",
            format!(
                "instance failed to match at least one required schema among {}",
                context.len()
            ),
        ),
        ValidationErrorKind::OneOfNotValid { context } => (
            "oneOf",
            format!(
                "instance failed to match exactly one schema (matched 0 out of {})",
                context.len()
            ),
        ),
        ValidationErrorKind::OneOfMultipleValid { context } => {
            let matched = context.iter().filter(|errors| errors.is_empty()).count().max(2);
            (
                "oneOf",
                format!(
                    "instance failed to match exactly one schema (matched {matched} out of {})",
                    context.len()
                ),
            )
        }
        ValidationErrorKind::Format { format } => {
            if !schema::is_checked_format(format) {
                return None;
            }
            ("format", format_message(format, value.as_str().unwrap_or("")))
        }
        ValidationErrorKind::BacktrackLimitExceeded { .. } | ValidationErrorKind::RegexEngineFailure { .. } => (
            "pattern",
            format!(
                "ECMA 262 regex could not be evaluated against input string \"{}\"",
                value.as_str().unwrap_or("")
            ),
        ),
        _ => return None,
    };
    Some(Entry {
        instance,
        keyword,
        message,
    })
}

/// `err.common.typeNoMatch`: the found type, and the allowed ones in the library's type order (`number`
/// allows `integer` too).
fn type_message(value: &Value, kind: &TypeKind) -> String {
    let mut allowed: Vec<JsonType> = match kind {
        TypeKind::Single(single) => vec![*single],
        TypeKind::Multiple(set) => set.iter().collect(),
    };
    if allowed.contains(&JsonType::Number) && !allowed.contains(&JsonType::Integer) {
        allowed.push(JsonType::Integer);
    }
    allowed.sort_by_key(|t| type_rank(*t));
    allowed.dedup();
    let mut list = String::from("[");
    for (i, t) in allowed.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        let _ = write!(list, "\"{}\"", type_name(*t));
        // `write!` into a String cannot fail.
    }
    list.push(']');
    format!(
        "instance type ({}) does not match any allowed primitive type (allowed: {list})",
        found_type(value)
    )
}

/// The library's `NodeType` order: array, boolean, integer, null, number, object, string.
fn type_rank(t: JsonType) -> u8 {
    match t {
        JsonType::Array => 0,
        JsonType::Boolean => 1,
        JsonType::Integer => 2,
        JsonType::Null => 3,
        JsonType::Number => 4,
        JsonType::Object => 5,
        JsonType::String => 6,
    }
}

fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "array",
        JsonType::Boolean => "boolean",
        JsonType::Integer => "integer",
        JsonType::Null => "null",
        JsonType::Number => "number",
        JsonType::Object => "object",
        JsonType::String => "string",
    }
}

/// The instance's type as the library names it: a number written without fraction or exponent is `integer`.
fn found_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An exclusive bound: "lower than" when the value is past it, "not strictly" when it equals it.
fn exclusive(value: &Value, limit: &Value, minimum: bool) -> String {
    let (v, l) = (value.as_f64().unwrap_or(0.0), limit.as_f64().unwrap_or(0.0));
    match (minimum, v.partial_cmp(&l)) {
        (true, Some(Ordering::Less)) => format!(
            "numeric instance is lower than the required minimum (minimum: {}, found: {})",
            json(limit),
            json(value)
        ),
        (true, _) => format!(
            "numeric instance is not strictly greater than the required minimum {}",
            json(limit)
        ),
        (false, Some(Ordering::Greater)) => format!(
            "numeric instance is greater than the required maximum (maximum: {}, found: {})",
            json(limit),
            json(value)
        ),
        (false, _) => format!(
            "numeric instance is not strictly lower than the required maximum {}",
            json(limit)
        ),
    }
}

/// The library's format messages (`err.format.*`).
fn format_message(format: &str, text: &str) -> String {
    match format {
        "date-time" => format!(
            "string \"{text}\" is invalid against requested date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, \
             yyyy-MM-dd'T'HH:mm:ss.[0-9]{{1,12}}Z]"
        ),
        "email" => format!("string \"{text}\" is not a valid email address"),
        "hostname" => format!("string \"{text}\" is not a valid hostname"),
        "ipv4" => format!("string \"{text}\" is not a valid IPv4 address"),
        "ipv6" => format!("string \"{text}\" is not a valid IPv6 address"),
        "regex" => format!("string \"{text}\" is not a valid ECMA 262 regular expression"),
        _ => format!("string \"{text}\" is not a valid URI"),
    }
}

fn array_len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

fn object_len(value: &Value) -> usize {
    value.as_object().map_or(0, serde_json::Map::len)
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// Compact JSON, as Jackson's `JsonNode.toString()` writes it.
fn json(value: &Value) -> String {
    let mut out = String::new();
    push_json(value, &mut out);
    out
}

fn push_json(value: &Value, out: &mut String) {
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
}

/// The segments of a JSON pointer, unescaped.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// How many instance levels an evaluation path descends (keywords that apply a schema to a child).
fn instance_depth(evaluation: &[String]) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < evaluation.len() {
        match evaluation[i].as_str() {
            "properties" | "patternProperties" => {
                depth += 1;
                i += 2;
            }
            "items" => {
                depth += 1;
                let tuple = evaluation.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok());
                i += if tuple { 2 } else { 1 };
            }
            "additionalProperties" | "additionalItems" => {
                depth += 1;
                i += 1;
            }
            "dependencies" | "anyOf" | "oneOf" | "allOf" => i += 2,
            _ => i += 1,
        }
    }
    depth
}

/// The number of subschemas of the `allOf` reached by `evaluation` (an evaluation path from the model's root,
/// `$ref`s included).
fn all_of_size(model: &schema::CompiledModel, evaluation: &[String]) -> usize {
    let Some(mut node) = model.documents.get(&*model.name) else {
        return 0;
    };
    for segment in evaluation {
        node = match (node, segment.as_str()) {
            (Value::Object(members), "$ref") => match members.get("$ref").and_then(Value::as_str) {
                Some(target) => match resolve(model, target) {
                    Some(found) => found,
                    None => return 0,
                },
                None => return 0,
            },
            (Value::Object(members), key) => match members.get(key) {
                Some(child) => child,
                None => return 0,
            },
            (Value::Array(items), index) => match index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(child) => child,
                None => return 0,
            },
            _ => return 0,
        };
    }
    node.get("allOf").and_then(Value::as_array).map_or(0, Vec::len)
}

/// A rewritten reference (`…/models/Name[#/pointer]`) in the model documents.
fn resolve<'m>(model: &'m schema::CompiledModel, target: &str) -> Option<&'m Value> {
    let (uri, pointer) = target.split_once('#').unwrap_or((target, ""));
    let name = uri.rsplit('/').next()?;
    let document = model.documents.get(name)?;
    if pointer.is_empty() {
        Some(document)
    } else {
        document.pointer(pointer)
    }
}

/// The walk's order of instance paths: a node before its children, object members by name (Java's `String`
/// order), array items by index.
fn compare_paths(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            _ => java_compare(x, y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// `String.compareTo`: UTF-16 code unit order.
fn java_compare(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &[&str]) -> Entry {
        Entry {
            instance: path.iter().map(|s| (*s).to_owned()).collect(),
            keyword: "type",
            message: path.join("/"),
        }
    }

    #[test]
    fn the_walk_stops_descending_after_the_first_failure() {
        // Sorted as the walk meets them: /a/b fails first; /a/c and /c are still visited (siblings of the
        // failing node and of its parent), /a/b/x and /c/d are not (the walk no longer descends).
        let entries = vec![
            entry(&["a", "b"]),
            entry(&["a", "b", "x"]),
            entry(&["a", "c"]),
            entry(&["c"]),
            entry(&["c", "d"]),
        ];
        let reached: Vec<&str> = reached_by_the_walk(&entries)
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(reached, ["a/b", "a/c", "c"]);
    }

    #[test]
    fn paths_sort_like_the_walk() {
        let mut paths = [
            vec!["b".to_owned()],
            vec!["a".to_owned(), "10".to_owned()],
            vec!["a".to_owned(), "9".to_owned()],
        ];
        paths.sort_by(|a, b| compare_paths(a, b));
        assert_eq!(paths[0], ["a", "9"]);
        assert_eq!(paths[1], ["a", "10"]);
        assert_eq!(paths[2], ["b"]);
    }

    #[test]
    fn instance_depth_counts_child_keywords() {
        let path: Vec<String> = ["properties", "a", "items", "allOf"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(instance_depth(&path[..3]), 2);
    }
}
