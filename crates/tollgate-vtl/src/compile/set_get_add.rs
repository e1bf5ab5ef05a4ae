//! `#set($ok = $byType.get($e.type).add($e.value))`: appending to a list kept in a map under a key read from a
//! property, the usual way templates group items ([`Node::SetGetAdd`]).
//!
//! The evaluator reads the map, the key and the argument where they live and appends to the list without the
//! general `#set`'s and the direct call's layers; anything unusual at render time (a variable not fetched yet, a
//! key that is no String, no list under it, a map too large to scan, a budget that could run out) runs the
//! general `#set` instead, with nothing done before.

use super::fast::prop;
use super::ir::{Expr, Node, RefExpr, Seg, SetGetAdd, Var};
use crate::java::M;

/// `node` as a [`Node::SetGetAdd`] when it has that shape; otherwise `node` itself.
pub(crate) fn of(node: Node) -> Node {
    let Node::Set {
        target,
        value,
        assigns: true,
        ..
    } = &node
    else {
        return node;
    };
    let Some((slot, map, key, arg)) = shape(target, value) else {
        return node;
    };
    super::set_int::from_set(node, |target, value, span| {
        Node::SetGetAdd(Box::new(SetGetAdd {
            slot,
            map,
            key,
            arg,
            target,
            value,
            span,
        }))
    })
}

type Shape = (u32, u32, super::fast::Prop, super::fast::Prop);

fn shape(target: &RefExpr, value: &Expr) -> Option<Shape> {
    let slot = super::set_int::slot_of(target)?;
    let Expr::Ref(r) = value else { return None };
    let Var::Slot(map) = r.root else { return None };
    if !r.direct || r.prepared.is_some() {
        return None;
    }
    let [
        Seg::Method {
            method: M::Get,
            args: get,
            ..
        },
        Seg::Method {
            method: M::Add,
            args: add,
            ..
        },
    ] = &*r.chain
    else {
        return None;
    };
    let ([Expr::Ref(key)], [Expr::Ref(arg)]) = (&**get, &**add) else {
        return None;
    };
    Some((slot, map, prop(key)?, prop(arg)?))
}
