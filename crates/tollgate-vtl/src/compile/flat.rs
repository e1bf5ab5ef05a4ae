//! `#if` chains flattened into the node list around them, the last compile step.
//!
//! A taken `#if` body used to be a block of its own: a call of the evaluator's block function per taken branch,
//! which is most of what a small body costs. Here every branch becomes a [`Node::Branch`] (its condition, and how
//! many nodes to skip when it is false), the branch's nodes, and a [`Node::EndBranch`] that skips the other
//! branches; an `#else` body is [`Node::Enter`], its nodes and an `EndBranch` that skips nothing:
//!
//! ```text
//! #if(c1) B1 #elseif(c2) B2 #else B3 #end
//!   → Branch(c1, skip |B1|+1) B1… EndBranch(skip to the end)
//!     Branch(c2, skip |B2|+1) B2… EndBranch(skip to the end)
//!     Enter B3… EndBranch(0)
//! ```
//!
//! The evaluator runs them in the same loop as the nodes around them, with the same steps as before: the
//! conditions in order, one level of depth (`descend`) for the body that runs and its check, the same flows.
//! Interpolated strings keep their `#if`s as they are (the evaluator still runs [`Node::If`]), except the
//! arguments of macro calls, which render at every use of their parameter and are lowered like a block.

use std::sync::Arc;

use super::fast::{Fast, Switch, Test};
use super::ir::{Branch, Expr, MacroDef, Node};

/// The nodes of a block with every `#if` in it (and in the bodies of its loops, `#if`s and inlined macro calls)
/// flattened.
pub(crate) fn lower(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = lower_nodes(nodes);
    join_ends(&mut out);
    out
}

/// An end of a branch whose skip lands on another end (the enclosing branch ends there too) does both: one node
/// instead of a chain of them. Nothing runs between two ends (an end only counts a level down and skips), so the
/// render takes the same steps; the ends it stands for stay in place for the paths that reach them otherwise.
fn join_ends(nodes: &mut [Node]) {
    for i in (0..nodes.len()).rev() {
        let Some(&Node::EndBranch { skip, levels }) = nodes.get(i) else {
            continue;
        };
        let target = i + 1 + skip as usize;
        if let Some(&Node::EndBranch {
            skip: next,
            levels: more,
        }) = nodes.get(target)
            && let Some(skip) = skip.checked_add(1).and_then(|s| s.checked_add(next))
            && let Some(levels) = levels.checked_add(more)
            && let Some(node) = nodes.get_mut(i)
        {
            *node = Node::EndBranch { skip, levels };
        }
    }
}

/// [`lower`] without joining the ends (an `#if` body, part of a block).
fn lower_nodes(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::If {
                branches,
                fast,
                otherwise,
            } => lower_if(branches.into_vec(), fast.into_vec(), otherwise, &mut out),
            Node::Foreach(mut f) => {
                f.body = lower(std::mem::take(&mut f.body));
                out.push(Node::Foreach(f));
            }
            Node::Inline(mut call) => {
                call.body = lower(std::mem::take(&mut call.body));
                out.push(Node::Inline(call));
            }
            // `#jstr("name" "$p.first $p.last")`: an interpolated argument renders at every use of its parameter
            // (call by name), through the node loop like any block.
            Node::CallMacro {
                id,
                mut args,
                body,
                span,
            } => {
                if let Some(args) = Arc::get_mut(&mut args) {
                    for arg in args.iter_mut() {
                        if let Expr::Interp(nodes) = arg {
                            *nodes = lower(std::mem::take(nodes));
                        }
                    }
                }
                out.push(Node::CallMacro { id, args, body, span });
            }
            // `$var.name` printed.
            Node::Ref(r)
                if r.replace_run == 0
                    && r.fused.is_none()
                    && let Some(prop) = super::fast::prop(&r) =>
            {
                let span = r.span;
                out.push(Node::PrintProp(Box::new(super::ir::PrintProp { prop, span, r })));
            }
            // The other last step: Integer `#set`s (`compile::set_int`).
            set @ Node::Set { .. } => out.push(super::set_get_add::of(super::set_int::of(set))),
            other => out.push(other),
        }
    }
    out
}

/// Flattens every macro's body.
pub(crate) fn lower_macros(macros: &mut [MacroDef]) {
    for m in macros {
        m.body = lower(std::mem::take(&mut m.body));
    }
}

fn lower_if(
    branches: Vec<(super::ir::Expr, Vec<Node>)>,
    fast: Vec<super::fast::Fast>,
    otherwise: Option<Vec<Node>>,
    out: &mut Vec<Node>,
) {
    let mut fast = fast.into_iter();
    // Each piece: its leading node (a `Branch`, or `Enter` for `#else`) and its lowered body.
    let mut pieces: Vec<(Node, Vec<Node>)> = branches
        .into_iter()
        .map(|(cond, body)| {
            let body = lower_nodes(body);
            let skip = u32::try_from(body.len() + 1).unwrap_or(u32::MAX);
            let fast = fast.next().unwrap_or(super::fast::Fast::None);
            (Node::Branch(Box::new(Branch { cond, fast, skip })), body)
        })
        .collect();
    if let Some(body) = otherwise {
        pieces.push((Node::Enter, lower_nodes(body)));
    }
    // What follows each piece's `EndBranch` up to the end of the chain.
    let mut after: Vec<usize> = Vec::with_capacity(pieces.len());
    let mut tail = 0usize;
    for (_, body) in pieces.iter().rev() {
        after.push(tail);
        tail += body.len() + 2;
    }
    after.reverse();
    // `#if($foreach.hasNext),#end`: one node.
    if let [(Node::Branch(b), body)] = &pieces[..]
        && let super::fast::Fast::HasNext(p) = &b.fast
        && !body.is_empty()
        && body.iter().all(|n| matches!(n, Node::Text(_)))
    {
        let slot = p.slot;
        let text: String = body
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(&**t),
                _ => None,
            })
            .collect();
        let mut nodes = Vec::with_capacity(body.len() + 2);
        for (lead, body) in pieces {
            nodes.push(lead);
            nodes.extend(body);
        }
        nodes.push(Node::EndBranch { skip: 0, levels: 1 });
        out.push(Node::HasNextText(Box::new(super::ir::HasNextText {
            slot,
            text: text.into_boxed_str(),
            nodes: nodes.into_boxed_slice(),
        })));
        return;
    }
    switches(&mut pieces);
    for ((lead, body), skip) in pieces.into_iter().zip(after) {
        out.push(lead);
        out.extend(body);
        out.push(Node::EndBranch {
            skip: u32::try_from(skip).unwrap_or(u32::MAX),
            levels: 1,
        });
    }
}

/// A [`Switch`]'s tests, each with where its body starts.
type Tests = Box<[(Test, u32)]>;

/// Runs of two or more consecutive branches testing one property become a [`Switch`] on the run's first branch.
fn switches(pieces: &mut [(Node, Vec<Node>)]) {
    // Where each piece's leading node is, from the chain's first, and where the chain ends.
    let mut starts = Vec::with_capacity(pieces.len() + 1);
    let mut at = 0usize;
    for (_, body) in pieces.iter() {
        starts.push(at);
        at += body.len() + 2;
    }
    starts.push(at);
    let mut a = 0;
    while a < pieces.len() {
        let (tests, end) = run(pieces, a, &starts);
        // Into the `#else` body, past its `Enter`.
        let enters = matches!(pieces.get(end), Some((Node::Enter, _)));
        if let Some(tests) = tests
            && let Some(&next) = starts.get(end)
            && let Some(&first) = starts.get(a)
            && let Ok(none) = u32::try_from(next - first - 1 + usize::from(enters))
            && let Some((Node::Branch(b), _)) = pieces.get_mut(a)
            && let Some((prop, _)) = b.fast.test()
        {
            let prop = prop.copy();
            let first = std::mem::replace(&mut b.fast, Fast::None);
            b.fast = Fast::Switch(Box::new(Switch {
                prop,
                strs: Switch::strs(&tests),
                ints: Switch::ints(&tests),
                tests,
                none,
                enters,
                first,
            }));
        }
        a = end.max(a + 1);
    }
}

/// The tests of the run of branches testing one property that starts at piece `a` (when it has two or more), with
/// each body's place from the first branch's node; and the piece after the run.
fn run(pieces: &[(Node, Vec<Node>)], a: usize, starts: &[usize]) -> (Option<Tests>, usize) {
    let Some((Node::Branch(first), _)) = pieces.get(a) else {
        return (None, a + 1);
    };
    let Some((prop, _)) = first.fast.test() else {
        return (None, a + 1);
    };
    let base = starts.get(a).copied().unwrap_or_default();
    let mut tests = Vec::new();
    let mut end = a;
    while let Some((Node::Branch(b), _)) = pieces.get(end)
        && let Some((p, test)) = b.fast.test()
        && p.same(prop)
        && let Some(&start) = starts.get(end)
        && let Ok(skip) = u32::try_from(start - base)
    {
        tests.push((test, skip));
        end += 1;
    }
    if tests.len() < 2 {
        return (None, end.max(a + 1));
    }
    (Some(tests.into_boxed_slice()), end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::fast::Fast;
    use crate::compile::ir::{Const, Expr};

    fn text(s: &str) -> Node {
        Node::Text(s.into())
    }

    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => t.to_string(),
                Node::Branch(b) => match &b.fast {
                    Fast::Switch(s) => {
                        let tests: Vec<String> = s.tests.iter().map(|(_, skip)| skip.to_string()).collect();
                        let enters = if s.enters { " enters" } else { "" };
                        format!("B{}[{} else {}{enters}]", b.skip, tests.join(","), s.none)
                    }
                    _ => format!("B{}", b.skip),
                },
                Node::PrintProp(p) => format!("${}", p.prop.name),
                Node::EndBranch { skip, levels: 1 } => format!("E{skip}"),
                Node::EndBranch { skip, levels } => format!("E{skip}^{levels}"),
                Node::Enter => "N".to_owned(),
                _ => "?".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn chains_skip_to_their_end() {
        let cond = || Expr::Const(Const::Bool(true));
        let nodes = vec![
            text("a"),
            Node::If {
                branches: vec![(cond(), vec![text("b"), text("c")]), (cond(), vec![])].into_boxed_slice(),
                fast: vec![Fast::None, Fast::None].into_boxed_slice(),
                otherwise: Some(vec![text("d")]),
            },
            text("e"),
        ];
        // Branch 1 false → skips b c E to the second Branch; its EndBranch skips the other 2 + 3 nodes.
        assert_eq!(shape(&lower(nodes)), "a B3 b c E5 B1 E3 N d E0 e");
    }

    #[test]
    fn nested_ifs_are_flattened_too() {
        let cond = || Expr::Const(Const::Bool(true));
        let inner = Node::If {
            branches: vec![(cond(), vec![text("x")])].into_boxed_slice(),
            fast: vec![Fast::None].into_boxed_slice(),
            otherwise: None,
        };
        let nodes = vec![Node::If {
            branches: vec![(cond(), vec![inner])].into_boxed_slice(),
            fast: vec![Fast::None].into_boxed_slice(),
            otherwise: None,
        }];
        assert_eq!(shape(&lower(nodes)), "B4 B2 x E1^2 E0");
    }

    /// The flattened body of a template's first loop.
    fn loop_body(src: &str) -> String {
        let engine = crate::Engine::builder().build();
        let t = engine.compile("t.vm", src).expect("compiles");
        match t.program().body.first() {
            Some(Node::Foreach(f)) => shape(&f.body),
            _ => String::new(),
        }
    }

    #[test]
    fn conditions_on_one_property_switch() {
        // Three tests of `$r.m` (a String test, two of them, an Integer test would join too): the first branch reads
        // it once; `#else` follows the chain.
        let src = "#foreach($r in $l)#if($r.m == \"a\")A#elseif($r.m == \"b\" || $r.m == \"c\")B$r.p#elseif($r.m != \"d\")C\
                   #{else}D#end#end";
        assert_eq!(
            loop_body(src),
            "B2[0,3,7 else 10 enters] A E10 B3 B $p E6 B2 C E3 N D E0"
        );
        // Another property, or another shape, ends the run.
        let src =
            "#foreach($r in $l)#if($r.m == \"a\")A#elseif($r.n == \"b\")B#elseif($r.n > 2)C#elseif($r.n)D#end#end";
        assert_eq!(loop_body(src), "B2 A E9 B2[0,3 else 5] B E6 B2 C E3 B2 D E0");
    }

    #[test]
    fn nested_branches_that_end_together_end_in_one_node() {
        let src = "#foreach($r in $l)#if($r.a)#if($r.b)x#{else}y#end#end#end";
        assert_eq!(loop_body(src), "B7 B2 x E4^2 N y E1^2 E0");
    }
}
