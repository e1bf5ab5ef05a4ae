//! The owned syntax tree: what the template says, with spans, before names are resolved.

use crate::error::Span;

pub(crate) type Block = Vec<Node>;

#[derive(Debug)]
pub(crate) enum Node {
    /// Output verbatim.
    Text(String),
    /// `$ref`, printed.
    Ref(Ref),
    Set {
        target: Ref,
        value: Expr,
        span: Span,
        assigns: bool,
    },
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Foreach {
        var: Ref,
        iterable: Option<Expr>,
        body: Block,
        span: Span,
    },
    Macro {
        name: String,
        params: Vec<String>,
        body: Block,
    },
    /// A macro call, or an unknown `#name(args)` (printed as `literal` when no macro has that name).
    Call {
        name: String,
        args: Vec<Expr>,
        body: Option<Block>,
        literal: String,
        span: Span,
    },
    Define {
        target: Ref,
        body: Block,
    },
    Evaluate {
        arg: Expr,
        span: Span,
    },
    /// `#parse` / `#include`: this engine reads no files (a render error when reached).
    Include {
        parse: bool,
        arg: Option<Expr>,
        span: Span,
    },
    /// `#break` or `#break($scope)`.
    Break {
        arg: Option<Expr>,
    },
    Stop,
    /// Velocity parses it but fails when rendering it.
    Fail {
        message: String,
        span: Span,
    },
}

#[derive(Debug)]
pub(crate) struct Ref {
    /// Backslashes before the `$`.
    pub(crate) escapes: u32,
    pub(crate) quiet: bool,
    pub(crate) root: String,
    pub(crate) chain: Vec<Seg>,
    /// From the `$` to the end of the reference (what Velocity prints for an undefined reference).
    pub(crate) span: Span,
    pub(crate) literal: String,
}

#[derive(Debug)]
pub(crate) enum Seg {
    Property { name: String, span: Span },
    Method { name: String, args: Vec<Expr>, span: Span },
    Index { key: Expr, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug)]
pub(crate) enum Expr {
    Str(String, Span),
    /// A double-quoted string with `$` or `#`: a template rendered to a string.
    Interp {
        body: Block,
        span: Span,
    },
    Int(i64, Span),
    BigInt(i128, Span),
    Double(f64, Span),
    Bool(bool, Span),
    Ref(Box<Ref>),
    List(Vec<Expr>, Span),
    Map(Vec<(Expr, Expr)>, Span),
    Range(Box<Expr>, Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    Not(Box<Expr>, Span),
    /// A bare word (only as a directive argument: `#foreach($x in …)`'s `in`, a macro's name).
    Word(String, Span),
}

impl Expr {
    pub(crate) fn span(&self) -> Span {
        match self {
            Expr::Str(_, s)
            | Expr::Interp { span: s, .. }
            | Expr::Int(_, s)
            | Expr::BigInt(_, s)
            | Expr::Double(_, s)
            | Expr::Bool(_, s)
            | Expr::List(_, s)
            | Expr::Map(_, s)
            | Expr::Range(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::Not(_, s)
            | Expr::Word(_, s) => *s,
            Expr::Ref(r) => r.span,
        }
    }
}
