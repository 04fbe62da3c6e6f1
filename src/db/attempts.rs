//! Attempt rows: the attempt and its moves through the lifecycle, and its one result.

pub use super::answers::{
    answer, answers, form, form_question, pool, practice_explanations, set_grade, upsert_answer,
    AnswerRow, AttemptQuestionRow, VersionRow,
};
use super::schema::{attempt_questions as aq, attempts as at, results as rs};
use super::DbConn;
use crate::domain::lifecycle::AttemptStatus;
use crate::error::{ApiError, ApiResult};
use crate::paging::Paging;
use chrono::NaiveDateTime;
use diesel::prelude::*;

const IN_PROGRESS: &str = AttemptStatus::InProgress.as_str();

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
    /// On a practice form: counts toward no limit and issues nothing.
    pub practice: bool,
}

impl AttemptRow {
    /// The stored status; an unknown one is a fault of ours (the schema checks it).
    pub fn status(&self) -> ApiResult<AttemptStatus> {
        AttemptStatus::parse(&self.status).ok_or_else(|| {
            ApiError::internal(format!("attempt {} has status {:?}", self.id, self.status))
        })
    }

    pub fn is_open(&self) -> bool {
        self.status().is_ok_and(AttemptStatus::is_open)
    }
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
    /// Each lab's outcome as scored (`LabRecord`s), as JSON.
    pub labs: String,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<AttemptRow>> {
    at::table
        .find(id)
        .select(AttemptRow::as_select())
        .get_result(conn)
        .optional()
}

/// The attempt as it stands, held so until the transaction ends: whatever is decided on
/// this row (overdue, paused, open) stays true while the transaction writes. SQLite's
/// single writer holds the whole database for its transaction, so a plain read is current;
/// PostgreSQL locks the row.
pub fn find_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<AttemptRow>> {
    match conn {
        DbConn::Sqlite(_) => find(conn, id),
        DbConn::Pg(pg) => at::table
            .find(id)
            .select(AttemptRow::as_select())
            .for_update()
            .get_result(pg)
            .optional(),
    }
}

/// Running attempts whose answering time (deadline + grace) ended before `cutoff`, as
/// (deadline, id), earliest first, after `after` in that order: a sweep pages through them
/// all, so attempts it cannot finalise never hide the others.
pub fn overdue(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    after: Option<&(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(NaiveDateTime, String)>> {
    let mut query = at::table
        .filter(at::status.eq(IN_PROGRESS))
        .filter(at::deadline.lt(cutoff))
        .into_boxed();
    if let Some((deadline, id)) = after {
        query = query.filter(
            at::deadline
                .gt(*deadline)
                .or(at::deadline.eq(*deadline).and(at::id.gt(id.clone()))),
        );
    }
    query
        .order((at::deadline.asc(), at::id.asc()))
        .limit(limit)
        .select((at::deadline, at::id))
        .load(conn)
}

pub fn open_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<AttemptRow>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::status.eq_any(AttemptStatus::names(&AttemptStatus::OPEN)))
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Start instants of the candidate's live attempts at a certification since `since`,
/// oldest first.
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
        .filter(at::practice.eq(false))
        .order(at::started_at.asc())
        .select(at::started_at)
        .load(conn)
}

/// When the candidate's latest unsuccessful live attempt at a certification closed.
pub fn last_not_passed(
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::certification_code.eq(code))
        .filter(at::status.eq_any(AttemptStatus::names(&AttemptStatus::NOT_PASSED)))
        .filter(at::practice.eq(false))
        .filter(at::closed_at.is_not_null())
        .order(at::closed_at.desc())
        .select(at::closed_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()
        .map(Option::flatten)
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

/// Moves the attempt from `from` to `to`, stamping `closed_at` when given; false when it
/// was no longer in `from` (someone else moved it first). This conditional update is what
/// makes each transition, and so scoring and issuing, happen once.
pub fn transition(
    conn: &mut DbConn,
    attempt_id: &str,
    from: AttemptStatus,
    to: AttemptStatus,
    closed_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let target = at::table
        .filter(at::id.eq(attempt_id))
        .filter(at::status.eq(from.as_str()));
    let n = match closed_at {
        Some(t) => diesel::update(target)
            .set((at::status.eq(to.as_str()), at::closed_at.eq(t)))
            .execute(conn)?,
        None => diesel::update(target)
            .set(at::status.eq(to.as_str()))
            .execute(conn)?,
    };
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
            .filter(at::status.eq(IN_PROGRESS)),
    )
    .set((
        at::status.eq(AttemptStatus::Paused.as_str()),
        at::paused_at.eq(at_time),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Resumes a paused attempt with its deadline moved; false when it was not paused.
pub fn resume(conn: &mut DbConn, attempt_id: &str, deadline: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        at::table
            .filter(at::id.eq(attempt_id))
            .filter(at::status.eq(AttemptStatus::Paused.as_str())),
    )
    .set((
        at::status.eq(IN_PROGRESS),
        at::paused_at.eq(None::<NaiveDateTime>),
        at::deadline.eq(deadline),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A page of the live attempts in the given statuses (and certification, when given),
/// oldest first; one row more than the page when more follow. Practice attempts are not
/// proctored, so never listed here.
pub fn with_status(
    conn: &mut DbConn,
    statuses: &[AttemptStatus],
    certification: Option<&str>,
    paging: &Paging,
) -> QueryResult<Vec<AttemptRow>> {
    let mut query = at::table
        .filter(at::status.eq_any(AttemptStatus::names(statuses)))
        .filter(at::practice.eq(false))
        .into_boxed();
    if let Some(code) = certification {
        query = query.filter(at::certification_code.eq(code.to_string()));
    }
    if let Some(after) = &paging.after {
        query = query.filter(
            at::started_at
                .gt(after.at)
                .or(at::started_at.eq(after.at).and(at::id.gt(after.id.clone()))),
        );
    }
    query
        .order((at::started_at.asc(), at::id.asc()))
        .limit(paging.limit + 1)
        .select(AttemptRow::as_select())
        .load(conn)
}

/// A page of the candidate's attempts, newest first; one row more when more follow.
pub fn page_for_user(
    conn: &mut DbConn,
    user_id: &str,
    paging: &Paging,
) -> QueryResult<Vec<AttemptRow>> {
    let mut query = at::table.filter(at::user_id.eq(user_id)).into_boxed();
    if let Some(before) = &paging.after {
        query = query.filter(
            at::started_at.lt(before.at).or(at::started_at
                .eq(before.at)
                .and(at::id.lt(before.id.clone()))),
        );
    }
    query
        .order((at::started_at.desc(), at::id.desc()))
        .limit(paging.limit + 1)
        .select(AttemptRow::as_select())
        .load(conn)
}

/// The results of several attempts, in one query.
pub fn results_for(conn: &mut DbConn, attempt_ids: &[String]) -> QueryResult<Vec<ResultRow>> {
    rs::table
        .filter(rs::attempt_id.eq_any(attempt_ids))
        .select(ResultRow::as_select())
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
    let (p1, p2) = match conn {
        DbConn::Pg(_) => ("$1", "$2"),
        DbConn::Sqlite(_) => ("?", "?"),
    };
    let sql = format!(
        "SELECT a.id AS id FROM attempts a \
         LEFT JOIN attempt_rule_states s ON s.attempt_id = a.id \
         WHERE a.status = {p1} \
         AND NOT EXISTS (SELECT 1 FROM attempt_flags f WHERE f.attempt_id = a.id AND f.rule = 'heartbeat_gap') \
         AND COALESCE(s.last_heartbeat_at, \
                      (SELECT MAX(e.received_at) FROM attempt_events e \
                       WHERE e.attempt_id = a.id AND e.kind = 'heartbeat' AND s.attempt_id IS NULL), \
                      a.started_at) < {p2} \
         LIMIT 500"
    );
    let rows: Vec<IdRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(IN_PROGRESS)
        .bind::<diesel::sql_types::Timestamp, _>(since)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Whether the candidate has an attempt at this certification held for review.
pub fn awaiting_review(conn: &mut DbConn, user_id: &str, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        at::table
            .filter(at::user_id.eq(user_id))
            .filter(at::certification_code.eq(code))
            .filter(at::status.eq(AttemptStatus::PendingReview.as_str())),
    ))
    .get_result(conn)
}
