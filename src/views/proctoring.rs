//! What proctors and auditors see.

use crate::domain::lifecycle::AttemptStatus;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProctorAttemptView {
    pub attempt_id: String,
    pub candidate: CandidateRef,
    pub certification_code: String,
    pub status: AttemptStatus,
    pub started_at: String,
    pub deadline: String,
    pub last_heartbeat_at: Option<String>,
    pub flags: Vec<FlagView>,
    /// 100 minus each flag's weight, floored at 0.
    pub integrity_score: i64,
    pub warnings: Vec<super::WarningView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateRef {
    pub id: String,
    pub full_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlagView {
    pub rule: String,
    pub raised_at: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// As the client reported it.
    pub occurred_at: String,
    /// As the server received it.
    pub received_at: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub client_addr: String,
    pub user_agent: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventAcceptedView {
    pub id: String,
    pub received_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccommodationView {
    pub id: String,
    pub user_id: String,
    pub certification_code: Option<String>,
    pub extra_time_percent: i32,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub at: String,
    /// A user id, or `system`.
    pub actor: String,
    pub action: String,
    /// `attempt:<id>`, `certificate:<number>` or `user:<id>` (an account an admin changed).
    pub subject: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub detail: Option<String>,
}

/// One lab of a scored attempt as a reviewer sees it: every check's outcome, the artifact
/// graded, and what reproduces the grade (the artifact's SHA-256, the check set's version).
#[derive(Debug, Serialize, ToSchema)]
pub struct LabReviewView {
    #[serde(flatten)]
    pub record: crate::service::attempts::labs::LabRecord,
    /// The artifact as last saved; absent when the candidate saved none.
    pub artifact: Option<String>,
}
