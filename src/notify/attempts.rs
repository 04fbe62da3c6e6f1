//! What a candidate is told when an attempt ends: its result (passed, not passed with the
//! retake date, or held for review and why), or that a proctor terminated it.

use super::queue_mail;
use super::templates::Template;
use crate::db::attempts::{AttemptRow, ResultRow};
use crate::db::{catalog, from_db_time, users, DbConn};
use crate::domain::catalog::Percent;
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::proctoring::Flag;
use crate::error::ApiResult;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The attempt's candidate and certification; `None` when either is gone (a deleted
/// account is told nothing).
fn addressee(
    conn: &mut DbConn,
    attempt: &AttemptRow,
) -> ApiResult<Option<(users::UserRow, catalog::CertificationRecord)>> {
    let Some(candidate) = users::find(conn, &attempt.user_id)? else {
        return Ok(None);
    };
    Ok(catalog::stored(conn, &attempt.certification_code)?.map(|cert| (candidate, cert)))
}

/// Queues the result mail of a scored attempt (once per attempt and outcome, so a held
/// result that is then decided is told again).
pub fn on_scored(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    outcome: AttemptStatus,
    result: &ResultRow,
    flags: &[Flag],
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some((candidate, cert)) = addressee(conn, attempt)? else {
        return Ok(());
    };
    let reason = match flags {
        [] => "the proctoring record's integrity score is below the program's bar".to_string(),
        _ => flags
            .iter()
            .map(|f| f.plain_words())
            .collect::<Vec<_>>()
            .join("; "),
    };
    let retake_on = (outcome == AttemptStatus::Failed).then(|| {
        let wait = Duration::days(cert.row.retake_wait_days.into());
        (from_db_time(result.submitted_at) + wait)
            .date_naive()
            .to_string()
    });
    let context = json!({
        "name": candidate.full_name,
        "certification": cert.row.title,
        "attempt_id": attempt.id,
        "percent": Percent::from_tenths(result.score_tenths.into()).to_string(),
        "pass_mark": Percent::from_tenths(result.pass_mark_tenths.into()).to_string(),
        "outcome": outcome.as_str(),
        "reason": reason,
        "certificate": result.certificate_number,
        "retake_on": retake_on,
        "note": note,
    });
    let key = format!("result:{}:{}", attempt.id, outcome.as_str());
    queue_mail(
        conn,
        now,
        &key,
        &candidate.email,
        Template::ResultAvailable,
        context,
    )
}

/// Queues the notice of a terminated attempt, with the proctor's note.
pub fn on_terminated(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some((candidate, cert)) = addressee(conn, attempt)? else {
        return Ok(());
    };
    let context = json!({
        "name": candidate.full_name,
        "certification": cert.row.title,
        "at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
        "note": note.unwrap_or("(no note was given)"),
    });
    let key = format!("terminated:{}", attempt.id);
    queue_mail(
        conn,
        now,
        &key,
        &candidate.email,
        Template::AttemptTerminated,
        context,
    )
}
