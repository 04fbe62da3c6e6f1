//! What the program keeps: accommodations granted, the audit trail of an attempt or a
//! certificate, and how each lab of a scored attempt was graded.

use crate::db::attempts as attempt_rows;
use crate::db::audit::{self, AuditFilter};
use crate::db::proctoring::{self as rows, AccommodationRow, SaveRow};
use crate::db::{self, catalog, from_db_time, to_db_time, users};
use crate::domain::certificate::CertificateNumber;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Cursor, Page, Paging};
use crate::service::attempts::labs;
use crate::state::AppState;
use crate::views::{instant, AccommodationView, AuditView, LabReviewView};
use chrono::{Duration, Timelike};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccommodation {
    pub user_id: String,
    /// The certification it applies to, or null for all.
    pub certification_code: Option<String>,
    /// 1 to 100.
    pub extra_time_percent: i32,
}

/// Grants extra time to a candidate's attempts started from now on.
pub async fn accommodate(
    state: &AppState,
    admin_id: String,
    body: NewAccommodation,
) -> ApiResult<AccommodationView> {
    if !(1..=100).contains(&body.extra_time_percent) {
        return Err(ApiError::Validation(
            "extra_time_percent is 1 to 100".into(),
        ));
    }
    let now = to_db_time(state.clock.now());
    state
        .db
        .write(move |conn| {
            users::find(conn, &body.user_id)?.ok_or(ApiError::NotFound)?;
            if let Some(code) = &body.certification_code {
                catalog::find(conn, code)?.ok_or(ApiError::NotFound)?;
            }
            let row = AccommodationRow {
                id: db::new_id(),
                user_id: body.user_id,
                certification_code: body.certification_code,
                extra_time_percent: body.extra_time_percent,
                created_by: admin_id,
                created_at: now,
            };
            rows::insert_accommodation(conn, &row)?;
            Ok(accommodation_view(row))
        })
        .await
}

pub fn accommodation_view(row: AccommodationRow) -> AccommodationView {
    AccommodationView {
        id: row.id,
        user_id: row.user_id,
        certification_code: row.certification_code,
        extra_time_percent: row.extra_time_percent,
        created_at: instant(&from_db_time(row.created_at)),
    }
}

/// What an admin asks of the audit trail, as given.
#[derive(Debug, Default)]
pub struct AuditQuery {
    pub attempt_id: Option<String>,
    pub certificate_number: Option<String>,
    pub user_id: Option<String>,
    /// RFC 3339, inclusive.
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    pub to: Option<String>,
}

fn instant_param(name: &str, raw: &Option<String>) -> ApiResult<Option<chrono::NaiveDateTime>> {
    raw.as_deref()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(r)
                .map(|t| to_db_time(t.to_utc()))
                .map_err(|_| {
                    ApiError::Validation(format!("{name} is not an RFC 3339 instant: {r:?}"))
                })
        })
        .transpose()
}

/// A page of the audit trail, oldest first, filtered by attempt, certificate, user and
/// time. For one attempt, its answer saves are summarised per minute among the entries
/// (each minute on the page its instant falls in). Errors: 400 `validation_failed` for a
/// malformed instant, 400 `malformed_number`, 404 for an unknown attempt, certificate or
/// user named in the filter.
pub async fn audit_trail(
    state: &AppState,
    query: AuditQuery,
    paging: Paging,
) -> ApiResult<Page<AuditView>> {
    let number = query
        .certificate_number
        .as_deref()
        .map(|n| CertificateNumber::parse(n).ok_or(ApiError::MalformedNumber))
        .transpose()?;
    let filter = AuditFilter {
        from: instant_param("from", &query.from)?,
        to: instant_param("to", &query.to)?,
        attempt_id: query.attempt_id,
        certificate_number: number.map(|n| n.as_str().to_string()),
        user_id: query.user_id,
    };
    state
        .db
        .read(move |conn| {
            if let Some(id) = &filter.attempt_id {
                attempt_rows::find(conn, id)?.ok_or(ApiError::NotFound)?;
            }
            if let Some(number) = &filter.certificate_number {
                crate::db::certificates::find(conn, number)?.ok_or(ApiError::NotFound)?;
            }
            if let Some(user) = &filter.user_id {
                users::find(conn, user)?.ok_or(ApiError::NotFound)?;
            }
            let after = match &paging.after {
                Some(c) => Some((
                    c.at,
                    c.id.parse::<i64>().map_err(|_| {
                        ApiError::Validation("cursor is not one this server gave out".into())
                    })?,
                )),
                None => None,
            };
            let found = audit::page(conn, &filter, after, paging.limit)?;
            let page = Page::from_rows(found, &paging, |r| Cursor {
                at: r.at,
                id: r.seq.to_string(),
            });
            let mut trail: Vec<(chrono::NaiveDateTime, u8, i64, AuditView)> = page
                .items
                .iter()
                .map(|r| (r.at, 1, r.seq, entry_view(r)))
                .collect();
            if let Some(id) = &filter.attempt_id {
                // This page covers (previous page's last entry, this page's last entry].
                let lower = paging.after.as_ref().map(|c| c.at);
                let upper = page.next.as_ref().map(|c| c.at);
                // Saves are the candidate's: a user filter for someone else leaves them out.
                let owner = attempt_rows::find(conn, id)?.map(|a| a.user_id);
                let saves: Vec<SaveRow> = rows::saves(conn, id)?
                    .into_iter()
                    .filter(|s| filter.from.is_none_or(|f| s.saved_at >= f))
                    .filter(|s| filter.to.is_none_or(|t| s.saved_at < t))
                    .filter(|_| filter.user_id.is_none() || filter.user_id == owner)
                    .collect();
                for (bucket, n) in save_minutes(&saves) {
                    let inside =
                        lower.is_none_or(|l| bucket > l) && upper.is_none_or(|u| bucket <= u);
                    if inside {
                        trail.push((bucket, 0, 0, saves_view(bucket, n, id)));
                    }
                }
            }
            trail.sort_by_key(|entry| (entry.0, entry.1, entry.2));
            Ok(Page {
                items: trail.into_iter().map(|(_, _, _, v)| v).collect(),
                next: page.next,
            })
        })
        .await
}

fn entry_view(r: &crate::db::audit::AuditRow) -> AuditView {
    let subject = match (&r.attempt_id, &r.certificate_number, &r.subject_user_id) {
        (_, Some(n), _) => format!("certificate:{n}"),
        (Some(a), None, _) => format!("attempt:{a}"),
        (None, None, Some(u)) => format!("user:{u}"),
        (None, None, None) => format!("user:{}", r.actor),
    };
    AuditView {
        at: instant(&from_db_time(r.at)),
        actor: r.actor.clone(),
        action: r.action.clone(),
        subject,
        from: r.from_status.clone(),
        to: r.to_status.clone(),
        detail: r.detail.clone(),
    }
}

/// Saves are many: one line per minute in which there were any, as (minute, count).
fn save_minutes(saves: &[SaveRow]) -> Vec<(chrono::NaiveDateTime, i64)> {
    let mut minutes: Vec<(chrono::NaiveDateTime, i64)> = Vec::new();
    for s in saves {
        let bucket = s.saved_at - Duration::seconds(s.saved_at.and_utc().timestamp() % 60);
        let bucket = bucket.with_nanosecond(0).unwrap_or(bucket);
        match minutes.last_mut() {
            Some((b, n)) if *b == bucket => *n += 1,
            _ => minutes.push((bucket, 1)),
        }
    }
    minutes
}

fn saves_view(bucket: chrono::NaiveDateTime, n: i64, attempt_id: &str) -> AuditView {
    AuditView {
        at: instant(&from_db_time(bucket)),
        actor: "candidate".into(),
        action: "saves".into(),
        subject: format!("attempt:{attempt_id}"),
        from: None,
        to: None,
        detail: Some(format!("{n} answer saves in this minute")),
    }
}

/// The labs of a scored attempt, check by check, with the artifacts graded. Errors: 404
/// for no such attempt, 409 `attempt_in_progress` before it is scored.
pub async fn lab_review(state: &AppState, attempt_id: String) -> ApiResult<Vec<LabReviewView>> {
    state
        .db
        .read(move |conn| {
            let attempt = attempt_rows::find(conn, &attempt_id)?.ok_or(ApiError::NotFound)?;
            let result = attempt_rows::result(conn, &attempt.id)?.ok_or_else(|| {
                ApiError::AttemptInProgress(format!(
                    "The attempt is {}: its labs are graded once it is scored.",
                    attempt.status
                ))
            })?;
            Ok(labs::review_records(conn, &attempt.id, &result.labs)?
                .into_iter()
                .map(|(record, artifact)| LabReviewView { record, artifact })
                .collect())
        })
        .await
}
