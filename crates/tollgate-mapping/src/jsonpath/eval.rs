//! Evaluating a [`JsonPath`] against a document, with Jayway's semantics and a work budget.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::{BudgetExceeded, CompareOp, Filter, JsonPath, Operand, Segment, Selection, Selector};
use crate::json::{Json, JsonObject};

pub(super) fn select<'a>(path: &JsonPath, root: &'a Json, budget: &mut u64) -> Result<Selection<'a>, BudgetExceeded> {
    let mut cx = Cx { root, budget: *budget };
    let result = cx.run(&path.segments, root);
    *budget = cx.budget;
    let mut results = result?;
    Ok(if path.definite {
        if results.is_empty() {
            Selection::Missing
        } else {
            Selection::One(results.swap_remove(0))
        }
    } else {
        Selection::Many(results)
    })
}

struct Cx<'a> {
    root: &'a Json,
    budget: u64,
}

impl<'a> Cx<'a> {
    fn charge(&mut self, units: usize) -> Result<(), BudgetExceeded> {
        self.budget = self.budget.checked_sub(units as u64).ok_or(BudgetExceeded)?;
        Ok(())
    }

    /// Runs `segments` from `start`, returning every match in document order.
    fn run(&mut self, segments: &[Segment], start: &'a Json) -> Result<Vec<Cow<'a, Json>>, BudgetExceeded> {
        let Some((last, init)) = segments.split_last() else {
            return Ok(vec![Cow::Borrowed(start)]);
        };
        let mut current = vec![start];
        for segment in init {
            let mut next = Vec::new();
            for node in current {
                self.apply(segment, node, false, &mut |found| {
                    if let Cow::Borrowed(v) = found {
                        next.push(v);
                    }
                })?;
            }
            current = next;
        }
        let mut out = Vec::new();
        for node in current {
            self.apply(last, node, true, &mut |found| out.push(found))?;
        }
        Ok(out)
    }

    fn apply(
        &mut self,
        segment: &Segment,
        node: &'a Json,
        leaf: bool,
        emit: &mut dyn FnMut(Cow<'a, Json>),
    ) -> Result<(), BudgetExceeded> {
        match segment {
            Segment::Child(selector) => self.select_children(selector, node, leaf, emit),
            Segment::Descendant(selector) => self.scan(selector, node, leaf, emit),
        }
    }

    /// `..selector`: the selector applied to `node` and every container below it, in pre-order.
    fn scan(
        &mut self,
        selector: &Selector,
        node: &'a Json,
        leaf: bool,
        emit: &mut dyn FnMut(Cow<'a, Json>),
    ) -> Result<(), BudgetExceeded> {
        // An explicit stack keeps deep documents off the call stack.
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            self.charge(1)?;
            match selector {
                // Jayway's scan tests a filter against each object itself, not against array elements, so every
                // matching object is reported once.
                Selector::Filter(filter) => {
                    if matches!(node, Json::Object(_)) && self.test(filter, node)? {
                        emit(Cow::Borrowed(node));
                    }
                }
                _ => self.select_children(selector, node, leaf, emit)?,
            }
            match node {
                Json::Array(items) => stack.extend(items.iter().rev().filter(|v| is_container(v))),
                Json::Object(map) => stack.extend(map.values().rev().filter(|v| is_container(v))),
                _ => {}
            }
        }
        Ok(())
    }

    fn select_children(
        &mut self,
        selector: &Selector,
        node: &'a Json,
        leaf: bool,
        emit: &mut dyn FnMut(Cow<'a, Json>),
    ) -> Result<(), BudgetExceeded> {
        self.charge(1)?;
        match selector {
            Selector::Name(name) => {
                if let Some(v) = node.get(name) {
                    emit(Cow::Borrowed(v));
                }
            }
            Selector::Names(names) => {
                let Json::Object(map) = node else { return Ok(()) };
                if leaf {
                    // Jayway merges the present members into a new object.
                    let mut merged = Vec::new();
                    for name in names {
                        if let Some(v) = map.get(name.as_ref()) {
                            self.charge(v.node_count())?;
                            merged.push((name.as_ref().into(), v.clone()));
                        }
                    }
                    emit(Cow::Owned(Json::Object(JsonObject::from_members(merged))));
                } else {
                    for name in names {
                        if let Some(v) = map.get(name.as_ref()) {
                            emit(Cow::Borrowed(v));
                        }
                    }
                }
            }
            Selector::Index(i) => {
                if let Json::Array(items) = node
                    && let Some(v) = index(items, *i)
                {
                    emit(Cow::Borrowed(v));
                }
            }
            Selector::Indexes(list) => {
                if let Json::Array(items) = node {
                    for i in list {
                        if let Some(v) = index(items, *i) {
                            emit(Cow::Borrowed(v));
                        }
                    }
                }
            }
            Selector::Slice { start, end } => {
                if let Json::Array(items) = node {
                    for i in slice_indexes(items.len(), *start, *end) {
                        self.charge(1)?;
                        if let Some(v) = index(items, i) {
                            emit(Cow::Borrowed(v));
                        }
                    }
                }
            }
            Selector::Wildcard => match node {
                Json::Array(items) => {
                    self.charge(items.len())?;
                    items.iter().for_each(|v| emit(Cow::Borrowed(v)));
                }
                Json::Object(map) => {
                    self.charge(map.len())?;
                    map.values().for_each(|v| emit(Cow::Borrowed(v)));
                }
                _ => {}
            },
            Selector::Filter(filter) => match node {
                Json::Array(items) => {
                    for item in items.iter() {
                        if self.test(filter, item)? {
                            emit(Cow::Borrowed(item));
                        }
                    }
                }
                // Jayway applies a filter on an object to the object itself.
                Json::Object(_) if self.test(filter, node)? => emit(Cow::Borrowed(node)),
                _ => {}
            },
        }
        Ok(())
    }

    fn test(&mut self, filter: &Filter, candidate: &'a Json) -> Result<bool, BudgetExceeded> {
        self.charge(1)?;
        Ok(match filter {
            Filter::Or(a, b) => self.test(a, candidate)? || self.test(b, candidate)?,
            Filter::And(a, b) => self.test(a, candidate)? && self.test(b, candidate)?,
            Filter::Not(inner) => !self.test(inner, candidate)?,
            Filter::Exists(operand) => self.operand(operand, candidate)?.is_some(),
            Filter::Compare(left, op, right) => {
                let left = self.operand(left, candidate)?;
                let right = self.operand(right, candidate)?;
                match (left, right) {
                    (Some(l), Some(r)) => compare(&l, *op, &r),
                    // A missing value equals nothing, so it is "not equal" to everything.
                    _ => *op == CompareOp::Ne,
                }
            }
        })
    }

    fn operand(&mut self, operand: &Operand, candidate: &'a Json) -> Result<Option<Cow<'a, Json>>, BudgetExceeded> {
        match operand {
            Operand::Literal(value) => Ok(Some(Cow::Owned(value.clone()))),
            Operand::Path { relative, path } => {
                let start = if *relative { candidate } else { self.root };
                let mut results = self.run(&path.segments, start)?;
                Ok(if path.definite {
                    if results.is_empty() {
                        None
                    } else {
                        Some(results.swap_remove(0))
                    }
                } else {
                    Some(Cow::Owned(Json::Array(
                        results.into_iter().map(Cow::into_owned).collect(),
                    )))
                })
            }
        }
    }
}

fn is_container(v: &Json) -> bool {
    matches!(v, Json::Array(_) | Json::Object(_))
}

fn index(items: &[Json], i: i64) -> Option<&Json> {
    let len = items.len() as i64;
    let effective = if i < 0 { len + i } else { i };
    usize::try_from(effective).ok().and_then(|i| items.get(i))
}

/// Jayway's slice rules: `[from:]` and `[:to]` count negatives from the end; `[from:to]` clamps `to` to the
/// length and lets the indexes themselves wrap.
fn slice_indexes(len: usize, start: Option<i64>, end: Option<i64>) -> std::ops::Range<i64> {
    let len = len as i64;
    match (start, end) {
        (Some(from), None) => {
            let from = if from < 0 { (len + from).max(0) } else { from };
            from..len
        }
        (None, Some(to)) => {
            let to = if to < 0 { len + to } else { to };
            0..to.min(len)
        }
        (Some(from), Some(to)) => {
            let to = to.min(len);
            if from >= to || len == 0 { 0..0 } else { from..to }
        }
        (None, None) => 0..len,
    }
}

/// Jayway's relational operators: numbers compare as numbers (a string literal that reads as a number counts),
/// strings as strings, other values only for (in)equality; mismatched types are unequal and unordered.
fn compare(left: &Json, op: CompareOp, right: &Json) -> bool {
    let ordering = order(left, right);
    match op {
        CompareOp::Eq => ordering == Some(Ordering::Equal) || (ordering.is_none() && equal(left, right)),
        CompareOp::Ne => !(ordering == Some(Ordering::Equal) || (ordering.is_none() && equal(left, right))),
        CompareOp::Lt => ordering == Some(Ordering::Less),
        CompareOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => ordering == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

fn order(left: &Json, right: &Json) -> Option<Ordering> {
    match (left, right) {
        (Json::Number(_), Json::Number(_) | Json::String(_)) => left.as_f64()?.partial_cmp(&number_of(right)?),
        (Json::String(l), Json::Number(r)) => Some(l.as_ref().cmp(r.as_ref())).filter(|o| o.is_eq()),
        (Json::String(l), Json::String(r)) => Some(l.cmp(r)),
        _ => None,
    }
}

fn number_of(value: &Json) -> Option<f64> {
    match value {
        Json::Number(n) => n.parse().ok(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn equal(left: &Json, right: &Json) -> bool {
    match (left, right) {
        (Json::Number(_), Json::Number(_)) => left.as_f64() == right.as_f64(),
        (Json::Array(a), Json::Array(b)) => a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equal(x, y)),
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => left == right,
    }
}
