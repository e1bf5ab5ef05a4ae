//! The resolved intermediate form the evaluator walks: names are slots, host uses are prepared, constants are
//! folded, adjacent text is merged. Owned and `Send + Sync`; no `Value` (which is single-threaded) inside.

use std::sync::Arc;

use crate::error::Span;
use crate::host::{Prepared, RootId};
use crate::java::regex::JavaRegex;
use crate::syntax::ast::BinOp;

/// A compiled template (or `#evaluate` body).
#[derive(Debug)]
pub(crate) struct Program {
    pub(crate) name: Arc<str>,
    pub(crate) source: Arc<str>,
    pub(crate) body: Vec<Node>,
    /// `#define` and block-macro bodies, by id.
    pub(crate) blocks: Vec<Vec<Node>>,
    pub(crate) macros: Vec<MacroDef>,
    /// Variable names by slot.
    pub(crate) slots: Vec<Arc<str>>,
    /// The declared host root behind each slot, if any.
    pub(crate) slot_roots: Vec<Option<RootId>>,
    pub(crate) specials: Specials,
    pub(crate) size_hint: usize,
    /// The length of the last render's output (the next render starts with that much room).
    pub(crate) last_len: std::sync::atomic::AtomicUsize,
    /// The template can read `$velocityCount`/`$velocityHasNext` (it names them, or runs `#evaluate`d code):
    /// otherwise `#foreach` does not maintain them.
    pub(crate) loop_vars: bool,
    /// The template can read `$foreach` (it names it, or runs `#evaluate`d code): otherwise `#foreach` makes no
    /// scope object.
    pub(crate) loop_scope: bool,
}

/// Slots of the variables `#foreach` maintains.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Specials {
    pub(crate) foreach: u32,
    pub(crate) velocity_count: u32,
    pub(crate) velocity_has_next: u32,
    /// `$bodyContent` inside a block macro call.
    pub(crate) body_content: u32,
}

#[derive(Debug)]
pub(crate) struct MacroDef {
    pub(crate) name: Arc<str>,
    pub(crate) params: Vec<Arc<str>>,
    pub(crate) body: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    Ref(Box<RefExpr>),
    Set {
        target: Box<RefExpr>,
        value: Expr,
        span: Span,
        assigns: bool,
    },
    If {
        branches: Box<[(Expr, Vec<Node>)]>,
        /// Each branch condition's shape, for the evaluator's specialised check.
        fast: Box<[super::fast::Fast]>,
        otherwise: Option<Vec<Node>>,
    },
    Foreach(Box<Foreach>),
    CallMacro {
        id: u32,
        args: Arc<[Expr]>,
        body: Option<u32>,
        span: Span,
    },
    /// A call of a name that is no macro in this template: printed as its source text, unless a macro of that
    /// name appears at render time (an `#evaluate`d definition).
    CallUnknown {
        name: Arc<str>,
        args: Arc<[Expr]>,
        literal: Box<str>,
        span: Span,
    },
    Define {
        var: Var,
        block: u32,
    },
    Evaluate {
        arg: Expr,
        span: Span,
    },
    Include {
        parse: bool,
        arg: Option<Expr>,
        span: Span,
    },
    Break {
        arg: Option<Expr>,
    },
    Stop,
    /// A construct Velocity accepts but crashes on when rendering (`#foreach($a)`).
    Fail {
        message: Box<str>,
        span: Span,
    },
    /// Drop the last character written (Velocity's string-interpolation padding).
    StripLast,
    /// A macro call inlined at compile time (see `compile::inline`).
    Inline(Box<Inline>),
    /// An `#if`/`#elseif` branch flattened into its block (see `compile::flat`): when the condition holds, the
    /// branch's nodes follow, one level deeper; otherwise `skip` nodes are skipped (the branch and its end).
    Branch(Box<Branch>),
    /// The end of a flattened branch: `levels` up (one, and one more for each enclosing branch that ends right
    /// there), then `skip` nodes skipped (the branches after it, and the ends it stands for).
    EndBranch {
        skip: u32,
        levels: u32,
    },
    /// The start of a flattened `#else` body: one level deeper.
    Enter,
    /// `#set($x = $y + 1)`: Integer arithmetic stored in a template variable (see `compile::set_int`).
    SetInt(Box<SetInt>),
    /// `#if($foreach.hasNext),#end`: a flattened `#if` with one branch whose condition is a
    /// [`Fast::HasNext`](super::fast::Fast::HasNext) and whose body is text (see `compile::flat`).
    HasNextText(Box<HasNextText>),
    /// `#set($ok = $map.get($x.key).add($y.value))` to a template variable (see `compile::set_get_add`).
    SetGetAdd(Box<SetGetAdd>),
    /// `$var.name` printed: a [`Node::Ref`] of one property of a template variable (see `compile::flat`).
    PrintProp(Box<PrintProp>),
}

/// A [`Node::PrintProp`]: the property, read where it lives and printed when it is a String, a number or a boolean;
/// anything else prints as the reference `r` does.
#[derive(Debug)]
pub(crate) struct PrintProp {
    pub(crate) prop: super::fast::Prop,
    pub(crate) span: Span,
    pub(crate) r: Box<RefExpr>,
}

/// A [`Node::SetGetAdd`]: the target's slot, the map's, the key and the argument as properties, and the `#set` it
/// stands for.
#[derive(Debug)]
pub(crate) struct SetGetAdd {
    pub(crate) slot: u32,
    pub(crate) map: u32,
    pub(crate) key: super::fast::Prop,
    pub(crate) arg: super::fast::Prop,
    pub(crate) target: Box<RefExpr>,
    pub(crate) value: Expr,
    pub(crate) span: Span,
}

/// A [`Node::HasNextText`]: the text written when the innermost loop's scope, held by the variable in `slot`, has
/// a next item; `nodes` is the flattened `#if` it stands for (its `Branch`, text and `EndBranch`), which runs
/// whenever the scope cannot be read directly.
#[derive(Debug)]
pub(crate) struct HasNextText {
    pub(crate) slot: u32,
    pub(crate) text: Box<str>,
    pub(crate) nodes: Box<[Node]>,
}

/// A `#set` of Integer arithmetic on template variables and literals to a template variable (see
/// [`Node::SetInt`]), with the `#set` it stands for.
#[derive(Debug)]
pub(crate) struct SetInt {
    pub(crate) slot: u32,
    pub(crate) op: BinOp,
    pub(crate) a: super::set_int::IntArg,
    pub(crate) b: super::set_int::IntArg,
    /// The general `#set` (when an operand is no `Integer` at render time).
    pub(crate) target: Box<RefExpr>,
    pub(crate) value: Expr,
    pub(crate) span: Span,
}

/// A flattened `#if`/`#elseif` branch's condition (see [`Node::Branch`]).
#[derive(Debug)]
pub(crate) struct Branch {
    pub(crate) cond: Expr,
    /// The condition's shape, for the evaluator's specialised check.
    pub(crate) fast: super::fast::Fast,
    /// Nodes to skip when the condition is false: the branch's nodes and its [`Node::EndBranch`].
    pub(crate) skip: u32,
}

/// A macro call replaced by the macro's body with the arguments substituted; rendered in the caller's context.
#[derive(Debug)]
pub(crate) struct Inline {
    pub(crate) name: Arc<str>,
    pub(crate) body: Vec<Node>,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) struct Foreach {
    pub(crate) var: u32,
    pub(crate) iterable: Option<Expr>,
    pub(crate) body: Vec<Node>,
    pub(crate) span: Span,
    /// Nothing the body runs can see the loop's `$foreach` scope as a value (see `compile::lazy`): the loop keeps
    /// its `hasNext` flag in the evaluator and makes no scope object.
    pub(crate) lazy: bool,
}

/// Where a reference's root lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Var {
    /// A context variable (template-wide slot).
    Slot(u32),
    /// Parameter `i` of the macro being rendered (Velocity's call-by-name proxy).
    Param { index: u32, slot: u32 },
}

#[derive(Debug)]
pub(crate) struct RefExpr {
    pub(crate) root: Var,
    /// `$root.method(args)` / `$root.property` the host prepared: replaces the root and first segment.
    pub(crate) prepared: Option<(Prepared, Box<[Expr]>, Span)>,
    pub(crate) chain: Box<[Seg]>,
    /// The reference is a variable (or macro parameter) looked into through properties only (`$a`,
    /// `$item.name`): the evaluator can read it where it lives, without evaluating anything.
    pub(crate) plain: bool,
    /// The reference is a short chain of built-in methods called on a template variable with literal or
    /// plain-reference arguments (`$map.get($e.type).add($e.value)`): see [`direct`](super::direct).
    pub(crate) direct: bool,
    /// How many of the last segments are `replaceAll`/`replaceFirst` calls with a literal pattern and
    /// replacement (printed through reused buffers); saturates, and then counts fewer than there are.
    pub(crate) replace_run: u8,
    /// The whole replacement run fused into one pass, when every call in it (one or more) is a `replaceAll` of one
    /// ASCII character by a literal text (see [`ReplaceChain`](crate::java::replace_chain::ReplaceChain)).
    pub(crate) fused: Option<Box<crate::java::replace_chain::ReplaceChain>>,
    /// Source text printed when the value is null (`$a.b()`).
    pub(crate) literal: Box<str>,
    pub(crate) escapes: u32,
    pub(crate) quiet: bool,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) enum Seg {
    Property {
        name: Arc<str>,
        hash: u64,
        /// Where the name was found in the last map looked into (see [`lookup_str`](crate::value::lookup_str)):
        /// maps built from the same JSON shape keep their keys in the same order.
        hint: std::sync::atomic::AtomicU32,
        /// What the name means to the built-in objects, decided once.
        special: Special,
        span: Span,
    },
    Method {
        name: Arc<str>,
        /// The name resolved against the built-in Java methods.
        method: crate::java::M,
        args: Box<[Expr]>,
        regex: Option<Arc<JavaRegex>>,
        span: Span,
    },
    Index {
        key: Expr,
        span: Span,
    },
}

/// The longest chain of methods a direct reference (`RefExpr::direct`) may have.
pub(crate) const MAX_DIRECT_CALLS: usize = 3;

/// The longest property chain a plain reference (`RefExpr::plain`) may have.
pub(crate) const MAX_PLAIN_CHAIN: usize = 16;

/// Property names the built-in objects answer themselves: bean getters of Java classes and `$foreach`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    /// An ordinary name (a map key, a host object's property).
    None,
    Class,
    Empty,
    Bytes,
    Index,
    Count,
    HasNext,
    First,
    Last,
    Parent,
    Topmost,
}

impl Special {
    pub(crate) fn of(name: &str) -> Special {
        match name {
            "class" => Special::Class,
            "empty" => Special::Empty,
            "bytes" => Special::Bytes,
            "index" => Special::Index,
            "count" => Special::Count,
            "hasNext" | "next" => Special::HasNext,
            "first" => Special::First,
            "last" => Special::Last,
            "parent" => Special::Parent,
            "topmost" => Special::Topmost,
            _ => Special::None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Const {
    Str(Arc<str>),
    Int(i32),
    Long(i64),
    BigInt(i128),
    Double(f64),
    Bool(bool),
}

#[derive(Debug)]
pub(crate) enum Expr {
    Const(Const),
    /// An interpolated string: render the nodes, take the text.
    Interp(Vec<Node>),
    Ref(Box<RefExpr>),
    List(Box<[Expr]>),
    Map(Box<[(Expr, Expr)]>),
    Range(Box<Expr>, Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    Not(Box<Expr>),
    /// A bare word argument (only meaningful to directives; evaluates to null).
    Word,
}
