//! Apache Velocity 1.7 (VTL) template engine: compile once, render many, byte for byte as Velocity.
//!
//! ```
//! use tollgate_vtl::{Engine, Value, VarsHost, Map};
//!
//! let engine = Engine::new();
//! let template = engine.compile("greeting.vm", "#foreach($n in $names)Hello, $n!#if($foreach.hasNext) #end#end")?;
//! let vars = Map::new();
//! vars.insert("names", Value::list(["Ada".into(), "Linus".into()]));
//! assert_eq!(template.render(&VarsHost::new(vars))?, "Hello, Ada! Hello, Linus!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! * [`Engine`] holds the [`Profile`] (stock Velocity or API Gateway), the [`Limits`] and the host
//!   [`Schema`]; [`Engine::compile`] turns source into a [`Template`] (`Send + Sync`, cheap to clone).
//! * [`Template::render`] evaluates with a [`Host`] supplying root objects and context variables.
//! * [`Value`] models the Java objects templates see; [`HostObject`] lets an embedder add its own.
//! * Errors carry the template name and span and print rustc-style reports ([`Error::report`]).
//!
//! The engine does no I/O: `#parse` and `#include` are compile errors.

mod compile;
mod engine;
mod error;
mod eval;
mod host;
mod java;
mod limits;
mod syntax;
mod value;

pub use crate::engine::{Engine, EngineBuilder, Template};
pub use crate::error::{Error, ErrorKind, Errors, Phase, Span};
pub use crate::host::{Arg, EmptyHost, Host, HostError, HostObject, NoSchema, Prepared, RootId, Schema, VarsHost};
pub use crate::limits::{Limits, Profile};
pub use crate::value::{CycleGuard, Key, List, Map, Value};

#[doc(hidden)]
pub use crate::value::BlockRef;
