//! Syntax tree → resolved IR: variables become slots, macro parameters become parameter references, host uses
//! are prepared, literal regexes are compiled, constants are folded and text is merged.

pub(crate) mod direct;
pub(crate) mod fast;
mod flat;
mod inline;
pub(crate) mod ir;
mod lazy;
mod set_get_add;
pub(crate) mod set_int;

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) use self::ir::Program;
use self::ir::{Const, Expr, Foreach, MacroDef, Node, RefExpr, Seg, Specials, Var};
use crate::engine::EngineInner;
use crate::error::{Error, ErrorKind, Span};
use crate::host::Arg;
use crate::java::regex::JavaRegex;
use crate::syntax::ast;
use crate::syntax::lower::STRIP_MARKER;

pub(crate) struct Compiler<'e> {
    engine: &'e EngineInner,
    slots: Vec<Arc<str>>,
    slot_index: HashMap<String, u32>,
    /// Macro name → id, for every `#macro` in the template (Velocity resolves calls after parsing).
    macro_ids: HashMap<String, u32>,
    macros: Vec<Option<MacroDef>>,
    blocks: Vec<Vec<Node>>,
    /// Names the template assigns (`#set`, `#foreach`, macro parameters, `#define`): never prepared as host roots.
    assigned: std::collections::HashSet<String>,
    params: Vec<Arc<str>>,
    param_slots: Vec<u32>,
    errors: Vec<Error>,
    size_hint: usize,
    loop_vars: bool,
    loop_scope: bool,
    /// The template runs code the compiler cannot see into (`#evaluate`, `#parse`, a macro defined at render time).
    opaque: bool,
}

impl<'e> Compiler<'e> {
    pub(crate) fn new(engine: &'e EngineInner) -> Compiler<'e> {
        Compiler {
            engine,
            slots: Vec::new(),
            slot_index: HashMap::new(),
            macro_ids: HashMap::new(),
            macros: Vec::new(),
            blocks: Vec::new(),
            assigned: std::collections::HashSet::new(),
            params: Vec::new(),
            param_slots: Vec::new(),
            errors: Vec::new(),
            size_hint: 0,
            loop_vars: false,
            loop_scope: false,
            opaque: false,
        }
    }

    /// Compiles a parsed template.
    pub(crate) fn compile(mut self, name: Arc<str>, source: Arc<str>, body: ast::Block) -> Result<Program, Vec<Error>> {
        let specials = Specials {
            foreach: self.slot("foreach"),
            velocity_count: self.slot("velocityCount"),
            velocity_has_next: self.slot("velocityHasNext"),
            body_content: self.slot("bodyContent"),
        };
        for n in ["foreach", "velocityCount", "velocityHasNext", "bodyContent"] {
            self.assigned.insert(n.to_owned());
        }
        self.collect(&body);
        let mut macro_defs = Vec::new();
        let nodes = self.block(body, &mut macro_defs);
        // Macro bodies are compiled in document order after their ids are known (calls may precede them).
        for (id, name, params, body) in macro_defs {
            self.params = params.iter().map(|p| Arc::<str>::from(p.as_str())).collect();
            self.param_slots = params.iter().map(|p| self.slot(p)).collect();
            let mut nested = Vec::new();
            let compiled = self.block(body, &mut nested);
            let def = MacroDef {
                name: Arc::from(name.as_str()),
                params: std::mem::take(&mut self.params),
                body: compiled,
            };
            if let Some(slot) = self.macros.get_mut(id as usize) {
                *slot = Some(def);
            }
            // Macros defined inside a macro body are global in Velocity; compile them the same way.
            for (nid, nname, nparams, nbody) in nested {
                self.params = nparams.iter().map(|p| Arc::<str>::from(p.as_str())).collect();
                self.param_slots = nparams.iter().map(|p| self.slot(p)).collect();
                let mut ignored = Vec::new();
                let compiled = self.block(nbody, &mut ignored);
                if let Some(slot) = self.macros.get_mut(nid as usize) {
                    *slot = Some(MacroDef {
                        name: Arc::from(nname.as_str()),
                        params: std::mem::take(&mut self.params),
                        body: compiled,
                    });
                }
            }
        }
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let macros: Vec<MacroDef> = self
            .macros
            .into_iter()
            .map(|m| {
                m.unwrap_or_else(|| MacroDef {
                    name: Arc::from(""),
                    params: Vec::new(),
                    body: Vec::new(),
                })
            })
            .collect();
        let mut inliner = inline::Inliner::new(&macros);
        let nodes = inliner.nodes(nodes, None);
        let blocks: Vec<Vec<Node>> = std::mem::take(&mut self.blocks)
            .into_iter()
            .map(|b| flat::lower(inliner.nodes(b, None)))
            .collect();
        let mut nodes = flat::lower(nodes);
        let mut macros = macros;
        flat::lower_macros(&mut macros);
        // Loops without a scope object: only where the template names `$foreach` (otherwise no loop makes one),
        // and can hold no block and run no code the compiler cannot see.
        let allowed = self.loop_scope && !self.opaque && blocks.is_empty();
        if allowed {
            lazy::mark(&mut nodes, specials.foreach, allowed);
            for m in &mut macros {
                lazy::mark(&mut m.body, specials.foreach, allowed);
            }
        }
        let slot_roots = self
            .slots
            .iter()
            .map(|n| {
                if self.assigned.contains(&**n) {
                    None
                } else {
                    self.engine.root_id(n)
                }
            })
            .collect();
        Ok(Program {
            name,
            source,
            body: nodes,
            blocks,
            macros,
            slots: self.slots,
            slot_roots,
            specials,
            size_hint: self.size_hint,
            last_len: std::sync::atomic::AtomicUsize::new(0),
            loop_vars: self.loop_vars,
            loop_scope: self.loop_scope,
        })
    }

    fn slot(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.slot_index.get(name) {
            return i;
        }
        let i = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push(Arc::from(name));
        self.slot_index.insert(name.to_owned(), i);
        i
    }

    /// First pass: macro names (calls may come before definitions) and assigned names.
    fn collect(&mut self, block: &ast::Block) {
        for node in block {
            match node {
                ast::Node::Macro { name, params, body } => {
                    if !self.macro_ids.contains_key(name) {
                        let id = u32::try_from(self.macros.len()).unwrap_or(u32::MAX);
                        self.macro_ids.insert(name.clone(), id);
                        self.macros.push(None);
                    }
                    for p in params {
                        self.assigned.insert(p.clone());
                    }
                    self.collect(body);
                }
                ast::Node::Set { target, .. } if target.chain.is_empty() => {
                    self.assigned.insert(target.root.clone());
                }
                ast::Node::Foreach { var, body, .. } => {
                    self.assigned.insert(var.root.clone());
                    self.collect(body);
                }
                ast::Node::Define { target, body } => {
                    self.assigned.insert(target.root.clone());
                    self.collect(body);
                }
                ast::Node::If { branches, otherwise } => {
                    for (_, b) in branches {
                        self.collect(b);
                    }
                    if let Some(b) = otherwise {
                        self.collect(b);
                    }
                }
                ast::Node::Call { body: Some(b), .. } => self.collect(b),
                _ => {}
            }
        }
    }

    fn block(&mut self, block: ast::Block, macros: &mut Vec<(u32, String, Vec<String>, ast::Block)>) -> Vec<Node> {
        let mut out: Vec<Node> = Vec::with_capacity(block.len());
        for node in block {
            match node {
                ast::Node::Text(t) if t == STRIP_MARKER => out.push(Node::StripLast),
                ast::Node::Text(t) => {
                    self.size_hint += t.len();
                    push_text(&mut out, &t);
                }
                ast::Node::Ref(r) => {
                    self.size_hint += 8;
                    let r = self.reference(r);
                    out.push(Node::Ref(Box::new(r)));
                }
                ast::Node::Set {
                    target,
                    value,
                    span,
                    assigns,
                } => {
                    let value = self.expr(value);
                    let target = self.reference(target);
                    out.push(Node::Set {
                        target: Box::new(target),
                        value,
                        span,
                        assigns,
                    });
                }
                ast::Node::If { branches, otherwise } => {
                    let branches: Vec<(Expr, Vec<Node>)> = branches
                        .into_iter()
                        .map(|(c, b)| (self.expr(c), self.block(b, macros)))
                        .collect();
                    let otherwise = otherwise.map(|b| self.block(b, macros));
                    let fast = branches.iter().map(|(c, _)| fast::Fast::of(c)).collect();
                    out.push(Node::If {
                        branches: branches.into_boxed_slice(),
                        fast,
                        otherwise,
                    });
                }
                ast::Node::Foreach {
                    var,
                    iterable,
                    body,
                    span,
                } => {
                    let iterable = iterable.map(|e| self.expr(e));
                    let var = self.slot(&var.root);
                    let body = self.block(body, macros);
                    out.push(Node::Foreach(Box::new(Foreach {
                        var,
                        iterable,
                        body,
                        span,
                        lazy: false,
                    })));
                }
                ast::Node::Macro { name, params, body } => {
                    if let Some(&id) = self.macro_ids.get(&name) {
                        // Velocity keeps the first definition of a name (velocimacro.permissions.allow.inline.to.replace.global = false).
                        if !macros.iter().any(|m| m.0 == id) {
                            macros.push((id, name, params, body));
                        }
                    }
                }
                ast::Node::Call {
                    name,
                    args,
                    body,
                    literal,
                    span,
                } => {
                    let args: Arc<[Expr]> = args.into_iter().map(|a| self.expr(a)).collect();
                    match self.macro_ids.get(&name).copied() {
                        Some(id) => {
                            let body = body.map(|b| {
                                let compiled = self.block(b, macros);
                                self.blocks.push(compiled);
                                u32::try_from(self.blocks.len() - 1).unwrap_or(u32::MAX)
                            });
                            out.push(Node::CallMacro { id, args, body, span });
                        }
                        None => {
                            // A macro `#evaluate` defines may read anything.
                            self.opaque = true;
                            self.loop_vars = true;
                            self.loop_scope = true;
                            out.push(Node::CallUnknown {
                                name: Arc::from(name.as_str()),
                                args,
                                literal: literal.into_boxed_str(),
                                span,
                            });
                        }
                    }
                }
                ast::Node::Define { target, body } => {
                    let var = self.var(&target.root);
                    let compiled = self.block(body, macros);
                    self.blocks.push(compiled);
                    let block = u32::try_from(self.blocks.len() - 1).unwrap_or(u32::MAX);
                    out.push(Node::Define { var, block });
                }
                ast::Node::Evaluate { arg, span } => {
                    self.opaque = true;
                    self.loop_vars = true;
                    self.loop_scope = true;
                    let arg = self.expr(arg);
                    out.push(Node::Evaluate { arg, span });
                }
                ast::Node::Break { arg, .. } => {
                    let arg = arg.map(|a| self.expr(a));
                    out.push(Node::Break { arg });
                }
                ast::Node::Stop => out.push(Node::Stop),
                ast::Node::Fail { message, span } => out.push(Node::Fail {
                    message: message.into(),
                    span,
                }),
                ast::Node::Include { parse, arg, span } => {
                    self.opaque = true;
                    let arg = arg.map(|a| self.expr(a));
                    out.push(Node::Include { parse, arg, span });
                }
            }
        }
        out
    }

    fn var(&mut self, name: &str) -> Var {
        match name {
            "velocityCount" | "velocityHasNext" => self.loop_vars = true,
            "foreach" => self.loop_scope = true,
            _ => {}
        }
        let slot = self.slot(name);
        match self.params.iter().position(|p| &**p == name) {
            Some(i) => Var::Param {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                slot,
            },
            None => Var::Slot(slot),
        }
    }

    fn reference(&mut self, r: ast::Ref) -> RefExpr {
        let root = self.var(&r.root);
        let mut chain: Vec<Seg> = Vec::with_capacity(r.chain.len());
        let mut prepared = None;
        let host_root = match root {
            Var::Slot(_) if !self.assigned.contains(&r.root) => self.engine.root_id(&r.root),
            _ => None,
        };
        for (i, seg) in r.chain.into_iter().enumerate() {
            match seg {
                ast::Seg::Property { name, span } => {
                    if i == 0
                        && let Some(root_id) = host_root
                    {
                        match self.engine.schema.prepare_property(root_id, &name) {
                            Ok(Some(p)) => {
                                prepared = Some((p, Box::default(), span));
                                continue;
                            }
                            Ok(None) => {}
                            Err(e) => self
                                .errors
                                .push(Error::new(ErrorKind::Host, e.message().to_owned()).with_span(span)),
                        }
                    }
                    chain.push(Seg::Property {
                        special: ir::Special::of(&name),
                        name: Arc::from(name.as_str()),
                        hash: crate::value::hash_str(&name),
                        hint: std::sync::atomic::AtomicU32::new(0),
                        span,
                    });
                }
                ast::Seg::Method { name, args, span } => {
                    let arg_spans: Vec<Span> = args.iter().map(ast::Expr::span).collect();
                    let args: Box<[Expr]> = args.into_iter().map(|a| self.expr(a)).collect();
                    if i == 0
                        && let Some(root_id) = host_root
                    {
                        let shapes: Vec<Arg<'_>> = args.iter().map(arg_shape).collect();
                        match self.engine.schema.prepare_method(root_id, &name, &shapes) {
                            Ok(Some(p)) => {
                                prepared = Some((p, args, span));
                                continue;
                            }
                            Ok(None) => {}
                            Err(e) => {
                                let at = e.arg().and_then(|a| arg_spans.get(a).copied()).unwrap_or(span);
                                self.errors
                                    .push(Error::new(ErrorKind::Host, e.message().to_owned()).with_span(at));
                            }
                        }
                    }
                    let regex = self.literal_regex(&name, &args, &arg_spans);
                    chain.push(Seg::Method {
                        name: Arc::from(name.as_str()),
                        method: crate::java::M::from_name(&name),
                        args,
                        regex,
                        span,
                    });
                }
                ast::Seg::Index { key, span } => {
                    let key = self.expr(key);
                    chain.push(Seg::Index { key, span });
                }
            }
        }
        let (plain, replace_run, fused) = chain_shape(&chain, prepared.is_some());
        let direct = direct::is_direct(root, prepared.is_some(), &chain);
        RefExpr {
            root,
            prepared,
            plain,
            direct,
            replace_run,
            fused,
            chain: chain.into_boxed_slice(),
            literal: r.literal.into_boxed_str(),
            escapes: r.escapes,
            quiet: r.quiet,
            span: r.span,
        }
    }

    /// `replaceAll("lit", …)` and friends: compile the Java regex now. A pattern that does not compile is left
    /// to fail at render time, where Velocity fails (a `PatternSyntaxException` inside the method call).
    fn literal_regex(&mut self, name: &str, args: &[Expr], _spans: &[Span]) -> Option<Arc<JavaRegex>> {
        if !crate::java::M::from_name(name).takes_regex() {
            return None;
        }
        let compiled = match args.first() {
            Some(Expr::Const(Const::Str(p))) => JavaRegex::compile(p).ok()?,
            _ => return None,
        };
        // `replaceAll('"', '\\"')`: the replacement is parsed once, too.
        let compiled = match args.get(1) {
            Some(Expr::Const(Const::Str(r))) if args.len() == 2 => compiled.with_replacement(r),
            _ => compiled,
        };
        Some(Arc::new(compiled))
    }

    fn expr(&mut self, e: ast::Expr) -> Expr {
        match e {
            ast::Expr::Str(s, _) => Expr::Const(Const::Str(Arc::from(s.as_str()))),
            ast::Expr::Interp { body, .. } => {
                let mut nested = Vec::new();
                let nodes = self.block(body, &mut nested);
                match nodes.as_slice() {
                    // Folded: no references or directives inside.
                    [Node::Text(t), Node::StripLast] => {
                        let mut s = t.to_string();
                        s.pop();
                        Expr::Const(Const::Str(Arc::from(s.as_str())))
                    }
                    _ => Expr::Interp(nodes),
                }
            }
            ast::Expr::Int(i, _) => match i32::try_from(i) {
                Ok(v) => Expr::Const(Const::Int(v)),
                Err(_) => Expr::Const(Const::Long(i)),
            },
            ast::Expr::BigInt(i, _) => Expr::Const(Const::BigInt(i)),
            ast::Expr::Double(d, _) => Expr::Const(Const::Double(d)),
            ast::Expr::Bool(b, _) => Expr::Const(Const::Bool(b)),
            ast::Expr::Ref(r) => Expr::Ref(Box::new(self.reference(*r))),
            ast::Expr::List(items, _) => Expr::List(items.into_iter().map(|x| self.expr(x)).collect()),
            ast::Expr::Map(entries, _) => {
                Expr::Map(entries.into_iter().map(|(k, v)| (self.expr(k), self.expr(v))).collect())
            }
            ast::Expr::Range(a, b, span) => Expr::Range(Box::new(self.expr(*a)), Box::new(self.expr(*b)), span),
            ast::Expr::Binary(op, a, b, span) => {
                let a = self.expr(*a);
                let b = self.expr(*b);
                crate::eval::fold::binary(op, a, b, span)
            }
            ast::Expr::Not(a, _) => Expr::Not(Box::new(self.expr(*a))),
            ast::Expr::Word(..) => Expr::Word,
        }
    }
}

fn arg_shape(e: &Expr) -> Arg<'_> {
    match e {
        Expr::Const(Const::Str(s)) => Arg::Str(s),
        Expr::Const(Const::Int(i)) => Arg::Int(i64::from(*i)),
        Expr::Const(Const::Long(i)) => Arg::Int(*i),
        Expr::Const(Const::Double(d)) => Arg::Double(*d),
        Expr::Const(Const::Bool(b)) => Arg::Bool(*b),
        _ => Arg::Dynamic,
    }
}

/// What the evaluator needs to know about a reference's chain, decided once: whether it is plain (properties
/// only, see [`RefExpr::plain`]), the length of its trailing run of literal replacements, and that run fused when
/// it can be.
pub(crate) fn chain_shape(
    chain: &[Seg],
    prepared: bool,
) -> (bool, u8, Option<Box<crate::java::replace_chain::ReplaceChain>>) {
    let plain = !prepared
        && chain.len() <= ir::MAX_PLAIN_CHAIN
        && chain
            .iter()
            .all(|s| matches!(s, Seg::Property { special, .. } if *special != ir::Special::Class));
    let replace_run = chain
        .iter()
        .rev()
        .take_while(|seg| crate::eval::literal_replace(seg).is_some())
        .count();
    let replace_run = u8::try_from(replace_run).unwrap_or(u8::MAX);
    let run = chain
        .get(chain.len().saturating_sub(usize::from(replace_run))..)
        .unwrap_or_default();
    let fused = if !run.is_empty() {
        let calls: Option<Vec<&JavaRegex>> = run
            .iter()
            .map(|seg| match crate::eval::literal_replace(seg) {
                Some((re, _, false, _)) => Some(re),
                _ => None,
            })
            .collect();
        calls
            .and_then(crate::java::replace_chain::ReplaceChain::fuse)
            .map(Box::new)
    } else {
        None
    };
    (plain, replace_run, fused)
}

pub(crate) fn push_text(out: &mut Vec<Node>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Node::Text(t)) = out.last_mut() {
        let mut joined = String::with_capacity(t.len() + s.len());
        joined.push_str(t);
        joined.push_str(s);
        *t = joined.into_boxed_str();
    } else {
        out.push(Node::Text(s.into()));
    }
}
