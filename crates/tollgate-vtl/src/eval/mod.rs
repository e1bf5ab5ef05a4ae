//! The evaluator: walks the IR with a slot frame, a macro-call stack and the render budgets.

mod direct;
pub(crate) mod fold;
mod one_set;
pub(crate) mod ops;
mod scope;

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use self::scope::ForeachScope;
use crate::compile::fast::{Fast, Prop};
use crate::compile::ir::{Const, Expr, Node, Program, RefExpr, Seg, Special, Var};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Phase, Span};
use crate::host::{Host, Prepared};
use crate::java::replace_chain::ReplaceChain;
use crate::java::{self, regex::JavaRegex};
use crate::limits::{Limits, Profile};
use crate::syntax::ast::BinOp;
use crate::value::{BlockRef, Key, List, Map, Value};

/// How far [`walk`] got.
enum Walked<T> {
    /// What the consumer made of the reference's value.
    Done(T),
    /// The value after the first `n` segments; the rest needs the evaluator.
    At(Value, usize),
}

/// Macro parameters [`Render::peek`] follows to their arguments (each level is a Rust call).
const MAX_PEEK_DEPTH: u32 = 32;

/// Property chains [`Render::peek_param`] collects on its way through macro parameters.
const MAX_PEEK_CHAINS: usize = 4;

/// Segments [`walk`] follows by recursion before handing over to the evaluator's loop.
const MAX_WALK: usize = 16;

/// Filler for unused entries of a fixed segment array.
static NO_SEG: Seg = Seg::Index {
    key: Expr::Word,
    span: Span { start: 0, end: 0 },
};

/// Follows map properties (and `$foreach` properties) from `v`, segment `i` on, borrowing each map instead of
/// copying values out, and hands the final value to `done`.
fn walk<S: Borrow<Seg>, T>(v: &Value, chain: &[S], i: usize, done: &mut impl FnMut(&Value) -> T) -> Walked<T> {
    // The last property of a map (`$item.name`): looked up and handed over without a further call.
    if i + 1 == chain.len()
        && let (
            Value::Map(m),
            Some(Seg::Property {
                name,
                hash,
                hint,
                special,
                ..
            }),
        ) = (v, chain.get(i).map(Borrow::borrow))
        && *special != Special::Class
    {
        let map = m.entries();
        return Walked::Done(match crate::value::lookup_str(&map, name, *hash, hint) {
            Some(x) => done(x),
            None => done(&Value::Null),
        });
    }
    match chain.get(i).map(Borrow::borrow) {
        None => Walked::Done(done(v)),
        _ if v.is_null() => Walked::Done(done(&Value::Null)),
        Some(Seg::Property {
            name,
            hash,
            hint,
            special,
            ..
        }) if i < MAX_WALK => match v {
            Value::Map(m) if *special != Special::Class => {
                let map = m.entries();
                match crate::value::lookup_str(&map, name, *hash, hint) {
                    Some(x) => walk(x, chain, i + 1, done),
                    None => Walked::Done(done(&Value::Null)),
                }
            }
            Value::Object(o) => match o.as_any().downcast_ref::<ForeachScope>() {
                Some(scope) => walk(&scope.special(*special, v), chain, i + 1, done),
                None => Walked::At(v.clone(), i),
            },
            _ => Walked::At(v.clone(), i),
        },
        Some(_) => Walked::At(v.clone(), i),
    }
}

/// `$map.a.b` where `a` holds a map (or nothing): the value handed to `f` after two lookups. `None` when a
/// segment is no plain property or `a` holds something else ([`walk`] decides then).
#[inline(never)]
fn peek_two<T>(m: &Map, first: &Seg, second: &Seg, f: &mut impl FnMut(&Value) -> T) -> Option<T> {
    let (
        Seg::Property {
            name: n1,
            hash: h1,
            hint: i1,
            special: s1,
            ..
        },
        Seg::Property {
            name: n2,
            hash: h2,
            hint: i2,
            special: s2,
            ..
        },
    ) = (first, second)
    else {
        return None;
    };
    if *s1 == Special::Class || *s2 == Special::Class {
        return None;
    }
    let map = m.entries();
    match crate::value::lookup_str(&map, n1, *h1, i1) {
        Some(Value::Map(inner)) => {
            let inner = inner.entries();
            Some(match crate::value::lookup_str(&inner, n2, *h2, i2) {
                Some(x) => f(x),
                None => f(&Value::Null),
            })
        }
        None | Some(Value::Null) => Some(f(&Value::Null)),
        Some(_) => None,
    }
}

/// A segment that is a plain map property: its name, the name's hash and its position hint.
#[inline]
fn map_key(seg: Option<&Seg>) -> Option<(&str, u64, &std::sync::atomic::AtomicU32)> {
    match seg {
        Some(Seg::Property {
            name,
            hash,
            hint,
            special,
            ..
        }) if *special != Special::Class => Some((name, *hash, hint)),
        _ => None,
    }
}

/// A `replaceAll`/`replaceFirst` segment with a literal pattern (compiled) and a literal replacement.
pub(crate) fn literal_replace(seg: &Seg) -> Option<(&JavaRegex, &str, bool, Span)> {
    match seg {
        Seg::Method {
            method: method @ (java::M::ReplaceAll | java::M::ReplaceFirst),
            args,
            regex: Some(re),
            span,
            ..
        } => match &**args {
            [Expr::Const(Const::Str(_)), Expr::Const(Const::Str(replacement))] => {
                Some((re, replacement, *method == java::M::ReplaceFirst, *span))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A `toString()` call (the identity on a String).
fn is_to_string(seg: &Seg) -> bool {
    matches!(seg, Seg::Method { method: java::M::ToString, args, .. } if args.is_empty())
}

/// The segments of `r` from `first` on.
fn segs_of(r: &RefExpr, first: usize) -> &[Seg] {
    r.chain.get(first..).unwrap_or_default()
}

/// A reference's truth in `#if`: null and `false` are false (and host objects decide), everything else true.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Object(o) => o.is_truthy(),
        _ => true,
    }
}

/// What printing a borrowed value did.
enum Printed {
    Written,
    /// The output limit would be exceeded.
    Full,
    /// Not a string or an integer: the evaluator prints it.
    Other(Value),
}

/// Writes a string, a number or a boolean straight from where it lives.
#[inline]
fn print_direct(v: &Value, out: &mut String, max: usize) -> Printed {
    let mut buf = itoa::Buffer::new();
    let s: &str = match v {
        Value::Str(s) => s,
        Value::Int(i) => buf.format(*i),
        Value::Long(l) => buf.format(*l),
        Value::Bool(b) => {
            if *b {
                "true"
            } else {
                "false"
            }
        }
        Value::Double(d) => {
            let start = out.len();
            crate::value::write_double(*d, out);
            if out.len() > max {
                out.truncate(start);
                return Printed::Full;
            }
            return Printed::Written;
        }
        other => return Printed::Other(other.clone()),
    };
    if out.len() + s.len() > max {
        return Printed::Full;
    }
    out.push_str(s);
    Printed::Written
}

/// What [`print_scalar`] did (one byte: returned in a register).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Written,
    /// The output limit would be exceeded.
    Full,
    /// Not a string, number or boolean: the evaluator prints it.
    Other,
}

/// [`print_direct`] for the block loop: a value other than a string, number or boolean is left to
/// [`Render::print_unescaped`] (which reads the reference again) instead of being copied out.
#[inline]
fn print_scalar(v: &Value, out: &mut String, max: usize) -> Scalar {
    let mut buf = itoa::Buffer::new();
    let s: &str = match v {
        Value::Str(s) => s,
        Value::Int(i) => buf.format(*i),
        Value::Long(l) => buf.format(*l),
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Double(d) => {
            let start = out.len();
            crate::value::write_double(*d, out);
            if out.len() > max {
                out.truncate(start);
                return Scalar::Full;
            }
            return Scalar::Written;
        }
        _ => return Scalar::Other,
    };
    if out.len() + s.len() > max {
        return Scalar::Full;
    }
    out.push_str(s);
    Scalar::Written
}

/// A [`Switch`](crate::compile::fast::Switch)'s tests on the value, in order: the first that holds (its body's
/// place), the `#else` body entered or the chain's next node when none does, `None` when a test cannot decide.
#[inline(always)]
fn pick(s: &crate::compile::fast::Switch, v: &Value) -> Option<(bool, u32)> {
    use crate::compile::fast::Test;
    // String equalities only: the value against each literal in turn.
    if let Some(strs) = &s.strs {
        let Value::Str(x) = v else { return None };
        for (literal, skip) in &**strs {
            if crate::value::str_eq(x, literal) {
                return Some((true, *skip));
            }
        }
        return Some((s.enters, s.none));
    }
    // Integer comparisons only.
    if let Some(ints) = &s.ints {
        let Value::Int(i) = v else { return None };
        for (op, value, skip) in &**ints {
            if int_cmp(*op, *i, *value)? {
                return Some((true, *skip));
            }
        }
        return Some((s.enters, s.none));
    }
    for (test, skip) in &*s.tests {
        let holds = match (test, v) {
            (Test::EqStr { literal, negate }, Value::Str(x)) => crate::value::str_eq(x, literal) != *negate,
            (Test::OneOf(literals), Value::Str(x)) => literals.iter().any(|l| crate::value::str_eq(x, l)),
            (Test::IntCmp { op, value }, Value::Int(i)) => int_cmp(*op, *i, *value)?,
            _ => return None,
        };
        if holds {
            return Some((true, *skip));
        }
    }
    Some((s.enters, s.none))
}

/// What `#foreach` walks.
enum Items {
    Live(List, usize),
    Snapshot(Vec<Value>),
    Range(i32, i32),
}

/// How a block ended.
///
/// A word without fields, so that `R<Flow>` comes back in two registers (an enum with a field in a variant is
/// returned through memory, and every block, loop and `#if` returns one): the scope `#break($foreach)` ends is
/// kept in [`Render::break_target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
enum Flow {
    Normal,
    /// `#break`: the nearest scope.
    Break,
    /// `#break($foreach)`: the `#foreach` scope whose id is in [`Render::break_target`].
    BreakScope,
    /// `#stop`: the whole render.
    Stop,
}

/// A condition's truth, as a word: `R<Truth>` comes back in two registers, `R<bool>` through memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
enum Truth {
    False,
    True,
}

impl Truth {
    #[inline(always)]
    fn holds(self) -> bool {
        self == Truth::True
    }
}

impl From<bool> for Truth {
    #[inline(always)]
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

type R<T> = Result<T, Error>;

/// Where a program's variable lives: the root program's slot, or an overflow map by name (`#evaluate`).
#[derive(Debug, Clone)]
enum VarLoc {
    Root(u32),
    Extra(Arc<str>),
}

/// One macro invocation: its arguments (evaluated by name, in the caller's context, on every use) and the
/// parameters the body `#set`.
///
/// Frames live on the Rust stack of the call that renders the macro's body and are reached through [`Cx`]: making
/// one copies no reference-counted handle.
struct MacroFrame<'c> {
    args: &'c [Expr],
    caller: Cx<'c>,
    count: usize,
    /// Some parameter was `#set` by the body (then `locals` holds it).
    has_locals: Cell<bool>,
    /// Parameters the body `#set`, allocated on the first such `#set` (rare).
    locals: RefCell<Option<Box<[Option<Value>]>>>,
    params: usize,
}

impl MacroFrame<'_> {
    /// The value the body `#set` parameter `i` to, if it did.
    #[inline]
    fn local(&self, i: usize) -> Option<Value> {
        if !self.has_locals.get() {
            return None;
        }
        self.locals
            .borrow()
            .as_deref()
            .and_then(|l| l.get(i))
            .cloned()
            .flatten()
    }

    /// The body `#set` parameter `i`.
    #[inline]
    fn set_locally(&self, i: usize) -> bool {
        self.has_locals.get()
            && self
                .locals
                .borrow()
                .as_deref()
                .and_then(|l| l.get(i))
                .is_some_and(Option::is_some)
    }
}

pub(crate) fn render(engine: &Engine, program: &Arc<Program>, host: &dyn Host, out: &mut String) -> R<()> {
    // Declared first, dropped last: after the render's own references are gone, it frees leftover cycles.
    let _cycles = crate::value::Tracking::start();
    let limits = engine.limits();
    let mut r = Render {
        engine,
        host,
        profile: engine.profile(),
        limits,
        max_out: limits.max_output_bytes,
        max_depth: limits.max_depth,
        vars: vec![None; program.slots.len()],
        extra: HashMap::new(),
        root: program.clone(),
        maps: HashMap::new(),
        fuel: limits.fuel,
        macro_depth: 0,
        depth: 0,
        regexes: HashMap::new(),
        next_scope: Cell::new(1),
        runtime_macros: HashMap::new(),
        define_depth: HashMap::new(),
        arg_buf: Vec::new(),
        scopes: Vec::new(),
        scope_now: None,
        loop_next: None,
        scratch: (String::new(), String::new()),
        interp_buf: String::new(),
        param_buf: String::new(),
        nest: 0,
        evaluate_depth: 0,
        break_target: 0,
    };
    let cx = Cx { program, frame: None };
    match r.block(&program.body, &cx, out)? {
        Flow::Normal | Flow::Break | Flow::BreakScope | Flow::Stop => Ok(()),
    }
}

/// Where a node renders: its program, and the macro call whose body it is in (if any).
#[derive(Clone, Copy)]
struct Cx<'c> {
    program: &'c Arc<Program>,
    frame: Option<&'c MacroFrame<'c>>,
}

struct Render<'a> {
    engine: &'a Engine,
    host: &'a dyn Host,
    profile: Profile,
    limits: &'a Limits,
    /// `limits.max_output_bytes` and `limits.max_depth`, read by every text node and taken branch: one load each.
    max_out: usize,
    max_depth: u32,
    vars: Vec<Option<Value>>,
    extra: HashMap<Arc<str>, Value>,
    root: Arc<Program>,
    /// Slot maps of `#evaluate`d programs, by program address.
    maps: HashMap<usize, Rc<Vec<VarLoc>>>,
    fuel: u64,
    /// Macro calls in flight.
    macro_depth: usize,
    depth: u32,
    regexes: HashMap<Arc<str>, Arc<JavaRegex>>,
    next_scope: Cell<u64>,
    /// Macros defined by `#evaluate`d code: name → (program, id).
    runtime_macros: HashMap<Arc<str>, (Arc<Program>, u32)>,
    /// Current Rust recursion depth of blocks and expressions (see `descend`).
    nest: u32,
    /// `#evaluate` levels in flight.
    evaluate_depth: u32,
    /// The id of the `#foreach` scope a [`Flow::BreakScope`] on its way up ends.
    break_target: u64,
    /// Reused argument buffer for method calls.
    arg_buf: Vec<Value>,
    /// How deeply each `#define` block is rendering right now.
    define_depth: HashMap<(usize, u32), u32>,
    /// Finished `$foreach` scopes, for reuse.
    scopes: Vec<Rc<ForeachScope>>,
    /// The innermost running loop's `$foreach` scope (if the template reads `$foreach`).
    scope_now: Option<Rc<ForeachScope>>,
    /// The innermost lazy loop's `hasNext` (`Foreach::lazy`: a loop that makes no scope object). A lazy loop sets
    /// `scope_now` to `None` while it runs, and a loop with a scope object inside it sets `scope_now`: the flag is
    /// the innermost loop's exactly when `scope_now` is `None`.
    loop_next: Option<bool>,
    /// Buffers for chained string replacements.
    scratch: (String, String),
    /// The buffer interpolated strings render into before they become a `String` value (taken while in use,
    /// so a nested interpolation makes its own).
    interp_buf: String,
    /// The buffer a macro argument `"$a $b"` renders into when only replacements follow (taken while in use).
    param_buf: String,
}

const MAX_DYNAMIC_REGEXES: usize = 64;
/// Finished `$foreach` scopes kept for reuse.
const MAX_SPARE_SCOPES: usize = 8;
/// Velocity 1.7's `directive.define.max.depth`.
const MAX_DEFINE_DEPTH: u32 = 2;

impl Render<'_> {
    #[inline]
    fn burn(&mut self, span: Span) -> R<()> {
        if self.fuel == 0 {
            return Err(out_of_fuel(span));
        }
        self.fuel -= 1;
        Ok(())
    }

    #[inline]
    fn write(&self, out: &mut String, s: &str) -> R<()> {
        if out.len() + s.len() > self.max_out {
            return Err(self.output_limit());
        }
        // One ASCII character (`"`, `,` between references): pushed as such, not through a `memcpy` call.
        match s.as_bytes() {
            &[a] if a.is_ascii() => out.push(char::from(a)),
            _ => out.push_str(s),
        }
        Ok(())
    }

    fn block(&mut self, nodes: &[Node], cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        self.descend()?;
        // Restored rather than counted down: a flattened `#if` body left early (a flow, an error) leaves its
        // level counted.
        let nest = self.nest;
        let result = self.block_nodes(nodes, cx, out);
        self.nest = nest - 1;
        result
    }

    fn block_nodes(&mut self, nodes: &[Node], cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        // The nodes still to run (a flattened `#if` skips some by re-slicing).
        let mut rest = nodes;
        while let [node, tail @ ..] = rest {
            rest = tail;
            // Text is most nodes: written here, without a call.
            let flow = match node {
                Node::Text(t) => {
                    self.write(out, t)?;
                    continue;
                }
                Node::Ref(r) => {
                    self.burn(r.span)?;
                    if r.escapes != 0 {
                        self.print_ref(r, cx, out)?
                    } else if r.plain && r.replace_run == 0 {
                        // A variable (or a parameter standing for one) looked into through properties: printed
                        // from where it lives, here. `peek` declines an interpolated argument, which
                        // `print_unescaped` renders.
                        let max = self.max_out;
                        match self.peek(r, cx, |v| print_scalar(v, out, max)) {
                            Some(Scalar::Written) => continue,
                            Some(Scalar::Full) => return Err(self.output_limit()),
                            Some(Scalar::Other) | None => self.print_unescaped(r, cx, out)?,
                        }
                    } else {
                        self.print_unescaped(r, cx, out)?
                    }
                }
                // `$var.name`: a String written here; a number or boolean by `print_scalar`.
                Node::PrintProp(p) => {
                    self.burn(p.span)?;
                    let max = self.max_out;
                    match self.fast_prop(&p.prop, cx, |v| match v {
                        Value::Str(s) => {
                            if out.len() + s.len() > max {
                                Scalar::Full
                            } else {
                                out.push_str(s);
                                Scalar::Written
                            }
                        }
                        v => print_scalar(v, out, max),
                    }) {
                        Some(Scalar::Written) => continue,
                        Some(Scalar::Full) => return Err(self.output_limit()),
                        Some(Scalar::Other) | None => self.print_prop(&p.r, cx, out)?,
                    }
                }
                // A flattened `#if` (see `compile::flat`): the branch's nodes follow, one level deeper, or are
                // skipped.
                Node::Branch(b) => {
                    let taken = match &b.fast {
                        Fast::HasNext(p) if let Some(t) = self.has_next_now(p, cx) => t,
                        Fast::EqStr { prop, literal, negate }
                            if let Some(Some(t)) = self.fast_prop(prop, cx, |v| match v {
                                Value::Str(s) => Some(crate::value::str_eq(s, literal) != *negate),
                                _ => None,
                            }) =>
                        {
                            t
                        }
                        Fast::Call(c) if let Some(t) = self.call_truth(c, cx) => t?.holds(),
                        // Conditions on one property: the branch they pick, or where the chain goes on.
                        Fast::Switch(s) if let Some((taken, skip)) = self.switch(s, cx) => {
                            if taken {
                                self.descend()?;
                            }
                            rest = rest.get(skip as usize..).unwrap_or_default();
                            continue;
                        }
                        f => match self.fast_truth(f, cx) {
                            Some(t) => t,
                            None => self.truth(&b.cond, cx)?.holds(),
                        },
                    };
                    if taken {
                        self.descend()?;
                    } else {
                        rest = rest.get(b.skip as usize..).unwrap_or_default();
                    }
                    continue;
                }
                Node::EndBranch { skip, levels } => {
                    self.nest -= levels;
                    rest = rest.get(*skip as usize..).unwrap_or_default();
                    continue;
                }
                Node::Enter => {
                    self.descend()?;
                    continue;
                }
                Node::SetInt(s) => {
                    self.set_int(s, cx)?;
                    continue;
                }
                Node::SetGetAdd(g) => {
                    self.set_get_add(g, cx)?;
                    continue;
                }
                // `#if($foreach.hasNext),#end`: the flattened `#if`'s steps (the check, one level of depth for
                // the body, its text) without its three nodes.
                Node::HasNextText(h) if let Some(t) = self.has_next_slot(h.slot, cx) => {
                    if t {
                        if self.nest >= self.max_depth {
                            return Err(too_deep(self.max_depth));
                        }
                        self.write(out, &h.text)?;
                    }
                    continue;
                }
                Node::Foreach(f) => self.foreach(f, cx, out)?,
                Node::CallMacro { id, args, body, span } => {
                    self.call_macro(cx.program, *id, args, *body, cx, *span, out)?
                }
                Node::Inline(call) => self.inline_call(call, cx, out)?,
                Node::Set {
                    target,
                    value,
                    span,
                    assigns,
                } => {
                    self.set(target, value, *span, *assigns, cx)?;
                    continue;
                }
                other => self.node(other, cx, out)?,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    /// A [`Node::PrintProp`] whose value `block_nodes` did not print: what a [`Node::Ref`] does after its step.
    #[inline(never)]
    fn print_prop(&mut self, r: &RefExpr, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        let max = self.max_out;
        match self.peek(r, cx, |v| print_scalar(v, out, max)) {
            Some(Scalar::Written) => Ok(Flow::Normal),
            Some(Scalar::Full) => Err(self.output_limit()),
            Some(Scalar::Other) | None => self.print_unescaped(r, cx, out),
        }
    }

    fn node_if(
        &mut self,
        branches: &[(Expr, Vec<Node>)],
        fast: &[Fast],
        otherwise: Option<&[Node]>,
        cx: &Cx<'_>,
        out: &mut String,
    ) -> R<Flow> {
        for (i, (cond, body)) in branches.iter().enumerate() {
            let taken = match fast.get(i) {
                Some(f) => match self.fast_truth(f, cx) {
                    Some(t) => t,
                    None => self.slow_truth(f, cond, cx)?.holds(),
                },
                None => self.truth(cond, cx)?.holds(),
            };
            if taken {
                return self.block(body, cx, out);
            }
        }
        match otherwise {
            Some(body) => self.block(body, cx, out),
            None => Ok(Flow::Normal),
        }
    }

    /// Counts one more level of Rust recursion (blocks and expressions); every level of template nesting,
    /// macro call, `#define` and `#evaluate` adds some, and their product is what could exhaust the stack.
    #[inline]
    fn descend(&mut self) -> R<()> {
        if self.nest >= self.max_depth {
            return Err(too_deep(self.max_depth));
        }
        self.nest += 1;
        Ok(())
    }

    /// The nodes [`block_nodes`](Self::block_nodes) does not handle itself (kept out of its loop, so the common
    /// nodes pay for no large stack frame).
    #[inline(never)]
    fn node(&mut self, node: &Node, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        match node {
            Node::Text(t) => self.write(out, t)?,
            Node::Ref(r) => {
                self.burn(r.span)?;
                if r.escapes == 0 {
                    return self.print_unescaped(r, cx, out);
                }
                return self.print_ref(r, cx, out);
            }
            Node::Set {
                target,
                value,
                span,
                assigns,
            } => self.set(target, value, *span, *assigns, cx)?,
            Node::Include { parse, arg, span } => {
                let Some(arg) = arg else {
                    if *parse {
                        return Err(Error::new(ErrorKind::Invocation, "#parse() requires an argument").with_span(*span));
                    }
                    return Ok(Flow::Normal);
                };
                if self.value(arg, cx)?.is_null() {
                    if !*parse {
                        self.write(
                            out,
                            "<!-- include error : error with arg 0 please see log. see error log -->",
                        )?;
                    }
                    return Ok(Flow::Normal);
                }
                let name = if *parse { "#parse" } else { "#include" };
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("{name} would read a file; this engine reads no files"),
                )
                .with_span(*span));
            }
            Node::If {
                branches,
                fast,
                otherwise,
            } => return self.node_if(branches, fast, otherwise.as_deref(), cx, out),
            Node::Foreach(f) => return self.foreach(f, cx, out),
            Node::CallMacro { id, args, body, span } => {
                return self.call_macro(cx.program, *id, args, *body, cx, *span, out);
            }
            Node::Inline(call) => return self.inline_call(call, cx, out),
            Node::CallUnknown {
                name,
                args,
                literal,
                span,
            } => {
                let found = self.runtime_macros.get(name).cloned().or_else(|| {
                    self.root
                        .macros
                        .iter()
                        .position(|m| &m.name == name)
                        .map(|i| (self.root.clone(), i as u32))
                });
                match found {
                    Some((program, id)) => return self.call_macro(&program, id, args, None, cx, *span, out),
                    None => self.write(out, literal)?,
                }
            }
            Node::Define { var, block } => {
                let v = Value::Block(BlockRef {
                    block: *block,
                    owner: cx.program.clone(),
                });
                self.set_var(*var, v, cx);
            }
            Node::Evaluate { arg, span } => return self.evaluate(arg, *span, cx, out),
            Node::Break { arg } => {
                let target = match arg {
                    Some(a) => match self.value(a, cx)? {
                        Value::Object(o) if o.as_any().is::<ForeachScope>() => {
                            o.as_any().downcast_ref::<ForeachScope>().map(|s| s.id)
                        }
                        other => {
                            return Err(Error::new(
                                ErrorKind::Invocation,
                                format!("#break: {} is not a scope", other.type_name()),
                            ));
                        }
                    },
                    None => None,
                };
                return Ok(match target {
                    Some(id) => {
                        self.break_target = id;
                        Flow::BreakScope
                    }
                    None => Flow::Break,
                });
            }
            Node::Stop => return Ok(Flow::Stop),
            Node::Fail { message, span } => {
                return Err(Error::new(ErrorKind::Invocation, message.to_string()).with_span(*span));
            }
            Node::StripLast => {
                out.pop();
            }
            // Flattened `#if`s run in `block_nodes`, which never hands them here.
            Node::Branch(_) | Node::EndBranch { .. } | Node::Enter => {}
            Node::SetInt(s) => self.set_int(s, cx)?,
            Node::HasNextText(h) => return self.has_next_text(h, cx, out),
            Node::SetGetAdd(g) => self.set_get_add(g, cx)?,
            Node::PrintProp(p) => {
                self.burn(p.span)?;
                return self.print_prop(&p.r, cx, out);
            }
        }
        Ok(Flow::Normal)
    }

    /// `#set`: a null value leaves the target as it was.
    fn set(&mut self, target: &RefExpr, value: &Expr, span: Span, assigns: bool, cx: &Cx<'_>) -> R<()> {
        self.burn(span)?;
        let v = match value {
            // `#set($count = $count + 1)`: Integer operands read where they live, as `value` reads them first,
            // without its frame.
            Expr::Binary(op, a, b, _)
                if !matches!(op, BinOp::And | BinOp::Or)
                    && let Some(p) = self.int_operand(a, cx)
                    && let Some(q) = self.int_operand(b, cx)
                    && let Some(v) = int_op(*op, p, q) =>
            {
                v
            }
            // `#set($ok = $map.get($k).add($v))`: a direct call, as `value` makes it, without its frame.
            Expr::Ref(r)
                if r.direct
                    && self.nest < self.limits.max_depth
                    && let Some(v) = self.direct(r, cx) =>
            {
                v?
            }
            _ => self.value(value, cx)?,
        };
        if v.is_null() || !assigns {
            return Ok(());
        }
        // `#set($x = …)` on a variable of this template (most `#set`s): stored here.
        if let Var::Slot(slot) = target.root
            && target.chain.is_empty()
            && target.prepared.is_none()
        {
            self.put_slot(cx, slot, v);
            return Ok(());
        }
        self.assign(target, v, cx)
    }

    /// `#set($x = $y + 1)` (see `compile::set_int`): both operands Integers in their slots, the result stored in
    /// the target's; otherwise the general `#set`. The step is burnt after the operands are read (reading them
    /// has no effects), as `set` would burn it before.
    #[inline(never)]
    fn set_int(&mut self, s: &crate::compile::ir::SetInt, cx: &Cx<'_>) -> R<()> {
        if Arc::ptr_eq(cx.program, &self.root)
            && let Some(p) = self.int_arg(s.a)
            && let Some(q) = self.int_arg(s.b)
            && let Some(n) = int_set(s.op, p, q)
        {
            self.burn(s.span)?;
            match self.vars.get_mut(s.slot as usize) {
                // A counter: the number replaced where it is, nothing to drop.
                Some(Some(Value::Int(old))) => *old = n,
                Some(slot) => *slot = Some(Value::Int(n)),
                None => {}
            }
            return Ok(());
        }
        self.set(&s.target, &s.value, s.span, true, cx)
    }

    /// A [`SetInt`](crate::compile::ir::SetInt) operand, when it is an Integer where it lives.
    #[inline(always)]
    fn int_arg(&self, a: crate::compile::set_int::IntArg) -> Option<i32> {
        match a {
            crate::compile::set_int::IntArg::Const(i) => Some(i),
            crate::compile::set_int::IntArg::Slot(slot) => match self.vars.get(slot as usize) {
                Some(Some(Value::Int(i))) => Some(*i),
                _ => None,
            },
        }
    }

    // ------------------------------------------------------------------ variables

    fn var_loc(&mut self, program: &Arc<Program>, slot: u32) -> VarLoc {
        if Arc::ptr_eq(program, &self.root) {
            return VarLoc::Root(slot);
        }
        let key = Arc::as_ptr(program) as usize;
        let map = match self.maps.get(&key) {
            Some(m) => m.clone(),
            None => {
                let m: Vec<VarLoc> = program
                    .slots
                    .iter()
                    .map(|name| match self.root.slots.iter().position(|n| n == name) {
                        Some(i) => VarLoc::Root(u32::try_from(i).unwrap_or(u32::MAX)),
                        None => VarLoc::Extra(name.clone()),
                    })
                    .collect();
                let m = Rc::new(m);
                self.maps.insert(key, m.clone());
                m
            }
        };
        map.get(slot as usize).cloned().unwrap_or(VarLoc::Extra(Arc::from("")))
    }

    #[inline(always)]
    fn get_slot(&mut self, cx: &Cx<'_>, slot: u32) -> Value {
        // Fast path: the template's own variables, already fetched.
        if Arc::ptr_eq(cx.program, &self.root)
            && let Some(Some(v)) = self.vars.get(slot as usize)
        {
            return v.clone();
        }
        self.fetch_slot(cx, slot)
    }

    /// [`get_slot`](Self::get_slot) for a variable not fetched yet or of an `#evaluate`d program.
    #[inline(never)]
    fn fetch_slot(&mut self, cx: &Cx<'_>, slot: u32) -> Value {
        match self.var_loc(cx.program, slot) {
            VarLoc::Root(i) => {
                let i = i as usize;
                if let Some(Some(v)) = self.vars.get(i) {
                    return v.clone();
                }
                let v = match self.root.slot_roots.get(i).copied().flatten() {
                    Some(id) => self.host.root(id),
                    None => match self.root.slots.get(i) {
                        Some(name) => self.host.variable(name).unwrap_or_default(),
                        None => Value::Null,
                    },
                };
                if let Some(s) = self.vars.get_mut(i) {
                    *s = Some(v.clone());
                }
                v
            }
            VarLoc::Extra(name) => match self.extra.get(&name) {
                Some(v) => v.clone(),
                None => {
                    let v = self.host.variable(&name).unwrap_or_default();
                    self.extra.insert(name, v.clone());
                    v
                }
            },
        }
    }

    #[inline]
    fn put_slot(&mut self, cx: &Cx<'_>, slot: u32, v: Value) {
        if Arc::ptr_eq(cx.program, &self.root) {
            if let Some(s) = self.vars.get_mut(slot as usize) {
                *s = Some(v);
            }
            return;
        }
        self.put_slot_elsewhere(cx, slot, v);
    }

    /// [`put_slot`](Self::put_slot) for an `#evaluate`d program's variable.
    #[inline(never)]
    fn put_slot_elsewhere(&mut self, cx: &Cx<'_>, slot: u32, v: Value) {
        match self.var_loc(cx.program, slot) {
            VarLoc::Root(i) => {
                if let Some(s) = self.vars.get_mut(i as usize) {
                    *s = Some(v);
                }
            }
            VarLoc::Extra(name) => {
                self.extra.insert(name, v);
            }
        }
    }

    #[inline]
    fn get_var(&mut self, var: Var, cx: &Cx<'_>) -> R<Value> {
        match var {
            Var::Slot(s) => Ok(self.get_slot(cx, s)),
            Var::Param { index, slot } => {
                let Some(f) = cx.frame else {
                    return Ok(self.get_slot(cx, slot));
                };
                if let Some(v) = f.local(index as usize) {
                    return Ok(v);
                }
                let i = index as usize;
                if i >= f.count {
                    return Ok(self.get_slot(cx, slot));
                }
                match f.args.get(i) {
                    Some(e) => self.value(e, &f.caller),
                    None => Ok(Value::Null),
                }
            }
        }
    }

    /// The interpolated string a macro parameter stands for (`#m("$a $b")`), with the caller's context, when the
    /// parameter reads it (it was passed and the body did not `#set` it).
    fn param_interp<'c>(&self, r: &RefExpr, cx: &Cx<'c>) -> Option<(&'c [Expr], Cx<'c>)> {
        if !r.chain.is_empty() {
            return None;
        }
        self.param_interp_root(r, cx)
    }

    /// [`param_interp`](Self::param_interp) for the root of a reference that may go on (`$v.toString()`).
    fn param_interp_root<'c>(&self, r: &RefExpr, cx: &Cx<'c>) -> Option<(&'c [Expr], Cx<'c>)> {
        let Var::Param { index, .. } = r.root else { return None };
        if r.prepared.is_some() {
            return None;
        }
        let f = cx.frame?;
        let i = index as usize;
        if f.set_locally(i) || i >= f.count || !matches!(f.args.get(i), Some(Expr::Interp(_))) {
            return None;
        }
        Some((f.args, f.caller))
    }

    /// Renders the interpolated string argument `index` of `args` in `caller`'s context into `out` (what
    /// evaluating it to a string and printing that string writes).
    fn render_interp(&mut self, args: &[Expr], index: u32, caller: &Cx<'_>, out: &mut String) -> R<()> {
        let Some(Expr::Interp(nodes)) = args.get(index as usize) else {
            return Ok(());
        };
        // As `value` does for an interpolation: a level of depth, the nodes, the result's flow ignored.
        self.descend()?;
        let start = out.len();
        let result = self.enter(Span::default()).and_then(|()| {
            let flow = self.block(nodes, caller, out);
            self.depth -= 1;
            flow
        });
        self.nest -= 1;
        if result.is_err() {
            out.truncate(start);
        }
        result.map(|_| ())
    }

    fn set_var(&mut self, var: Var, v: Value, cx: &Cx<'_>) {
        match var {
            Var::Slot(s) => self.put_slot(cx, s, v),
            Var::Param { index, slot } => {
                if let Some(f) = cx.frame {
                    let n = f.params;
                    let mut locals = f.locals.borrow_mut();
                    let locals = locals.get_or_insert_with(|| vec![None; n].into_boxed_slice());
                    if let Some(l) = locals.get_mut(index as usize) {
                        *l = Some(v.clone());
                    }
                    f.has_locals.set(true);
                }
                self.put_slot(cx, slot, v);
            }
        }
    }

    // ------------------------------------------------------------------ references

    /// `$ref` with no backslashes before it (nearly every reference): strings and integers go straight into the
    /// output, and a final `replaceAll`/`replaceFirst` with literal arguments writes its result there too.
    #[inline(never)]
    fn print_unescaped(&mut self, r: &RefExpr, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        // `$s.replaceAll('"', '\\"').replaceAll(…)`: the replacements run on reused buffers and the last one
        // writes into the output.
        let run = usize::from(r.replace_run);
        if run > 0 {
            let first = r.chain.len().saturating_sub(run);
            // `$v.toString().replaceAll(…)` with `$v` standing for `"$p.first $p.last"`: the argument renders into a
            // buffer and is replaced from there, without becoming a String value (`toString()` of a String is
            // the String; each call still burns its fuel).
            if let Var::Param { index, .. } = r.root
                && let before = r.chain.get(..first).unwrap_or_default()
                && before.iter().all(is_to_string)
                && let Some((args, caller)) = self.param_interp_root(r, cx)
            {
                let mut text = std::mem::take(&mut self.param_buf);
                text.clear();
                let result = self.render_interp(args, index, &caller, &mut text).and_then(|()| {
                    for seg in before {
                        if let Seg::Method { span, .. } = seg {
                            self.burn(*span)?;
                        }
                    }
                    self.print_run(&text, r, segs_of(r, first), out)
                });
                self.param_buf = text;
                return result.map(|()| Flow::Normal);
            }
            if let Some(done) = self.print_run_in_place(r, cx, first, out) {
                return done.map(|()| Flow::Normal);
            }
            let recv = self.ref_value_upto(r, cx, first)?;
            let segs = r.chain.get(first..).unwrap_or_default();
            if let Value::Str(st) = &recv {
                return self.print_run(st, r, segs, out).map(|()| Flow::Normal);
            }
            let value = if recv.is_null() {
                Value::Null
            } else {
                self.follow(recv, segs, cx)?
            };
            return self.print_ref_value(r, value, cx, out);
        }
        if let Some((args, caller)) = self.param_interp(r, cx)
            && let Var::Param { index, .. } = r.root
        {
            return self.render_interp(args, index, &caller, out).map(|()| Flow::Normal);
        }
        // A variable (or a parameter standing for one) looked into through properties: printed from where it
        // lives.
        let max = self.limits.max_output_bytes;
        if let Some(printed) = self.peek(r, cx, |v| print_direct(v, out, max)) {
            return match printed {
                Printed::Written => Ok(Flow::Normal),
                Printed::Full => Err(self.output_limit()),
                Printed::Other(v) => self.print_owned(r, v, cx, out),
            };
        }
        // `$byType.get($t).size()`: the calls run on the variable and the arguments where they live, as
        // `ref_value` runs them.
        if r.direct
            && let Some(v) = self.direct(r, cx)
        {
            return self.print_owned(r, v?, cx, out);
        }
        if r.prepared.is_none() {
            let root = self.get_var(r.root, cx)?;
            let max = self.limits.max_output_bytes;
            let value = match walk(&root, &r.chain, 0, &mut |v| print_direct(v, out, max)) {
                Walked::Done(Printed::Written) => return Ok(Flow::Normal),
                Walked::Done(Printed::Full) => return Err(self.output_limit()),
                Walked::Done(Printed::Other(v)) => v,
                Walked::At(v, i) => self.follow(v, r.chain.get(i..).unwrap_or_default(), cx)?,
            };
            return self.print_owned(r, value, cx, out);
        }
        let value = self.ref_value(r, cx)?;
        self.print_owned(r, value, cx, out)
    }

    /// A replacement run (from segment `first` on) on a String where it lives, when the reference is a variable
    /// of the template holding a String (`$s.replaceAll(…)`) or a map (`$item.name.replaceAll(…)`,
    /// `$elem.title.S.replaceAll(…)`: one or two properties), optionally followed by `toString()` calls (each burns
    /// its step, as the call would): no copy of the String, whose reference count is atomic. `None` (nothing
    /// done) otherwise. Only the replacements run while the String is held: no template code.
    #[inline]
    fn print_run_in_place(&mut self, r: &RefExpr, cx: &Cx<'_>, first: usize, out: &mut String) -> Option<R<()>> {
        let before = r.chain.get(..first)?;
        match before.last() {
            Some(last) if is_to_string(last) => self.print_run_in_place_calls(r, cx, first, out),
            _ => self.run_in_place(r, cx, before, &[], first, out),
        }
    }

    /// [`print_run_in_place`](Self::print_run_in_place) when `toString()` calls come before the run.
    #[inline(never)]
    fn print_run_in_place_calls(&mut self, r: &RefExpr, cx: &Cx<'_>, first: usize, out: &mut String) -> Option<R<()>> {
        let before = r.chain.get(..first)?;
        let mut path = before;
        while let [rest @ .., last] = path
            && is_to_string(last)
        {
            path = rest;
        }
        let calls = before.get(path.len()..)?;
        self.run_in_place(r, cx, path, calls, first, out)
    }

    /// The replacement run from segment `first` on, on the String `path` leads to, after the `calls`.
    #[inline(always)]
    fn run_in_place(
        &mut self,
        r: &RefExpr,
        cx: &Cx<'_>,
        path: &[Seg],
        calls: &[Seg],
        first: usize,
        out: &mut String,
    ) -> Option<R<()>> {
        let Var::Slot(slot) = r.root else { return None };
        if r.prepared.is_some() || !Arc::ptr_eq(cx.program, &self.root) {
            return None;
        }
        let segs = segs_of(r, first);
        match (path, self.vars.get_mut(slot as usize)?) {
            // The variable's String is moved out of its slot and back.
            ([], held @ Some(Value::Str(_))) => {
                let v = held.take()?;
                let result = match &v {
                    Value::Str(st) => self.burn_calls(calls).and_then(|()| self.print_run(st, r, segs, out)),
                    _ => Ok(()),
                };
                if let Some(held) = self.vars.get_mut(slot as usize) {
                    *held = Some(v);
                }
                Some(result)
            }
            // The map is held by a handle of its own (not an atomic count) while borrowed.
            ([a] | [a, _], Some(Value::Map(m))) => {
                let m = m.clone();
                let map = m.entries();
                let (name, hash, hint) = map_key(Some(a))?;
                let found = crate::value::lookup_str(&map, name, hash, hint)?;
                match (found, path.get(1)) {
                    (Value::Str(st), None) => {
                        Some(self.burn_calls(calls).and_then(|()| self.print_run(st, r, segs, out)))
                    }
                    (Value::Map(inner), Some(b)) => {
                        let inner = inner.entries();
                        let (name, hash, hint) = map_key(Some(b))?;
                        match crate::value::lookup_str(&inner, name, hash, hint)? {
                            Value::Str(st) => {
                                Some(self.burn_calls(calls).and_then(|()| self.print_run(st, r, segs, out)))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The step each of these `toString()` calls burns.
    fn burn_calls(&mut self, calls: &[Seg]) -> R<()> {
        for seg in calls {
            if let Seg::Method { span, .. } = seg {
                self.burn(*span)?;
            }
        }
        Ok(())
    }

    #[inline]
    fn print_owned(&mut self, r: &RefExpr, value: Value, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        match &value {
            Value::Str(s) => self.write(out, s).map(|()| Flow::Normal),
            Value::Int(i) => self.write(out, itoa::Buffer::new().format(*i)).map(|()| Flow::Normal),
            _ => self.print_ref_value(r, value, cx, out),
        }
    }

    /// Applies literal `replaceAll`/`replaceFirst` segments to `st` (through the buffers `a` and `b`) and writes
    /// the result.
    fn print_replaced(&mut self, st: &str, segs: &[Seg], a: &mut String, b: &mut String, out: &mut String) -> R<()> {
        let mut in_a = false;
        for (k, seg) in segs.iter().enumerate() {
            let Some((re, replacement, first, span)) = literal_replace(seg) else {
                continue;
            };
            self.burn(span)?;
            let src: &str = if in_a { a } else { st };
            if k + 1 < segs.len() {
                b.clear();
                if re
                    .replace_into(src, replacement, first, b)
                    .map_err(|m| invocation(&m, span))?
                {
                    if b.len() > self.limits.max_collection_len {
                        return Err(invocation("string too long", span));
                    }
                    std::mem::swap(a, b);
                    in_a = true;
                }
                continue;
            }
            let start = out.len();
            let replaced = re.replace_into(src, replacement, first, out).map_err(|m| {
                out.truncate(start);
                invocation(&m, span)
            })?;
            if !replaced {
                self.write(out, src)?;
            } else if out.len() - start > self.limits.max_collection_len {
                out.truncate(start);
                return Err(invocation("string too long", span));
            } else if out.len() > self.limits.max_output_bytes {
                out.truncate(start);
                return Err(self.output_limit());
            }
        }
        Ok(())
    }

    /// Prints the reference's run of literal replacements (`segs`) applied to `st`: fused when it can be.
    #[inline]
    fn print_run(&mut self, st: &str, r: &RefExpr, segs: &[Seg], out: &mut String) -> R<()> {
        if let Some(chain) = &r.fused
            && st.len().saturating_mul(chain.max_growth) <= self.limits.max_collection_len
        {
            return self.print_fused(st, chain, segs, out);
        }
        let (mut a, mut b) = (std::mem::take(&mut self.scratch.0), std::mem::take(&mut self.scratch.1));
        let result = self.print_replaced(st, segs, &mut a, &mut b, out);
        self.scratch = (a, b);
        result
    }

    /// [`print_replaced`](Self::print_replaced) for a fused run (its result fits the collection limit: every
    /// call's result is at most as long as the last, and the caller checked the last can fit): one pass, the
    /// same fuel per call, the same output limit.
    fn print_fused(&mut self, st: &str, chain: &ReplaceChain, segs: &[Seg], out: &mut String) -> R<()> {
        for seg in segs {
            if let Some((.., span)) = literal_replace(seg) {
                self.burn(span)?;
            }
        }
        let start = out.len();
        chain.apply(st, out);
        if out.len() > self.limits.max_output_bytes {
            out.truncate(start);
            return Err(self.output_limit());
        }
        Ok(())
    }

    #[cold]
    fn output_limit(&self) -> Error {
        Error::new(
            ErrorKind::OutputLimit,
            format!("output exceeds {} bytes", self.limits.max_output_bytes),
        )
    }

    fn print_ref(&mut self, r: &RefExpr, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        let value = self.ref_value(r, cx)?;
        self.print_ref_value(r, value, cx, out)
    }

    fn print_ref_value(&mut self, r: &RefExpr, value: Value, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        // A `#define` block renders in place, unless it is already rendering too deeply (then it is null).
        if let Value::Block(b) = &value
            && r.escapes.is_multiple_of(2)
        {
            let half = (r.escapes / 2) as usize;
            if half > 0 {
                self.write(out, &"\\".repeat(half))?;
            }
            if let Some(flow) = self.render_block(b, out)? {
                return Ok(flow);
            }
            self.write(out, &"\\".repeat(half))?;
            if !(r.quiet || self.profile == Profile::ApiGateway) {
                self.write(out, &r.literal)?;
            }
            return Ok(Flow::Normal);
        }
        self.print_plain(r, value, cx, out).map(|()| Flow::Normal)
    }

    fn print_plain(&mut self, r: &RefExpr, value: Value, cx: &Cx<'_>, out: &mut String) -> R<()> {
        let half = (r.escapes / 2) as usize;
        if r.escapes % 2 == 1 {
            // `\$x`: `$x` when defined, `\$x` when not (it is text, not VTL).
            let prefix = "\\".repeat(half);
            self.write(out, &prefix)?;
            if value.is_null() {
                self.write(out, "\\")?;
            }
            return self.write(out, &r.literal);
        }
        if value.is_null() {
            let prefix = "\\".repeat(half * 2);
            self.write(out, &prefix)?;
            if r.quiet || self.profile == Profile::ApiGateway {
                return Ok(());
            }
            let literal = match (r.root, r.chain.is_empty(), r.prepared.is_none()) {
                (Var::Param { index, .. }, true, true) => self.param_literal(cx, index),
                _ => None,
            };
            return match literal {
                Some(l) => self.write(out, &l),
                None => self.write(out, &r.literal),
            };
        }
        if half > 0 {
            let prefix = "\\".repeat(half);
            self.write(out, &prefix)?;
        }
        self.print_value(&value, out)
    }

    fn param_literal(&self, cx: &Cx<'_>, index: u32) -> Option<String> {
        let f = cx.frame?;
        if f.set_locally(index as usize) || index as usize >= f.count {
            return None;
        }
        match f.args.get(index as usize)? {
            Expr::Ref(r) => Some(r.literal.to_string()),
            _ => None,
        }
    }

    fn print_value(&mut self, value: &Value, out: &mut String) -> R<()> {
        match value {
            Value::Str(s) => self.write(out, s),
            Value::Block(b) => self.render_block(b, out).map(|_| ()),
            other => {
                let start = out.len();
                other.write_java_string(out);
                if out.len() > self.limits.max_output_bytes {
                    out.truncate(start);
                    return self.write(out, "\u{0}".repeat(self.limits.max_output_bytes + 1).as_str());
                }
                Ok(())
            }
        }
    }

    /// Renders a `#define` block; `None` when it is already nested `MAX_DEFINE_DEPTH` deep (Velocity's
    /// `directive.define.max.depth`), which Velocity treats as a null value. `#break` ends the block;
    /// `#stop` propagates.
    fn render_block(&mut self, b: &BlockRef, out: &mut String) -> R<Option<Flow>> {
        let key = (Arc::as_ptr(&b.owner) as usize, b.block);
        let active = self.define_depth.get(&key).copied().unwrap_or(0);
        if active >= MAX_DEFINE_DEPTH {
            return Ok(None);
        }
        self.enter(Span::default())?;
        self.define_depth.insert(key, active + 1);
        let program = b.owner.clone();
        let cx = Cx {
            program: &program,
            frame: None,
        };
        let result = match program.blocks.get(b.block as usize) {
            Some(body) => self.block(body, &cx, out),
            None => Ok(Flow::Normal),
        };
        self.define_depth.insert(key, active);
        self.depth -= 1;
        match result? {
            Flow::Stop => Ok(Some(Flow::Stop)),
            Flow::BreakScope => Ok(Some(Flow::BreakScope)),
            _ => Ok(Some(Flow::Normal)),
        }
    }

    fn block_to_string(&mut self, b: &BlockRef) -> R<Value> {
        let mut s = String::new();
        match self.render_block(b, &mut s)? {
            Some(_) => Ok(Value::Str(Arc::from(s.as_str()))),
            None => Ok(Value::Null),
        }
    }

    fn ref_value(&mut self, r: &RefExpr, cx: &Cx<'_>) -> R<Value> {
        self.ref_value_upto(r, cx, r.chain.len())
    }

    /// The value of the reference's root and its first `end` segments.
    fn ref_value_upto(&mut self, r: &RefExpr, cx: &Cx<'_>, end: usize) -> R<Value> {
        if r.direct
            && end == r.chain.len()
            && let Some(v) = self.direct(r, cx)
        {
            return v;
        }
        let chain = r.chain.get(..end).unwrap_or(&r.chain);
        let (v, start) = match &r.prepared {
            Some((prepared, args, span)) => (self.call_prepared(prepared, args, *span, cx)?, 0),
            None => match r.root {
                // The common case: a variable of this template, already fetched, looked into through map
                // properties without copying the maps on the way.
                Var::Slot(slot)
                    if Arc::ptr_eq(cx.program, &self.root)
                        && let Some(Some(root)) = self.vars.get(slot as usize) =>
                {
                    // `$list.add($x)`, `$map.get($k).size()`: the method runs on the variable directly.
                    if let Some(first @ Seg::Method { .. }) = chain.first() {
                        if root.is_null() {
                            return Ok(Value::Null);
                        }
                        let root = root.clone();
                        let v = self.call_with_args(&root, first, cx)?;
                        return match chain.get(1..) {
                            Some(rest) if !rest.is_empty() => self.follow(v, rest, cx),
                            _ => Ok(v),
                        };
                    }
                    match walk(root, chain, 0, &mut Value::clone) {
                        Walked::Done(v) => return Ok(v),
                        Walked::At(v, i) => (v, i),
                    }
                }
                root => {
                    let v = self.get_var(root, cx)?;
                    match walk(&v, chain, 0, &mut Value::clone) {
                        Walked::Done(v) => return Ok(v),
                        Walked::At(v, i) => (v, i),
                    }
                }
            },
        };
        self.follow(v, chain.get(start..).unwrap_or_default(), cx)
    }

    /// The value of `segs` applied to `v`.
    fn follow(&mut self, mut v: Value, segs: &[Seg], cx: &Cx<'_>) -> R<Value> {
        for seg in segs {
            if v.is_null() {
                return Ok(Value::Null);
            }
            v = match seg {
                Seg::Property {
                    name,
                    hash,
                    hint,
                    special,
                    span,
                } => self.property(&v, name, *hash, hint, *special, *span)?,
                Seg::Method { .. } => self.call_with_args(&v, seg, cx)?,
                Seg::Index { key, span } => {
                    let k = self.value(key, cx)?;
                    self.index(&v, k, *span)?
                }
            };
        }
        Ok(v)
    }

    /// Evaluates `args` into a reused buffer and calls the method (no allocation for the argument list
    /// unless calls nest inside arguments).
    #[inline]
    fn call_with_args(&mut self, recv: &Value, seg: &Seg, cx: &Cx<'_>) -> R<Value> {
        let Seg::Method {
            name,
            method,
            args,
            regex,
            span,
        } = seg
        else {
            return Ok(Value::Null);
        };
        // No arguments or one (most calls): no buffer.
        match &**args {
            [] => return self.method(recv, name, *method, &[], regex.as_ref(), *span),
            // `$map.containsKey($e.type)`, `$list.contains($e.user)`: a collection method that only reads, given
            // a plain reference, reads the argument where it lives (no copy of it, no reference count touched).
            // Only reading methods: the argument's map stays borrowed during the call.
            [arg @ Expr::Ref(a)]
                if a.plain && matches!(recv, Value::List(_) | Value::Map(_)) && method.only_reads() =>
            {
                self.burn(*span)?;
                let limits = self.limits;
                let called = self.peek(a, cx, |arg| {
                    java::call_collection(recv, *method, std::slice::from_ref(arg), limits)
                });
                match called {
                    Some(Some(r)) => return r.map_err(|m| invocation(&m, *span)),
                    Some(None) => return Ok(Value::Null),
                    None => {
                        // Not readable in place: the usual way, without burning twice.
                        self.fuel += 1;
                        let v = self.value(arg, cx)?;
                        return self.method(recv, name, *method, std::slice::from_ref(&v), regex.as_ref(), *span);
                    }
                }
            }
            [a] => {
                let v = self.value(a, cx)?;
                return self.method(recv, name, *method, std::slice::from_ref(&v), regex.as_ref(), *span);
            }
            _ => {}
        }
        let mut buf = std::mem::take(&mut self.arg_buf);
        buf.clear();
        for a in args {
            let v = self.value(a, cx)?;
            buf.push(v);
        }
        let result = self.method(recv, name, *method, &buf, regex.as_ref(), *span);
        buf.clear();
        self.arg_buf = buf;
        result
    }

    /// Runs a call the host prepared, its arguments evaluated into the reused buffer.
    fn call_prepared(&mut self, prepared: &Prepared, args: &[Expr], span: Span, cx: &Cx<'_>) -> R<Value> {
        let mut buf = std::mem::take(&mut self.arg_buf);
        buf.clear();
        let mut result = Ok(());
        for a in args {
            match self.value(a, cx) {
                Ok(v) => buf.push(v),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let value = result.and_then(|()| {
            self.host
                .call_prepared(prepared, &buf)
                .map_err(|e| Error::new(ErrorKind::Host, e.message().to_owned()).with_span(span))
        });
        buf.clear();
        self.arg_buf = buf;
        value
    }

    #[inline]
    fn property(
        &mut self,
        v: &Value,
        name: &str,
        hash: u64,
        hint: &std::sync::atomic::AtomicU32,
        special: Special,
        span: Span,
    ) -> R<Value> {
        match v {
            // Velocity tries `getX()` before `get("x")`: `$map.class` is `getClass()`.
            Value::Map(_) if special == Special::Class => Ok(Value::string("class java.util.LinkedHashMap")),
            Value::Map(m) => Ok(m.get_str_hashed(name, hash, hint).unwrap_or_default()),
            Value::Object(o) => {
                if let Some(scope) = o.as_any().downcast_ref::<ForeachScope>() {
                    return Ok(scope.special(special, v));
                }
                o.property(name).map_err(|e| invocation(e.message(), span))
            }
            Value::Block(b) if special == Special::Empty => {
                let s = self.block_to_string(b)?;
                Ok(Value::Bool(s.as_str().is_some_and(str::is_empty)))
            }
            _ => {
                // The only bean getters of these classes (`getClass()`, `isEmpty()`, `getBytes()`).
                let getter = match special {
                    Special::Class => java::M::GetClass,
                    Special::Empty => java::M::IsEmpty,
                    Special::Bytes => java::M::GetBytes,
                    _ => return Ok(Value::Null),
                };
                match java::call(v, getter, &[], None, self.limits) {
                    Some(r) => r.map_err(|m| invocation(&m, span)),
                    None => Ok(Value::Null),
                }
            }
        }
    }

    fn method(
        &mut self,
        v: &Value,
        name: &str,
        method: java::M,
        args: &[Value],
        regex: Option<&Arc<JavaRegex>>,
        span: Span,
    ) -> R<Value> {
        self.burn(span)?;
        match v {
            Value::List(_) | Value::Map(_) => match java::call_collection(v, method, args, self.limits) {
                Some(r) => r.map_err(|m| invocation(&m, span)),
                None => Ok(Value::Null),
            },
            Value::Object(o) => o.call(name, args).map_err(|e| invocation(e.message(), span)),
            Value::Block(b) => {
                let s = self.block_to_string(b)?;
                self.method(&s, name, method, args, regex, span)
            }
            _ => {
                if method == java::M::Other {
                    return Ok(Value::Null);
                }
                let dynamic;
                let regex: Option<&JavaRegex> = match regex {
                    Some(r) => Some(r),
                    None if method.takes_regex() => {
                        dynamic = self.dynamic_regex(args);
                        dynamic.as_deref()
                    }
                    None => None,
                };
                match java::call(v, method, args, regex, self.limits) {
                    Some(r) => r.map_err(|m| invocation(&m, span)),
                    None => Ok(Value::Null),
                }
            }
        }
    }

    fn dynamic_regex(&mut self, args: &[Value]) -> Option<Arc<JavaRegex>> {
        let pattern = match args.first() {
            Some(Value::Str(p)) => p.clone(),
            _ => return None,
        };
        if let Some(r) = self.regexes.get(&pattern) {
            return Some(r.clone());
        }
        let compiled = Arc::new(JavaRegex::compile(&pattern).ok()?);
        if self.regexes.len() >= MAX_DYNAMIC_REGEXES {
            self.regexes.clear();
        }
        self.regexes.insert(pattern, compiled.clone());
        Some(compiled)
    }

    /// `ASTIndex`: `get(arg)` on the object, with negative list indexes counted from the end.
    fn index(&mut self, v: &Value, key: Value, span: Span) -> R<Value> {
        match v {
            Value::List(l) => {
                let i = match key {
                    Value::Int(i) => i64::from(i),
                    _ => return Ok(Value::Null),
                };
                let len = l.len() as i64;
                let adj = if i < 0 { len + i } else { i };
                match usize::try_from(adj).ok().and_then(|a| l.get(a)) {
                    Some(x) => Ok(x),
                    None => Err(invocation(
                        &format!(
                            "Error invoking method 'get(java.lang.Integer)' in java.util.ArrayList: Index {adj} out of bounds for length {len}"
                        ),
                        span,
                    )),
                }
            }
            Value::Map(m) => Ok(m.get(&Key::from(key)).unwrap_or_default()),
            Value::Object(o) => o.index(&key).map_err(|e| invocation(e.message(), span)),
            _ => Ok(Value::Null),
        }
    }

    fn assign(&mut self, target: &RefExpr, v: Value, cx: &Cx<'_>) -> R<()> {
        if target.chain.is_empty() && target.prepared.is_none() {
            self.set_var(target.root, v, cx);
            return Ok(());
        }
        // Walk to the object that owns the last segment.
        let mut obj = match &target.prepared {
            Some((prepared, args, span)) => self.call_prepared(prepared, args, *span, cx)?,
            None => self.get_var(target.root, cx)?,
        };
        let Some((last, init)) = target.chain.split_last() else {
            return Ok(());
        };
        for seg in init {
            if obj.is_null() {
                return Ok(());
            }
            obj = match seg {
                Seg::Property {
                    name,
                    hash,
                    hint,
                    special,
                    span,
                } => self.property(&obj, name, *hash, hint, *special, *span)?,
                Seg::Method { .. } => self.call_with_args(&obj, seg, cx)?,
                Seg::Index { key, span } => {
                    let k = self.value(key, cx)?;
                    self.index(&obj, k, *span)?
                }
            };
        }
        if obj.is_null() {
            return Ok(());
        }
        match last {
            Seg::Property { name, span, .. } => match &obj {
                Value::Map(m) => {
                    m.insert(Value::Str(name.clone()), v);
                }
                Value::Object(o) => {
                    o.set_property(name, v).map_err(|e| invocation(e.message(), *span))?;
                }
                _ => {}
            },
            Seg::Index { key, span } => {
                let k = self.value(key, cx)?;
                match &obj {
                    Value::List(l) => {
                        let Value::Int(i) = k else { return Ok(()) };
                        let len = l.len() as i64;
                        let i = i64::from(i);
                        let adj = if i < 0 { len + i } else { i };
                        let ok = usize::try_from(adj).ok().and_then(|a| l.set(a, v)).is_some();
                        if !ok {
                            return Err(invocation(
                                &format!("Index {adj} out of bounds for length {len}"),
                                *span,
                            ));
                        }
                    }
                    Value::Map(m) => {
                        m.insert(k, v);
                    }
                    Value::Object(o) => {
                        o.set_index(&k, v).map_err(|e| invocation(e.message(), *span))?;
                    }
                    _ => {}
                }
            }
            Seg::Method { .. } => {}
        }
        Ok(())
    }

    // ------------------------------------------------------------------ expressions

    fn value(&mut self, e: &Expr, cx: &Cx<'_>) -> R<Value> {
        // The commonest operands: a literal, or a variable of this template and its properties.
        match e {
            Expr::Const(c) => return Ok(const_value(c)),
            Expr::Ref(r) if let Some(v) = self.peek(r, cx, Value::clone) => return Ok(v),
            // A reference with calls (`$map.get($k).add($v)`): what `value_inner` does for it, one frame less.
            Expr::Ref(r) if !r.plain => {
                // Direct calls do not descend further: the check `descend` makes is all they need.
                if r.direct
                    && self.nest < self.limits.max_depth
                    && let Some(v) = self.direct(r, cx)
                {
                    return v;
                }
                self.descend()?;
                let v = self.ref_value(r, cx);
                self.nest -= 1;
                return v;
            }
            // `$count + 1`: Integer operands read where they live (what `binary` does first).
            Expr::Binary(op, a, b, _)
                if !matches!(op, BinOp::And | BinOp::Or)
                    && let Some(p) = self.int_operand(a, cx)
                    && let Some(q) = self.int_operand(b, cx)
                    && let Some(v) = int_op(*op, p, q) =>
            {
                return Ok(v);
            }
            _ => {}
        }
        self.descend()?;
        let result = self.value_inner(e, cx);
        self.nest -= 1;
        result
    }

    fn value_inner(&mut self, e: &Expr, cx: &Cx<'_>) -> R<Value> {
        Ok(match e {
            Expr::Const(c) => const_value(c),
            Expr::Interp(nodes) => {
                let mut s = std::mem::take(&mut self.interp_buf);
                s.clear();
                self.enter(Span::default())?;
                let flow = self.block(nodes, cx, &mut s);
                self.depth -= 1;
                let v = Value::Str(Arc::from(s.as_str()));
                self.interp_buf = s;
                flow?;
                v
            }
            Expr::Ref(r) => {
                let v = self.ref_value(r, cx)?;
                match v {
                    // A `#define` block is passed around as itself but compared and concatenated as its text.
                    Value::Block(_) => v,
                    other => other,
                }
            }
            Expr::List(items) => {
                let l = List::with_capacity(items.len());
                for item in items.iter() {
                    let v = self.value(item, cx)?;
                    l.push(v);
                }
                Value::List(l)
            }
            Expr::Map(entries) => {
                let m = Map::with_capacity(entries.len());
                for (k, v) in entries.iter() {
                    let k = self.value(k, cx)?;
                    let v = self.value(v, cx)?;
                    m.insert(k, v);
                }
                Value::Map(m)
            }
            Expr::Range(a, b, span) => {
                let (Some(from), Some(to)) = (self.range_end(a, cx)?, self.range_end(b, cx)?) else {
                    return Ok(Value::Null);
                };
                let len = (i64::from(to) - i64::from(from)).unsigned_abs() + 1;
                if len > self.limits.max_collection_len as u64 || len > self.fuel {
                    return Err(Error::new(
                        ErrorKind::CollectionLimit,
                        format!("range of {len} elements is too large"),
                    )
                    .with_span(*span));
                }
                self.fuel -= len;
                let step = if to >= from { 1 } else { -1 };
                let l = List::with_capacity(len as usize);
                let mut i = from;
                loop {
                    l.push(Value::Int(i));
                    if i == to {
                        break;
                    }
                    i += step;
                }
                Value::List(l)
            }
            Expr::Binary(op, a, b, span) => self.binary(*op, a, b, *span, cx)?,
            Expr::Not(a) => Value::Bool(!self.truth(a, cx)?.holds()),
            Expr::Word => Value::Null,
        })
    }

    fn range_end(&mut self, e: &Expr, cx: &Cx<'_>) -> R<Option<i32>> {
        Ok(match self.value(e, cx)? {
            // `Number.intValue()`; anything else makes the range null.
            Value::Int(i) => Some(i),
            Value::Long(l) => Some(l as i32),
            Value::BigInt(b) => Some(*b as i32),
            Value::Double(d) => Some(d as i32),
            _ => None,
        })
    }

    /// Reads a plain reference ([`RefExpr::plain`]) where it lives and hands its value to `f`; `None` when the
    /// evaluator has to take over (the variable is not fetched yet, a value on the way is no map, a macro
    /// argument is an expression). Reading a plain reference has no effects, so taking over evaluates nothing
    /// twice.
    #[inline(always)]
    fn peek<T>(&self, r: &RefExpr, cx: &Cx<'_>, mut f: impl FnMut(&Value) -> T) -> Option<T> {
        if !r.plain {
            return None;
        }
        if let Var::Slot(slot) = r.root {
            // The common case, without the indirection parameters need.
            if !Arc::ptr_eq(cx.program, &self.root) {
                return None;
            }
            let root = self.vars.get(slot as usize)?.as_ref()?;
            // `$x` and `$item.name` (most references): no walk.
            match (&*r.chain, root) {
                ([], v) => return Some(f(v)),
                (
                    [
                        Seg::Property {
                            name,
                            hash,
                            hint,
                            special,
                            ..
                        },
                    ],
                    Value::Map(m),
                ) if *special != Special::Class => {
                    let map = m.entries();
                    return Some(match crate::value::lookup_str(&map, name, *hash, hint) {
                        Some(x) => f(x),
                        None => f(&Value::Null),
                    });
                }
                // `$foreach.hasNext`.
                ([Seg::Property { special, .. }], Value::Object(o))
                    if let Some(scope) = o.as_any().downcast_ref::<ForeachScope>() =>
                {
                    return Some(f(&scope.special(*special, root)));
                }
                // `$elem.id.S` (DynamoDB-shaped JSON): two map lookups, no walk.
                ([first, second], Value::Map(m)) if let Some(t) = peek_two(m, first, second, &mut f) => {
                    return Some(t);
                }
                _ => {}
            }
            return match walk(root, &r.chain, 0, &mut f) {
                Walked::Done(t) => Some(t),
                Walked::At(..) => None,
            };
        }
        self.peek_param(r, cx, &mut f)
    }

    /// [`peek`](Self::peek) for a macro parameter: follows parameters to the plain reference or literal they
    /// stand for (each read in its caller's context), then walks the value through every reference's
    /// properties, innermost first.
    fn peek_param<T>(&self, r: &RefExpr, cx: &Cx<'_>, f: &mut impl FnMut(&Value) -> T) -> Option<T> {
        // The property chains met on the way, outermost first (only the non-empty ones).
        let mut chains: [&[Seg]; MAX_PEEK_CHAINS] = [&[]; MAX_PEEK_CHAINS];
        let (mut n, mut total, mut levels) = (0usize, 0usize, 0u32);
        let (mut cur, mut cur_cx) = (r, cx);
        let base: Result<&Value, Value> = loop {
            if !cur.chain.is_empty() {
                *chains.get_mut(n)? = &cur.chain;
                n += 1;
                total += cur.chain.len();
            }
            levels += 1;
            if levels > MAX_PEEK_DEPTH {
                return None;
            }
            match cur.root {
                Var::Slot(slot) => {
                    if !Arc::ptr_eq(cur_cx.program, &self.root) {
                        return None;
                    }
                    break Ok(self.vars.get(slot as usize)?.as_ref()?);
                }
                Var::Param { index, .. } => {
                    // A macro parameter stands for its argument, read in the caller's context.
                    let frame = cur_cx.frame?;
                    let i = index as usize;
                    if frame.set_locally(i) || i >= frame.count {
                        return None;
                    }
                    match frame.args.get(i)? {
                        Expr::Ref(arg) if arg.plain => {
                            cur = arg;
                            cur_cx = &frame.caller;
                        }
                        Expr::Const(c) => break Err(const_value(c)),
                        _ => return None,
                    }
                }
            }
        };
        let walked = match n {
            // The argument itself (`$v` standing for `$p` or a literal): no walk.
            0 => {
                return Some(match &base {
                    Ok(v) => f(v),
                    Err(v) => f(v),
                });
            }
            // One reference with properties (`$p.email` behind `$v`): its chain as it is.
            1 => {
                let chain = chains.first().copied().unwrap_or_default();
                match &base {
                    Ok(v) => walk(v, chain, 0, f),
                    Err(v) => walk(v, chain, 0, f),
                }
            }
            _ => return self.peek_flat(&base, chains.get(..n)?, total, f),
        };
        match walked {
            Walked::Done(t) => Some(t),
            Walked::At(..) => None,
        }
    }

    /// [`peek_param`](Self::peek_param)'s walk when several references on the way have properties.
    #[inline(never)]
    fn peek_flat<T>(
        &self,
        base: &Result<&Value, Value>,
        chains: &[&[Seg]],
        total: usize,
        f: &mut impl FnMut(&Value) -> T,
    ) -> Option<T> {
        if total > MAX_WALK {
            return None;
        }
        // The segments in the order they apply: the innermost reference's first.
        let mut flat: [&Seg; MAX_WALK] = [&NO_SEG; MAX_WALK];
        let mut k = 0;
        for chain in chains.iter().rev() {
            for seg in chain.iter() {
                *flat.get_mut(k)? = seg;
                k += 1;
            }
        }
        let segs = flat.get(..k)?;
        let walked = match base {
            Ok(v) => walk(v, segs, 0, f),
            Err(v) => walk(v, segs, 0, f),
        };
        match walked {
            Walked::Done(t) => Some(t),
            Walked::At(..) => None,
        }
    }

    /// An `#if` condition [`fast_truth`](Self::fast_truth) did not answer: a [`Fast::Call`] by its call, anything
    /// else (or a call that gives up) by [`truth`](Self::truth).
    #[inline(never)]
    fn slow_truth(&mut self, f: &Fast, cond: &Expr, cx: &Cx<'_>) -> R<Truth> {
        if let Fast::Call(c) = f
            && let Some(t) = self.call_truth(c, cx)
        {
            return t;
        }
        self.truth(cond, cx)
    }

    /// `#if($foreach.hasNext)` when the variable holds the innermost loop's scope (nearly always): its flag, read
    /// directly in the node loop.
    #[inline(always)]
    fn has_next_now(&self, p: &Prop, cx: &Cx<'_>) -> Option<bool> {
        self.has_next_slot(p.slot, cx)
    }

    /// [`has_next_slot`](Self::has_next_slot) when no loop with a scope object is the innermost: a lazy loop's
    /// flag, if one runs (its body reads `$foreach` only here, `compile::lazy`). Out of line, so that the node loop
    /// keeps the layout it has for loops with a scope object.
    #[inline(never)]
    fn lazy_has_next(&self, slot: u32, cx: &Cx<'_>) -> Option<bool> {
        self.loop_next.filter(|_| slot == cx.program.specials.foreach)
    }

    /// A [`Node::HasNextText`] whose scope [`has_next_slot`](Self::has_next_slot) cannot read: the flattened `#if`
    /// it stands for.
    #[inline(never)]
    fn has_next_text(&mut self, h: &crate::compile::ir::HasNextText, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        self.block_nodes(&h.nodes, cx, out)
    }

    /// [`has_next_now`](Self::has_next_now) for the variable in `slot`.
    #[inline(always)]
    fn has_next_slot(&self, slot: u32, cx: &Cx<'_>) -> Option<bool> {
        let Some(now) = self.scope_now.as_ref() else {
            return self.lazy_has_next(slot, cx);
        };
        match self.vars.get(slot as usize) {
            Some(Some(Value::Object(o)))
                if std::ptr::addr_eq(Rc::as_ptr(o), Rc::as_ptr(now)) && Arc::ptr_eq(cx.program, &self.root) =>
            {
                Some(now.has_next.get())
            }
            _ => None,
        }
    }

    /// A condition's truth by its compiled shape ([`Fast`]); `None` hands it to [`truth`](Self::truth).
    fn fast_truth(&self, f: &Fast, cx: &Cx<'_>) -> Option<bool> {
        match f {
            // A call burns a step: only `slow_truth` answers it.
            Fast::None | Fast::Call(_) => None,
            Fast::Switch(s) => self.fast_truth(&s.first, cx),
            Fast::Truthy(p) => self.fast_prop(p, cx, truthy),
            Fast::HasNext(p) => match self.has_next_now(p, cx) {
                Some(t) => Some(t),
                None => self.fast_prop(p, cx, truthy),
            },
            Fast::EqStr { prop, literal, negate } => self
                .fast_prop(prop, cx, |v| match v {
                    Value::Str(s) => Some(crate::value::str_eq(s, literal) != *negate),
                    _ => None,
                })
                .flatten(),
            Fast::OneOf { prop, literals } => self
                .fast_prop(prop, cx, |v| match v {
                    Value::Str(s) => Some(literals.iter().any(|l| crate::value::str_eq(s, l))),
                    _ => None,
                })
                .flatten(),
            Fast::IntCmp { prop, op, value } => self
                .fast_prop(prop, cx, |v| match v {
                    Value::Int(i) => int_cmp(*op, *i, *value),
                    _ => None,
                })
                .flatten(),
            Fast::Not(a) => self.fast_truth(a, cx).map(|t| !t),
            Fast::And(a, b) => {
                if self.fast_truth(a, cx)? {
                    self.fast_truth(b, cx)
                } else {
                    Some(false)
                }
            }
            Fast::Or(a, b) => {
                if self.fast_truth(a, cx)? {
                    Some(true)
                } else {
                    self.fast_truth(b, cx)
                }
            }
        }
    }

    /// A [`Fast::Switch`]'s tests on its property's value, read once as [`fast_prop`](Self::fast_prop) reads it:
    /// whether a branch is taken, and how many nodes after the first branch's node the render goes on (the taken
    /// body, or where the chain goes on). `None` when a test cannot decide on the value (then the branches run one
    /// by one).
    #[inline(never)]
    fn switch(&self, s: &crate::compile::fast::Switch, cx: &Cx<'_>) -> Option<(bool, u32)> {
        if !Arc::ptr_eq(cx.program, &self.root) {
            return None;
        }
        let p = &s.prop;
        let root = self.vars.get(p.slot as usize)?.as_ref()?;
        // A null root or a missing key reads as null, which no test decides.
        match root {
            Value::Map(m) => pick(s, crate::value::lookup_str(&m.entries(), &p.name, p.hash, &p.hint)?),
            Value::Object(o) => pick(s, &o.as_any().downcast_ref::<ForeachScope>()?.special(p.special, root)),
            _ => None,
        }
    }

    /// `f` of the property [`Prop`] names, read where it lives: in a map, or a `$foreach` scope's. `None` for
    /// anything else (the general evaluation decides).
    #[inline(always)]
    fn fast_prop<T>(&self, p: &Prop, cx: &Cx<'_>, f: impl FnOnce(&Value) -> T) -> Option<T> {
        if !Arc::ptr_eq(cx.program, &self.root) {
            return None;
        }
        let root = self.vars.get(p.slot as usize)?.as_ref()?;
        match root {
            Value::Map(m) => {
                let map = m.entries();
                Some(f(
                    crate::value::lookup_str(&map, &p.name, p.hash, &p.hint).unwrap_or(&Value::Null)
                ))
            }
            Value::Object(o) => {
                let scope = o.as_any().downcast_ref::<ForeachScope>()?;
                Some(f(&scope.special(p.special, root)))
            }
            Value::Null => Some(f(&Value::Null)),
            _ => None,
        }
    }

    /// The truth of a parameter `r` standing for an interpolated string argument of `args`: a String, so true; it
    /// is still rendered (call by name), or its steps burnt when rendering it would do nothing else.
    fn interp_param_truth(&mut self, r: &RefExpr, args: &[Expr], caller: &Cx<'_>) -> R<bool> {
        let Var::Param { index, .. } = r.root else {
            return Ok(true);
        };
        if let Some(Expr::Interp(nodes)) = args.get(index as usize)
            && self.burn_inert(nodes, caller)
        {
            return Ok(true);
        }
        let mut scratch = std::mem::take(&mut self.scratch.0);
        scratch.clear();
        let result = self.render_interp(args, index, caller, &mut scratch);
        self.scratch.0 = scratch;
        result.map(|()| true)
    }

    /// For an interpolated string rendered only for its effects (`#if($v)` with `$v` standing for
    /// `"$p.first $p.last"`): when it holds only text and plain references to template variables whose values
    /// are strings, numbers, booleans or null, rendering it would only burn a step per reference; this burns them
    /// and returns `true`. `false` (nothing done) when the render is needed: another node, another value (a
    /// `#define` block or host object prints itself), or a limit it could reach (the render reports it).
    fn burn_inert(&mut self, nodes: &[Node], caller: &Cx<'_>) -> bool {
        // The render would descend twice and enter once.
        if self.nest + 2 >= self.limits.max_depth || self.depth + 1 >= self.limits.max_call_depth {
            return false;
        }
        let (mut refs, mut len) = (0u64, 0usize);
        for node in nodes {
            // At most what printing the value writes.
            let bound = |v: &Value, literal: &str| match v {
                Value::Str(s) => Some(s.len()),
                Value::Int(_) | Value::Long(_) | Value::Double(_) | Value::Bool(_) => Some(32),
                Value::Null => Some(literal.len()),
                _ => None,
            };
            let printed = match node {
                Node::Text(t) => {
                    len = len.saturating_add(t.len());
                    continue;
                }
                Node::StripLast => continue,
                // `$p.first`: the property read as the node prints it.
                Node::PrintProp(p) => self.fast_prop(&p.prop, caller, |v| bound(v, &p.r.literal)),
                Node::Ref(r) if r.escapes == 0 && r.plain && r.replace_run == 0 && matches!(r.root, Var::Slot(_)) => {
                    self.peek(r, caller, |v| bound(v, &r.literal))
                }
                _ => return false,
            };
            match printed.flatten() {
                Some(n) => {
                    refs += 1;
                    len = len.saturating_add(n);
                }
                None => return false,
            }
        }
        if len > self.limits.max_output_bytes || self.fuel < refs {
            return false;
        }
        self.fuel -= refs;
        true
    }

    /// Velocity's `evaluate()`: references by their value, literals are false, operators by their meaning.
    fn truth(&mut self, e: &Expr, cx: &Cx<'_>) -> R<Truth> {
        self.truth_of(e, cx).map(Truth::from)
    }

    /// [`truth`](Self::truth) as a `bool`.
    #[inline(always)]
    fn truth_of(&mut self, e: &Expr, cx: &Cx<'_>) -> R<bool> {
        Ok(match e {
            // `!$map.containsKey($k)`: a template variable's call, negated, without a second `truth` frame.
            Expr::Not(a)
                if let Expr::Ref(r) = &**a
                    && !r.plain
                    && matches!(r.root, Var::Slot(_)) =>
            {
                if r.direct
                    && let Some(t) = self.direct_truth(r, cx)
                {
                    return Ok(!t?.holds());
                }
                !truthy(&self.ref_value(r, cx)?)
            }
            // `$list.contains($x)`: a template variable's call.
            Expr::Ref(r)
                if r.direct
                    && let Some(t) = self.direct_truth(r, cx) =>
            {
                t?.holds()
            }
            Expr::Const(Const::Bool(b)) => *b,
            // `#if($v)` with `$v` standing for an interpolated string (which `peek` declines).
            Expr::Ref(r)
                if matches!(r.root, Var::Param { .. })
                    && let Some((args, caller)) = self.param_interp(r, cx) =>
            {
                self.interp_param_truth(r, args, &caller)?
            }
            Expr::Ref(r) if let Some(t) = self.peek(r, cx, truthy) => t,
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b, _)
                if let (Expr::Ref(r), Expr::Const(Const::Str(lit))) = (&**a, &**b)
                    && let Some(Some(eq)) = self.peek(r, cx, |v| match v {
                        Value::Str(x) => Some(crate::value::str_eq(x, lit)),
                        _ => None,
                    }) =>
            {
                eq == (*op == BinOp::Eq)
            }
            Expr::Ref(r) => match self.param_interp(r, cx) {
                Some((args, caller)) => self.interp_param_truth(r, args, &caller)?,
                None => truthy(&self.ref_value(r, cx)?),
            },
            Expr::Not(a) => !self.truth(a, cx)?.holds(),
            Expr::Binary(op, a, b, span) => match op {
                BinOp::And => self.truth(a, cx)?.holds() && self.truth(b, cx)?.holds(),
                BinOp::Or => self.truth(a, cx)?.holds() || self.truth(b, cx)?.holds(),
                BinOp::Eq | BinOp::Ne if let Expr::Const(Const::Str(lit)) = &**b => {
                    // `$x == "literal"`: a string compares without making a value of the literal.
                    match self.operand(a, cx)? {
                        Value::Str(x) => crate::value::str_eq(&x, lit) == (*op == BinOp::Eq),
                        x => {
                            let y = Value::Str(lit.clone());
                            self.compare(*op, &x, &y, a, b, *span)?
                        }
                    }
                }
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    matches!(self.binary(*op, a, b, *span, cx)?, Value::Bool(true))
                }
                _ => false,
            },
            _ => false,
        })
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, span: Span, cx: &Cx<'_>) -> R<Value> {
        match op {
            BinOp::And => return Ok(Value::Bool(self.truth(a, cx)?.holds() && self.truth(b, cx)?.holds())),
            BinOp::Or => return Ok(Value::Bool(self.truth(a, cx)?.holds() || self.truth(b, cx)?.holds())),
            _ => {}
        }
        // Integer operands read where they live (a literal, a plain reference): no values made.
        if let Some(p) = self.int_operand(a, cx)
            && let Some(q) = self.int_operand(b, cx)
            && let Some(v) = int_op(op, p, q)
        {
            return Ok(v);
        }
        let x = self.operand(a, cx)?;
        let y = self.operand(b, cx)?;
        self.operate(op, &x, &y, a, b, span)
    }

    /// An `Integer` operand that can be read without evaluating anything.
    #[inline]
    fn int_operand(&self, e: &Expr, cx: &Cx<'_>) -> Option<i32> {
        match e {
            Expr::Const(Const::Int(i)) => Some(*i),
            Expr::Ref(r) => self
                .peek(r, cx, |v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .flatten(),
            _ => None,
        }
    }

    /// A comparison's truth.
    fn compare(&mut self, op: BinOp, x: &Value, y: &Value, a: &Expr, b: &Expr, span: Span) -> R<bool> {
        Ok(matches!(self.operate(op, x, y, a, b, span)?, Value::Bool(true)))
    }

    /// A binary operator (other than `&&`/`||`) on its operands' values.
    fn operate(&mut self, op: BinOp, x: &Value, y: &Value, a: &Expr, b: &Expr, span: Span) -> R<Value> {
        if let (Value::Int(p), Value::Int(q)) = (x, y)
            && let Some(v) = int_op(op, *p, *q)
        {
            return Ok(v);
        }
        Ok(match op {
            BinOp::Eq => Value::Bool(self.null_as_empty(x, y).unwrap_or_else(|| ops::equals(x, y))),
            BinOp::Ne => Value::Bool(match self.null_as_empty(x, y) {
                Some(eq) => !eq,
                None => match (x, y) {
                    (Value::Null, Value::Null) => false,
                    (Value::Null, _) | (_, Value::Null) => true,
                    _ => !ops::equals(x, y),
                },
            }),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ord = ops::compare_numbers(x, y);
                Value::Bool(match (op, ord) {
                    (_, None) => false,
                    (BinOp::Lt, Some(o)) => o.is_lt(),
                    (BinOp::Le, Some(o)) => o.is_le(),
                    (BinOp::Gt, Some(o)) => o.is_gt(),
                    (_, Some(o)) => o.is_ge(),
                })
            }
            BinOp::Add if matches!(x, Value::Str(_)) || matches!(y, Value::Str(_)) => {
                // `ASTAddNode.handleSpecial`: a null side contributes its source text.
                let mut s = match x {
                    Value::Null => literal_of(a),
                    v => v.to_java_string(),
                };
                match y {
                    Value::Null => s.push_str(&literal_of(b)),
                    v => v.write_java_string(&mut s),
                }
                if s.len() > self.limits.max_collection_len {
                    return Err(Error::new(ErrorKind::CollectionLimit, "string too long").with_span(span));
                }
                Value::Str(Arc::from(s.as_str()))
            }
            _ => match ops::arith(op, x, y) {
                Ok(Some(v)) => v,
                Ok(None) => Value::Null,
                Err(m) => return Err(invocation(&m, span)),
            },
        })
    }

    /// API Gateway: a null (a missing JSONPath result) equals the empty string as well as null
    /// (shared/spec/aws-rest-api.md §2, AWS-recorded). `None`: the stock rules apply.
    fn null_as_empty(&self, x: &Value, y: &Value) -> Option<bool> {
        if self.profile != Profile::ApiGateway {
            return None;
        }
        match (x, y) {
            (Value::Null, Value::Str(s)) | (Value::Str(s), Value::Null) => Some(s.is_empty()),
            _ => None,
        }
    }

    /// An operand's value; `#define` blocks become their rendered text.
    #[inline]
    fn operand(&mut self, e: &Expr, cx: &Cx<'_>) -> R<Value> {
        match self.value(e, cx)? {
            Value::Block(b) => self.block_to_string(&b),
            v => Ok(v),
        }
    }

    // ------------------------------------------------------------------ directives

    fn foreach(&mut self, f: &crate::compile::ir::Foreach, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        self.burn(f.span)?;
        let Some(iterable) = &f.iterable else {
            return Ok(Flow::Normal);
        };
        // The common loop over a list read where it lives (`$item.tags`): `value`'s first step, without its frame.
        if let Expr::Ref(r) = iterable
            && !cx.program.loop_vars
            && f.var != cx.program.specials.foreach
            && Arc::ptr_eq(cx.program, &self.root)
            && let Some(Some(l)) = self.peek(r, cx, |v| match v {
                Value::List(l) => Some(l.clone()),
                _ => None,
            })
        {
            return self.foreach_own(f, cx, l, out);
        }
        let source = match iterable {
            // `[a..b]` in `#foreach` is walked lazily; elsewhere it builds a list.
            Expr::Range(a, b, _) => match (self.range_end(a, cx)?, self.range_end(b, cx)?) {
                (Some(from), Some(to)) => Items::Range(from, to),
                _ => return Ok(Flow::Normal),
            },
            other => match self.value(other, cx)? {
                // The common loop: a list, in the template itself, without `$velocityCount`, over a variable
                // other than `$foreach`.
                Value::List(l)
                    if !cx.program.loop_vars
                        && f.var != cx.program.specials.foreach
                        && Arc::ptr_eq(cx.program, &self.root) =>
                {
                    return self.foreach_own(f, cx, l, out);
                }
                // An ArrayList is iterated live, as Java's iterator does (with its ConcurrentModificationException).
                Value::List(l) => {
                    let len = l.len();
                    Items::Live(l, len)
                }
                Value::Map(m) => Items::Snapshot(m.values()),
                Value::Object(o) => match o.iterate() {
                    Some(v) => Items::Snapshot(v),
                    None => return Ok(Flow::Normal),
                },
                _ => return Ok(Flow::Normal),
            },
        };
        let sp = cx.program.specials;
        let (loop_vars, loop_scope) = (cx.program.loop_vars, cx.program.loop_scope);
        let saved_var = self.get_slot(cx, f.var);
        // `$velocityCount`, `$velocityHasNext` and `$foreach` only for templates that can read them.
        let saved_counts = loop_vars.then(|| {
            (
                self.get_slot(cx, sp.velocity_count),
                self.get_slot(cx, sp.velocity_has_next),
            )
        });
        let id = self.next_scope.get();
        self.next_scope.set(id + 1);
        let scope = if loop_scope {
            let saved_scope = self.get_slot(cx, sp.foreach);
            let scope = self.new_scope(id, saved_scope.clone());
            self.put_slot(cx, sp.foreach, Value::Object(scope.clone()));
            let outer = self.scope_now.replace(scope.clone());
            Some((scope, saved_scope, outer))
        } else {
            None
        };
        let max = self.limits.max_foreach.map_or(usize::MAX, |m| m as usize);
        let mut result = Ok(Flow::Normal);
        // The common loop (a list, no `$velocityCount`) runs in its own small function.
        if let (Items::Live(l, len0), false) = (&source, loop_vars) {
            result = self.foreach_list::<false>(f, cx, l, *len0, scope.as_ref().map(|(s, ..)| &**s), max, id, out);
        } else {
            let mut i = 0usize;
            loop {
                if i >= max {
                    break;
                }
                let (item, has_next) = match &source {
                    Items::Live(l, len0) => {
                        let items = l.items();
                        let len = items.len();
                        if i == len || (i == 0 && len == 0) {
                            break;
                        }
                        if len != *len0 {
                            result = Err(concurrent_modification(f.span));
                            break;
                        }
                        (items.get(i).cloned().unwrap_or_default(), i + 1 < len)
                    }
                    Items::Range(from, to) => {
                        let len = (i64::from(*to) - i64::from(*from)).unsigned_abs() + 1;
                        if i as u64 >= len {
                            break;
                        }
                        let step: i64 = if to >= from { 1 } else { -1 };
                        let v = i64::from(*from) + step * i as i64;
                        (Value::integer(v), (i as u64) + 1 < len)
                    }
                    Items::Snapshot(v) => match v.get(i) {
                        Some(x) => (x.clone(), i + 1 < v.len()),
                        None => break,
                    },
                };
                if let Err(e) = self.burn(f.span) {
                    result = Err(e);
                    break;
                }
                if loop_vars {
                    self.put_slot(cx, sp.velocity_count, Value::integer(i as i64 + 1));
                    self.put_slot(cx, sp.velocity_has_next, Value::Bool(has_next));
                }
                self.put_slot(cx, f.var, item);
                if let Some((scope, ..)) = &scope {
                    scope.index.set(i as i64);
                    scope.has_next.set(has_next);
                }
                match self.block(&f.body, cx, out) {
                    Ok(Flow::Normal) => {}
                    Ok(Flow::Break) => break,
                    Ok(Flow::BreakScope) if self.break_target == id => break,
                    other => {
                        result = other;
                        break;
                    }
                }
                i += 1;
            }
        }
        self.put_slot(cx, f.var, saved_var);
        if let Some((count, has_next)) = saved_counts {
            self.put_slot(cx, sp.velocity_count, count);
            self.put_slot(cx, sp.velocity_has_next, has_next);
        }
        if let Some((scope, saved_scope, outer)) = scope {
            self.put_slot(cx, sp.foreach, saved_scope);
            self.scope_now = outer;
            self.recycle_scope(scope);
        }
        result
    }

    /// [`foreach`](Self::foreach) over a list in the template's own program (not `#evaluate`d code) that does
    /// not read `$velocityCount` or `$velocityHasNext`: the same steps, with the loop variable's and `$foreach`'s
    /// previous values moved out of their slots and back instead of copied (the new scope's parent is the
    /// previous `$foreach` itself).
    fn foreach_own(&mut self, f: &crate::compile::ir::Foreach, cx: &Cx<'_>, l: List, out: &mut String) -> R<Flow> {
        let len0 = l.len();
        let id = self.next_scope.get();
        self.next_scope.set(id + 1);
        let max = self.limits.max_foreach.map_or(usize::MAX, |m| m as usize);
        let saved_var = self.take_slot(cx, f.var);
        let result = if f.lazy {
            // Nothing in the body can see the scope (`compile::lazy`): its flag lives here.
            let outer_next = self.loop_next.replace(false);
            let outer = self.scope_now.take();
            let result = self.foreach_steps::<true>(f, cx, &l, len0, None, max, id, out);
            self.scope_now = outer;
            self.loop_next = outer_next;
            result
        } else if cx.program.loop_scope {
            let slot = cx.program.specials.foreach;
            let saved_scope = self.take_slot(cx, slot);
            let mut scope = self.new_scope(id, saved_scope);
            self.put_slot(cx, slot, Value::Object(scope.clone()));
            let outer = self.scope_now.replace(scope.clone());
            let result = self.foreach_steps::<false>(f, cx, &l, len0, Some(&scope), max, id, out);
            self.scope_now = outer;
            // The slot's reference goes first, so that an unshared scope gives its parent back without a copy.
            if let Some(v) = self.vars.get_mut(slot as usize) {
                *v = None;
            }
            let saved_scope = match Rc::get_mut(&mut scope) {
                Some(s) => std::mem::take(&mut s.parent),
                None => scope.parent.clone(),
            };
            self.put_slot(cx, slot, saved_scope);
            self.recycle_scope(scope);
            result
        } else {
            self.foreach_steps::<false>(f, cx, &l, len0, None, max, id, out)
        };
        self.put_slot(cx, f.var, saved_var);
        result
    }

    /// A template variable's value moved out of its slot (fetched first if need be), for a loop that puts it
    /// back. Only for the template's own program.
    #[inline]
    fn take_slot(&mut self, cx: &Cx<'_>, slot: u32) -> Value {
        if let Some(s @ Some(_)) = self.vars.get_mut(slot as usize) {
            return s.take().unwrap_or_default();
        }
        self.fetch_slot(cx, slot)
    }

    /// The steps of [`foreach_own`](Self::foreach_own)'s loop: [`foreach_list`](Self::foreach_list), in a function
    /// of its own when the body is one Integer `#set`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn foreach_steps<const LAZY: bool>(
        &mut self,
        f: &crate::compile::ir::Foreach,
        cx: &Cx<'_>,
        l: &List,
        len0: usize,
        scope: Option<&ForeachScope>,
        max: usize,
        id: u64,
        out: &mut String,
    ) -> R<Flow> {
        if let [Node::SetInt(s)] = &*f.body {
            return self.foreach_one_set::<LAZY>(f, s, cx, l, len0, scope, max);
        }
        self.foreach_list::<LAZY>(f, cx, l, len0, scope, max, id, out)
    }

    /// The body of [`foreach`](Self::foreach) over a list for a template that does not read `$velocityCount` or
    /// `$velocityHasNext`: the same steps as the general loop (`LAZY`: the loop makes no scope object and keeps its
    /// `hasNext` in `loop_next`).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn foreach_list<const LAZY: bool>(
        &mut self,
        f: &crate::compile::ir::Foreach,
        cx: &Cx<'_>,
        l: &List,
        len0: usize,
        scope: Option<&ForeachScope>,
        max: usize,
        id: u64,
        out: &mut String,
    ) -> R<Flow> {
        let mut i = 0usize;
        loop {
            if i >= max {
                return Ok(Flow::Normal);
            }
            let item = {
                let items = l.items();
                let len = items.len();
                if i == len {
                    return Ok(Flow::Normal);
                }
                if len != len0 {
                    return Err(concurrent_modification(f.span));
                }
                // The step before the item is copied (then it goes straight to its slot).
                self.burn(f.span)?;
                items.get(i).cloned().unwrap_or_default()
            };
            self.put_slot(cx, f.var, item);
            if LAZY {
                self.loop_next = Some(i + 1 < len0);
            } else if let Some(scope) = scope {
                scope.index.set(i as i64);
                scope.has_next.set(i + 1 < len0);
            }
            match self.block(&f.body, cx, out)? {
                Flow::Normal => {}
                Flow::Break => return Ok(Flow::Normal),
                Flow::BreakScope if self.break_target == id => return Ok(Flow::Normal),
                other => return Ok(other),
            }
            i += 1;
        }
    }

    /// A `$foreach` scope, reusing one a finished loop left unreferenced.
    #[inline(always)]
    fn new_scope(&mut self, id: u64, parent: Value) -> Rc<ForeachScope> {
        if let Some(mut rc) = self.scopes.pop()
            && let Some(scope) = Rc::get_mut(&mut rc)
        {
            scope.id = id;
            scope.index.set(-1);
            scope.has_next.set(false);
            // A spare scope's parent is null (`recycle_scope`): nothing to drop, no call.
            match std::mem::replace(&mut scope.parent, parent) {
                Value::Null => {}
                old => drop(old),
            }
            return rc;
        }
        Rc::new(ForeachScope {
            id,
            index: Cell::new(-1),
            has_next: Cell::new(false),
            parent,
        })
    }

    /// Keeps a finished loop's scope for the next loop, unless the template kept a reference to it.
    #[inline(always)]
    fn recycle_scope(&mut self, mut scope: Rc<ForeachScope>) {
        if let Some(s) = Rc::get_mut(&mut scope) {
            // The common loop took the parent back already.
            if !s.parent.is_null() {
                s.parent = Value::Null;
            }
            if self.scopes.len() < MAX_SPARE_SCOPES {
                self.scopes.push(scope);
            }
        }
    }

    fn enter(&mut self, span: Span) -> R<()> {
        if self.depth >= self.limits.max_call_depth {
            return Err(calls_too_deep(self.limits.max_call_depth, span));
        }
        self.depth += 1;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn call_macro(
        &mut self,
        program: &Arc<Program>,
        id: u32,
        args: &[Expr],
        body: Option<u32>,
        cx: &Cx<'_>,
        span: Span,
        out: &mut String,
    ) -> R<Flow> {
        self.burn(span)?;
        let Some(def) = program.macros.get(id as usize) else {
            return Ok(Flow::Normal);
        };
        if self.macro_depth >= self.limits.max_macro_depth as usize {
            return Err(Error::new(
                ErrorKind::RecursionLimit,
                format!(
                    "Max calling depth of {} was exceeded in macro '{}'",
                    self.limits.max_macro_depth, def.name
                ),
            )
            .with_span(span));
        }
        self.enter(span)?;
        let count = args.len().min(def.params.len());
        let body_slot = cx.program.specials.body_content;
        let saved_body = match body {
            Some(block) => {
                let saved = self.get_slot(cx, body_slot);
                self.put_slot(
                    cx,
                    body_slot,
                    Value::Block(BlockRef {
                        block,
                        owner: cx.program.clone(),
                    }),
                );
                Some(saved)
            }
            None => None,
        };
        let frame = MacroFrame {
            args,
            caller: *cx,
            count,
            has_locals: Cell::new(false),
            locals: RefCell::new(None),
            params: def.params.len(),
        };
        let inner = Cx {
            program,
            frame: Some(&frame),
        };
        self.macro_depth += 1;
        let result = self.block(&def.body, &inner, out);
        self.macro_depth -= 1;
        self.depth -= 1;
        if let Some(saved) = saved_body {
            self.put_slot(cx, body_slot, saved);
        }
        match result? {
            Flow::Stop => Ok(Flow::Stop),
            Flow::BreakScope => Ok(Flow::BreakScope),
            _ => Ok(Flow::Normal),
        }
    }

    /// A macro call inlined at compile time: what [`call_macro`](Self::call_macro) does (fuel, the macro and call
    /// depth checks, the flow), with the substituted body rendered in the caller's context.
    fn inline_call(&mut self, call: &crate::compile::ir::Inline, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        self.burn(call.span)?;
        if self.macro_depth >= self.limits.max_macro_depth as usize {
            return Err(Error::new(
                ErrorKind::RecursionLimit,
                format!(
                    "Max calling depth of {} was exceeded in macro '{}'",
                    self.limits.max_macro_depth, call.name
                ),
            )
            .with_span(call.span));
        }
        self.enter(call.span)?;
        self.macro_depth += 1;
        let result = self.block(&call.body, cx, out);
        self.macro_depth -= 1;
        self.depth -= 1;
        match result? {
            Flow::Stop => Ok(Flow::Stop),
            Flow::BreakScope => Ok(Flow::BreakScope),
            _ => Ok(Flow::Normal),
        }
    }

    fn evaluate(&mut self, arg: &Expr, span: Span, cx: &Cx<'_>, out: &mut String) -> R<Flow> {
        self.burn(span)?;
        let src = match self.operand(arg, cx)? {
            Value::Null => return Ok(Flow::Normal),
            v => v.to_java_string(),
        };
        // Each level compiles its text on the render's stack: bound how many can be in flight.
        if self.evaluate_depth >= self.limits.max_evaluate_depth {
            return Err(Error::new(
                ErrorKind::RecursionLimit,
                format!("#evaluate nests deeper than {} levels", self.limits.max_evaluate_depth),
            )
            .with_span(span));
        }
        let program = self.engine.compile_nested(&cx.program.name, &src).map_err(|e| {
            Error::new(e.kind(), format!("#evaluate: {}", e.message()))
                .with_span(span)
                .with_phase(Phase::Render)
        })?;
        for (i, m) in program.macros.iter().enumerate() {
            self.runtime_macros
                .entry(m.name.clone())
                .or_insert((program.clone(), i as u32));
        }
        self.enter(span)?;
        let inner = Cx {
            program: &program,
            frame: cx.frame,
        };
        self.evaluate_depth += 1;
        let result = self.block(&program.body, &inner, out);
        self.evaluate_depth -= 1;
        self.depth -= 1;
        // `#stop` and `#break` inside `#evaluate` end only the evaluated text.
        result.map(|_| Flow::Normal)
    }
}

/// [`int_op`] for a comparison operator, as a `bool`.
#[inline(always)]
fn int_cmp(op: BinOp, p: i32, q: i32) -> Option<bool> {
    match op {
        BinOp::Eq => Some(p == q),
        BinOp::Ne => Some(p != q),
        BinOp::Lt => Some(p < q),
        BinOp::Le => Some(p <= q),
        BinOp::Gt => Some(p > q),
        BinOp::Ge => Some(p >= q),
        _ => None,
    }
}

/// `int_op`'s Integer arithmetic for the operators a [`SetInt`](crate::compile::ir::SetInt) has, as a number
/// rather than a value.
#[inline(always)]
fn int_set(op: BinOp, p: i32, q: i32) -> Option<i32> {
    match op {
        BinOp::Add => p.checked_add(q),
        BinOp::Sub => p.checked_sub(q),
        BinOp::Mul => p.checked_mul(q),
        _ => None,
    }
}

/// What Java's iterator throws when the list a `#foreach` walks changes under it.
fn concurrent_modification(span: Span) -> Error {
    Error::new(
        ErrorKind::Invocation,
        "java.util.ConcurrentModificationException: the list changed while #foreach iterated it",
    )
    .with_span(span)
}

/// Integer (op) Integer when the result stays an Integer (overflow widens to Long in `operate`, as
/// `MathUtils` does; division and modulo go there too).
#[inline]
fn int_op(op: BinOp, p: i32, q: i32) -> Option<Value> {
    let r = match op {
        BinOp::Add => p.checked_add(q),
        BinOp::Sub => p.checked_sub(q),
        BinOp::Mul => p.checked_mul(q),
        BinOp::Eq => return Some(Value::Bool(p == q)),
        BinOp::Ne => return Some(Value::Bool(p != q)),
        BinOp::Lt => return Some(Value::Bool(p < q)),
        BinOp::Le => return Some(Value::Bool(p <= q)),
        BinOp::Gt => return Some(Value::Bool(p > q)),
        BinOp::Ge => return Some(Value::Bool(p >= q)),
        _ => None,
    };
    r.map(Value::Int)
}

#[inline]
fn const_value(c: &Const) -> Value {
    match c {
        Const::Str(s) => Value::Str(s.clone()),
        Const::Int(i) => Value::Int(*i),
        Const::Long(l) => Value::Long(*l),
        Const::BigInt(b) => Value::BigInt(Box::new(*b)),
        Const::Double(d) => Value::Double(*d),
        Const::Bool(b) => Value::Bool(*b),
    }
}

fn literal_of(e: &Expr) -> String {
    match e {
        Expr::Ref(r) => r.literal.to_string(),
        _ => "null".to_owned(),
    }
}

#[cold]
fn out_of_fuel(span: Span) -> Error {
    Error::new(ErrorKind::OutOfFuel, "the template used up its step budget").with_span(span)
}

#[cold]
fn too_deep(max: u32) -> Error {
    Error::new(
        ErrorKind::RecursionLimit,
        format!("the template nests deeper than {max} levels while rendering"),
    )
}

#[cold]
fn calls_too_deep(max: u32, span: Span) -> Error {
    Error::new(
        ErrorKind::RecursionLimit,
        format!("calls nest deeper than {max} levels"),
    )
    .with_span(span)
}

#[cold]
fn invocation(message: &str, span: Span) -> Error {
    Error::new(ErrorKind::Invocation, message.to_owned()).with_span(span)
}
