//! Attempt rows: the attempt, its served form, its answers and its one result.

use super::schema::{
    answers as an, attempt_questions as aq, attempts as at, question_versions as qv,
    questions as q, results as rs,
};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Statuses in which an attempt is still open (answers may be saved or it may resume).
pub const OPEN: [&str; 2] = ["in_progress", "paused"];
/// Finished statuses after which a retake must wait.
pub const NOT_PASSED: [&str; 3] = ["failed", "invalidated", "terminated"];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = at)]
pub struct AttemptRow {
    pub id: String,
    pub user_id: String,
    pub certification_code: String,
    pub status: String,
    pub seed: String,
    pub started_at: NaiveDateTime,
    pub deadline: NaiveDateTime,
    pub pass_mark_tenths: i32,
    pub closed_at: Option<NaiveDateTime>,
    pub paused_at: Option<NaiveDateTime>,
    pub extra_time_percent: i32,
}

impl AttemptRow {
    pub fn is_open(&self) -> bool {
        OPEN.contains(&self.status.as_str())
    }
}

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
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub correct: String,
    pub points: i32,
    pub difficulty: Option<f64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = an)]
pub struct AnswerRow {
    pub attempt_id: String,
    pub position: i32,
    pub selected: String,
    pub revision: i32,
    pub saved_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rs)]
pub struct ResultRow {
    pub attempt_id: String,
    pub points_awarded: i32,
    pub points_possible: i32,
    pub score_tenths: i32,
    pub pass_mark_tenths: i32,
    pub passed: bool,
    pub domains: String,
    pub closed_reason: String,
    pub submitted_at: NaiveDateTime,
    pub scored_at: NaiveDateTime,
    pub certificate_number: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<AttemptRow>> {
    at::table
        .find(id)
        .select(AttemptRow::as_select())
        .get_result(conn)
        .optional()
}

/// The candidate's attempts, newest first.
pub fn list_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<AttemptRow>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .order((at::started_at.desc(), at::id.desc()))
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Open attempts whose answering time (deadline + grace) ended before `cutoff`.
pub fn overdue(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    at::table
        .filter(at::status.eq(OPEN[0]))
        .filter(at::deadline.lt(cutoff))
        .order(at::deadline.asc())
        .limit(limit)
        .select(at::id)
        .load(conn)
}

pub fn open_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<AttemptRow>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::status.eq_any(OPEN))
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Start instants of the candidate's attempts at a certification since `since`, oldest first.
pub fn started_since(
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::certification_code.eq(code))
        .filter(at::started_at.gt(since))
        .order(at::started_at.asc())
        .select(at::started_at)
        .load(conn)
}

/// When the candidate's latest unsuccessful attempt at a certification closed.
pub fn last_not_passed(
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::certification_code.eq(code))
        .filter(at::status.eq_any(NOT_PASSED))
        .filter(at::closed_at.is_not_null())
        .order(at::closed_at.desc())
        .select(at::closed_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()
        .map(Option::flatten)
}

/// The current version of every active question of a certification.
pub fn pool(conn: &mut DbConn, code: &str) -> QueryResult<Vec<(String, VersionRow)>> {
    q::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(q::id)
                .and(qv::version.eq(q::current_version))),
        )
        .filter(q::certification_code.eq(code))
        .filter(q::active.eq(true))
        .select((qv::domain, VersionRow::as_select()))
        .load(conn)
}

pub fn insert(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    form: &[AttemptQuestionRow],
) -> QueryResult<()> {
    diesel::insert_into(at::table)
        .values(attempt)
        .execute(conn)?;
    // One row at a time: multi-row inserts are not portable across the two backends.
    for row in form {
        diesel::insert_into(aq::table).values(row).execute(conn)?;
    }
    Ok(())
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

/// One question of an attempt's form by its public id, with its kind: what checking a
/// selection needs, and no more (a save must not load the question's text).
pub fn form_question(
    conn: &mut DbConn,
    attempt_id: &str,
    public_id: &str,
) -> QueryResult<Option<(AttemptQuestionRow, String)>> {
    aq::table
        .inner_join(
            qv::table.on(qv::question_id
                .eq(aq::question_id)
                .and(qv::version.eq(aq::version))),
        )
        .filter(aq::attempt_id.eq(attempt_id))
        .filter(aq::public_id.eq(public_id))
        .select((AttemptQuestionRow::as_select(), qv::kind))
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

/// Whether the attempt is in progress, held so until the transaction ends: a save and a
/// finalisation of the same attempt never interleave. SQLite's writer holds the whole
/// database for its transaction, so the row already read in it is current; PostgreSQL
/// locks the row and reads its status again.
pub fn lock_in_progress(conn: &mut DbConn, attempt: &AttemptRow) -> QueryResult<bool> {
    match conn {
        DbConn::Sqlite(_) => Ok(attempt.status == "in_progress"),
        DbConn::Pg(pg) => at::table
            .filter(at::id.eq(&attempt.id))
            .filter(at::status.eq("in_progress"))
            .select(at::id)
            .for_update()
            .get_result::<String>(pg)
            .optional()
            .map(|row| row.is_some()),
    }
}

/// Stores the selection as the question's answer in one statement: a first answer is
/// revision 1, a different selection the next revision. Returns the new revision, or None
/// when the stored selection is already this one (nothing changes then).
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
                ))
                .filter(an::selected.ne(&row.selected))
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

/// Moves an open attempt to `status`; false when it was no longer open (someone else
/// finalised it first). This conditional update is what makes scoring happen once.
pub fn close(
    conn: &mut DbConn,
    attempt_id: &str,
    status: &str,
    closed_at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        at::table
            .filter(at::id.eq(attempt_id))
            .filter(at::status.eq_any(OPEN)),
    )
    .set((at::status.eq(status), at::closed_at.eq(closed_at)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_status(conn: &mut DbConn, attempt_id: &str, from: &str, to: &str) -> QueryResult<bool> {
    let n = diesel::update(
        at::table
            .filter(at::id.eq(attempt_id))
            .filter(at::status.eq(from)),
    )
    .set(at::status.eq(to))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_result(conn: &mut DbConn, row: &ResultRow) -> QueryResult<()> {
    diesel::insert_into(rs::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Links the certificate an approved result earned (results are otherwise never changed).
pub fn set_result_certificate(
    conn: &mut DbConn,
    attempt_id: &str,
    number: &str,
) -> QueryResult<()> {
    diesel::update(rs::table.find(attempt_id))
        .set(rs::certificate_number.eq(number))
        .execute(conn)
        .map(|_| ())
}

pub fn result(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Option<ResultRow>> {
    rs::table
        .find(attempt_id)
        .select(ResultRow::as_select())
        .get_result(conn)
        .optional()
}

/// Pauses a running attempt; false when it was not running.
pub fn pause(conn: &mut DbConn, attempt_id: &str, at_time: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        at::table
            .filter(at::id.eq(attempt_id))
            .filter(at::status.eq("in_progress")),
    )
    .set((at::status.eq("paused"), at::paused_at.eq(at_time)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Resumes a paused attempt with its deadline moved; false when it was not paused.
pub fn resume(conn: &mut DbConn, attempt_id: &str, deadline: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        at::table
            .filter(at::id.eq(attempt_id))
            .filter(at::status.eq("paused")),
    )
    .set((
        at::status.eq("in_progress"),
        at::paused_at.eq(None::<NaiveDateTime>),
        at::deadline.eq(deadline),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Attempts in the given statuses, oldest first.
pub fn with_status(conn: &mut DbConn, statuses: &[String]) -> QueryResult<Vec<AttemptRow>> {
    at::table
        .filter(at::status.eq_any(statuses))
        .order((at::started_at.asc(), at::id.asc()))
        .limit(1000)
        .select(AttemptRow::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Running attempts whose last heartbeat (or start) is older than `since` and that have
/// no heartbeat_gap flag yet: the ones the sweeper must look at.
pub fn quiet(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<String>> {
    let placeholder = match conn {
        DbConn::Pg(_) => "$1",
        DbConn::Sqlite(_) => "?",
    };
    let sql = format!(
        "SELECT a.id AS id FROM attempts a \
         WHERE a.status = 'in_progress' \
         AND NOT EXISTS (SELECT 1 FROM attempt_flags f WHERE f.attempt_id = a.id AND f.rule = 'heartbeat_gap') \
         AND COALESCE((SELECT MAX(e.received_at) FROM attempt_events e \
                       WHERE e.attempt_id = a.id AND e.kind = 'heartbeat'), a.started_at) < {placeholder} \
         LIMIT 500"
    );
    let rows: Vec<IdRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Timestamp, _>(since)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
