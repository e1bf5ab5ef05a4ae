//! Which `#foreach` loops may run without a `$foreach` scope object ([`Foreach::lazy`]).
//!
//! A loop's scope is observable only through the `$foreach` variable: read through the general lookup (printed,
//! passed, assigned, `$foreach.index`, `.parent`, `#break($foreach)`), or by template code that runs inside the
//! loop without being part of its body (a macro call, `#evaluate`, `#parse`, a `#define` block rendered, a
//! macro parameter standing for the caller's expression). A loop whose body (nested loops included) does none of
//! that, and whose only uses of `$foreach` are `#if($foreach.hasNext)` conditions (answered from the evaluator's
//! flag), cannot tell a scope object from none. Blocks exist only in templates with `#define`, block macro calls
//! or `#evaluate`d code: no loop of such a template is lazy.

use super::fast::Fast;
use super::ir::{Expr, Foreach, Node, RefExpr, Seg, Var};

/// Marks every lazy loop of `nodes` (and of the template's blocks and macros, which the caller walks too);
/// `allowed` is false for templates whose loops must all keep their scope. Returns whether `nodes` could observe
/// the innermost loop's scope.
pub(super) fn mark(nodes: &mut [Node], foreach: u32, allowed: bool) -> bool {
    let mut observes = false;
    for node in nodes {
        observes |= node_observes(node, foreach, allowed);
    }
    observes
}

fn node_observes(node: &mut Node, foreach: u32, allowed: bool) -> bool {
    match node {
        Node::Text(_) | Node::Stop | Node::Fail { .. } | Node::StripLast | Node::EndBranch { .. } | Node::Enter => {
            false
        }
        Node::Ref(r) => ref_observes(r, foreach, allowed),
        Node::PrintProp(p) => ref_observes(&mut p.r, foreach, allowed),
        Node::Set { target, value, .. } => {
            ref_observes(target, foreach, allowed) | expr_observes(value, foreach, allowed)
        }
        Node::If {
            branches,
            fast,
            otherwise,
        } => {
            let mut observes = false;
            for (i, (cond, body)) in branches.iter_mut().enumerate() {
                observes |= cond_observes(cond, fast.get(i), foreach, allowed);
                observes |= mark(body, foreach, allowed);
            }
            if let Some(o) = otherwise {
                observes |= mark(o, foreach, allowed);
            }
            observes
        }
        Node::Foreach(f) => foreach_observes(f, foreach, allowed),
        // Code outside the body runs: anything may be read.
        Node::CallMacro { .. }
        | Node::CallUnknown { .. }
        | Node::Define { .. }
        | Node::Evaluate { .. }
        | Node::Include { .. } => true,
        Node::Break { arg } => arg.as_mut().is_some_and(|a| expr_observes(a, foreach, allowed)),
        Node::Inline(i) => mark(&mut i.body, foreach, allowed),
        Node::Branch(b) => cond_observes(&mut b.cond, Some(&b.fast), foreach, allowed),
        Node::SetInt(s) => {
            ref_observes(&mut s.target, foreach, allowed) | expr_observes(&mut s.value, foreach, allowed)
        }
        // The innermost loop's flag, read by the evaluator; the nodes it stands for run only when it cannot.
        Node::HasNextText(h) if h.slot == foreach => false,
        Node::HasNextText(h) => mark(&mut h.nodes, foreach, allowed),
        Node::SetGetAdd(g) => {
            ref_observes(&mut g.target, foreach, allowed) | expr_observes(&mut g.value, foreach, allowed)
        }
    }
}

fn foreach_observes(f: &mut Foreach, foreach: u32, allowed: bool) -> bool {
    let iterable = f.iterable.as_mut().is_some_and(|e| expr_observes(e, foreach, allowed));
    let body = mark(&mut f.body, foreach, allowed);
    f.lazy = allowed && !body && f.var != foreach;
    iterable | body | (f.var == foreach)
}

/// A condition: `$foreach.hasNext` alone is answered from the flag (`Fast::HasNext` is tried first wherever a
/// condition is evaluated).
fn cond_observes(cond: &mut Expr, fast: Option<&Fast>, foreach: u32, allowed: bool) -> bool {
    match fast {
        Some(Fast::HasNext(p)) if p.slot == foreach => false,
        _ => expr_observes(cond, foreach, allowed),
    }
}

fn ref_observes(r: &mut RefExpr, foreach: u32, allowed: bool) -> bool {
    let mut observes = match r.root {
        // A parameter stands for the caller's expression, evaluated where it is read.
        Var::Param { .. } => true,
        Var::Slot(s) => s == foreach,
    };
    if let Some((_, args, _)) = &mut r.prepared {
        for a in args.iter_mut() {
            observes |= expr_observes(a, foreach, allowed);
        }
    }
    for seg in r.chain.iter_mut() {
        match seg {
            Seg::Property { .. } => {}
            Seg::Method { args, .. } => {
                for a in args.iter_mut() {
                    observes |= expr_observes(a, foreach, allowed);
                }
            }
            Seg::Index { key, .. } => observes |= expr_observes(key, foreach, allowed),
        }
    }
    observes
}

fn expr_observes(e: &mut Expr, foreach: u32, allowed: bool) -> bool {
    match e {
        Expr::Const(_) | Expr::Word => false,
        Expr::Interp(nodes) => mark(nodes, foreach, allowed),
        Expr::Ref(r) => ref_observes(r, foreach, allowed),
        Expr::List(items) => {
            let mut observes = false;
            for i in items.iter_mut() {
                observes |= expr_observes(i, foreach, allowed);
            }
            observes
        }
        Expr::Map(entries) => {
            let mut observes = false;
            for (k, v) in entries.iter_mut() {
                observes |= expr_observes(k, foreach, allowed) | expr_observes(v, foreach, allowed);
            }
            observes
        }
        Expr::Range(a, b, _) | Expr::Binary(_, a, b, _) => {
            expr_observes(a, foreach, allowed) | expr_observes(b, foreach, allowed)
        }
        Expr::Not(a) => expr_observes(a, foreach, allowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `lazy` flags of the template's loops (body and macros), in document order (outer before inner).
    fn lazy_flags(src: &str) -> Vec<bool> {
        fn walk(nodes: &[Node], out: &mut Vec<bool>) {
            for n in nodes {
                match n {
                    Node::Foreach(f) => {
                        out.push(f.lazy);
                        walk(&f.body, out);
                    }
                    Node::If {
                        branches, otherwise, ..
                    } => {
                        for (_, b) in branches.iter() {
                            walk(b, out);
                        }
                        walk(otherwise.as_deref().unwrap_or_default(), out);
                    }
                    Node::Inline(i) => walk(&i.body, out),
                    _ => {}
                }
            }
        }
        let engine = crate::Engine::builder().build();
        let t = engine.compile("t.vm", src).expect("compiles");
        let mut out = Vec::new();
        walk(&t.program().body, &mut out);
        for m in &t.program().macros {
            walk(&m.body, &mut out);
        }
        out
    }

    #[test]
    fn loops_that_only_test_has_next_are_lazy() {
        // The benchmark's shape: both loops, the inner nested in the outer.
        let src = "#foreach($e in $l)[#foreach($t in $e.tags)\"$t.S\"#if($foreach.hasNext),#end#end]\
                   #if($foreach.hasNext),#end#end";
        assert_eq!(lazy_flags(src), [true, true]);
        // `#if`/`#else`, and a `#break`, still cannot see the scope.
        assert_eq!(
            lazy_flags("#foreach($a in $l)#if($foreach.next)x#{else}y#break#end#end"),
            [true]
        );
        // Without any use of `$foreach`, no loop makes a scope anyway: nothing to mark.
        assert_eq!(lazy_flags("#foreach($a in $l)$a#end"), [false]);
    }

    #[test]
    fn any_other_use_of_the_scope_keeps_it() {
        for src in [
            "#foreach($a in $l)$foreach.index#end",
            "#foreach($a in $l)$foreach#end",
            "#foreach($a in $l)#set($f = $foreach)#end",
            "#foreach($a in $l)#break($foreach)#end",
            "#foreach($a in $l)#if($foreach.hasNext && $a),#end#end",
            "#foreach($a in $l)#if($foreach.first),#end#end",
            "#foreach($a in $l)#if($foreach.hasNext)$foreach.count#end#end",
            "#foreach($a in $l)$a.get($foreach.index)#end",
            "#foreach($a in $l)#set($foreach = 1)#end",
            "#foreach($a in $l)\"$foreach.last\"#end",
        ] {
            assert_eq!(lazy_flags(src), [false], "{src}");
        }
        // An inner loop reading its parent: the parent is the outer loop's scope, so neither is lazy.
        assert_eq!(
            lazy_flags("#foreach($a in $l)#foreach($b in $l)$foreach.parent.index#end#end"),
            [false, false]
        );
        // An inner loop reading only its own flag does not make the outer one observable.
        assert_eq!(
            lazy_flags("#foreach($a in $l)$foreach.count#foreach($b in $l)#if($foreach.hasNext),#end#end#end"),
            [false, true]
        );
        // A loop over `$foreach` itself assigns the variable: neither it nor the loop around it is lazy.
        assert_eq!(
            lazy_flags("#foreach($a in $l)#foreach($foreach in $l)#end#if($foreach.hasNext),#end#end"),
            [false, false]
        );
    }

    #[test]
    fn code_outside_the_body_keeps_the_scope() {
        // A macro that is not inlined (its argument is an interpolated string) may read `$foreach`.
        let src = "#macro(m $x)$foreach.index#end#foreach($a in $l)#m(\"$a\")#if($foreach.hasNext),#end#end";
        assert_eq!(lazy_flags(src), [false]);
        // A macro parameter stands for the caller's expression: a loop in a macro body that reads one is not lazy.
        // (The call is inlined too, with `$foreach.index` in the loop: not lazy either.)
        let src = "#macro(m $x)#foreach($a in $l)$x#if($foreach.hasNext),#end#end#end#m($foreach.index)";
        assert_eq!(lazy_flags(src), [false, false]);
        // `#define` anywhere (blocks may render anywhere), `#evaluate` anywhere, a macro unknown at compile time.
        for src in [
            "#define($b)$foreach.index#end#foreach($a in $l)$a#if($foreach.hasNext),#end#end",
            "#foreach($a in $l)$a#if($foreach.hasNext),#end#end#evaluate('x')",
            "#foreach($a in $l)#unknown()#if($foreach.hasNext),#end#end",
            "#foreach($a in $l)#evaluate('$foreach.index')#if($foreach.hasNext),#end#end",
        ] {
            assert!(lazy_flags(src).iter().all(|l| !l), "{src}");
        }
    }
}
