//! Compile-time folding of operators over literals, with exactly the render-time semantics.

use std::sync::Arc;

use super::ops;
use crate::compile::ir::{Const, Expr};
use crate::error::Span;
use crate::syntax::ast::BinOp;
use crate::value::Value;

fn to_value(c: &Const) -> Value {
    match c {
        Const::Str(s) => Value::Str(s.clone()),
        Const::Int(i) => Value::Int(*i),
        Const::Long(l) => Value::Long(*l),
        Const::BigInt(b) => Value::BigInt(Box::new(*b)),
        Const::Double(d) => Value::Double(*d),
        Const::Bool(b) => Value::Bool(*b),
    }
}

fn from_value(v: Value) -> Option<Const> {
    Some(match v {
        Value::Str(s) => Const::Str(s),
        Value::Int(i) => Const::Int(i),
        Value::Long(l) => Const::Long(l),
        Value::BigInt(b) => Const::BigInt(*b),
        Value::Double(d) => Const::Double(d),
        Value::Bool(b) => Const::Bool(b),
        _ => return None,
    })
}

/// Builds a binary expression, folding arithmetic and string concatenation of two literals.
/// Comparisons and logic are left alone: `#if` judges literal operands by node type, not value.
pub(crate) fn binary(op: BinOp, a: Expr, b: Expr, span: Span) -> Expr {
    if let (Expr::Const(x), Expr::Const(y)) = (&a, &b)
        && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod)
    {
        let (x, y) = (to_value(x), to_value(y));
        if op == BinOp::Add && (matches!(x, Value::Str(_)) || matches!(y, Value::Str(_))) {
            let mut s = x.to_java_string();
            y.write_java_string(&mut s);
            return Expr::Const(Const::Str(Arc::from(s.as_str())));
        }
        if let Ok(Some(v)) = ops::arith(op, &x, &y)
            && let Some(c) = from_value(v)
        {
            return Expr::Const(c);
        }
    }
    Expr::Binary(op, Box::new(a), Box::new(b), span)
}
