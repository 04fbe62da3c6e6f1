//! Certificates: eligibility, issuing and renewing on a pass, verification, revocation.

use crate::db::attempts::AttemptRow;
use crate::db::certificates::{self as rows, CertificateRecord, CertificateRow, EventRow};
use crate::db::{self, audit, catalog, from_db_time, to_db_time, users, DbConn};
use crate::domain::certificate::{add_months, CertificateNumber, CertificateStatus, Validity};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::SYSTEM;
use crate::state::AppState;
use crate::views::{
    instant, CertificateEventView, CertificateView, PartnerVerificationView, VerificationView,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeSet, HashMap};

/// "Today" for certificates is the UTC date.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

fn validity(row: &CertificateRow) -> Validity {
    Validity::new(
        row.issued_on,
        row.expires_on,
        row.renewal_window_days.max(0) as u32,
    )
}

pub fn status(row: &CertificateRow, today: NaiveDate) -> CertificateStatus {
    validity(row).status(today, row.revoked_at.is_some())
}

/// The holder's current certificate of a certification: unrevoked, latest expiry.
fn current(conn: &mut DbConn, user_id: &str, code: &str) -> ApiResult<Option<CertificateRow>> {
    Ok(rows::held(conn, user_id, code)?.into_iter().next())
}

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

/// Awards a passed attempt, in the transaction that records its result: renews the
/// holder's certificate if it is due, else issues a new one; then recertifies every
/// certification below it that the holder still has. Returns the certificate's number.
pub fn award(conn: &mut DbConn, attempt: &AttemptRow, now: DateTime<Utc>) -> ApiResult<String> {
    let today = today(now);
    let cert = catalog::find(conn, &attempt.certification_code)?
        .ok_or(ApiError::NotFound)?
        .row;
    let months = cert.validity_months.max(0) as u32;
    let at = to_db_time(now);
    let number = match current(conn, &attempt.user_id, &cert.code)? {
        Some(held) if status(&held, today) == CertificateStatus::RenewalDue => {
            // No paid-for time is lost: the new period runs from the old expiry.
            let expires_on = add_months(held.expires_on, months);
            rows::set_expiry(conn, &held.number, expires_on)?;
            event(
                conn,
                &held.number,
                "renewed",
                Some(&attempt.id),
                at,
                Some(held.expires_on),
                expires_on,
                SYSTEM,
                None,
            )?;
            held.number
        }
        // Held and not yet due (it was earned while this attempt ran): nothing to add.
        Some(held) if status(&held, today) == CertificateStatus::Active => held.number,
        _ => {
            let holder = users::find(conn, &attempt.user_id)?.ok_or(ApiError::NotFound)?;
            let v = Validity::issue(today, months, cert.renewal_window_days.max(1) as u32);
            let number = fresh_number(conn, &cert.code)?;
            rows::insert(
                conn,
                &CertificateRow {
                    number: number.clone(),
                    user_id: attempt.user_id.clone(),
                    certification_code: cert.code.clone(),
                    holder_name: holder.full_name,
                    issued_on: v.issued_on,
                    expires_on: v.expires_on,
                    renewal_window_days: cert.renewal_window_days,
                    issuing_attempt_id: attempt.id.clone(),
                    revoked_at: None,
                    revoked_reason: None,
                    created_at: at,
                },
            )?;
            event(
                conn,
                &number,
                "issued",
                Some(&attempt.id),
                at,
                None,
                v.expires_on,
                SYSTEM,
                None,
            )?;
            number
        }
    };
    let expires_on = rows::find(conn, &number)?
        .map(|r| r.row.expires_on)
        .ok_or(ApiError::NotFound)?;
    recertify_chain(conn, attempt, &cert.code, expires_on, today, at)?;
    Ok(number)
}

/// "Earning a higher level recertifies the levels below": every certification on the
/// prerequisite chain that the holder has, unexpired, runs at least as long as the new one.
fn recertify_chain(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    code: &str,
    expires_on: NaiveDate,
    today: NaiveDate,
    at: chrono::NaiveDateTime,
) -> ApiResult<()> {
    let graph: HashMap<String, Vec<String>> = catalog::list(conn)?
        .into_iter()
        .map(|c| (c.row.code, c.prerequisites))
        .collect();
    let mut chain = BTreeSet::new();
    let mut todo = graph.get(code).cloned().unwrap_or_default();
    while let Some(next) = todo.pop() {
        if chain.insert(next.clone()) {
            todo.extend(graph.get(&next).cloned().unwrap_or_default());
        }
    }
    for lower in chain {
        if let Some(held) = current(conn, &attempt.user_id, &lower)? {
            if status(&held, today).is_held() && held.expires_on < expires_on {
                rows::set_expiry(conn, &held.number, expires_on)?;
                event(
                    conn,
                    &held.number,
                    "recertified",
                    Some(&attempt.id),
                    at,
                    Some(held.expires_on),
                    expires_on,
                    SYSTEM,
                    None,
                )?;
            }
        }
    }
    Ok(())
}

fn fresh_number(conn: &mut DbConn, code: &str) -> ApiResult<String> {
    let mut rng = rand::rng();
    loop {
        let number = CertificateNumber::generate(code, &mut rng).to_string();
        if !rows::exists(conn, &number)? {
            return Ok(number);
        }
    }
}

/// Keeps an issue, renewal, recertification or revocation in the certificate's history
/// and on the audit trail.
#[allow(clippy::too_many_arguments)]
fn event(
    conn: &mut DbConn,
    number: &str,
    kind: &str,
    attempt_id: Option<&str>,
    at: chrono::NaiveDateTime,
    before: Option<NaiveDate>,
    after: NaiveDate,
    actor: &str,
    note: Option<&str>,
) -> ApiResult<()> {
    rows::insert_event(
        conn,
        &EventRow {
            id: db::new_id(),
            certificate_number: number.to_string(),
            kind: kind.into(),
            attempt_id: attempt_id.map(str::to_string),
            at,
            expires_on_before: before,
            expires_on_after: after,
            detail: None,
        },
    )?;
    let action = match kind {
        "issued" => "issue",
        "renewed" => "renew",
        "recertified" => "recertify",
        _ => "revoke",
    };
    let detail = match (note, before) {
        (Some(note), _) => note.to_string(),
        (None, Some(b)) if b != after => format!("expires_on {b} → {after}"),
        _ => format!("expires_on {after}"),
    };
    audit::append(
        conn,
        at,
        audit::Entry {
            actor,
            action,
            attempt_id,
            certificate_number: Some(number),
            detail: Some(detail),
            ..Default::default()
        },
    )?;
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

/// A partner's batch: one answer per number asked, in the order asked.
pub async fn verify_many(
    state: &AppState,
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
