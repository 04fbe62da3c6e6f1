//! What item statistics read: a certification's scored attempts, their forms and their
//! answers, in bulk.

use super::attempts::{AnswerRow, AttemptQuestionRow, VersionRow};
use super::schema::{
    answers as an, attempt_questions as aq, attempts as a, question_versions as qv,
};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Attempts per query: well under either backend's limit on bound parameters.
const CHUNK: usize = 500;

/// `(attempt id, user id, started_at)` of a certification's live attempts in `statuses`,
/// oldest first. Practice attempts are left out: their forms hold only practice items,
/// taken with no stakes, and a practice try is not a first attempt.
pub fn attempts(
    conn: &mut DbConn,
    code: &str,
    statuses: &[&str],
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    a::table
        .filter(a::certification_code.eq(code))
        .filter(a::status.eq_any(statuses))
        .filter(a::practice.eq(false))
        .order((a::started_at.asc(), a::id.asc()))
        .select((a::id, a::user_id, a::started_at))
        .load(conn)
}

/// The forms of these attempts with each question's stored content.
pub fn forms(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<Vec<(AttemptQuestionRow, VersionRow)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            aq::table
                .inner_join(
                    qv::table.on(qv::question_id
                        .eq(aq::question_id)
                        .and(qv::version.eq(aq::version))),
                )
                .filter(aq::attempt_id.eq_any(chunk))
                .select((AttemptQuestionRow::as_select(), VersionRow::as_select()))
                .load::<(AttemptQuestionRow, VersionRow)>(conn)?,
        );
    }
    Ok(out)
}

/// The answers of these attempts.
pub fn answers(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<AnswerRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            an::table
                .filter(an::attempt_id.eq_any(chunk))
                .select(AnswerRow::as_select())
                .load::<AnswerRow>(conn)?,
        );
    }
    Ok(out)
}
