//! `#set($count = $count + 1)`, `#set($sum = $sum + $v)`: Integer arithmetic on template variables and literals
//! stored in a template variable, recognised at compile time ([`Node::SetInt`]).
//!
//! The evaluator reads both operands straight from their slots and stores the result in the target's slot; when
//! an operand is not an `Integer` at render time (not fetched yet, another class, a macro's `#evaluate`d
//! context) or the result leaves `Integer`'s range, the general `#set` runs instead. Reading the operands has
//! no effects, so giving up repeats nothing.

use super::ir::{Const, Expr, Node, RefExpr, SetInt, Var};
use crate::error::Span;
use crate::syntax::ast::BinOp;

/// An operand [`SetInt`] reads without evaluating anything.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IntArg {
    /// An `int` literal.
    Const(i32),
    /// A template variable (`$count`), read from its slot.
    Slot(u32),
}

/// `node` as a [`Node::SetInt`] when it has that shape; otherwise `node` itself.
pub(crate) fn of(node: Node) -> Node {
    let Node::Set {
        target,
        value: Expr::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b, _),
        assigns: true,
        ..
    } = &node
    else {
        return node;
    };
    let Some((slot, op, a, b)) = slot_of(target)
        .zip(arg(a).zip(arg(b)))
        .map(|(slot, (a, b))| (slot, *op, a, b))
    else {
        return node;
    };
    from_set(node, |target, value, span| {
        Node::SetInt(Box::new(SetInt {
            slot,
            op,
            a,
            b,
            target,
            value,
            span,
        }))
    })
}

/// The node `make` builds from a `#set`'s target, value and span (what a specialised `#set` node keeps to run the
/// general `#set` when it must); any other node as it is.
pub(super) fn from_set(node: Node, make: impl FnOnce(Box<RefExpr>, Expr, Span) -> Node) -> Node {
    match node {
        Node::Set {
            target, value, span, ..
        } => make(target, value, span),
        other => other,
    }
}

/// The slot of a reference that is a template variable and nothing more (`$count`).
pub(super) fn slot_of(r: &RefExpr) -> Option<u32> {
    match r.root {
        Var::Slot(slot) if r.chain.is_empty() && r.prepared.is_none() => Some(slot),
        _ => None,
    }
}

fn arg(e: &Expr) -> Option<IntArg> {
    match e {
        Expr::Const(Const::Int(i)) => Some(IntArg::Const(*i)),
        Expr::Ref(r) if r.plain => slot_of(r).map(IntArg::Slot),
        _ => None,
    }
}
