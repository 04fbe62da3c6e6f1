//! The question bank: plain TOML under version control, validated whole. A bank with any
//! error is refused with every error listed as `file:line: what is wrong`.

mod raw;
mod report;
mod validate;

use crate::domain::catalog::{CutScore, Level, Percent};
use crate::domain::kinds::QuestionKind;
use crate::domain::labs::LabSpec;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;

pub use validate::load;

/// Loads a bank, or explains every error in one message (for the CLI and start-up).
pub fn load_or_explain(dir: &std::path::Path) -> anyhow::Result<Bank> {
    load(dir).map_err(|errors| {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the question bank {} is invalid ({} errors):\n{}",
            dir.display(),
            errors.len(),
            listed.join("\n")
        )
    })
}

/// The least live pool a domain may have, as a multiple of its draw: below it, two forms
/// of one certification share too much for a retake to be a new exam.
pub const DEFAULT_MIN_POOL_RATIO: usize = 2;

/// The program's pass band, used when a certification names none.
pub const DEFAULT_PASS_BAND: (Percent, Percent) =
    (Percent::from_tenths(700), Percent::from_tenths(750));

/// One thing wrong with a bank, where it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BankError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// A valid bank.
#[derive(Clone, Debug)]
pub struct Bank {
    pub certifications: Vec<Certification>,
    pub questions: Vec<Question>,
    /// The guide's learning paths and role table.
    pub guide: crate::domain::guide::ProgramGuide,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Certification {
    pub code: String,
    pub title: String,
    pub track: String,
    pub level: Level,
    pub recommended_order: i32,
    pub prerequisites: Vec<String>,
    pub validity_months: i32,
    pub renewal_window_days: i32,
    pub duration_minutes: i32,
    pub question_count: i32,
    pub pass_mark: Percent,
    pub pass_band: (Percent, Percent),
    pub cut_score: CutScore,
    pub max_attempts_per_year: i32,
    pub retake_wait_days: i32,
    /// The least live pool a domain may have, as a multiple of its draw: 2 unless the
    /// catalog lowers it (a fixed-form pilot), which `bank check` then reports.
    pub min_pool_ratio: usize,
    pub domains: Vec<Domain>,
    /// The guide's page of this certification.
    pub guide: crate::domain::guide::CertificationGuide,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    pub name: String,
    /// How many questions each form draws from this domain's pool.
    pub questions: i32,
    /// The blueprint's objectives in this domain; empty when the certification has no
    /// blueprint.
    pub objectives: Vec<Objective>,
}

/// One objective of a certification's blueprint: what a holder can do, measured by the
/// items that name its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objective {
    pub id: String,
    pub statement: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: String,
    pub certification_code: String,
    pub domain: String,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub correct: Vec<usize>,
    pub points: i32,
    pub difficulty: Option<f64>,
    pub explanation: Option<String>,
    /// Its enemy group (items that give each other away, or test one narrow fact): no
    /// form holds two items of one group. Not part of the content: regrouping an item
    /// does not make a new version.
    pub group: Option<String>,
    /// Its blueprint objective; None only when the certification has no blueprint.
    pub objective: Option<String>,
    /// A practice item: drawn onto practice forms only, and its key is shown after a
    /// practice attempt. Never on a live form.
    pub practice: bool,
    /// Maintenance metadata, never served: sources, the tool versions the item depends
    /// on, and the date by which its author must review it again.
    pub references: Vec<String>,
    pub tool_versions: Vec<String>,
    pub review_by: Option<chrono::NaiveDate>,
    /// The artifact and checks of a `lab`; None for every other kind.
    pub lab: Option<LabSpec>,
}

impl Question {
    /// Identifies this exact content: a change to anything a candidate sees or is scored
    /// on (or to its rating and explanation) makes a new version.
    pub fn content_hash(&self) -> String {
        let mut canonical = serde_json::json!({
            "certification": self.certification_code,
            "domain": self.domain,
            "kind": self.kind.as_str(),
            "stem": self.stem,
            "options": self.options,
            "correct": self.correct,
            "points": self.points,
            "difficulty": self.difficulty,
            "explanation": self.explanation,
        });
        // Only labs carry this key, so a bank's other questions keep their versions.
        if let Some(lab) = &self.lab {
            canonical["lab"] = serde_json::json!({
                "format": lab.format.as_str(),
                "filename": lab.filename,
                "starter": lab.starter,
                "checks": lab.checks,
            });
        }
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// How the checks of lab `id` grade `text`: one line per check, then the total; for bank
/// authors. Errors when `id` is not a lab of `bank`.
pub fn grade_report(bank: &Bank, id: &str, text: &str) -> anyhow::Result<String> {
    use crate::domain::labs::{CheckSet, LabStatus};
    let lab = bank
        .questions
        .iter()
        .find(|q| q.id == id)
        .and_then(|q| q.lab.as_ref())
        .ok_or_else(|| anyhow::anyhow!("{id} is not a lab of this bank"))?;
    let checks = CheckSet::compile(&lab.checks)
        .map_err(|e| anyhow::anyhow!("the checks of {id} do not compile: {e:?}"))?;
    let grade = checks.grade(lab.format, text);
    let mut out = String::new();
    for d in &grade.diagnostics {
        out.push_str(&format!(
            "line {} column {}: {}\n",
            d.line, d.column, d.message
        ));
    }
    for c in &grade.checks {
        let mark = if c.passed { "pass" } else { "FAIL" };
        out.push_str(&format!(
            "{mark} {:>2} {:<24} {}\n",
            c.points, c.id, c.requirement
        ));
    }
    let status = match grade.status {
        LabStatus::Graded => "graded",
        LabStatus::Ungradable => "ungradable",
    };
    out.push_str(&format!(
        "{id}: {}/{} points, {status}\n",
        grade.points_awarded, grade.points_possible
    ));
    Ok(out)
}

impl Bank {
    /// A domain's live pool: the items live forms draw from.
    pub fn pool<'a>(
        &'a self,
        code: &'a str,
        domain: &'a str,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.pool_of(code, domain, false)
    }

    /// A domain's live (`practice` false) or practice pool.
    pub fn pool_of<'a>(
        &'a self,
        code: &'a str,
        domain: &'a str,
        practice: bool,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions.iter().filter(move |q| {
            q.certification_code == code && q.domain == domain && q.practice == practice
        })
    }

    /// How many items of a domain's live pool could share a form: the ungrouped ones, and
    /// one per enemy group.
    pub fn slots(&self, code: &str, domain: &str) -> usize {
        slots_of(self.pool(code, domain))
    }

    /// Whether `code` offers practice forms (any of its items is a practice item).
    pub fn offers_practice(&self, code: &str) -> bool {
        self.questions
            .iter()
            .any(|q| q.practice && q.certification_code == code)
    }
}

/// One place per ungrouped item and per enemy group: how many items could share a form.
pub(crate) fn slots_of<'a>(pool: impl Iterator<Item = &'a Question>) -> usize {
    let mut groups = std::collections::HashSet::new();
    pool.filter(|q| match &q.group {
        Some(g) => groups.insert(g.clone()),
        None => true,
    })
    .count()
}
