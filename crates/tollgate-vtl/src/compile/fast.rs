//! Conditions lowered to specialised checks at compile time.
//!
//! Most `#if`s in mapping templates test one property of a template variable: `#if($r.auth)`,
//! `#if($r.method == "GET")`, `#if($r.size > 500)`, `#if($foreach.hasNext)`, and `&&`/`||` of such tests. For
//! those the compiler records the shape ([`Fast`]); the evaluator reads the property where it lives and decides,
//! and hands any other runtime case (a variable not fetched yet, a value that is no map, a String compared with a
//! non-String, …) to the general `truth`, which gives the same answer slower. These checks read only: when one
//! gives up half-way, evaluating the whole condition again has no effect twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::ir::{Const, Expr, RefExpr, Seg, Special, Var};
use crate::syntax::ast::BinOp;

/// `$var.name`: a property of a template variable.
#[derive(Debug)]
pub(crate) struct Prop {
    pub(crate) slot: u32,
    pub(crate) name: Arc<str>,
    pub(crate) hash: u64,
    pub(crate) hint: AtomicU32,
    pub(crate) special: Special,
}

/// The shape of a condition, for the evaluator's specialised check.
#[derive(Debug)]
pub(crate) enum Fast {
    /// No specialised check: the general evaluation.
    None,
    /// `$var.name` as a condition.
    Truthy(Prop),
    /// `$foreach.hasNext` (or `$var.hasNext`, `$var.next`) as a condition: the innermost loop's scope answers
    /// without a downcast when the variable holds it.
    HasNext(Prop),
    /// `$var.name == "literal"` (`negate`: `!=`), when the property is a String.
    EqStr {
        prop: Prop,
        literal: Arc<str>,
        negate: bool,
    },
    /// `$var.name <op> 123` for a comparison operator, when the property is an Integer.
    IntCmp {
        prop: Prop,
        op: BinOp,
        value: i32,
    },
    /// `$var.name == "a" || $var.name == "b" || …` on one property, when it is a String: read once, compared with
    /// each literal in turn.
    OneOf {
        prop: Prop,
        literals: Box<[Arc<str>]>,
    },
    Not(Box<Fast>),
    And(Box<Fast>, Box<Fast>),
    Or(Box<Fast>, Box<Fast>),
    /// A whole condition that is one read-only collection method called on a template variable with `$var.name`
    /// as its argument (`#if(!$map.containsKey($e.type))`, `#if($list.contains($e.user))`). Never inside another
    /// shape: the call burns a step, and the other shapes must give up without effects.
    Call(Box<CallCheck>),
    /// The first of consecutive `#if`/`#elseif` branches whose conditions all test one property (see [`Switch`]):
    /// only in a flattened branch (`compile::flat`), never inside another shape.
    Switch(Box<Switch>),
}

/// `#if($r.method == "GET") … #elseif($r.method == "POST" || $r.method == "PUT") … #elseif($r.size > 500)`:
/// consecutive branch conditions of one chain (two or more) that each compare one property with literals. The
/// property is read once and the tests run on the value in order; the first that holds picks its branch, and when
/// none does the chain goes on after the last of them. Nothing runs between the conditions of a chain and reading a
/// property has no effects, so one read gives every test the value its own read would. When a test cannot decide
/// on the value (a String compared with a number, a property that is no String), the first branch's own shape
/// decides and the chain runs branch by branch as without the switch.
#[derive(Debug)]
pub(crate) struct Switch {
    pub(crate) prop: Prop,
    /// Each branch's test, and how many nodes after the first branch's node its body starts.
    pub(crate) tests: Box<[(Test, u32)]>,
    /// When every test is `==` with String literals (one or several joined by `||`): each literal with its body's
    /// place, in order (the first equal to the value picks its branch).
    pub(crate) strs: Option<Box<[Picks<Arc<str>>]>>,
    /// When every test compares with an Integer literal: each comparison with its body's place, in order.
    pub(crate) ints: Option<Box<[(BinOp, i32, u32)]>>,
    /// How many nodes after the first branch's node the chain goes on when no test holds (the next branch, the
    /// `#else` body past its [`Node::Enter`](super::ir::Node::Enter), or past the chain).
    pub(crate) none: u32,
    /// The run is followed by the `#else` body: when no test holds, the switch enters it (one level deeper, as its
    /// `Enter` node would).
    pub(crate) enters: bool,
    /// The first branch's own shape.
    pub(crate) first: Fast,
}

/// A literal of a [`Switch`] and the place of the body it picks.
pub(crate) type Picks<T> = (T, u32);

/// One condition of a [`Switch`], on the property's value.
#[derive(Debug)]
pub(crate) enum Test {
    /// [`Fast::EqStr`].
    EqStr { literal: Arc<str>, negate: bool },
    /// [`Fast::OneOf`].
    OneOf(Box<[Arc<str>]>),
    /// [`Fast::IntCmp`].
    IntCmp { op: BinOp, value: i32 },
}

impl Fast {
    /// The property this shape compares with literals, and its test: the conditions a [`Switch`] can join.
    pub(crate) fn test(&self) -> Option<(&Prop, Test)> {
        Some(match self {
            Fast::EqStr { prop, literal, negate } => (
                prop,
                Test::EqStr {
                    literal: literal.clone(),
                    negate: *negate,
                },
            ),
            Fast::OneOf { prop, literals } => (prop, Test::OneOf(literals.clone())),
            Fast::IntCmp { prop, op, value } => (prop, Test::IntCmp { op: *op, value: *value }),
            _ => return None,
        })
    }
}

impl Switch {
    /// The literals of tests that are all `==` with String literals, each with its body's place.
    pub(crate) fn strs(tests: &[(Test, u32)]) -> Option<Box<[Picks<Arc<str>>]>> {
        let mut strs = Vec::new();
        for (test, skip) in tests {
            match test {
                Test::EqStr { literal, negate: false } => strs.push((literal.clone(), *skip)),
                Test::OneOf(literals) => strs.extend(literals.iter().map(|l| (l.clone(), *skip))),
                _ => return None,
            }
        }
        Some(strs.into_boxed_slice())
    }

    /// The comparisons of tests that all compare with Integer literals, each with its body's place.
    pub(crate) fn ints(tests: &[(Test, u32)]) -> Option<Box<[(BinOp, i32, u32)]>> {
        tests
            .iter()
            .map(|(test, skip)| match test {
                Test::IntCmp { op, value } => Some((*op, *value, *skip)),
                _ => None,
            })
            .collect()
    }
}

impl Prop {
    /// The same property of the same variable.
    pub(crate) fn same(&self, other: &Prop) -> bool {
        self.slot == other.slot && self.name == other.name
    }

    /// A copy with its own position hint.
    pub(crate) fn copy(&self) -> Prop {
        Prop {
            slot: self.slot,
            name: self.name.clone(),
            hash: self.hash,
            hint: AtomicU32::new(self.hint.load(Relaxed)),
            special: self.special,
        }
    }
}

/// [`Fast::Call`]: `$recv.method($arg.name)`, negated or not.
#[derive(Debug)]
pub(crate) struct CallCheck {
    /// The receiver's slot.
    pub(crate) recv: u32,
    pub(crate) method: crate::java::M,
    pub(crate) arg: Prop,
    pub(crate) negate: bool,
    /// The call's span (where an exception is reported).
    pub(crate) span: crate::error::Span,
}

impl Fast {
    /// The shape of condition `e`.
    pub(crate) fn of(e: &Expr) -> Fast {
        if let Some(call) = call(e, false) {
            return Fast::Call(Box::new(call));
        }
        Fast::shape(e).unwrap_or(Fast::None)
    }

    fn shape(e: &Expr) -> Option<Fast> {
        Some(match e {
            Expr::Ref(r) => match prop(r)? {
                p if p.special == Special::HasNext => Fast::HasNext(p),
                p => Fast::Truthy(p),
            },
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b, _) => match (&**a, &**b) {
                (Expr::Ref(r), Expr::Const(Const::Str(literal))) => Fast::EqStr {
                    prop: prop(r)?,
                    literal: literal.clone(),
                    negate: *op == BinOp::Ne,
                },
                (Expr::Ref(r), Expr::Const(Const::Int(value))) => Fast::IntCmp {
                    prop: prop(r)?,
                    op: *op,
                    value: *value,
                },
                _ => return None,
            },
            Expr::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b, _) => match (&**a, &**b) {
                (Expr::Ref(r), Expr::Const(Const::Int(value))) => Fast::IntCmp {
                    prop: prop(r)?,
                    op: *op,
                    value: *value,
                },
                _ => return None,
            },
            Expr::Not(a) => Fast::Not(Box::new(Fast::shape(a)?)),
            Expr::Binary(BinOp::And, a, b, _) => Fast::And(Box::new(Fast::shape(a)?), Box::new(Fast::shape(b)?)),
            Expr::Binary(BinOp::Or, a, b, _) => one_of(Fast::shape(a)?, Fast::shape(b)?),
            _ => return None,
        })
    }
}

/// `a || b`, with equality tests of one property against String literals merged into [`Fast::OneOf`]: reading
/// the property once gives every test the same value the separate reads would (reading has no effects), and a
/// property that is no String hands the whole condition to the general evaluation either way.
fn one_of(a: Fast, b: Fast) -> Fast {
    let (prop, mut literals) = match a {
        Fast::EqStr {
            prop,
            literal,
            negate: false,
        } => (prop, vec![literal]),
        Fast::OneOf { prop, literals } => (prop, literals.into_vec()),
        a => return Fast::Or(Box::new(a), Box::new(b)),
    };
    match b {
        Fast::EqStr {
            prop: other,
            literal,
            negate: false,
        } if other.slot == prop.slot && other.name == prop.name => {
            literals.push(literal);
            Fast::OneOf {
                prop,
                literals: literals.into_boxed_slice(),
            }
        }
        b => {
            let a = match literals.len() {
                1 => Fast::EqStr {
                    prop,
                    literal: literals.swap_remove(0),
                    negate: false,
                },
                _ => Fast::OneOf {
                    prop,
                    literals: literals.into_boxed_slice(),
                },
            };
            Fast::Or(Box::new(a), Box::new(b))
        }
    }
}

/// `$recv.method($var.name)` (or its negation) as a whole condition: what the evaluator's `direct_truth` answers,
/// with the argument a property of a template variable.
fn call(e: &Expr, negate: bool) -> Option<CallCheck> {
    let r = match e {
        Expr::Not(a) if !negate => return call(a, true),
        Expr::Ref(r) => r,
        _ => return None,
    };
    let (Var::Slot(recv), true, [Seg::Method { method, args, span, .. }]) = (r.root, r.direct, &*r.chain) else {
        return None;
    };
    let [Expr::Ref(arg)] = &**args else { return None };
    if !method.only_reads() {
        return None;
    }
    Some(CallCheck {
        recv,
        method: *method,
        arg: prop(arg)?,
        negate,
        span: *span,
    })
}

/// `$var.name` with a template variable at the root and one ordinary property (not `class`).
pub(crate) fn prop(r: &RefExpr) -> Option<Prop> {
    let Var::Slot(slot) = r.root else { return None };
    if !r.plain || r.escapes != 0 || r.prepared.is_some() {
        return None;
    }
    match &*r.chain {
        [
            Seg::Property {
                name,
                hash,
                hint,
                special,
                ..
            },
        ] if *special != Special::Class => Some(Prop {
            slot,
            name: name.clone(),
            hash: *hash,
            hint: AtomicU32::new(hint.load(Relaxed)),
            special: *special,
        }),
        _ => None,
    }
}
