//! References the evaluator can call directly: a short chain of built-in collection methods on a template
//! variable, every argument a literal, a plain reference or an empty `[]`/`{}` (`$byType.containsKey($e.type)`,
//! `$byType.get($e.type).add($e.value)`, `$users.contains($e.user)`).
//!
//! For these the evaluator reads the variable and the arguments where they live and calls the Java method
//! itself, without the general layers (receiver evaluation, the argument buffer, `follow`, dispatch on the
//! receiver's class); when the values met at render time are not lists and maps it hands the reference to the
//! general evaluation. That hand-over must never repeat an effect, so only the last call of the chain may change
//! anything: every call before it only reads.

use super::ir::{Expr, MAX_DIRECT_CALLS, Seg, Var};

/// Whether a reference with this root and chain is called directly (see the module documentation).
pub(crate) fn is_direct(root: Var, prepared: bool, chain: &[Seg]) -> bool {
    if prepared || !matches!(root, Var::Slot(_)) || chain.is_empty() || chain.len() > MAX_DIRECT_CALLS {
        return false;
    }
    let last = chain.len() - 1;
    chain.iter().enumerate().all(|(i, seg)| match seg {
        Seg::Method { method, args, .. } => {
            *method != crate::java::M::Other
                && (i == last || method.only_reads())
                && args.len() <= 2
                && args.iter().all(|a| match a {
                    Expr::Const(_) => true,
                    Expr::Ref(r) => r.plain,
                    // `$byType.put($e.type, [])`: a new empty collection evaluates nothing.
                    Expr::List(items) => items.is_empty(),
                    Expr::Map(entries) => entries.is_empty(),
                    _ => false,
                })
        }
        _ => false,
    })
}
