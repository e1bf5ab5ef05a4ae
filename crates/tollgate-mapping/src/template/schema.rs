//! Compile-time preparation of `$input.*` and `$util.*` calls: names resolved to ids, literal JSONPaths
//! compiled once.

use tollgate_vtl::{Arg, HostError, Prepared, RootId, Schema};

use super::context_value::member_index;
use crate::jsonpath::JsonPath;

/// The roots API Gateway declares, by id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Roots {
    pub(crate) input: RootId,
    pub(crate) util: RootId,
    pub(crate) context: RootId,
    pub(crate) stage_variables: RootId,
}

/// Prepared operations (the `id` of a [`Prepared`]).
pub(crate) mod op {
    pub(crate) const INPUT_BODY: u32 = 1;
    /// `$input.json(path)`; the data is the compiled path when it was a literal.
    pub(crate) const INPUT_JSON: u32 = 2;
    /// `$input.path(path)`; likewise.
    pub(crate) const INPUT_PATH: u32 = 3;
    pub(crate) const INPUT_PARAMS_ALL: u32 = 4;
    pub(crate) const INPUT_PARAMS_ONE: u32 = 5;
    pub(crate) const UTIL_ESCAPE_JAVASCRIPT: u32 = 10;
    pub(crate) const UTIL_PARSE_JSON: u32 = 11;
    pub(crate) const UTIL_URL_ENCODE: u32 = 12;
    pub(crate) const UTIL_URL_DECODE: u32 = 13;
    pub(crate) const UTIL_BASE64_ENCODE: u32 = 14;
    pub(crate) const UTIL_BASE64_DECODE: u32 = 15;
    /// Any other `$util` method: renders nothing (spec §2.2).
    pub(crate) const UTIL_UNKNOWN: u32 = 19;
    /// `$stageVariables.name`; the data is the name.
    pub(crate) const STAGE_VARIABLE: u32 = 20;
    /// `$context.name`: this plus the name's index in `context_value::MEMBERS`.
    pub(crate) const CONTEXT_MEMBER: u32 = 100;
}

/// The `$util` functions by name.
pub(crate) fn util_op(name: &str) -> u32 {
    match name {
        "escapeJavaScript" => op::UTIL_ESCAPE_JAVASCRIPT,
        "parseJson" => op::UTIL_PARSE_JSON,
        "urlEncode" => op::UTIL_URL_ENCODE,
        "urlDecode" => op::UTIL_URL_DECODE,
        "base64Encode" => op::UTIL_BASE64_ENCODE,
        "base64Decode" => op::UTIL_BASE64_DECODE,
        _ => op::UTIL_UNKNOWN,
    }
}

#[derive(Debug)]
pub(crate) struct MappingSchema {
    pub(crate) roots: Roots,
    /// Whether `$context.name` and `$stageVariables.name` reads are prepared (see [`sets_a_member`]).
    pub(crate) members: bool,
}

impl Schema for MappingSchema {
    fn prepare_method(&self, root: RootId, name: &str, args: &[Arg<'_>]) -> Result<Option<Prepared>, HostError> {
        if root == self.roots.util {
            return Ok(Some(Prepared::id(util_op(name))));
        }
        if root != self.roots.input {
            return Ok(None);
        }
        let prepared = match (name, args) {
            ("json" | "path", [arg]) => {
                let id = if name == "json" { op::INPUT_JSON } else { op::INPUT_PATH };
                match arg {
                    Arg::Str(text) => {
                        // A literal path is compiled once; a malformed one is a compile error at the argument.
                        let path = JsonPath::compile(text).map_err(|e| HostError::at_arg(0, e.to_string()))?;
                        Prepared::with_data(id, path)
                    }
                    _ => Prepared::id(id),
                }
            }
            ("params", []) => Prepared::id(op::INPUT_PARAMS_ALL),
            ("params", [_]) => Prepared::id(op::INPUT_PARAMS_ONE),
            _ => return Ok(None),
        };
        Ok(Some(prepared))
    }

    fn prepare_property(&self, root: RootId, name: &str) -> Result<Option<Prepared>, HostError> {
        if root == self.roots.input {
            return Ok((name == "body").then(|| Prepared::id(op::INPUT_BODY)));
        }
        if !self.members {
            return Ok(None);
        }
        if root == self.roots.context {
            return Ok(member_index(name)
                .and_then(|i| u32::try_from(i).ok())
                .map(|i| Prepared::id(op::CONTEXT_MEMBER + i)));
        }
        if root == self.roots.stage_variables {
            return Ok(Some(Prepared::with_data(op::STAGE_VARIABLE, Box::<str>::from(name))));
        }
        Ok(None)
    }
}

/// Whether `source` may assign a member of `$context` or `$stageVariables` directly (`#set($context.x = …)`),
/// or run code only known at render time (`#evaluate`). Such templates read members through the maps: a
/// prepared member is a value, not a place, so an assignment to it would be lost. The test is textual and errs
/// on the safe side: any `#set` whose target mentions either root counts.
pub(crate) fn sets_a_member(source: &str) -> bool {
    if source.contains("#evaluate") || source.contains("#{evaluate}") {
        return true;
    }
    ["#set", "#{set}"].iter().any(|directive| {
        source.match_indices(directive).any(|(at, _)| {
            let rest = source.get(at + directive.len()..).unwrap_or_default();
            let target = rest.split('=').next().unwrap_or_default();
            target.contains("context") || target.contains("stageVariables")
        })
    })
}
