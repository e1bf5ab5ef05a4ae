//! `$context` and `$stageVariables` for one render, built as maps only when a template uses them whole.
//!
//! A member read the schema prepared (`$context.requestId`, `$stageVariables.name`) is answered from the request
//! directly. The map is built on the first use of the root itself (a method call such as `keySet()`, `#foreach`,
//! printing, handing it to a macro, a `#set` below a member); from then on the map answers every read, so a
//! template reads back whatever it wrote. Member values handed out before the map existed are the ones the map
//! holds (`$context.identity` is one object per render).

use std::cell::OnceCell;

use tollgate_vtl::{Map, Value};

use super::context_value::{MEMBERS, build, member};
use super::state::ContextState;
use crate::context::RequestContext;

/// `$context`.
pub(crate) struct ContextRoot {
    map: OnceCell<Map>,
    members: [OnceCell<Value>; MEMBERS.len()],
}

impl ContextRoot {
    pub(crate) fn new() -> ContextRoot {
        ContextRoot {
            map: OnceCell::new(),
            members: std::array::from_fn(|_| OnceCell::new()),
        }
    }

    fn cached(&self, index: usize, cx: &RequestContext) -> Value {
        match (self.members.get(index), MEMBERS.get(index)) {
            (Some(cell), Some(name)) => cell.get_or_init(|| member(name, cx)).clone(),
            _ => Value::Null,
        }
    }

    /// `$context.<MEMBERS[index]>`.
    pub(crate) fn member(&self, index: usize, cx: &RequestContext) -> Value {
        match self.map.get() {
            Some(map) => MEMBERS
                .get(index)
                .and_then(|name| map.get_str(name))
                .unwrap_or_default(),
            None => self.cached(index, cx),
        }
    }

    /// `$context` itself.
    pub(crate) fn map(&self, cx: &RequestContext, state: &ContextState) -> Map {
        self.map
            .get_or_init(|| build(cx, state, &|index| self.cached(index, cx)))
            .clone()
    }

    /// The map, when the template used `$context` itself (only then can it have changed anything).
    pub(crate) fn into_map(self) -> Option<Map> {
        self.map.into_inner()
    }
}

/// `$stageVariables`.
pub(crate) struct StageVariablesRoot {
    map: OnceCell<Map>,
}

impl StageVariablesRoot {
    pub(crate) fn new() -> StageVariablesRoot {
        StageVariablesRoot { map: OnceCell::new() }
    }

    /// `$stageVariables.<name>`.
    pub(crate) fn get(&self, name: &str, vars: &[(String, String)]) -> Value {
        match self.map.get() {
            Some(map) => map.get_str(name).unwrap_or_default(),
            // A repeated name keeps its last value, as in the map.
            None => vars
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map_or(Value::Null, |(_, v)| Value::string(v.as_str())),
        }
    }

    /// `$stageVariables` itself.
    pub(crate) fn map(&self, vars: &[(String, String)]) -> Map {
        self.map
            .get_or_init(|| {
                let map = Map::with_capacity(vars.len());
                for (k, v) in vars {
                    map.insert(Value::string(k.as_str()), Value::string(v.as_str()));
                }
                map
            })
            .clone()
    }
}
