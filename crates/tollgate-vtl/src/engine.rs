//! `Engine` (profile, limits, host schema) and `Template` (compiled once, rendered many times).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::compile::{Compiler, Program};
use crate::error::{Error, ErrorKind, Errors, Span};
use crate::host::{Host, NoSchema, RootId, Schema};
use crate::limits::{Limits, Profile};

/// Compiles templates for one profile, set of limits and host schema. Cheap to clone (an `Arc`).
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
pub(crate) struct EngineInner {
    pub(crate) profile: Profile,
    pub(crate) limits: Limits,
    pub(crate) roots: HashMap<Arc<str>, RootId>,
    pub(crate) schema: Arc<dyn Schema>,
}

impl EngineInner {
    pub(crate) fn root_id(&self, name: &str) -> Option<RootId> {
        self.roots.get(name).copied()
    }
}

/// Builds an [`Engine`]: profile, limits, declared roots and the schema that prepares host calls.
#[derive(Debug)]
pub struct EngineBuilder {
    profile: Profile,
    limits: Option<Limits>,
    roots: HashMap<Arc<str>, RootId>,
    schema: Arc<dyn Schema>,
}

impl EngineBuilder {
    /// The behaviour profile (default: stock Velocity 1.7).
    pub fn profile(mut self, profile: Profile) -> EngineBuilder {
        self.profile = profile;
        self
    }

    /// The limits (default: [`Limits::velocity`] for the Velocity profile, [`Limits::api_gateway`] for API
    /// Gateway).
    pub fn limits(mut self, limits: Limits) -> EngineBuilder {
        self.limits = Some(limits);
        self
    }

    /// Declares a root object (`$input`, …) and returns its id; declaring a name twice returns the same id.
    /// References to it compile to the id, and [`Host::root`] is asked for its value at render time.
    pub fn root(&mut self, name: &str) -> RootId {
        let next = RootId(u32::try_from(self.roots.len()).unwrap_or(u32::MAX));
        *self.roots.entry(Arc::from(name)).or_insert(next)
    }

    /// The schema that may prepare `$root.method(…)` and `$root.property` uses at compile time.
    pub fn schema(mut self, schema: impl Schema + 'static) -> EngineBuilder {
        self.schema = Arc::new(schema);
        self
    }

    /// The engine.
    pub fn build(self) -> Engine {
        let limits = self.limits.unwrap_or_else(|| match self.profile {
            Profile::ApiGateway => Limits::api_gateway(),
            Profile::Velocity => Limits::velocity(),
        });
        Engine {
            inner: Arc::new(EngineInner {
                profile: self.profile,
                limits,
                roots: self.roots,
                schema: self.schema,
            }),
        }
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::builder().build()
    }
}

impl Engine {
    /// A stock Velocity 1.7 engine with no roots.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// A builder.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            profile: Profile::Velocity,
            limits: None,
            roots: HashMap::new(),
            schema: Arc::new(NoSchema),
        }
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.inner.profile
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Compiles `source` (named `name` in errors). Reports every error found in one pass.
    pub fn compile(&self, name: &str, source: &str) -> Result<Template, Errors> {
        let name: Arc<str> = Arc::from(name);
        let shared: Arc<str> = Arc::from(source);
        let attach = |errors: Vec<Error>| Errors(errors.into_iter().map(|e| e.with_template(&name, &shared)).collect());
        let limits = &self.inner.limits;
        if source.len() > limits.max_template_bytes {
            let e = Error::new(
                ErrorKind::TemplateTooLarge,
                format!(
                    "template is {} bytes; the limit is {}",
                    source.len(),
                    limits.max_template_bytes
                ),
            )
            .with_span(Span::new(limits.max_template_bytes, limits.max_template_bytes));
            return Err(attach(vec![e]));
        }
        crate::syntax::check_nesting(source, limits.max_nesting).map_err(|e| attach(vec![e]))?;
        let ast = crate::syntax::parse(source, 0).map_err(attach)?;
        let program = Compiler::new(&self.inner)
            .compile(name.clone(), shared.clone(), ast)
            .map_err(attach)?;
        Ok(Template {
            program: Arc::new(program),
            engine: self.clone(),
        })
    }

    /// Compiles an `#evaluate` body at render time.
    pub(crate) fn compile_nested(&self, name: &Arc<str>, source: &str) -> Result<Arc<Program>, Error> {
        let shared: Arc<str> = Arc::from(source);
        let first = |errors: Vec<Error>| {
            errors
                .into_iter()
                .next()
                .unwrap_or_else(|| Error::new(ErrorKind::Syntax, "invalid #evaluate body"))
                .with_template(name, &shared)
        };
        let limits = &self.inner.limits;
        if source.len() > limits.max_template_bytes {
            return Err(Error::new(ErrorKind::TemplateTooLarge, "#evaluate body is too large"));
        }
        crate::syntax::check_nesting(source, limits.max_nesting).map_err(|e| first(vec![e]))?;
        let ast = crate::syntax::parse(source, 0).map_err(first)?;
        let program = Compiler::new(&self.inner)
            .compile(name.clone(), shared.clone(), ast)
            .map_err(first)?;
        Ok(Arc::new(program))
    }
}

/// The largest output length a template remembers as the next render's initial capacity.
const MAX_REMEMBERED_LEN: usize = 1 << 20;

/// A compiled template: `Send + Sync`, cheap to clone, rendered through `&self`.
#[derive(Clone)]
pub struct Template {
    program: Arc<Program>,
    engine: Engine,
}

impl Template {
    /// Renders with `host` supplying roots and variables.
    pub fn render(&self, host: &dyn Host) -> Result<String, Error> {
        use std::sync::atomic::Ordering::Relaxed;
        // Room for what the last render wrote (texts inside loops repeat), bounded.
        let last = self.program.last_len.load(Relaxed).min(MAX_REMEMBERED_LEN);
        let mut out = String::with_capacity(self.program.size_hint.max(last));
        self.render_into(host, &mut out)?;
        self.program.last_len.store(out.len(), Relaxed);
        Ok(out)
    }

    /// Renders, appending to `out`. On error, `out` holds what was rendered before the error.
    pub fn render_into(&self, host: &dyn Host, out: &mut String) -> Result<(), Error> {
        crate::eval::render(&self.engine, &self.program, host, out)
            .map_err(|e| e.with_template(&self.program.name, &self.program.source))
    }

    /// The name given at compile time.
    pub fn name(&self) -> &str {
        &self.program.name
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.program.source
    }

    /// The output size the compiler expects (the initial capacity [`Template::render`] uses).
    pub fn size_hint(&self) -> usize {
        self.program.size_hint
    }
    /// The compiled program (for the compiler's unit tests).
    #[cfg(test)]
    pub(crate) fn program(&self) -> &Program {
        &self.program
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.program.name)
            .finish_non_exhaustive()
    }
}
