//! A worst-case cost of evaluating a check, estimated from the expression and the sizes of
//! the artifact before any evaluation starts, in the manner of the CEL cost estimation
//! Kubernetes applies to admission expressions (worst case from the input's sizes, refused
//! above a limit). CEL has no loops of its own: only comprehensions (`all`, `exists`,
//! `map`, `filter`…) repeat work, each at most once per element of its range, so the bound
//! is a product of collection lengths. Being computed and not timed, the verdict is the
//! same on any machine and under any load.

use super::parse::Sizes;
use cel::common::ast::{CallExpr, EntryExpr, Expr};
use cel::IdedExpr;

/// Evaluation steps one lab's checks may take together on one artifact: far above what a
/// real artifact needs (a dozen checks over a few hundred nodes is some thousands), and
/// about 100 ms of one core at worst (measured: a step takes some 20 ns).
pub const BUDGET: u64 = 5_000_000;

/// Steps charged for one `matches`: the interpreter compiles the pattern on every call,
/// which takes some 15 µs, as long as 700 steps.
const REGEX_STEPS: u64 = 700;

/// Bytes of haystack a regular expression scans per step at its slowest (a Unicode word
/// boundary on non-ASCII text leaves the fast engine for one some ten times slower).
const REGEX_BYTES_PER_STEP: u64 = 8;

/// The worst-case number of steps `expr` takes over an input of `sizes`; saturates.
pub fn estimate(expr: &IdedExpr, sizes: &Sizes) -> u64 {
    match &expr.expr {
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => 1,
        Expr::Select(select) => estimate(&select.operand, sizes).saturating_add(1),
        Expr::List(list) => sum(list.elements.iter().map(|e| estimate(e, sizes))).saturating_add(1),
        Expr::Map(map) => sum(map.entries.iter().map(|e| entry(&e.expr, sizes))).saturating_add(1),
        Expr::Struct(s) => sum(s.entries.iter().map(|e| entry(&e.expr, sizes))).saturating_add(1),
        Expr::Call(call) => {
            let operands = sum(call
                .target
                .iter()
                .map(|t| estimate(t, sizes))
                .chain(call.args.iter().map(|a| estimate(a, sizes))));
            operands.saturating_add(call_cost(call, sizes))
        }
        Expr::Comprehension(c) => {
            let range_len = range_len(&c.iter_range, sizes);
            let per_element =
                estimate(&c.loop_cond, sizes).saturating_add(estimate(&c.loop_step, sizes));
            sum([
                estimate(&c.iter_range, sizes),
                estimate(&c.accu_init, sizes),
                estimate(&c.result, sizes),
                range_len.saturating_mul(per_element),
            ])
        }
    }
}

fn entry(entry: &EntryExpr, sizes: &Sizes) -> u64 {
    match entry {
        EntryExpr::StructField(f) => estimate(&f.value, sizes),
        EntryExpr::MapEntry(m) => estimate(&m.key, sizes).saturating_add(estimate(&m.value, sizes)),
    }
}

/// A call's own work beyond its operands: linear in the data for the functions that scan
/// a string or a collection, one step otherwise.
fn call_cost(call: &CallExpr, sizes: &Sizes) -> u64 {
    let longest = match call.target.as_deref().map(|t| &t.expr) {
        Some(Expr::Ident(v)) if v == "text" => sizes.text_bytes,
        _ => sizes.longest_string,
    };
    let string_scan = 1 + longest / 64;
    match call.func_name.as_str() {
        // A pattern read from the artifact (a pre-commit `files` regex under test) is
        // compiled from up to the longest string: charged per byte of it.
        "matches" if !pattern_is_literal(call) => {
            REGEX_STEPS + longest / REGEX_BYTES_PER_STEP + 4 * sizes.longest_string
        }
        "matches" => REGEX_STEPS + longest / REGEX_BYTES_PER_STEP,
        "contains" | "startsWith" | "endsWith" => string_scan,
        "@in" => {
            1 + sizes
                .longest_collection
                .max(sizes.lines)
                .max(sizes.documents)
        }
        // Against a literal, equality stops at the literal's size; between two values of
        // the input it may walk two whole documents.
        "_==_" | "_!=_" if call.args.iter().any(|a| matches!(a.expr, Expr::Literal(_))) => {
            string_scan
        }
        "_==_" | "_!=_" => string_scan + sizes.nodes,
        // `map` and `filter` build their result by appending to `@result`, which the
        // interpreter does in place; any other concatenation copies its operands.
        "_+_" if is_macro_append(call) || is_counting(call) => 1,
        "_+_" => {
            1 + sizes
                .lines
                .max(sizes.longest_collection)
                .max(sizes.text_bytes / 64)
        }
        _ => 1,
    }
}

/// The most elements a comprehension's range can have: `lines` and `docs` are as long as
/// they are; a list or map inside the documents (reached through `doc`, an element, a
/// field or an index) at most the longest one there; a `map` or `filter` as long as its
/// own range; a concatenation the sum of its parts; anything else the longest of all.
fn range_len(expr: &IdedExpr, sizes: &Sizes) -> u64 {
    let longest = sizes
        .lines
        .max(sizes.documents)
        .max(sizes.longest_collection);
    match &expr.expr {
        Expr::Ident(name) if name == "lines" => sizes.lines,
        Expr::Ident(name) if name == "docs" => sizes.documents,
        Expr::Ident(_) | Expr::Select(_) => sizes.longest_collection,
        Expr::Call(call) if call.func_name == "_[_]" => sizes.longest_collection,
        Expr::Call(call) if call.func_name == "_+_" => {
            sum(call.args.iter().map(|a| range_len(a, sizes)))
        }
        Expr::List(list) => list.elements.len() as u64,
        Expr::Comprehension(c) => range_len(&c.iter_range, sizes),
        _ => longest,
    }
    .max(1)
}

fn pattern_is_literal(call: &CallExpr) -> bool {
    matches!(
        call.args.last().map(|a| &a.expr),
        Some(Expr::Literal(cel::common::ast::LiteralValue::String(_)))
    )
}

/// `exists_one` counts its matches as `@result + 1`.
fn is_counting(call: &CallExpr) -> bool {
    call.args.iter().any(|a| {
        matches!(
            a.expr,
            Expr::Literal(cel::common::ast::LiteralValue::Int(_))
        )
    })
}

fn is_macro_append(call: &CallExpr) -> bool {
    matches!(
        call.args.as_slice(),
        [accumulator, item] if matches!(&accumulator.expr, Expr::Ident(name) if name == "@result")
            && matches!(item.expr, Expr::List(_))
    )
}

fn sum(costs: impl IntoIterator<Item = u64>) -> u64 {
    costs.into_iter().fold(0, u64::saturating_add)
}
