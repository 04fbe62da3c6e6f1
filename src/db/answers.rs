//! An attempt's served form and its answers: the question versions it drew, and the
//! candidate's selections, one row per question.

use super::schema::{
    answers as an, attempt_questions as aq, question_versions as qv, questions as q,
};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = aq)]
pub struct AttemptQuestionRow {
    pub attempt_id: String,
    pub position: i32,
    pub public_id: String,
    pub question_id: String,
    pub version: i32,
    pub domain: String,
    pub option_order: String,
    pub option_ids: String,
}

/// The content of a question version, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = qv)]
pub struct VersionRow {
    pub question_id: String,
    pub version: i32,
    pub domain: String,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub correct: String,
    pub points: i32,
    pub difficulty: Option<f64>,
    /// A lab's `LabSpec` as JSON; None for other kinds.
    pub lab: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = an)]
pub struct AnswerRow {
    pub attempt_id: String,
    pub position: i32,
    pub selected: String,
    pub revision: i32,
    pub saved_at: NaiveDateTime,
    /// A lab's artifact as saved, its syntax `Diagnostic`s, and the `Grade` its checks
    /// give it (JSON; written once the save has been answered, None until then).
    pub artifact: Option<String>,
    pub diagnostics: Option<String>,
    pub grade: Option<String>,
}

/// The current version of every active question of a certification's live pool, or of
/// its practice pool.
pub fn pool(
    conn: &mut DbConn,
    code: &str,
    practice: bool,
) -> QueryResult<Vec<(String, Option<String>, VersionRow)>> {
    q::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(q::id)
                .and(qv::version.eq(q::current_version))),
        )
        .filter(q::certification_code.eq(code))
        .filter(q::active.eq(true))
        .filter(q::practice.eq(practice))
        .select((qv::domain, q::enemy_group, VersionRow::as_select()))
        .load(conn)
}

/// The served form with each question's stored content, in form order.
pub fn form(
    conn: &mut DbConn,
    attempt_id: &str,
) -> QueryResult<Vec<(AttemptQuestionRow, VersionRow)>> {
    aq::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(aq::question_id)
                .and(qv::version.eq(aq::version))),
        )
        .filter(aq::attempt_id.eq(attempt_id))
        .order(aq::position.asc())
        .select((AttemptQuestionRow::as_select(), VersionRow::as_select()))
        .load(conn)
}

/// One question of an attempt's form by its public id, with its kind and, for a lab, its
/// spec: what checking an answer needs, and no more (a save must not load the question's
/// text).
pub fn form_question(
    conn: &mut DbConn,
    attempt_id: &str,
    public_id: &str,
) -> QueryResult<Option<(AttemptQuestionRow, String, Option<String>)>> {
    aq::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(aq::question_id)
                .and(qv::version.eq(aq::version))),
        )
        .filter(aq::attempt_id.eq(attempt_id))
        .filter(aq::public_id.eq(public_id))
        .select((AttemptQuestionRow::as_select(), qv::kind, qv::lab))
        .get_result(conn)
        .optional()
}

pub fn answers(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<AnswerRow>> {
    an::table
        .filter(an::attempt_id.eq(attempt_id))
        .order(an::position.asc())
        .select(AnswerRow::as_select())
        .load(conn)
}

pub fn answer(
    conn: &mut DbConn,
    attempt_id: &str,
    position: i32,
) -> QueryResult<Option<AnswerRow>> {
    an::table
        .find((attempt_id, position))
        .select(AnswerRow::as_select())
        .get_result(conn)
        .optional()
}

/// Stores the selection (or a lab's artifact and its grade) as the question's answer in
/// one statement: a first answer is revision 1, a different one the next revision.
/// Returns the new revision, or None when the stored answer is already this one (nothing
/// changes then).
pub fn upsert_answer(conn: &mut DbConn, row: &AnswerRow) -> QueryResult<Option<i32>> {
    use diesel::query_dsl::methods::FilterDsl;
    use diesel::upsert::excluded;
    // ON CONFLICT is written per backend: diesel's multi-backend connection has no upsert.
    macro_rules! upsert {
        ($conn:expr) => {
            diesel::insert_into(an::table)
                .values(row)
                .on_conflict((an::attempt_id, an::position))
                .do_update()
                .set((
                    an::selected.eq(excluded(an::selected)),
                    an::revision.eq(an::revision + 1),
                    an::saved_at.eq(excluded(an::saved_at)),
                    an::artifact.eq(excluded(an::artifact)),
                    an::diagnostics.eq(excluded(an::diagnostics)),
                    an::grade.eq(excluded(an::grade)),
                ))
                // NULL <> NULL is not true: a choice answer differs only by its selection.
                .filter(
                    an::selected
                        .ne(&row.selected)
                        .or(an::artifact.ne(&row.artifact)),
                )
                .returning(an::revision)
                .get_result($conn)
                .optional()
        };
    }
    match conn {
        DbConn::Sqlite(c) => upsert!(c),
        DbConn::Pg(c) => upsert!(c),
    }
}

/// Stores the grade of a lab's artifact if the answer is still the `revision` it was
/// computed for and has none yet; false when a later save (or nothing) is there.
pub fn set_grade(
    conn: &mut DbConn,
    attempt_id: &str,
    position: i32,
    revision: i32,
    grade: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(
        an::table
            .filter(an::attempt_id.eq(attempt_id))
            .filter(an::position.eq(position))
            .filter(an::revision.eq(revision))
            .filter(an::grade.is_null()),
    )
    .set(an::grade.eq(grade))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Each explanation of an attempt's form whose question is a practice item now, by
/// position: what a practice result may reveal. A live item (or one moved to the live
/// pool since) is absent, so its key and explanation can never be shown.
pub fn practice_explanations(
    conn: &mut DbConn,
    attempt_id: &str,
) -> QueryResult<Vec<(i32, Option<String>)>> {
    aq::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(aq::question_id)
                .and(qv::version.eq(aq::version))),
        )
        .inner_join(q::table.on(q::id.eq(aq::question_id)))
        .filter(aq::attempt_id.eq(attempt_id))
        .filter(q::practice.eq(true))
        .select((aq::position, qv::explanation))
        .load(conn)
}

/// Every question of an attempt's form with its kind and, for a lab, its stored spec;
/// nothing else of its content.
pub fn form_kinds(
    conn: &mut DbConn,
    attempt_id: &str,
) -> QueryResult<Vec<(AttemptQuestionRow, String, Option<String>)>> {
    aq::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(aq::question_id)
                .and(qv::version.eq(aq::version))),
        )
        .filter(aq::attempt_id.eq(attempt_id))
        .select((AttemptQuestionRow::as_select(), qv::kind, qv::lab))
        .load(conn)
}

/// An answer saved as it would be in one transaction of several statements (the attempt
/// locked and checked, the answer upserted, the save logged), in one statement: one round
/// trip, atomic by itself, through the `save_answer` function (migration 000016), whose
/// statements PostgreSQL plans once per connection. PostgreSQL only.
pub struct AnswerSave<'a> {
    pub attempt_id: &'a str,
    pub user_id: &'a str,
    /// The attempt is answerable while its deadline is at or after this instant
    /// (now − grace).
    pub deadline_from: NaiveDateTime,
    pub position: i32,
    /// The selection, encoded as stored (`[]` for a lab).
    pub selected: &'a str,
    /// A lab's artifact and its syntax diagnostics (encoded as stored); None otherwise.
    pub artifact: Option<&'a str>,
    pub diagnostics: Option<&'a str>,
    pub now: NaiveDateTime,
    pub save_id: &'a str,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

/// The answer's revision and instant after a save, and whether the save changed it.
#[derive(QueryableByName)]
pub struct SavedAnswer {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub revision: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub saved_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub changed: bool,
}

/// The answer as it stands after the save, or None when the attempt is not the user's,
/// not in progress or past its deadline (the caller then takes the path that says why).
/// Saving the same answer again changes nothing but is logged, as on the long path.
pub fn save_answer_at_once(
    conn: &mut diesel::PgConnection,
    save: &AnswerSave<'_>,
) -> QueryResult<Option<SavedAnswer>> {
    use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
    diesel::sql_query(
        "SELECT o_revision AS revision, o_saved_at AS saved_at, o_changed AS changed \
         FROM save_answer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind::<Text, _>(save.attempt_id)
    .bind::<Text, _>(save.user_id)
    .bind::<Timestamp, _>(save.deadline_from)
    .bind::<Integer, _>(save.position)
    .bind::<Text, _>(save.selected)
    .bind::<Nullable<Text>, _>(save.artifact)
    .bind::<Nullable<Text>, _>(save.diagnostics)
    .bind::<Timestamp, _>(save.now)
    .bind::<Text, _>(save.save_id)
    .bind::<Text, _>(save.client_addr)
    .bind::<Text, _>(save.user_agent)
    .get_result(conn)
    .optional()
}
