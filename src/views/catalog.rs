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
    /// The program guide's page: who it is for, skills, projects, preparation plans,
    /// common mistakes and next certifications.
    pub guide: crate::domain::guide::CertificationGuide,
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
        // Written by the import from a validated bank; an unreadable page shows empty.
        let guide = serde_json::from_str(&r.guide).unwrap_or_default();
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
            guide,
        }
    }
}

/// `GET /v1/me/recommendations`: the next certifications for the signed-in candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationsView {
    /// The role asked about (`?role=`), if any.
    pub role: Option<String>,
    /// Certifications the candidate holds (active or due for renewal).
    pub held: Vec<String>,
    /// Best first: renewals, the role's certifications, then next steps of what is held.
    pub recommendations: Vec<RecommendationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView {
    /// The program's certification code; null for an external certification.
    pub code: Option<String>,
    pub title: String,
    /// An external certification, taken with its issuer, not here.
    pub external: bool,
    pub issuer: Option<String>,
    /// Why it is recommended, e.g. "recommended for SRE", "next after MLOA-F (same track)".
    pub reasons: Vec<String>,
    /// Whether an attempt may start now; null for an external certification.
    pub may_start: Option<bool>,
    /// Why not, when `may_start` is false.
    pub blocked: Option<BlockedView>,
}

/// What a start would be refused with now.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedView {
    /// The error code a start would get: `prerequisite_missing`, `retake_wait`,
    /// `attempt_limit_reached`, `attempt_in_progress`, `attempt_under_review`,
    /// `already_certified` or `email_unverified`.
    pub code: String,
    pub detail: String,
    /// From when it would be allowed (RFC 3339 instant, or a date for a renewal window),
    /// when that is known.
    pub available_at: Option<String>,
}
