//! The bank's files as written, with the position of every value for error messages.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    #[serde(default)]
    pub certification: Vec<Spanned<RawCertification>>,
    /// The guide's learning paths and role table.
    #[serde(default)]
    pub path: Vec<Spanned<RawPath>>,
    #[serde(default)]
    pub role: Vec<Spanned<RawRole>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPath {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub description: Spanned<String>,
    #[serde(default)]
    pub certifications: Vec<Spanned<String>>,
    #[serde(default)]
    pub external: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub path: Spanned<String>,
    pub track: Spanned<String>,
    pub certifications: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreparation {
    pub days: Spanned<String>,
    pub suits: Spanned<String>,
    pub steps: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNext {
    pub relation: Spanned<String>,
    pub code: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub issuer: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertification {
    pub code: Spanned<String>,
    pub title: Spanned<String>,
    pub track: Spanned<String>,
    pub level: Spanned<String>,
    pub recommended_order: Spanned<i64>,
    pub prerequisites: Option<Spanned<Vec<Spanned<String>>>>,
    pub validity_months: Spanned<i64>,
    pub renewal_window_days: Spanned<i64>,
    pub duration_minutes: Spanned<i64>,
    pub question_count: Spanned<i64>,
    pub pass_mark_percent: Spanned<f64>,
    pub pass_band: Option<Spanned<Vec<f64>>>,
    pub cut_score: Option<Spanned<String>>,
    pub max_attempts_per_year: Spanned<i64>,
    pub retake_wait_days: Spanned<i64>,
    /// The least live pool per domain, as a multiple of its draw (default 2).
    pub min_pool_ratio: Option<Spanned<i64>>,
    #[serde(default)]
    pub domain: Vec<Spanned<RawDomain>>,
    /// The guide's page of this certification.
    pub audience: Option<Spanned<String>>,
    #[serde(default)]
    pub skills: Vec<Spanned<String>>,
    #[serde(default)]
    pub projects: Vec<Spanned<String>>,
    #[serde(default)]
    pub common_mistakes: Vec<Spanned<String>>,
    #[serde(default)]
    pub preparation: Vec<Spanned<RawPreparation>>,
    #[serde(default)]
    pub next: Vec<Spanned<RawNext>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    pub name: Spanned<String>,
    pub questions: Spanned<i64>,
    /// The blueprint's objectives in this domain.
    #[serde(default)]
    pub objective: Vec<Spanned<RawObjective>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub id: Spanned<String>,
    pub statement: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestionFile {
    #[serde(default)]
    pub question: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    pub domain: Spanned<String>,
    pub kind: Spanned<String>,
    pub stem: Spanned<String>,
    /// Absent for a lab.
    pub options: Option<Spanned<Vec<Spanned<String>>>>,
    pub correct: Option<Spanned<Vec<Spanned<i64>>>>,
    pub points: Option<Spanned<i64>>,
    pub difficulty: Option<Spanned<f64>>,
    pub explanation: Option<Spanned<String>>,
    /// An enemy group: no form holds two items of one group.
    pub group: Option<Spanned<String>>,
    /// The blueprint objective the item measures.
    pub objective: Option<Spanned<String>>,
    /// On practice forms only, never on live forms.
    pub practice: Option<Spanned<bool>>,
    pub references: Option<Spanned<Vec<Spanned<String>>>>,
    pub tool_versions: Option<Spanned<Vec<Spanned<String>>>>,
    pub review_by: Option<Spanned<toml::value::Datetime>>,
    /// A lab's starting artifact and its full-marks solution.
    pub artifact: Option<Spanned<RawArtifact>>,
    #[serde(default)]
    pub check: Vec<Spanned<RawCheck>>,
    #[serde(default)]
    pub example: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArtifact {
    pub format: Spanned<String>,
    pub filename: Spanned<String>,
    pub starter: Spanned<String>,
    pub reference: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub id: Spanned<String>,
    pub points: Spanned<i64>,
    pub requirement: Spanned<String>,
    pub expr: Spanned<String>,
}

/// A graded example submission: the points the checks must award `artifact`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub name: Spanned<String>,
    pub points: Spanned<i64>,
    pub artifact: Spanned<String>,
}
