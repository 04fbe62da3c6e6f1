//! Practical lab tasks: a candidate's artifact (a CI workflow, manifests, a Dockerfile…)
//! parsed as data under limits and judged by the bank's CEL checks. Candidate code is never
//! run: parsing is bounded in size, depth, nodes and aliases ([`parse`]), and each lab's
//! evaluation is bounded by a cost estimated before it starts ([`cost`]), so that grading
//! is deterministic: the same artifact and check set always give the same points.

pub mod cost;
mod deep_stack;
pub mod environment;
pub mod parse;

use cel::{Context, Program, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use parse::{Diagnostic, Format, Parsed, MAX_ARTIFACT_BYTES};

/// The variables a check may read: `doc` (the first document, null when there is none),
/// `docs` (every document), `text` (the artifact as saved) and `lines` (its lines).
pub const VARIABLES: [&str; 4] = ["doc", "docs", "text", "lines"];

/// CEL's names of types, which `type(x) == map` and the like read as identifiers.
const TYPE_NAMES: [&str; 10] = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// One graded requirement of a lab, as the bank writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub points: i32,
    /// One sentence a reviewer reads: what the artifact must do.
    pub requirement: String,
    /// A CEL expression over [`VARIABLES`] that is `true` when the requirement is met.
    pub expr: String,
}

/// What a candidate is told of a saved artifact: its syntax errors and broken limits,
/// where they are (empty when it parses); nothing that depends on the checks.
pub fn diagnose(format: Format, text: &str) -> Vec<Diagnostic> {
    match parse::parse(format, text) {
        Ok(_) => Vec::new(),
        Err(diagnostic) => vec![diagnostic],
    }
}

/// A lab as the bank defines it and a question version stores it. The examples it was
/// proven on are not kept: once the bank has loaded, every example scored what it claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabSpec {
    pub format: Format,
    /// The name the candidate's editor shows (`deploy.yaml`, `Dockerfile`).
    pub filename: String,
    /// Served to the candidate as the text to start from.
    pub starter: String,
    /// A full-marks solution; never served.
    pub reference: String,
    pub checks: Vec<Check>,
}

impl LabSpec {
    pub fn points_possible(&self) -> i32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// See [`CheckSet::version`]; the same without compiling.
    pub fn check_set_version(&self) -> String {
        version_of(&self.checks)
    }

    /// Every check failed: the outcome of a lab never answered.
    pub fn unanswered(&self) -> Vec<CheckOutcome> {
        self.checks.iter().map(|c| c.outcome(false)).collect()
    }
}

impl Check {
    fn outcome(&self, passed: bool) -> CheckOutcome {
        CheckOutcome {
            id: self.id.clone(),
            requirement: self.requirement.clone(),
            points: self.points,
            passed,
        }
    }
}

/// A lab's checks, compiled once.
pub struct CheckSet {
    checks: Vec<Check>,
    programs: Vec<Program>,
    version: String,
}

impl CheckSet {
    /// Compiles every check; the errors name each check that does not compile and why.
    pub fn compile(checks: &[Check]) -> Result<CheckSet, Vec<(usize, String)>> {
        let mut programs = Vec::with_capacity(checks.len());
        let mut errors = Vec::new();
        for (i, check) in checks.iter().enumerate() {
            match Program::compile(&check.expr) {
                Ok(program) => {
                    let mut unknown = Vec::new();
                    free_variables(program.expression(), &mut Vec::new(), &mut unknown);
                    unknown.retain(|v| {
                        !VARIABLES.contains(&v.as_str()) && !TYPE_NAMES.contains(&v.as_str())
                    });
                    unknown.dedup();
                    if unknown.is_empty() {
                        programs.push(program);
                    } else {
                        errors.push((
                            i,
                            format!(
                                "reads {} (a check may read only doc, docs, text and lines)",
                                unknown.join(", ")
                            ),
                        ));
                    }
                }
                Err(e) => {
                    // The parser draws the place with a caret on further lines; one line
                    // keeps the bank's `file:line: message` form.
                    let message = e.to_string();
                    let first = message.lines().next().unwrap_or_default();
                    let first = first.strip_prefix("ERROR: <input>:").unwrap_or(first);
                    errors.push((i, format!("does not compile: at {first}")))
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckSet {
            version: version_of(checks),
            checks: checks.to_vec(),
            programs,
        })
    }

    /// The check set's version: SHA-256 (hex) of its ids, points and expressions, stored
    /// with every grade so that a score can be reproduced against the same checks later.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn points_possible(&self) -> i32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Grades `text` as an artifact of `format`: every check that evaluates to `true`
    /// adds its points. An artifact that does not parse within the limits, or whose size
    /// would take the checks past [`cost::BUDGET`], is `ungradable` and scores zero;
    /// a check that errors (a missing key, a wrong type) or yields anything but `true` fails.
    pub fn grade(&self, format: Format, text: &str) -> Grade {
        let artifact_sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        let failed = |diagnostics: Vec<Diagnostic>| Grade {
            status: LabStatus::Ungradable,
            points_awarded: 0,
            points_possible: self.points_possible(),
            checks: self.outcomes(|_| false),
            diagnostics,
            artifact_sha256: artifact_sha256.clone(),
            check_set: self.version.clone(),
        };
        let parsed = match parse::parse(format, text) {
            Ok(parsed) => parsed,
            Err(diagnostic) => return failed(vec![diagnostic]),
        };
        let estimate: u64 = self
            .programs
            .iter()
            .map(|p| cost::estimate(p.expression(), &parsed.sizes))
            .fold(0, u64::saturating_add);
        if estimate > cost::BUDGET {
            return failed(vec![Diagnostic::whole(
                "the artifact is too large to be graded within the evaluation budget",
            )]);
        }
        let mut context = Context::with_env(environment::shared());
        context.add_variable_from_value("doc", parsed.docs.first().cloned().unwrap_or(Value::Null));
        context.add_variable_from_value("docs", Value::List(parsed.docs.into()));
        context.add_variable_from_value("text", text.to_string());
        context.add_variable_from_value("lines", parse::lines(text));
        let passed: Vec<bool> = self
            .programs
            .iter()
            .map(|p| matches!(p.execute(&context), Ok(Value::Bool(true))))
            .collect();
        let checks = self.outcomes(|i| passed[i]);
        Grade {
            status: LabStatus::Graded,
            points_awarded: checks.iter().filter(|c| c.passed).map(|c| c.points).sum(),
            points_possible: self.points_possible(),
            checks,
            diagnostics: Vec::new(),
            artifact_sha256,
            check_set: self.version.clone(),
        }
    }

    fn outcomes(&self, passed: impl Fn(usize) -> bool) -> Vec<CheckOutcome> {
        self.checks
            .iter()
            .enumerate()
            .map(|(i, c)| c.outcome(passed(i)))
            .collect()
    }
}

/// The identifiers `expr` reads that no comprehension around them binds.
fn free_variables(expr: &cel::IdedExpr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    use cel::common::ast::{EntryExpr, Expr};
    let mut walk = |e: &cel::IdedExpr, bound: &mut Vec<String>| free_variables(e, bound, out);
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(name) {
                walk_leaf(name, out);
            }
        }
        Expr::Select(s) => walk(&s.operand, bound),
        Expr::Call(c) => {
            for e in c.target.iter().map(|t| t.as_ref()).chain(&c.args) {
                walk(e, bound);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|e| walk(e, bound)),
        Expr::Map(m) => m.entries.iter().for_each(|e| match &e.expr {
            EntryExpr::MapEntry(m) => {
                walk(&m.key, bound);
                walk(&m.value, bound);
            }
            EntryExpr::StructField(f) => walk(&f.value, bound),
        }),
        Expr::Struct(s) => s.entries.iter().for_each(|e| match &e.expr {
            EntryExpr::MapEntry(m) => walk(&m.value, bound),
            EntryExpr::StructField(f) => walk(&f.value, bound),
        }),
        Expr::Comprehension(c) => {
            walk(&c.iter_range, bound);
            walk(&c.accu_init, bound);
            let depth = bound.len();
            bound.push(c.accu_var.clone());
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            walk(&c.loop_cond, bound);
            walk(&c.loop_step, bound);
            walk(&c.result, bound);
            bound.truncate(depth);
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn walk_leaf(name: &str, out: &mut Vec<String>) {
    if !out.iter().any(|o| o == name) {
        out.push(name.to_string());
    }
}

fn version_of(checks: &[Check]) -> String {
    let canonical: Vec<_> = checks
        .iter()
        .map(|c| serde_json::json!([c.id, c.points, c.expr]))
        .collect();
    hex::encode(Sha256::digest(
        serde_json::Value::Array(canonical).to_string().as_bytes(),
    ))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LabStatus {
    /// The artifact parsed and every check was evaluated.
    Graded,
    /// The artifact did not parse, or broke a limit: zero points.
    Ungradable,
}

/// One check's outcome on one artifact: for proctors and admins, never for the candidate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckOutcome {
    pub id: String,
    pub requirement: String,
    pub points: i32,
    pub passed: bool,
}

/// What grading one artifact found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub status: LabStatus,
    pub points_awarded: i32,
    pub points_possible: i32,
    pub checks: Vec<CheckOutcome>,
    /// Why the artifact did not parse: what the candidate is shown.
    pub diagnostics: Vec<Diagnostic>,
    /// SHA-256 (hex) of the artifact's UTF-8 text.
    pub artifact_sha256: String,
    /// [`CheckSet::version`] of the checks that graded it.
    pub check_set: String,
}

#[cfg(test)]
mod tests;
