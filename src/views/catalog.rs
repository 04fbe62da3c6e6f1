//! The catalog as the API shows it.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationView {
    pub code: String,
    pub title: String,
    pub track: String,
    /// `foundation`, `professional` or `advanced`.
    pub level: String,
    pub recommended_order: i32,
    /// Certifications that must be held, active, before an attempt.
    pub prerequisites: Vec<String>,
    pub validity_months: i32,
    pub renewal_window_days: i32,
    pub exam: ExamView,
    pub domains: Vec<DomainView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExamView {
    pub duration_minutes: i32,
    pub question_count: i32,
    /// The fixed pass mark; under `angoff` the mark of each attempt is set from its own form.
    pub pass_mark_percent: f64,
    pub pass_band: PassBandView,
    /// `fixed` or `angoff`.
    pub cut_score: String,
    pub max_attempts_per_year: i32,
    pub retake_wait_days: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PassBandView {
    pub min_percent: f64,
    pub max_percent: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainView {
    pub name: String,
    /// Questions drawn from this domain for each attempt.
    pub questions: i32,
}

impl From<crate::db::catalog::CertificationRecord> for CertificationView {
    fn from(record: crate::db::catalog::CertificationRecord) -> Self {
        let r = record.row;
        let percent = |tenths: i32| tenths as f64 / 10.0;
        CertificationView {
            exam: ExamView {
                duration_minutes: r.duration_minutes,
                question_count: r.question_count,
                pass_mark_percent: percent(r.pass_mark_tenths),
                pass_band: PassBandView {
                    min_percent: percent(r.band_min_tenths),
                    max_percent: percent(r.band_max_tenths),
                },
                cut_score: r.cut_score,
                max_attempts_per_year: r.max_attempts_per_year,
                retake_wait_days: r.retake_wait_days,
            },
            code: r.code,
            title: r.title,
            track: r.track,
            level: r.level,
            recommended_order: r.recommended_order,
            prerequisites: record.prerequisites,
            validity_months: r.validity_months,
            renewal_window_days: r.renewal_window_days,
            domains: record
                .domains
                .into_iter()
                .map(|d| DomainView {
                    name: d.name,
                    questions: d.questions,
                })
                .collect(),
        }
    }
}
