//! Issuing: a passed attempt becomes a certificate (new, renewed, or the chain below it
//! recertified), in the transaction that records the result. Called from finalisation and
//! review; it calls nothing above it.

use crate::db::attempts::AttemptRow;
use crate::db::certificates::{self as rows, CertificateRow, EventRow};
use crate::db::{self, audit, catalog, to_db_time, users, DbConn};
use crate::domain::certificate::{add_months, CertificateNumber, CertificateStatus, Validity};
use crate::error::{ApiError, ApiResult};
use crate::service::SYSTEM;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeSet, HashMap};

/// "Today" for certificates is the UTC date.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

pub fn validity(row: &CertificateRow) -> Validity {
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
pub fn current(conn: &mut DbConn, user_id: &str, code: &str) -> ApiResult<Option<CertificateRow>> {
    Ok(rows::held(conn, user_id, code)?.into_iter().next())
}

/// Awards a passed attempt, in the transaction that records its result: renews the
/// holder's certificate if it is due, else issues a new one; then recertifies every
/// certification below it that the holder still has. Returns the certificate's number.
///
/// Dates follow `earned_at`, when the attempt ended (its submission, or its deadline when
/// it expired), not when this runs: a renewal passed the day before expiry and approved on
/// review a week later is still a renewal, under the same number. `now` stamps the history.
/// The certification is read as stored, so one retired since the attempt began still awards.
pub fn award(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    earned_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    let today = today(earned_at);
    let cert = catalog::stored(conn, &attempt.certification_code)?
        .ok_or_else(|| {
            ApiError::internal(format!(
                "attempt {} is of certification {} that is not stored",
                attempt.id, attempt.certification_code
            ))
        })?
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
            let holder = users::find(conn, &attempt.user_id)?
                .ok_or_else(|| ApiError::internal("an attempt's candidate is not stored"))?;
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
            crate::db::status_lists::assign(conn, &number, at)?;
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
        .ok_or_else(|| ApiError::internal("a certificate just awarded is not stored"))?;
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
pub fn event(
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
    let event_id = db::new_id();
    rows::insert_event(
        conn,
        &EventRow {
            id: event_id.clone(),
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
    crate::notify::certificates::on_event(conn, &event_id, number, kind, db::from_db_time(at))
}
