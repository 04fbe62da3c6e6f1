//! Response bodies, kept apart from database rows so that a column never leaks by accident.

mod attempts;
mod catalog;
mod certificates;
mod proctoring;

pub use attempts::*;
pub use catalog::*;
pub use certificates::*;
pub use proctoring::*;

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
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        UserView {
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            role: row.role,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
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
