//! Response bodies, kept apart from database rows so that a column never leaks by accident.

mod attempts;
mod catalog;
mod certificates;
mod proctoring;
mod statistics;

pub use attempts::*;
pub use catalog::*;
pub use certificates::*;
pub use proctoring::*;
pub use statistics::*;

use crate::db::users::UserRow;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// `candidate`, `proctor` or `admin`.
    #[schema(value_type = crate::domain::account::Role)]
    pub role: String,
    /// Whether the address has been proven by the link mailed to it (needed to start an
    /// exam while `INVIGIL_REQUIRE_VERIFIED_EMAIL` is on).
    pub email_verified: bool,
    /// Whether an administrator has disabled the account.
    pub disabled: bool,
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        UserView {
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            role: row.role,
            email_verified: row.email_verified_at.is_some(),
            disabled: row.disabled_at.is_some(),
        }
    }
}

/// One account as an administrator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetailView {
    #[serde(flatten)]
    pub user: UserView,
    pub created_at: String,
    /// Newest first, up to 200.
    pub attempts: Vec<AttemptSummaryView>,
    pub certificates: Vec<CertificateView>,
    pub accommodations: Vec<AccommodationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// On sign-in: this client's device token (also set as the `invigil_device` cookie).
    /// Presented at the next sign-in, it gives the client a failure budget of its own, so
    /// that others' failed guesses cannot keep it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// `ok` when the database answers.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    pub version: &'static str,
    /// SQLite's writer (absent on PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<WriterView>,
}

/// The queue of writes waiting for SQLite's single writer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriterView {
    /// Writes waiting now.
    pub queued: usize,
    /// Writes that may wait; one more is answered 503 with `Retry-After`.
    pub capacity: usize,
}

/// An instant as the API writes it: RFC 3339, UTC, whole seconds.
pub fn instant(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
