//! Certificates: eligibility, issuing and renewing on a pass, verification, revocation.

use crate::db::certificates::{self as rows, CertificateRecord};
use crate::db::{catalog, from_db_time, to_db_time, DbConn};
use crate::domain::certificate::{CertificateNumber, CertificateStatus};
use crate::error::{ApiError, ApiResult};
use crate::service::issuing::{current, event, validity};
pub use crate::service::issuing::{status, today};
use crate::state::AppState;
use crate::views::{
    instant, CertificateEventView, CertificateView, PartnerVerificationView, VerificationView,
};
use chrono::NaiveDate;

/// Before an attempt starts: every prerequisite held (active or due for renewal), and
/// this certification not already held outside its renewal window.
pub fn check_eligibility(
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
    today: NaiveDate,
) -> ApiResult<()> {
    let prerequisites = catalog::find(conn, code)?
        .map(|c| c.prerequisites)
        .unwrap_or_default();
    for prerequisite in prerequisites {
        let held =
            current(conn, user_id, &prerequisite)?.is_some_and(|c| status(&c, today).is_held());
        if !held {
            return Err(ApiError::PrerequisiteMissing(prerequisite));
        }
    }
    if let Some(cert) = current(conn, user_id, code)? {
        if status(&cert, today) == CertificateStatus::Active {
            return Err(ApiError::AlreadyCertified {
                renewal_opens_on: validity(&cert).renewal_opens_on,
            });
        }
    }
    Ok(())
}

pub fn certificate_view(
    conn: &mut DbConn,
    record: CertificateRecord,
    today: NaiveDate,
) -> ApiResult<CertificateView> {
    let v = validity(&record.row);
    let history = rows::events(conn, &record.row.number)?
        .into_iter()
        .map(|e| CertificateEventView {
            kind: e.kind,
            at: instant(&from_db_time(e.at)),
            expires_on: e.expires_on_after.to_string(),
        })
        .collect();
    Ok(CertificateView {
        status: status(&record.row, today).as_str().into(),
        number: record.row.number,
        certification_code: record.row.certification_code,
        level: record.level,
        holder_name: record.row.holder_name,
        issued_on: v.issued_on.to_string(),
        expires_on: v.expires_on.to_string(),
        renewal_opens_on: v.renewal_opens_on.to_string(),
        revoked_reason: record.row.revoked_reason,
        certification_title: record.title,
        history,
    })
}

/// The certificate behind a number; 400 for a mistyped one (no database needed), 404 for
/// a well-formed one nobody holds.
pub async fn verify(state: &AppState, raw: &str) -> ApiResult<VerificationView> {
    let number = CertificateNumber::parse(raw).ok_or(ApiError::MalformedNumber)?;
    let today = today(state.clock.now());
    let record = state
        .db
        .read(move |conn| Ok(rows::find(conn, number.as_str())?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let v = validity(&record.row);
    Ok(VerificationView {
        status: status(&record.row, today).as_str().into(),
        number: record.row.number,
        holder_name: record.row.holder_name,
        certification_code: record.row.certification_code,
        certification_title: record.title,
        level: record.level,
        issued_on: v.issued_on.to_string(),
        expires_on: v.expires_on.to_string(),
        renewal_opens_on: v.renewal_opens_on.to_string(),
    })
}

/// A partner's batch: one answer per number asked, in the order asked. The partner then
/// follows the certificates found: its webhooks tell it when they change.
pub async fn verify_many(
    state: &AppState,
    partner_id: String,
    numbers: Vec<String>,
) -> ApiResult<Vec<PartnerVerificationView>> {
    let parsed: Vec<Option<CertificateNumber>> = numbers
        .iter()
        .map(|n| CertificateNumber::parse(n))
        .collect();
    let wanted: Vec<String> = parsed.iter().flatten().map(|n| n.to_string()).collect();
    let today = today(state.clock.now());
    let found = state
        .db
        .read(move |conn| Ok(rows::find_many(conn, &wanted)?))
        .await?;
    if !found.is_empty() {
        let followed: Vec<String> = found.iter().map(|r| r.row.number.clone()).collect();
        let at = crate::db::to_db_time(state.clock.now());
        state
            .db
            .write(move |conn| {
                Ok(crate::db::webhooks::follow(
                    conn,
                    &partner_id,
                    &followed,
                    at,
                )?)
            })
            .await?;
    }
    Ok(numbers
        .into_iter()
        .zip(parsed)
        .map(|(asked, parsed)| {
            let Some(number) = parsed else {
                return not_found(asked, Some("malformed_number"));
            };
            match found.iter().find(|r| r.row.number == number.as_str()) {
                None => not_found(asked, None),
                Some(r) => PartnerVerificationView {
                    number: asked,
                    found: true,
                    status: Some(status(&r.row, today).as_str().into()),
                    holder_name: Some(r.row.holder_name.clone()),
                    certification_code: Some(r.row.certification_code.clone()),
                    issued_on: Some(r.row.issued_on.to_string()),
                    expires_on: Some(r.row.expires_on.to_string()),
                    error: None,
                },
            }
        })
        .collect())
}

fn not_found(number: String, error: Option<&str>) -> PartnerVerificationView {
    PartnerVerificationView {
        number,
        found: false,
        status: None,
        holder_name: None,
        certification_code: None,
        issued_on: None,
        expires_on: None,
        error: error.map(str::to_string),
    }
}

pub async fn list_mine(state: &AppState, user_id: String) -> ApiResult<Vec<CertificateView>> {
    let today = today(state.clock.now());
    state
        .db
        .read(move |conn| {
            rows::list_for_user(conn, &user_id)?
                .into_iter()
                .map(|r| certificate_view(conn, r, today))
                .collect()
        })
        .await
}

/// Revokes a certificate with a reason; revoking again keeps the first reason.
pub async fn revoke(
    state: &AppState,
    admin_id: String,
    raw: &str,
    reason: String,
) -> ApiResult<CertificateView> {
    let number = CertificateNumber::parse(raw).ok_or(ApiError::MalformedNumber)?;
    let now = state.clock.now();
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::Validation(
            "reason must be 1 to 500 characters".into(),
        ));
    }
    state
        .db
        .write(move |conn| {
            let record = rows::find(conn, number.as_str())?.ok_or(ApiError::NotFound)?;
            if rows::revoke(conn, number.as_str(), to_db_time(now), &reason)? {
                event(
                    conn,
                    number.as_str(),
                    "revoked",
                    None,
                    to_db_time(now),
                    Some(record.row.expires_on),
                    record.row.expires_on,
                    &admin_id,
                    Some(&reason),
                )?;
            }
            let record = rows::find(conn, number.as_str())?.ok_or(ApiError::NotFound)?;
            certificate_view(conn, record, today(now))
        })
        .await
}

/// Public lookups name the holder, so each client address gets a budget of them per
/// minute (`INVIGIL_VERIFY_RATE_PER_MINUTE`), shared by every route that answers one:
/// verification, credentials and status lists.
pub fn public_lookup(state: &AppState, client_addr: &str) -> ApiResult<()> {
    state
        .verify_limiter
        .check(client_addr, state.clock.as_ref())
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })
}
