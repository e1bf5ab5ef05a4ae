//! The JSONPath dialect of `$input.json`, `$input.path` and `method.request.body.*` mappings.
//!
//! API Gateway evaluates paths with Jayway JsonPath, so this module follows Jayway's semantics: a path without
//! `..`, `[*]`, filters, index lists or slices is *definite* and yields one value or nothing; any other path is
//! *indefinite* and yields a list of every match (possibly empty). A path that does not start with `$` is read as
//! if it started with `$.` (Jayway does the same). Supported: `$`, `.name`, `['name']`, `["name"]`,
//! `['a','b']`, `[n]`, negative `[n]`, `[a,b]`, `[start:end]` slices, `[*]`, `.*`, `..name`, `..*`, `..[…]`, and
//! filters `[?(…)]` with `@`/`$` paths, literals, `== != < <= > >=`, `&&`, `||`, `!` and parentheses.
//! Everything else (functions, regex matches, `in`/`nin`, …) is a [`JsonPathError`] at compile time.
//!
//! Evaluation is bounded: every node a path touches is charged against a budget ([`DEFAULT_BUDGET`]), so no
//! path, however adversarial, does unbounded work on a large body.

mod eval;
mod parse;

use std::borrow::Cow;
use std::fmt;

use crate::json::Json;

/// Work units one evaluation may spend (one unit per node visited or copied).
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// A compiled JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    source: Box<str>,
    segments: Vec<Segment>,
    definite: bool,
}

/// Why a JSONPath text could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPathError {
    /// Byte offset into the path text as written.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSONPath: {} at offset {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonPathError {}

/// Evaluation ran out of budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetExceeded;

impl fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSONPath evaluation exceeded its work budget")
    }
}

impl std::error::Error for BudgetExceeded {}

/// What a path selected.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection<'a> {
    /// A definite path that matched nothing (Jayway's `PathNotFoundException`).
    Missing,
    /// The value a definite path selected.
    One(Cow<'a, Json>),
    /// Every value an indefinite path selected, in document order.
    Many(Vec<Cow<'a, Json>>),
}

impl Selection<'_> {
    /// The selection as one owned JSON value: a list for indefinite paths, `None` when missing.
    pub fn into_json(self) -> Option<Json> {
        match self {
            Selection::Missing => None,
            Selection::One(v) => Some(v.into_owned()),
            Selection::Many(items) => Some(Json::Array(items.into_iter().map(Cow::into_owned).collect())),
        }
    }
}

impl JsonPath {
    /// Compiles a path.
    pub fn compile(text: &str) -> Result<JsonPath, JsonPathError> {
        parse::compile(text)
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the path yields at most one value (no `..`, `[*]`, filter, index list or slice).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// Whether the path is `$` alone.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// Evaluates the path against `root` with the default budget.
    pub fn select<'a>(&self, root: &'a Json) -> Result<Selection<'a>, BudgetExceeded> {
        self.select_with_budget(root, DEFAULT_BUDGET)
    }

    /// Evaluates the path against `root`, spending at most `budget` work units.
    pub fn select_with_budget<'a>(&self, root: &'a Json, budget: u64) -> Result<Selection<'a>, BudgetExceeded> {
        let mut remaining = budget;
        self.select_metered(root, &mut remaining)
    }

    /// Evaluates the path against `root`, taking the work it does out of `budget` (shared by several
    /// evaluations, such as every `$input.path` call of one render).
    pub fn select_metered<'a>(&self, root: &'a Json, budget: &mut u64) -> Result<Selection<'a>, BudgetExceeded> {
        eval::select(self, root, budget)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// Applies the selector to the current values.
    Child(Selector),
    /// Applies the selector to the current values and all their descendants (`..`).
    Descendant(Selector),
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Name(Box<str>),
    /// Several quoted names: merged into one object at the leaf, iterated elsewhere (Jayway).
    Names(Vec<Box<str>>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice {
        start: Option<i64>,
        end: Option<i64>,
    },
    Wildcard,
    Filter(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// A lone path: true when it selects something.
    Exists(Operand),
    Compare(Operand, CompareOp, Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    /// `@…` (relative to the element under test) or `$…` (relative to the document).
    Path {
        relative: bool,
        path: JsonPath,
    },
    Literal(Json),
}

#[cfg(test)]
mod tests;
