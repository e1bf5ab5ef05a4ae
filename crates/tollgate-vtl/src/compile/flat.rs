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
//! Interpolated strings keep their `#if`s as they are (the evaluator still runs [`Node::If`]).

use super::ir::{Branch, MacroDef, Node};

/// The nodes of a block with every `#if` in it (and in the bodies of its loops, `#if`s and inlined macro calls)
/// flattened.
pub(crate) fn lower(nodes: Vec<Node>) -> Vec<Node> {
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
            let body = lower(body);
            let skip = u32::try_from(body.len() + 1).unwrap_or(u32::MAX);
            let fast = fast.next().unwrap_or(super::fast::Fast::None);
            (Node::Branch(Box::new(Branch { cond, fast, skip })), body)
        })
        .collect();
    if let Some(body) = otherwise {
        pieces.push((Node::Enter, lower(body)));
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
        nodes.push(Node::EndBranch { skip: 0 });
        out.push(Node::HasNextText(Box::new(super::ir::HasNextText {
            slot,
            text: text.into_boxed_str(),
            nodes: nodes.into_boxed_slice(),
        })));
        return;
    }
    for ((lead, body), skip) in pieces.into_iter().zip(after) {
        out.push(lead);
        out.extend(body);
        out.push(Node::EndBranch {
            skip: u32::try_from(skip).unwrap_or(u32::MAX),
        });
    }
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
                Node::Branch(b) => format!("B{}", b.skip),
                Node::EndBranch { skip } => format!("E{skip}"),
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
        assert_eq!(shape(&lower(nodes)), "B4 B2 x E0 E0");
    }
}
