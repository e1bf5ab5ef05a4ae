//! `#foreach($v in $values)#set($sum = $sum + $v)#end`: a loop over a list whose body is one Integer `#set`
//! ([`Node::SetInt`]), counting and summing loops. Each step is the general loop's step and the `#set`'s, fused:
//! the same fuel, depth check, loop variable, `hasNext` and stored result, without a call per item. An item or
//! operand that is no `Integer`, or a result out of `Integer`'s range, runs that step's `#set` the general way.

use std::sync::Arc;

use super::scope::ForeachScope;
use super::{Cx, Flow, R, Render, concurrent_modification, int_set, too_deep};
use crate::compile::ir::{Foreach, SetInt};
use crate::value::{List, Value};

/// A loop's item: an `Integer` as its number, anything else as a value.
enum Item {
    Number(i32),
    Other(Value),
}

impl Render<'_> {
    /// The steps of a loop over `l` (of length `len0` when it started) whose body is the one [`SetInt`] `s`
    /// (`LAZY`: the loop keeps its `hasNext` in `loop_next`; otherwise in `scope`, if any).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn foreach_one_set<const LAZY: bool>(
        &mut self,
        f: &Foreach,
        s: &SetInt,
        cx: &Cx<'_>,
        l: &List,
        len0: usize,
        scope: Option<&ForeachScope>,
        max: usize,
    ) -> R<Flow> {
        // Slots are the template's own variables only in its own program (not in an `#evaluate`d one).
        let own = Arc::ptr_eq(cx.program, &self.root);
        let mut i = 0usize;
        loop {
            if i >= max {
                return Ok(Flow::Normal);
            }
            // An Integer item (the usual one) is copied as a number: no value to move or drop.
            let item = {
                let items = l.items();
                let len = items.len();
                if i == len {
                    return Ok(Flow::Normal);
                }
                if len != len0 {
                    return Err(concurrent_modification(f.span));
                }
                match items.get(i) {
                    Some(Value::Int(n)) => Item::Number(*n),
                    Some(v) => Item::Other(v.clone()),
                    None => Item::Other(Value::Null),
                }
            };
            self.burn(f.span)?;
            match item {
                Item::Number(n) if own => match self.vars.get_mut(f.var as usize) {
                    Some(Some(Value::Int(old))) => *old = n,
                    Some(slot) => *slot = Some(Value::Int(n)),
                    None => {}
                },
                Item::Number(n) => self.put_slot(cx, f.var, Value::Int(n)),
                Item::Other(v) => self.put_slot(cx, f.var, v),
            }
            if LAZY {
                self.loop_next = Some(i + 1 < len0);
            } else if let Some(scope) = scope {
                scope.index.set(i as i64);
                scope.has_next.set(i + 1 < len0);
            }
            // The body's block: its depth check, then the `#set` one level deeper.
            if self.nest >= self.limits.max_depth {
                return Err(too_deep(self.limits.max_depth));
            }
            self.one_set_step(s, own, cx)?;
            i += 1;
        }
    }

    /// One step's [`SetInt`]: the Integer result stored in place when both operands are Integers in their slots;
    /// otherwise [`set_int`](Self::set_int) one level deeper, as the body's block runs it.
    #[inline(always)]
    fn one_set_step(&mut self, s: &SetInt, own: bool, cx: &Cx<'_>) -> R<()> {
        if own
            && self.fuel != 0
            && let Some(p) = self.int_arg(s.a)
            && let Some(q) = self.int_arg(s.b)
            && let Some(n) = int_set(s.op, p, q)
        {
            self.fuel -= 1;
            match self.vars.get_mut(s.slot as usize) {
                Some(Some(Value::Int(old))) => *old = n,
                Some(slot) => *slot = Some(Value::Int(n)),
                None => {}
            }
            return Ok(());
        }
        let nest = self.nest;
        self.nest = nest + 1;
        let done = self.set_int(s, cx);
        self.nest = nest;
        done
    }
}
