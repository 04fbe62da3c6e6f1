//! Attempts and results as the candidate sees them: never a key, an explanation, a
//! difficulty or an original option index, except a practice result's review.

use crate::domain::lifecycle::AttemptStatus;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub id: String,
    pub certification_code: String,
    /// `in_progress`, `paused`, `submitted`, `expired`, `terminated`, `passed`, `failed`,
    /// `pending_review` or `invalidated`.
    pub status: AttemptStatus,
    pub started_at: String,
    pub deadline: String,
    /// The server's clock, the only one that counts.
    pub server_time: String,
    pub time_remaining_seconds: i64,
    pub warnings: Vec<WarningView>,
    pub questions: Vec<QuestionView>,
    pub answers: Vec<AnswerView>,
    /// A practice attempt (`POST /v1/certifications/{code}/practice`).
    pub practice: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub text: String,
    pub issued_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    /// Opaque, valid for this attempt only.
    pub id: String,
    pub position: i32,
    pub domain: String,
    /// `single`, `multiple`, `true_false`, `ordering` or `lab`.
    #[schema(value_type = crate::domain::kinds::QuestionKind)]
    pub kind: String,
    pub stem: String,
    pub points: i32,
    /// In this candidate's order; empty for a lab.
    pub options: Vec<OptionView>,
    /// A lab's artifact to start from; absent for other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<ArtifactView>,
}

/// What a lab gives the candidate to edit: never its checks, reference or examples.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtifactView {
    /// `yaml` (several documents allowed), `json`, `toml` or `text`.
    pub format: crate::domain::labs::Format,
    pub filename: String,
    /// The text to start from.
    pub starter: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionView {
    /// Opaque, valid for this attempt only.
    pub id: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub question_id: String,
    /// Empty for a lab.
    pub selected: Vec<String>,
    pub saved_at: String,
    /// Increases with every change of this answer.
    pub revision: i32,
    /// A lab's artifact as saved; absent for other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// A lab's syntax errors (empty when the artifact parses); never a check's outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<crate::domain::labs::Diagnostic>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    pub attempt_id: String,
    pub certification_code: String,
    pub status: AttemptStatus,
    /// One decimal, rounded down.
    pub score_percent: f64,
    pub pass_mark_percent: f64,
    /// Compared exactly in integers: points_awarded × 100 ≥ pass mark × points_possible.
    pub passed: bool,
    pub points_awarded: i32,
    pub points_possible: i32,
    pub domains: Vec<DomainScoreView>,
    /// Each lab's points; which checks passed is for proctors and admins.
    pub labs: Vec<LabResultView>,
    pub submitted_at: String,
    /// The certificate this result earned (issued or renewed), if any.
    pub certificate: Option<super::CertificateView>,
    pub practice: bool,
    /// A practice result only: every item's key and explanation, in form order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<PracticeItemView>>,
}

/// One item of a practice result, with what a live result never shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeItemView {
    pub question_id: String,
    pub position: i32,
    pub kind: crate::domain::kinds::QuestionKind,
    /// The key, as option ids of this attempt; for `ordering`, in the right order; empty
    /// for a lab.
    pub correct_option_ids: Vec<String>,
    /// The answer as saved (empty when none was).
    pub selected: Vec<String>,
    pub points_awarded: i32,
    pub points_possible: i32,
    /// Why the key is right and each distractor wrong.
    pub explanation: Option<String>,
    /// A lab's full-marks solution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LabResultView {
    pub question_id: String,
    pub points_awarded: i32,
    pub points_possible: i32,
    /// `graded`, or `ungradable` when the artifact did not parse (zero points).
    pub status: crate::domain::labs::LabStatus,
    /// False when no artifact was saved (zero points).
    pub answered: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainScoreView {
    pub name: String,
    pub score_percent: f64,
}

/// One line of `GET /v1/me/attempts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptSummaryView {
    pub id: String,
    pub certification_code: String,
    pub status: AttemptStatus,
    pub started_at: String,
    pub deadline: String,
    pub submitted_at: Option<String>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    pub practice: bool,
}
