//! The audit trail: rows are only ever inserted (the database refuses anything else).

use super::schema::audit_log as al;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = al)]
pub struct AuditRow {
    pub id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub attempt_id: Option<String>,
    pub certificate_number: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: Option<String>,
    /// The account an administrator's change was about.
    pub subject_user_id: Option<String>,
}

/// One entry, without its id and sequence.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub attempt_id: Option<&'a str>,
    pub certificate_number: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub detail: Option<String>,
    pub subject_user_id: Option<&'a str>,
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
}

/// The next sequence number: a PostgreSQL sequence, or the single SQLite writer's max + 1.
fn next_seq(conn: &mut DbConn) -> QueryResult<i64> {
    let sql = match conn {
        DbConn::Pg(_) => "SELECT nextval('audit_log_seq') AS seq",
        DbConn::Sqlite(_) => "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM audit_log",
    };
    Ok(diesel::sql_query(sql).get_result::<Next>(conn)?.seq)
}

pub fn append(conn: &mut DbConn, at: NaiveDateTime, entry: Entry<'_>) -> QueryResult<()> {
    let row = AuditRow {
        id: super::new_id(),
        seq: next_seq(conn)?,
        at,
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        attempt_id: entry.attempt_id.map(str::to_string),
        certificate_number: entry.certificate_number.map(str::to_string),
        from_status: entry.from.map(str::to_string),
        to_status: entry.to.map(str::to_string),
        detail: entry.detail,
        subject_user_id: entry.subject_user_id.map(str::to_string),
    };
    diesel::insert_into(al::table)
        .values(&row)
        .execute(conn)
        .map(|_| ())
}

pub fn for_attempt(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<AuditRow>> {
    al::table
        .filter(al::attempt_id.eq(attempt_id))
        .order(al::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

pub fn for_certificate(conn: &mut DbConn, number: &str) -> QueryResult<Vec<AuditRow>> {
    al::table
        .filter(al::certificate_number.eq(number))
        .order(al::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Which entries an audit query wants; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub attempt_id: Option<String>,
    pub certificate_number: Option<String>,
    /// Entries the user did, or about them, their attempts and certificates.
    pub user_id: Option<String>,
    /// From this instant, inclusive.
    pub from: Option<NaiveDateTime>,
    /// Before this instant, exclusive.
    pub to: Option<NaiveDateTime>,
}

/// A page of entries in (at, seq) order after `after` (at, seq); one row more than the
/// page when more follow.
pub fn page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    use super::schema::{attempts as at, certificates as ce};
    let mut query = al::table.into_boxed();
    if let Some(id) = &filter.attempt_id {
        query = query.filter(al::attempt_id.eq(id.clone()));
    }
    if let Some(number) = &filter.certificate_number {
        query = query.filter(al::certificate_number.eq(number.clone()));
    }
    if let Some(user) = &filter.user_id {
        let attempts = at::table
            .filter(at::user_id.eq(user.clone()))
            .select(at::id.nullable());
        let certificates = ce::table
            .filter(ce::user_id.eq(user.clone()))
            .select(ce::number.nullable());
        query = query.filter(
            al::actor
                .eq(user.clone())
                .or(al::subject_user_id.eq(user.clone()))
                .or(al::attempt_id.eq_any(attempts))
                .or(al::certificate_number.eq_any(certificates)),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(al::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(al::at.lt(to));
    }
    if let Some((at_, seq)) = after {
        query = query.filter(al::at.gt(at_).or(al::at.eq(at_).and(al::seq.gt(seq))));
    }
    query
        .order((al::at.asc(), al::seq.asc()))
        .limit(limit + 1)
        .select(AuditRow::as_select())
        .load(conn)
}
