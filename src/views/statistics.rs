//! Item statistics for bank authors (`GET /v1/admin/certifications/{code}/item-statistics`).

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsView {
    pub certification_code: String,
    /// Each candidate's first scored attempt only (the default), or every scored attempt.
    pub first_attempts_only: bool,
    pub test: TestStatisticsView,
    /// By question id and version.
    pub items: Vec<ItemStatisticsView>,
}

/// The test as a whole (Moodle's quiz statistics report).
#[derive(Debug, Serialize, ToSchema)]
pub struct TestStatisticsView {
    pub attempts: usize,
    pub mean_percent: f64,
    pub standard_deviation_percent: f64,
    /// Cronbach's α (KR-20 for right-or-wrong items); null with too few attempts.
    pub cronbach_alpha: Option<f64>,
    /// 100 · √(1 − α), percent.
    pub error_ratio_percent: Option<f64>,
    /// Standard error of measurement, percentage points: the error ratio of the SD.
    pub standard_error_percent: Option<f64>,
    /// Shown beside the standard error: a score within it of the mark is not clearly on
    /// either side.
    pub pass_mark_percent: f64,
}

/// One item's statistics over the attempts that held it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemStatisticsView {
    pub question_id: String,
    pub version: i32,
    pub domain: String,
    pub kind: String,
    pub attempts: usize,
    /// Mean score, 0–1.
    pub facility_index: f64,
    /// 0–1.
    pub standard_deviation: f64,
    /// 100 · correlation with the rest of the test; null when either does not vary.
    pub discrimination_index: Option<f64>,
    /// 100 · covariance with the rest ÷ its largest possible value.
    pub discriminative_efficiency: Option<f64>,
    /// `facility under 0.3`, `facility over 0.9`, `discrimination under 20`, `negative
    /// covariance with the rest of the test`.
    pub flags: Vec<String>,
}
