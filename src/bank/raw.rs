//! The bank's files as written, with the position of every value for error messages.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    #[serde(default)]
    pub certification: Vec<Spanned<RawCertification>>,
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
    #[serde(default)]
    pub domain: Vec<Spanned<RawDomain>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    pub name: Spanned<String>,
    pub questions: Spanned<i64>,
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
