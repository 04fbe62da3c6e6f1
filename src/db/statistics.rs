//! What item statistics read: a certification's scored attempts, their forms and their
//! answers, in bulk.

use super::attempts::VersionRow;
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

/// One question of a scored form with its answer, as much as statistics need: not the
/// texts, nor a lab's artifact (only whether one was saved).
#[derive(Debug, Queryable)]
pub struct FormAnswer {
    pub attempt_id: String,
    pub position: i32,
    pub question_id: String,
    pub version: i32,
    pub option_order: String,
    pub option_ids: String,
    /// None when the question was not answered.
    pub selected: Option<String>,
    /// A lab's stored grade (a `Grade` as JSON).
    pub grade: Option<String>,
    pub has_artifact: Option<bool>,
}

/// Every question of these attempts' forms with its answer, one query per chunk.
pub fn form_answers(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<FormAnswer>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            aq::table
                .left_join(
                    an::table.on(an::attempt_id
                        .eq(aq::attempt_id)
                        .and(an::position.eq(aq::position))),
                )
                .filter(aq::attempt_id.eq_any(chunk))
                .select((
                    aq::attempt_id,
                    aq::position,
                    aq::question_id,
                    aq::version,
                    aq::option_order,
                    aq::option_ids,
                    an::selected.nullable(),
                    an::grade.nullable(),
                    an::artifact.is_not_null().nullable(),
                ))
                .load::<FormAnswer>(conn)?,
        );
    }
    Ok(out)
}

/// Every stored version of these questions: read once, not once per form they sit on.
pub fn versions(conn: &mut DbConn, question_ids: &[String]) -> QueryResult<Vec<VersionRow>> {
    let mut out = Vec::new();
    for chunk in question_ids.chunks(CHUNK) {
        out.extend(
            qv::table
                .filter(qv::question_id.eq_any(chunk))
                .select(VersionRow::as_select())
                .load::<VersionRow>(conn)?,
        );
    }
    Ok(out)
}
