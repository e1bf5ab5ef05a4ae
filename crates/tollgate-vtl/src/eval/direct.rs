//! Direct references ([`RefExpr::direct`], decided in `compile::direct`): collection methods called on a template
//! variable with the receiver and the arguments read where they live.

use std::sync::Arc;

use super::{Cx, R, Render, Truth, const_value, invocation, truthy};
use crate::compile::fast::CallCheck;
use crate::compile::ir::{Expr, RefExpr, Seg, Var};
use crate::java::{self, M};
use crate::value::{List, Map, Value};

/// A read-only collection call's truth (`direct_truth`'s general case).
#[inline(never)]
fn call_truthy(recv: &Value, method: M, x: &Value, limits: &crate::limits::Limits) -> Result<bool, Box<str>> {
    match java::call_collection(recv, method, std::slice::from_ref(x), limits) {
        Some(Ok(v)) => Ok(truthy(&v)),
        None => Ok(false),
        Some(Err(m)) => Err(m),
    }
}

/// Maps searched by scanning in [`direct_get_call`](Render::direct_get_call) (the map's own threshold).
const SMALL_MAP: usize = 8;

/// What `$map.get($k).method(…)` came to.
enum GetCall {
    /// The key holds nothing (or null): the chain ends after `get`.
    Null,
    /// `add` appended the argument to the list: the answer is `true` (a word, not a Java answer through memory).
    Added,
    /// The last call's answer.
    Called(Call),
}

/// What one Java call gave: `None` when Java has no such method (the value is null).
type Call = Option<Result<Value, Box<str>>>;

impl Render<'_> {
    /// The value of a direct reference, when every receiver on the way is a list or a map. `None` hands the
    /// reference to the general evaluation with nothing done: no fuel burnt, no method called. Otherwise the same
    /// steps as the general path: a step of fuel per call, the same Java method on the same values, a null
    /// receiver ending the chain, a thrown exception reported at its call.
    #[inline(always)]
    pub(super) fn direct(&mut self, r: &RefExpr, cx: &Cx<'_>) -> Option<R<Value>> {
        let Var::Slot(slot) = r.root else { return None };
        // Every call could burn a step: the general path reports running out, at the exact call.
        if !Arc::ptr_eq(cx.program, &self.root) || self.fuel < r.chain.len() as u64 {
            return None;
        }
        let root = self.vars.get(slot as usize)?.as_ref()?;
        // `$byType.get($e.type).add($e.value)`: the value under the key used where it lives in the map.
        if let (
            Value::Map(m),
            [
                Seg::Method {
                    method: M::Get,
                    args: get_args,
                    ..
                },
                last @ Seg::Method { span, .. },
            ],
        ) = (root, &*r.chain)
            && let [Expr::Ref(key)] = &**get_args
            && let Some(got) = self.direct_get_call(m, key, last, cx)
        {
            return Some(match got {
                GetCall::Null => {
                    self.fuel -= 1;
                    Ok(Value::Null)
                }
                GetCall::Added => {
                    self.fuel -= 2;
                    Ok(Value::Bool(true))
                }
                GetCall::Called(call) => {
                    self.fuel -= 2;
                    match call {
                        Some(Ok(v)) => Ok(v),
                        None => Ok(Value::Null),
                        Some(Err(m)) => Err(invocation(&m, *span)),
                    }
                }
            });
        }
        let (first, rest) = r.chain.split_first()?;
        let mut v = match self.direct_step(root, first, cx)? {
            Ok(v) => v,
            Err(e) => {
                self.fuel -= 1;
                return Some(Err(e));
            }
        };
        let mut calls = 1;
        for seg in rest {
            if v.is_null() {
                break;
            }
            // Only the last call may change anything (see `compile::direct`): giving up here repeats nothing.
            v = match self.direct_step(&v, seg, cx)? {
                Ok(v) => v,
                Err(e) => {
                    self.fuel -= calls + 1;
                    return Some(Err(e));
                }
            };
            calls += 1;
        }
        self.fuel -= calls;
        Some(Ok(v))
    }

    /// [`direct`](Self::direct)'s `$map.get($k).method(…)` with a String key in a small map: the value under the key
    /// is borrowed from the map, not copied out of it (no reference count touched, no answer through memory), for
    /// `add` on a list and the read-only calls on a list or a map. `None` (nothing done) for anything else: the
    /// general steps of `direct` take it.
    #[inline]
    fn direct_get_call(&self, m: &crate::value::Map, key: &RefExpr, last: &Seg, cx: &Cx<'_>) -> Option<GetCall> {
        let Seg::Method { method, args, .. } = last else {
            return None;
        };
        let method = *method;
        // A call that could change a map could change this one, which is borrowed.
        if method != M::Add && !method.only_reads() {
            return None;
        }
        self.peek(key, cx, |k| {
            let Value::Str(k) = k else { return None };
            let entries = m.entries();
            if entries.len() > SMALL_MAP {
                return None;
            }
            let found = entries
                .iter()
                .find(|(key, _)| key.as_str().is_some_and(|s| crate::value::str_eq(s, k)))
                .map(|(_, v)| v);
            match found {
                None | Some(Value::Null) => Some(GetCall::Null),
                // `.add($e.value)`: the argument copied from where it lives into the list (what `direct_call` does).
                Some(Value::List(l))
                    if method == M::Add
                        && let [Expr::Ref(a)] = &**args =>
                {
                    let limits = self.limits;
                    self.peek(a, cx, |x| {
                        // `java::list_add`'s steps, its usual answer as a word.
                        if !l.is_readonly() && l.len() < limits.max_collection_len {
                            l.push(x.clone());
                            GetCall::Added
                        } else {
                            GetCall::Called(java::list_add(l, x, limits))
                        }
                    })
                }
                Some(recv @ Value::List(_)) => Some(GetCall::Called(self.direct_call(recv, method, args, cx)?)),
                Some(recv @ Value::Map(_)) if method.only_reads() => {
                    Some(GetCall::Called(self.direct_call(recv, method, args, cx)?))
                }
                Some(_) => None,
            }
        })?
    }

    /// One call of the chain on `recv`, when it is a list or a map and the arguments can be read where they
    /// live: its value, or the exception it threw (reported at the call).
    #[inline(always)]
    fn direct_step(&self, recv: &Value, seg: &Seg, cx: &Cx<'_>) -> Option<R<Value>> {
        let Seg::Method { method, args, span, .. } = seg else {
            return None;
        };
        if !matches!(recv, Value::List(_) | Value::Map(_)) {
            return None;
        }
        Some(match self.direct_call(recv, *method, args, cx)? {
            Some(Ok(v)) => Ok(v),
            None => Ok(Value::Null),
            Some(Err(m)) => Err(invocation(&m, *span)),
        })
    }

    /// [`direct`](Self::direct) as a condition (`#if(!$map.containsKey($k))`, `#if($list.contains($x))`): a single
    /// read-only call with a plain-reference argument answers its truth without the answer becoming a value on the
    /// way; anything else is [`direct`](Self::direct)'s value's truth. The same steps: the fuel, the call, the
    /// exception at the call.
    #[inline(never)]
    pub(super) fn direct_truth(&mut self, r: &RefExpr, cx: &Cx<'_>) -> Option<R<Truth>> {
        let (Var::Slot(slot), [Seg::Method { method, args, span, .. }]) = (r.root, &*r.chain) else {
            return self.direct(r, cx).map(|v| v.map(|v| Truth::from(truthy(&v))));
        };
        let ([Expr::Ref(a)], true) = (&**args, method.only_reads()) else {
            return self.direct(r, cx).map(|v| v.map(|v| Truth::from(truthy(&v))));
        };
        if !Arc::ptr_eq(cx.program, &self.root) || self.fuel == 0 {
            return None;
        }
        let recv = self.vars.get(slot as usize)?.as_ref()?;
        if !matches!(recv, Value::List(_) | Value::Map(_)) {
            return None;
        }
        let (method, limits) = (*method, self.limits);
        let answer = self.peek(a, cx, |x| match (recv, method, x) {
            (Value::Map(m), M::ContainsKey, Value::Str(k)) => Ok(m.contains_str(k)),
            (Value::List(l), M::Contains, Value::Str(k)) => Ok(java::list_contains_str(l, x, k)),
            _ => match java::call_collection(recv, method, std::slice::from_ref(x), limits) {
                Some(Ok(v)) => Ok(truthy(&v)),
                None => Ok(false),
                Some(Err(m)) => Err(m),
            },
        })?;
        self.fuel -= 1;
        Some(match answer {
            Ok(t) => Ok(Truth::from(t)),
            Err(m) => Err(invocation(&m, *span)),
        })
    }

    /// A [`Fast::Call`](crate::compile::fast::Fast::Call) condition: what [`direct_truth`](Self::direct_truth) answers
    /// for it (the same fuel, call and exception), with the argument read as a [`Prop`]. `None` hands the condition
    /// to the general evaluation with nothing done.
    #[inline(never)]
    pub(super) fn call_truth(&mut self, c: &CallCheck, cx: &Cx<'_>) -> Option<R<Truth>> {
        // The common case, without closures: `containsKey` on a map or `contains` on a list, the argument a String
        // property of a map.
        if self.fuel != 0
            && let Some(t) = self.call_truth_str(c, cx)
        {
            self.fuel -= 1;
            return Some(Ok(Truth::from(t != c.negate)));
        }
        self.call_truth_general(c, cx)
    }

    /// [`call_truth`](Self::call_truth) for any receiver and argument (kept apart, so the common case saves and
    /// restores only the registers it uses).
    #[inline(never)]
    fn call_truth_general(&mut self, c: &CallCheck, cx: &Cx<'_>) -> Option<R<Truth>> {
        if self.fuel == 0 {
            return None;
        }
        let recv = self.vars.get(c.recv as usize)?.as_ref()?;
        let limits = self.limits;
        let answer = match (recv, c.method) {
            (Value::Map(m), M::ContainsKey) => self.fast_prop(&c.arg, cx, |x| match x {
                Value::Str(k) => Ok(m.contains_str(k)),
                _ => call_truthy(recv, c.method, x, limits),
            })?,
            (Value::List(l), M::Contains) => self.fast_prop(&c.arg, cx, |x| match x {
                Value::Str(k) => Ok(java::list_contains_str(l, x, k)),
                _ => call_truthy(recv, c.method, x, limits),
            })?,
            (Value::List(_) | Value::Map(_), _) => {
                self.fast_prop(&c.arg, cx, |x| call_truthy(recv, c.method, x, limits))?
            }
            _ => return None,
        };
        self.fuel -= 1;
        Some(match answer {
            Ok(t) => Ok(Truth::from(t != c.negate)),
            Err(m) => Err(invocation(&m, c.span)),
        })
    }

    /// A [`SetGetAdd`](crate::compile::ir::SetGetAdd): the list under the key appended to where it lives, with the
    /// general `#set`'s steps (its step, one for each call, the answer `true` stored); anything else is the
    /// general `#set`, with nothing done before.
    #[inline(never)]
    pub(super) fn set_get_add(&mut self, g: &crate::compile::ir::SetGetAdd, cx: &Cx<'_>) -> R<()> {
        if self.fuel >= 3 && self.nest < self.limits.max_depth && Arc::ptr_eq(cx.program, &self.root) && self.get_add(g)
        {
            self.fuel -= 3;
            if let Some(s) = self.vars.get_mut(g.slot as usize) {
                match s {
                    Some(Value::Bool(b)) => *b = true,
                    s => *s = Some(Value::Bool(true)),
                }
            }
            return Ok(());
        }
        self.set(&g.target, &g.value, g.span, true, cx)
    }

    /// `$map.get($x.key).add($y.value)` when the map is small, the key a String and a writable list is under
    /// it: appends the argument (what `java::list_add` does) and answers `true`; `false` with nothing done
    /// otherwise.
    #[inline(always)]
    fn get_add(&self, g: &crate::compile::ir::SetGetAdd) -> bool {
        let vars = &self.vars;
        let (Some(Some(Value::Map(m))), Some(Some(Value::Map(km))), Some(Some(Value::Map(am)))) = (
            vars.get(g.map as usize),
            vars.get(g.key.slot as usize),
            vars.get(g.arg.slot as usize),
        ) else {
            return false;
        };
        let keys = km.entries();
        let Some(Value::Str(k)) = crate::value::lookup_str(&keys, &g.key.name, g.key.hash, &g.key.hint) else {
            return false;
        };
        let entries = m.entries();
        if entries.len() > SMALL_MAP {
            return false;
        }
        let mut under = None;
        for (key, v) in entries.iter() {
            if key.as_str().is_some_and(|s| crate::value::str_eq(s, k)) {
                under = Some(v);
                break;
            }
        }
        let Some(Value::List(l)) = under else {
            return false;
        };
        if l.is_readonly() || l.len() >= self.limits.max_collection_len {
            return false;
        }
        // `$e.type` and `$e.value`: the argument read in the key's borrow.
        let other;
        let args = if g.arg.slot == g.key.slot {
            &keys
        } else {
            other = am.entries();
            &other
        };
        let x = crate::value::lookup_str(args, &g.arg.name, g.arg.hash, &g.arg.hint).unwrap_or(&Value::Null);
        // An Integer (the usual item) copied without the general clone's call.
        l.push(match x {
            Value::Int(i) => Value::Int(*i),
            x => x.clone(),
        });
        true
    }

    /// [`call_truth`](Self::call_truth)'s answer for `$map.containsKey($x.p)` and `$list.contains($x.p)` when `$x`
    /// is a map and the property a String (nothing burnt); `None` for anything else.
    #[inline(always)]
    fn call_truth_str(&self, c: &CallCheck, cx: &Cx<'_>) -> Option<bool> {
        if !Arc::ptr_eq(cx.program, &self.root) {
            return None;
        }
        let (Some(Some(recv)), Some(Some(Value::Map(holder)))) =
            (self.vars.get(c.recv as usize), self.vars.get(c.arg.slot as usize))
        else {
            return None;
        };
        let entries = holder.entries();
        let x = crate::value::lookup_str(&entries, &c.arg.name, c.arg.hash, &c.arg.hint)?;
        let Value::Str(k) = x else { return None };
        match (recv, c.method) {
            (Value::Map(m), M::ContainsKey) => Some(m.contains_str(k)),
            (Value::List(l), M::Contains) => Some(java::list_contains_str(l, x, k)),
            _ => None,
        }
    }

    /// One call on a list or map with its arguments read where they live; `None` when an argument cannot be (the
    /// general evaluation reads it).
    #[inline]
    fn direct_call(&self, recv: &Value, method: java::M, args: &[Expr], cx: &Cx<'_>) -> Option<Call> {
        let limits = self.limits;
        match args {
            [] => Some(java::call_collection(recv, method, &[], limits)),
            // A method that only reads takes the argument borrowed (no reference count touched); the three
            // lookups by a String key (`containsKey`, `get`, `contains`: most calls) skip the dispatch on the
            // receiver and the method, with what `java::call_collection` does for them.
            // `$list.add($e.value)`: the argument copied straight into the list (a map on its way is borrowed, never
            // the list itself).
            [Expr::Ref(a)]
                if method == M::Add
                    && let Value::List(l) = recv =>
            {
                self.peek(a, cx, |x| java::list_add(l, x, limits))
            }
            [Expr::Ref(a)] if method.only_reads() => self.peek(a, cx, |x| match (recv, method, x) {
                (Value::Map(m), M::ContainsKey, Value::Str(k)) => Some(Ok(Value::Bool(m.contains_str(k)))),
                (Value::Map(m), M::Get, Value::Str(k)) => Some(Ok(m.get_str(k).unwrap_or_default())),
                (Value::List(l), M::Contains, Value::Str(k)) => Some(Ok(Value::Bool(java::list_contains_str(l, x, k)))),
                _ => java::call_collection(recv, method, std::slice::from_ref(x), limits),
            }),
            [a] => {
                let x = self.direct_arg(a, cx)?;
                Some(java::call_collection(recv, method, std::slice::from_ref(&x), limits))
            }
            [a, b] => {
                let pair = [self.direct_arg(a, cx)?, self.direct_arg(b, cx)?];
                Some(java::call_collection(recv, method, &pair, limits))
            }
            _ => None,
        }
    }

    /// A literal, plain-reference or new empty collection argument's value.
    #[inline]
    fn direct_arg(&self, e: &Expr, cx: &Cx<'_>) -> Option<Value> {
        match e {
            Expr::Const(c) => Some(const_value(c)),
            Expr::Ref(r) => self.peek(r, cx, Value::clone),
            // The general evaluation of `[]` and `{}` takes a level of depth, after up to two for the reference
            // and its `#set`: near the limit, it runs and reports the limit where it is reached.
            Expr::List(items) if items.is_empty() && self.nest + 2 < self.limits.max_depth => {
                Some(Value::List(List::new()))
            }
            Expr::Map(entries) if entries.is_empty() && self.nest + 2 < self.limits.max_depth => {
                Some(Value::Map(Map::new()))
            }
            _ => None,
        }
    }
}
