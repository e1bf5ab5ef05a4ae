//! `$foreach`: Velocity 1.7's `ForeachScope` (`index`, `count`, `hasNext`, `first`, `last`, `parent`,
//! `topmost`), a host object the loop updates in place.

use std::any::Any;
use std::cell::Cell;

use crate::compile::ir::Special;
use crate::host::{HostError, HostObject};
use crate::value::Value;

#[derive(Debug)]
pub(crate) struct ForeachScope {
    pub(crate) id: u64,
    pub(crate) index: Cell<i64>,
    pub(crate) has_next: Cell<bool>,
    pub(crate) parent: Value,
}

impl ForeachScope {
    fn topmost(&self) -> Value {
        match &self.parent {
            Value::Object(o) => match o.as_any().downcast_ref::<ForeachScope>() {
                Some(p) => match p.topmost() {
                    Value::Null => self.parent.clone(),
                    t => t,
                },
                None => self.parent.clone(),
            },
            _ => Value::Null,
        }
    }
}

impl ForeachScope {
    /// A property by its compile-time meaning; `this` is the scope's own value (the topmost of a loop with no
    /// parent).
    pub(crate) fn special(&self, special: Special, this: &Value) -> Value {
        match special {
            Special::Index => Value::integer(self.index.get()),
            Special::Count => Value::integer(self.index.get() + 1),
            Special::HasNext => Value::Bool(self.has_next.get()),
            Special::First => Value::Bool(self.index.get() == 0),
            Special::Last => Value::Bool(!self.has_next.get()),
            Special::Parent => self.parent.clone(),
            Special::Topmost if self.parent.is_null() => this.clone(),
            Special::Topmost => self.topmost(),
            Special::None | Special::Class | Special::Empty | Special::Bytes => Value::Null,
        }
    }
}

impl HostObject for ForeachScope {
    fn type_name(&self) -> &str {
        "org.apache.velocity.runtime.directive.ForeachScope"
    }

    fn property(&self, name: &str) -> Result<Value, HostError> {
        Ok(match name {
            "index" => Value::integer(self.index.get()),
            "count" => Value::integer(self.index.get() + 1),
            "hasNext" | "next" => Value::Bool(self.has_next.get()),
            "first" => Value::Bool(self.index.get() == 0),
            "last" => Value::Bool(!self.has_next.get()),
            "parent" => self.parent.clone(),
            // Without a parent the scope is its own topmost; the evaluator has the handle to return it.
            "topmost" => self.topmost(),
            _ => Value::Null,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        if !args.is_empty() {
            return Ok(Value::Null);
        }
        let prop = match name {
            "getIndex" => "index",
            "getCount" => "count",
            "hasNext" | "getHasNext" => "hasNext",
            "isFirst" | "getFirst" => "first",
            "isLast" | "getLast" => "last",
            "getParent" => "parent",
            "getTopmost" => "topmost",
            _ => return Ok(Value::Null),
        };
        self.property(prop)
    }

    fn write_string(&self, out: &mut String) {
        // A Scope is an (empty) map in 1.7.
        out.push_str("{}");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
