//! Velocity 1.7's operators: `MathUtils` arithmetic (Integer → Long → BigInteger widening, integer division,
//! division by zero → null), `+` string concatenation, and the comparison rules of `ASTEQNode` and
//! `ASTComparisonNode`.

use std::cmp::Ordering;

use crate::syntax::ast::BinOp;
use crate::value::Value;

/// A number as `MathUtils` classifies it.
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i64, bool), // value, was Integer (false: Long)
    Big(i128),
    Double(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(i64::from(*i), true)),
        Value::Long(l) => Some(Num::Int(*l, false)),
        Value::BigInt(b) => Some(Num::Big(**b)),
        Value::Double(d) => Some(Num::Double(*d)),
        _ => None,
    }
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int(i, _) => i as f64,
        Num::Big(b) => b as f64,
        Num::Double(d) => d,
    }
}

fn as_i128(n: Num) -> i128 {
    match n {
        Num::Int(i, _) => i128::from(i),
        Num::Big(b) => b,
        Num::Double(d) => d as i128,
    }
}

/// `MathUtils.wrapPrimitive`: Integer when both operands were Integers and the result fits.
fn wrap(value: i64, both_int: bool) -> Value {
    if both_int && let Ok(i) = i32::try_from(value) {
        return Value::Int(i);
    }
    Value::Long(value)
}

fn big(value: Option<i128>) -> Result<Value, String> {
    value
        .map(|b| Value::BigInt(Box::new(b)))
        .ok_or_else(|| "arithmetic overflow beyond 128 bits".to_owned())
}

/// Arithmetic on two numbers. `Ok(None)` is Velocity's null result (division by zero).
pub(crate) fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Option<Value>, String> {
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Ok(None);
    };
    let zero = match y {
        Num::Int(i, _) => i == 0,
        Num::Big(b) => b == 0,
        Num::Double(d) => d == 0.0,
    };
    if matches!(op, BinOp::Div | BinOp::Mod) && zero {
        return Ok(None);
    }
    match (x, y) {
        (Num::Double(_), _) | (_, Num::Double(_)) => {
            let (p, q) = (as_f64(x), as_f64(y));
            let r = match op {
                BinOp::Add => p + q,
                BinOp::Sub => p - q,
                BinOp::Mul => p * q,
                BinOp::Div => p / q,
                _ => p % q,
            };
            Ok(Some(Value::Double(r)))
        }
        (Num::Int(p, pi), Num::Int(q, qi)) => {
            let both = pi && qi;
            let r = match op {
                BinOp::Add => p.checked_add(q),
                BinOp::Sub => p.checked_sub(q),
                BinOp::Mul => p.checked_mul(q),
                BinOp::Div => p.checked_div(q),
                _ => p.checked_rem(q),
            };
            match r {
                Some(v) => Ok(Some(wrap(v, both))),
                None => {
                    let (p, q) = (i128::from(p), i128::from(q));
                    let r = match op {
                        BinOp::Add => p.checked_add(q),
                        BinOp::Sub => p.checked_sub(q),
                        BinOp::Mul => p.checked_mul(q),
                        BinOp::Div => p.checked_div(q),
                        _ => p.checked_rem(q),
                    };
                    big(r).map(Some)
                }
            }
        }
        _ => {
            let (p, q) = (as_i128(x), as_i128(y));
            let r = match op {
                BinOp::Add => p.checked_add(q),
                BinOp::Sub => p.checked_sub(q),
                BinOp::Mul => p.checked_mul(q),
                BinOp::Div => p.checked_div(q),
                _ => p.checked_rem(q),
            };
            big(r).map(Some)
        }
    }
}

/// `MathUtils.compare`.
pub(crate) fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    let (x, y) = (num(a)?, num(b)?);
    match (x, y) {
        (Num::Double(_), _) | (_, Num::Double(_)) => as_f64(x).partial_cmp(&as_f64(y)).or(Some(Ordering::Equal)),
        _ => Some(as_i128(x).cmp(&as_i128(y))),
    }
}

/// `ASTEQNode`: both null → true; one null → false; numbers by value; same class → `equals`; otherwise
/// `toString()` results.
pub(crate) fn equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ if a.is_number() && b.is_number() => compare_numbers(a, b) == Some(Ordering::Equal),
        (Value::Object(o), other) | (other, Value::Object(o)) => match o.equals(other) {
            Some(eq) => eq,
            None => a.to_java_string() == b.to_java_string(),
        },
        _ if same_class(a, b) => a.java_equals(b),
        _ => a.to_java_string() == b.to_java_string(),
    }
}

fn same_class(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}
