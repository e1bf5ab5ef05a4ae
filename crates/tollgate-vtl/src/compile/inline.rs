//! Macro calls inlined at compile time.
//!
//! Velocity passes macro arguments by name: a parameter stands for its argument expression, evaluated in the
//! caller's context at every use. When every argument is a literal or a reference to a template variable, that is
//! exactly substitution: `#jnum("age" $p.age)` with `#macro(jnum $k $v)"$k": #if($v)$v#{else}null#end#end` renders
//! as `"age": #if($p.age)$p.age#{else}null#end` would, in the caller's context. Such calls are replaced by the
//! substituted body ([`Node::Inline`]), which renders without a macro frame and reads the arguments where they
//! live; the call itself keeps its fuel, its depth and its macro-depth check.
//!
//! A call is left alone when substitution could change what it does: a body that `#set`s a parameter, `#define`s,
//! `#evaluate`s or calls a macro not known at compile time; a parameter printed with backslashes before it; a
//! literal argument used as a condition (Velocity's `#if("x")` is false, `#if($v)` with `$v = "x"` is true) or looked
//! into (`$k.length()`); an argument that is an expression, an interpolated string, a macro parameter itself or a
//! host call; fewer arguments than parameters; a block call (`#@m()…#end`); recursion.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::fast::Fast;
use super::ir::{Const, Expr, Foreach, Inline, MacroDef, Node, RefExpr, Seg, Var};
use super::{chain_shape, push_text};

/// Inlined calls nest at most this deep (a call inside an inlined body inside …).
const MAX_DEPTH: usize = 4;

/// IR nodes and expressions a template may gain from inlining, in all (bounds compile time and memory when macros
/// call macros many times).
const BUDGET: usize = 20_000;

/// What a parameter of the macro being inlined stands for.
#[derive(Clone, Copy)]
enum Arg<'a> {
    Const(&'a Const),
    /// A reference rooted at a template variable (no host call, no backslashes).
    Ref(&'a RefExpr),
}

pub(super) struct Inliner<'m> {
    macros: &'m [MacroDef],
    budget: usize,
    /// Macros being inlined, outermost first.
    stack: Vec<u32>,
}

impl<'m> Inliner<'m> {
    pub(super) fn new(macros: &'m [MacroDef]) -> Inliner<'m> {
        Inliner {
            macros,
            budget: BUDGET,
            stack: Vec::new(),
        }
    }

    /// Inlines the calls in `nodes` (and in the blocks under them) that can be; `within` is the macro whose body
    /// this is, if any (it is not inlined into itself).
    pub(super) fn nodes(&mut self, nodes: Vec<Node>, within: Option<u32>) -> Vec<Node> {
        self.stack.extend(within);
        let out = self.walk(nodes);
        if within.is_some() {
            self.stack.pop();
        }
        out
    }

    fn walk(&mut self, nodes: Vec<Node>) -> Vec<Node> {
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::CallMacro {
                    id,
                    args,
                    body: None,
                    span,
                } => match self.inline(id, &args) {
                    Some(body) => {
                        let name = self.macros.get(id as usize).map(|m| m.name.clone()).unwrap_or_default();
                        out.push(Node::Inline(Box::new(Inline { name, body, span })));
                    }
                    None => out.push(Node::CallMacro {
                        id,
                        args,
                        body: None,
                        span,
                    }),
                },
                Node::If {
                    branches,
                    fast,
                    otherwise,
                } => {
                    let branches = branches
                        .into_vec()
                        .into_iter()
                        .map(|(c, b)| (c, self.walk(b)))
                        .collect();
                    let otherwise = otherwise.map(|b| self.walk(b));
                    out.push(Node::If {
                        branches,
                        fast,
                        otherwise,
                    });
                }
                Node::Foreach(mut f) => {
                    f.body = self.walk(std::mem::take(&mut f.body));
                    out.push(Node::Foreach(f));
                }
                other => out.push(other),
            }
        }
        out
    }

    /// The body of macro `id` with `args` substituted, its own calls inlined in turn; `None` when the call stays.
    fn inline(&mut self, id: u32, args: &[Expr]) -> Option<Vec<Node>> {
        if self.stack.len() >= MAX_DEPTH || self.stack.contains(&id) {
            return None;
        }
        let def = self.macros.get(id as usize)?;
        if args.len() < def.params.len() {
            return None;
        }
        let env: Vec<Arg<'_>> = args
            .iter()
            .take(def.params.len())
            .map(|a| match a {
                Expr::Const(c) => Some(Arg::Const(c)),
                Expr::Ref(r) if matches!(r.root, Var::Slot(_)) && r.prepared.is_none() && r.escapes == 0 => {
                    Some(Arg::Ref(r))
                }
                _ => None,
            })
            .collect::<Option<_>>()?;
        let mut sub = Substitution {
            env: Some(&env),
            cost: 0,
            limit: self.budget,
        };
        let body = sub.nodes(&def.body);
        // A substitution that gave up still spent its work: the budget bounds compile time too.
        self.budget = self.budget.saturating_sub(sub.cost);
        let body = body?;
        self.stack.push(id);
        let body = self.walk(body);
        self.stack.pop();
        Some(body)
    }
}

/// Copies a macro body with its parameters replaced by the arguments (`env`, by parameter index).
struct Substitution<'a> {
    /// `None`: a verbatim copy (of an argument, which belongs to the caller).
    env: Option<&'a [Arg<'a>]>,
    /// Nodes and expressions copied so far.
    cost: usize,
    /// The most it may copy.
    limit: usize,
}

impl<'a> Substitution<'a> {
    fn step(&mut self) -> Option<()> {
        self.cost += 1;
        (self.cost <= self.limit).then_some(())
    }

    fn nodes(&mut self, nodes: &[Node]) -> Option<Vec<Node>> {
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            self.step()?;
            match node {
                Node::Text(t) => push_text(&mut out, t),
                Node::Ref(r) => match self.param(r)? {
                    // `$k` standing for `"age"`: the literal's text.
                    Some(Arg::Const(c)) if r.chain.is_empty() => push_text(&mut out, &const_text(c)),
                    Some(Arg::Const(_)) => return None,
                    Some(Arg::Ref(a)) => out.push(Node::Ref(Box::new(self.compose(a, r, true)?))),
                    None => out.push(Node::Ref(Box::new(self.reference(r)?))),
                },
                Node::Set {
                    target,
                    value,
                    span,
                    assigns,
                } => {
                    // `#set($v = …)` makes the parameter a local of the call.
                    if matches!(target.root, Var::Param { .. }) && target.chain.is_empty() {
                        return None;
                    }
                    out.push(Node::Set {
                        target: Box::new(self.ref_expr(target)?),
                        value: self.expr(value, false)?,
                        span: *span,
                        assigns: *assigns,
                    });
                }
                Node::If {
                    branches, otherwise, ..
                } => {
                    let branches = branches
                        .iter()
                        .map(|(c, b)| Some((self.expr(c, true)?, self.nodes(b)?)))
                        .collect::<Option<Vec<_>>>()?;
                    let otherwise = match otherwise {
                        Some(b) => Some(self.nodes(b)?),
                        None => None,
                    };
                    let fast = branches.iter().map(|(c, _)| Fast::of(c)).collect();
                    out.push(Node::If {
                        branches: branches.into_boxed_slice(),
                        fast,
                        otherwise,
                    });
                }
                Node::Foreach(f) => out.push(Node::Foreach(Box::new(Foreach {
                    var: f.var,
                    iterable: match &f.iterable {
                        Some(e) => Some(self.expr(e, false)?),
                        None => None,
                    },
                    body: self.nodes(&f.body)?,
                    span: f.span,
                    lazy: false,
                }))),
                Node::CallMacro { id, args, body, span } => out.push(Node::CallMacro {
                    id: *id,
                    args: self.exprs(args)?.into(),
                    body: *body,
                    span: *span,
                }),
                Node::Include { parse, arg, span } => out.push(Node::Include {
                    parse: *parse,
                    arg: match arg {
                        Some(e) => Some(self.expr(e, false)?),
                        None => None,
                    },
                    span: *span,
                }),
                Node::Break { arg } => out.push(Node::Break {
                    arg: match arg {
                        Some(e) => Some(self.expr(e, false)?),
                        None => None,
                    },
                }),
                Node::Stop => out.push(Node::Stop),
                Node::Fail { message, span } => out.push(Node::Fail {
                    message: message.clone(),
                    span: *span,
                }),
                Node::StripLast => out.push(Node::StripLast),
                // Flattened `#if`s come after inlining (`compile::flat`): a body holding them is not copied.
                Node::Inline(_)
                | Node::CallUnknown { .. }
                | Node::Define { .. }
                | Node::Evaluate { .. }
                | Node::Branch(_)
                | Node::EndBranch { .. }
                | Node::Enter
                | Node::SetInt(_)
                | Node::HasNextText(_)
                | Node::SetGetAdd(_)
                | Node::PrintProp(_) => {
                    return None;
                }
            }
        }
        Some(out)
    }

    /// What the reference's root stands for: `Some(arg)` for a parameter, `None` for anything else; the outer
    /// `None` when the reference cannot be substituted (backslashes before a parameter).
    fn param(&self, r: &RefExpr) -> Option<Option<Arg<'a>>> {
        match (r.root, self.env) {
            (Var::Param { index, .. }, Some(env)) => {
                if r.escapes != 0 || r.prepared.is_some() {
                    return None;
                }
                Some(Some(*env.get(index as usize)?))
            }
            _ => Some(None),
        }
    }

    /// A reference of the body in the caller's context.
    fn ref_expr(&mut self, r: &RefExpr) -> Option<RefExpr> {
        match self.param(r)? {
            Some(Arg::Ref(a)) => self.compose(a, r, false),
            Some(Arg::Const(_)) => None,
            None => self.reference(r),
        }
    }

    /// `$v.rest` with `$v` standing for `$a.chain`: `$a.chain.rest`. Its text (what a null prints, what a
    /// call's null argument prints) stays `$v.rest`, except where `$v` alone is printed (`print`): a null argument
    /// prints as the argument's text, `$a.chain`, one level deep (as the macro frame's lookup does).
    fn compose(&mut self, a: &RefExpr, r: &RefExpr, print: bool) -> Option<RefExpr> {
        let mut chain: Vec<Seg> = Vec::with_capacity(a.chain.len() + r.chain.len());
        // The argument's own segments belong to the caller: copied as they are.
        let env = self.env.take();
        let copied = a.chain.iter().map(|seg| self.seg(seg)).collect::<Option<Vec<_>>>();
        self.env = env;
        chain.extend(copied?);
        for seg in r.chain.iter() {
            chain.push(self.seg(seg)?);
        }
        let (plain, replace_run, fused) = chain_shape(&chain, false);
        let direct = super::direct::is_direct(a.root, false, &chain);
        Some(RefExpr {
            root: a.root,
            prepared: None,
            chain: chain.into_boxed_slice(),
            plain,
            direct,
            replace_run,
            fused,
            literal: if print && r.chain.is_empty() {
                a.literal.clone()
            } else {
                r.literal.clone()
            },
            escapes: r.escapes,
            quiet: r.quiet,
            span: r.span,
        })
    }

    /// A reference not rooted at a parameter (its method arguments and indexes may still use parameters).
    fn reference(&mut self, r: &RefExpr) -> Option<RefExpr> {
        let prepared = match &r.prepared {
            Some((p, args, span)) => Some((p.clone(), self.exprs(args)?.into_boxed_slice(), *span)),
            None => None,
        };
        let chain = r.chain.iter().map(|s| self.seg(s)).collect::<Option<Vec<_>>>()?;
        let (plain, replace_run, fused) = chain_shape(&chain, prepared.is_some());
        let direct = super::direct::is_direct(r.root, prepared.is_some(), &chain);
        Some(RefExpr {
            root: r.root,
            prepared,
            chain: chain.into_boxed_slice(),
            plain,
            direct,
            replace_run,
            fused,
            literal: r.literal.clone(),
            escapes: r.escapes,
            quiet: r.quiet,
            span: r.span,
        })
    }

    fn seg(&mut self, seg: &Seg) -> Option<Seg> {
        self.step()?;
        Some(match seg {
            Seg::Method {
                name,
                method,
                args,
                regex,
                span,
            } => Seg::Method {
                name: name.clone(),
                method: *method,
                args: self.exprs(args)?.into_boxed_slice(),
                regex: regex.clone(),
                span: *span,
            },
            Seg::Index { key, span } => Seg::Index {
                key: self.expr(key, false)?,
                span: *span,
            },
            Seg::Property {
                name,
                hash,
                hint,
                special,
                span,
            } => Seg::Property {
                name: name.clone(),
                hash: *hash,
                hint: AtomicU32::new(hint.load(Relaxed)),
                special: *special,
                span: *span,
            },
        })
    }

    fn exprs(&mut self, exprs: &[Expr]) -> Option<Vec<Expr>> {
        exprs.iter().map(|e| self.expr(e, false)).collect()
    }

    /// An expression of the body; `truth` when it is read as a condition (an `#if`, an operand of `&&`, `||`, `!`).
    fn expr(&mut self, e: &Expr, truth: bool) -> Option<Expr> {
        self.step()?;
        Some(match e {
            Expr::Const(c) => Expr::Const(c.clone()),
            Expr::Interp(nodes) => Expr::Interp(self.nodes(nodes)?),
            Expr::Ref(r) => match self.param(r)? {
                Some(Arg::Const(c)) if r.chain.is_empty() && !truth => Expr::Const(c.clone()),
                Some(Arg::Const(_)) => return None,
                Some(Arg::Ref(a)) => Expr::Ref(Box::new(self.compose(a, r, false)?)),
                None => Expr::Ref(Box::new(self.reference(r)?)),
            },
            Expr::List(items) => Expr::List(self.exprs(items)?.into_boxed_slice()),
            Expr::Map(entries) => Expr::Map(
                entries
                    .iter()
                    .map(|(k, v)| Some((self.expr(k, false)?, self.expr(v, false)?)))
                    .collect::<Option<Vec<_>>>()?
                    .into_boxed_slice(),
            ),
            Expr::Range(a, b, span) => {
                Expr::Range(Box::new(self.expr(a, false)?), Box::new(self.expr(b, false)?), *span)
            }
            Expr::Binary(op, a, b, span) => {
                let cond = matches!(op, crate::syntax::ast::BinOp::And | crate::syntax::ast::BinOp::Or);
                Expr::Binary(*op, Box::new(self.expr(a, cond)?), Box::new(self.expr(b, cond)?), *span)
            }
            Expr::Not(a) => Expr::Not(Box::new(self.expr(a, true)?)),
            Expr::Word => Expr::Word,
        })
    }
}

/// How Velocity prints a literal.
fn const_text(c: &Const) -> String {
    let mut s = String::new();
    match c {
        Const::Str(v) => s.push_str(v),
        Const::Int(i) => s.push_str(itoa::Buffer::new().format(*i)),
        Const::Long(l) => s.push_str(itoa::Buffer::new().format(*l)),
        Const::BigInt(b) => s.push_str(&b.to_string()),
        Const::Double(d) => crate::value::write_double(*d, &mut s),
        Const::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
    }
    s
}
