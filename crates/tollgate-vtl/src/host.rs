//! The embedder's side: root objects declared when the [`Engine`](crate::Engine) is built, calls the host
//! prepares at compile time, and the objects it hands to templates at render time.
//!
//! Two traits split the work by time:
//!
//! * [`Schema`] (compile time, `Send + Sync`, stored in the engine): given `$root.method(args)` or
//!   `$root.property` where `root` is a declared root, it may return a [`Prepared`] call — an id plus any
//!   precompiled data (a parsed JSONPath, a function id). An error it reports becomes a compile error pointing
//!   at the argument.
//! * [`Host`] (render time, borrowed for one render): gives the value of each root, runs prepared calls, and
//!   may supply undeclared context variables by name.
//!
//! Values the host returns can be plain [`Value`]s (strings, numbers, lists, maps) or [`HostObject`]s that
//! decide how they are looked into and how they print. A [`Map`](crate::Map) handed out by the host is shared,
//! so whatever the template `#set`s into it is visible to the host after the render.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::value::Value;

/// The id of a root object declared with [`EngineBuilder::root`](crate::EngineBuilder::root).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RootId(pub u32);

/// A call the [`Schema`] prepared at compile time; handed back to [`Host::call_prepared`] at render time.
#[derive(Clone)]
pub struct Prepared {
    /// The host's own identifier for the operation (a function number, a property number, …).
    pub id: u32,
    /// Anything the host precompiled (a parsed JSONPath, a compiled regex, …); downcast it at render time.
    pub data: Option<Arc<dyn Any + Send + Sync>>,
}

impl Prepared {
    /// A prepared call that carries only an id.
    pub fn id(id: u32) -> Prepared {
        Prepared { id, data: None }
    }

    /// A prepared call with precompiled data.
    pub fn with_data(id: u32, data: impl Any + Send + Sync) -> Prepared {
        Prepared {
            id,
            data: Some(Arc::new(data)),
        }
    }

    /// The precompiled data as `T`, if it is one.
    pub fn data<T: Any>(&self) -> Option<&T> {
        self.data.as_deref().and_then(|d| d.downcast_ref::<T>())
    }
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("id", &self.id)
            .field("has_data", &self.data.is_some())
            .finish()
    }
}

/// An argument of a call as the compiler sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Arg<'a> {
    /// A string literal without interpolation (`'$.a.b'`, or `"text"` with no `$`).
    Str(&'a str),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Double(f64),
    /// `true` / `false`.
    Bool(bool),
    /// Anything computed at render time (a reference, an interpolated string, an expression).
    Dynamic,
}

/// A problem the host reports, at compile time (about an argument) or at render time.
#[derive(Clone, Debug)]
pub struct HostError {
    message: String,
    /// The argument the problem is about (compile time), for the error's span.
    arg: Option<usize>,
}

impl HostError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> HostError {
        HostError {
            message: message.into(),
            arg: None,
        }
    }

    /// An error about argument `index` (0-based); its span is reported.
    pub fn at_arg(index: usize, message: impl Into<String>) -> HostError {
        HostError {
            message: message.into(),
            arg: Some(index),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The argument the error is about.
    pub fn arg(&self) -> Option<usize> {
        self.arg
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}

/// Compile-time knowledge of the host: which `$root.method(…)` and `$root.property` uses it wants to prepare.
///
/// Called only for references whose first segment is a declared root that the template never assigns.
/// Returning `Ok(None)` leaves the use dynamic: at render time the root's value is looked into as usual.
pub trait Schema: Send + Sync + fmt::Debug {
    /// `$root.name(args…)`.
    fn prepare_method(&self, root: RootId, name: &str, args: &[Arg<'_>]) -> Result<Option<Prepared>, HostError> {
        let _ = (root, name, args);
        Ok(None)
    }

    /// `$root.name` (also `$root.getName()` is *not* folded into this; Velocity treats them separately).
    fn prepare_property(&self, root: RootId, name: &str) -> Result<Option<Prepared>, HostError> {
        let _ = (root, name);
        Ok(None)
    }
}

/// A schema that prepares nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSchema;

impl Schema for NoSchema {}

/// Render-time access to the embedder's data. Borrowed for one render.
pub trait Host {
    /// The value of a declared root (called at most once per root per render, on first use).
    /// `Value::Null` means "not defined".
    fn root(&self, id: RootId) -> Value;

    /// Runs a call the [`Schema`] prepared. `args` are the evaluated arguments (literals included).
    /// An error is a render error (Velocity's `MethodInvocationException`).
    fn call_prepared(&self, call: &Prepared, args: &[Value]) -> Result<Value, HostError> {
        let _ = args;
        Err(HostError::new(format!("the host has no prepared call #{}", call.id)))
    }

    /// A context variable that is not a declared root (the standalone renderer's `VelocityContext`).
    /// Called at most once per name per render, on first use.
    fn variable(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }
}

/// A host with no roots and no variables.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmptyHost;

impl Host for EmptyHost {
    fn root(&self, _: RootId) -> Value {
        Value::Null
    }
}

/// A host whose context variables come from a map (like Velocity's `VelocityContext`); no declared roots.
#[derive(Debug, Default, Clone)]
pub struct VarsHost {
    vars: crate::value::Map,
}

impl VarsHost {
    /// A host serving `vars`' `String` keys as context variables.
    pub fn new(vars: crate::value::Map) -> VarsHost {
        VarsHost { vars }
    }
}

impl Host for VarsHost {
    fn root(&self, _: RootId) -> Value {
        Value::Null
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.vars.get_str(name)
    }
}

/// An embedder's object inside a template. Every method has a default meaning "not supported", so an
/// implementation provides only what its object does.
///
/// Lookups return `Ok(Value::Null)` for "no such property / method": Velocity then renders the reference as
/// its source text (stock profile) or as nothing (API Gateway profile). An `Err` is a render error, as a Java
/// exception thrown by a method is in Velocity.
pub trait HostObject: fmt::Debug {
    /// A Java-ish class name for messages (`java.util.Map`, `JsonObject`, …).
    fn type_name(&self) -> &str {
        "java.lang.Object"
    }

    /// `$obj.name`: what Velocity finds through `getName()`, `get("name")` or `isName()`.
    fn property(&self, name: &str) -> Result<Value, HostError> {
        let _ = name;
        Ok(Value::Null)
    }

    /// `$obj.name(args…)`.
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        let _ = (name, args);
        Ok(Value::Null)
    }

    /// `$obj[key]`.
    fn index(&self, key: &Value) -> Result<Value, HostError> {
        let _ = key;
        Ok(Value::Null)
    }

    /// `#set($obj.name = value)`; `Ok(false)` when the object has no such settable property (Velocity logs
    /// and leaves everything unchanged).
    fn set_property(&self, name: &str, value: Value) -> Result<bool, HostError> {
        let _ = (name, value);
        Ok(false)
    }

    /// `#set($obj[key] = value)`; `Ok(false)` when not supported.
    fn set_index(&self, key: &Value, value: Value) -> Result<bool, HostError> {
        let _ = (key, value);
        Ok(false)
    }

    /// `size()` for `$obj.size()` and `#foreach` bookkeeping, when the object has one.
    fn size(&self) -> Option<usize> {
        None
    }

    /// The items `#foreach` visits, or `None` when the object is not iterable (Velocity then skips the loop).
    fn iterate(&self) -> Option<Vec<Value>> {
        None
    }

    /// `#if($obj)`: Velocity 1.7 treats every non-null object as true except `Boolean.FALSE`.
    fn is_truthy(&self) -> bool {
        true
    }

    /// `equals`; `None` lets the engine fall back to comparing `toString()` results, as Velocity's `==` does.
    fn equals(&self, other: &Value) -> Option<bool> {
        let _ = other;
        None
    }

    /// Visits the values this object holds, if it holds any. The engine uses it to free reference cycles a
    /// template builds through the object (`$m.put("e", $m.entrySet())`) when a render ends; objects that hold
    /// no engine values keep the default.
    fn trace(&self, visit: &mut dyn FnMut(&Value)) {
        let _ = visit;
    }

    /// `toString()`, written straight into the output.
    fn write_string(&self, out: &mut String);

    /// For the host's own downcasting.
    fn as_any(&self) -> &dyn Any;
}
