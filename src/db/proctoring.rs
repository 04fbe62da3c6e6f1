//! Proctoring rows: events, the save log, flags, warnings, accommodations.

use super::schema::{
    accommodations as ac, answer_saves as sv, attempt_events as ev, attempt_flags as fl,
    attempt_pauses as ps, attempt_warnings as wr,
};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ev)]
pub struct EventRow {
    pub id: String,
    pub attempt_id: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub details: String,
    pub client_addr: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sv)]
pub struct SaveRow {
    pub id: String,
    pub attempt_id: String,
    pub position: i32,
    pub revision: i32,
    pub saved_at: NaiveDateTime,
    pub client_addr: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fl)]
pub struct FlagRow {
    pub attempt_id: String,
    pub rule: String,
    pub raised_at: NaiveDateTime,
    pub detail: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = wr)]
pub struct WarningRow {
    pub id: String,
    pub attempt_id: String,
    pub proctor_id: String,
    pub text: String,
    pub issued_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ac)]
pub struct AccommodationRow {
    pub id: String,
    pub user_id: String,
    pub certification_code: Option<String>,
    pub extra_time_percent: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConn, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(ev::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn events(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<EventRow>> {
    ev::table
        .filter(ev::attempt_id.eq(attempt_id))
        .order((ev::received_at.asc(), ev::id.asc()))
        .select(EventRow::as_select())
        .load(conn)
}

pub fn events_since(conn: &mut DbConn, attempt_id: &str, since: NaiveDateTime) -> QueryResult<i64> {
    ev::table
        .filter(ev::attempt_id.eq(attempt_id))
        .filter(ev::received_at.gt(since))
        .count()
        .get_result(conn)
}

pub fn last_heartbeat(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    ev::table
        .filter(ev::attempt_id.eq(attempt_id))
        .filter(ev::kind.eq("heartbeat"))
        .select(diesel::dsl::max(ev::received_at))
        .get_result(conn)
}

/// The last heartbeat of each of several attempts, in one query.
pub fn last_heartbeats(
    conn: &mut DbConn,
    attempt_ids: &[String],
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    ev::table
        .filter(ev::attempt_id.eq_any(attempt_ids))
        .filter(ev::kind.eq("heartbeat"))
        .group_by(ev::attempt_id)
        .select((ev::attempt_id, diesel::dsl::max(ev::received_at)))
        .load(conn)
}

pub fn insert_save(conn: &mut DbConn, row: &SaveRow) -> QueryResult<()> {
    diesel::insert_into(sv::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn saves(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<SaveRow>> {
    sv::table
        .filter(sv::attempt_id.eq(attempt_id))
        .order((sv::saved_at.asc(), sv::id.asc()))
        .select(SaveRow::as_select())
        .load(conn)
}

/// The distinct (address, user agent) pairs an attempt's events and saves came from.
pub fn clients(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<(String, String)>> {
    let mut from_events: Vec<(String, String)> = ev::table
        .filter(ev::attempt_id.eq(attempt_id))
        .select((ev::client_addr, ev::user_agent))
        .distinct()
        .load(conn)?;
    let from_saves: Vec<(String, String)> = sv::table
        .filter(sv::attempt_id.eq(attempt_id))
        .select((sv::client_addr, sv::user_agent))
        .distinct()
        .load(conn)?;
    from_events.extend(from_saves);
    from_events.sort();
    from_events.dedup();
    Ok(from_events)
}

pub fn flags(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<FlagRow>> {
    fl::table
        .filter(fl::attempt_id.eq(attempt_id))
        .order((fl::raised_at.asc(), fl::rule.asc()))
        .select(FlagRow::as_select())
        .load(conn)
}

pub fn flags_for(conn: &mut DbConn, attempt_ids: &[String]) -> QueryResult<Vec<FlagRow>> {
    fl::table
        .filter(fl::attempt_id.eq_any(attempt_ids))
        .order((fl::raised_at.asc(), fl::rule.asc()))
        .select(FlagRow::as_select())
        .load(conn)
}

/// Raises a flag unless it is raised already; true when this call raised it. Two requests
/// of one attempt may both find a rule newly due (PostgreSQL runs them side by side): the
/// second insert is a no-op, not a unique violation.
pub fn insert_flag(conn: &mut DbConn, row: &FlagRow) -> QueryResult<bool> {
    // ON CONFLICT is written per backend: diesel's multi-backend connection has no upsert.
    macro_rules! insert {
        ($conn:expr) => {
            diesel::insert_into(fl::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute($conn)
        };
    }
    let n = match conn {
        DbConn::Sqlite(c) => insert!(c),
        DbConn::Pg(c) => insert!(c),
    }?;
    Ok(n == 1)
}

pub fn insert_warning(conn: &mut DbConn, row: &WarningRow) -> QueryResult<()> {
    diesel::insert_into(wr::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The warnings of several attempts, in one query, oldest first.
pub fn warnings_for(conn: &mut DbConn, attempt_ids: &[String]) -> QueryResult<Vec<WarningRow>> {
    wr::table
        .filter(wr::attempt_id.eq_any(attempt_ids))
        .order((wr::issued_at.asc(), wr::id.asc()))
        .select(WarningRow::as_select())
        .load(conn)
}

pub fn warnings(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Vec<WarningRow>> {
    wr::table
        .filter(wr::attempt_id.eq(attempt_id))
        .order((wr::issued_at.asc(), wr::id.asc()))
        .select(WarningRow::as_select())
        .load(conn)
}

pub fn insert_accommodation(conn: &mut DbConn, row: &AccommodationRow) -> QueryResult<()> {
    diesel::insert_into(ac::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The extra time that applies to a new attempt: the latest accommodation for this
/// certification, else the latest for all certifications, else none.
pub fn extra_time_percent(conn: &mut DbConn, user_id: &str, code: &str) -> QueryResult<i32> {
    let rows: Vec<AccommodationRow> = ac::table
        .filter(ac::user_id.eq(user_id))
        .order(ac::created_at.desc())
        .select(AccommodationRow::as_select())
        .load(conn)?;
    let specific = rows
        .iter()
        .find(|r| r.certification_code.as_deref() == Some(code));
    let general = rows.iter().find(|r| r.certification_code.is_none());
    Ok(specific.or(general).map_or(0, |r| r.extra_time_percent))
}

/// The attempt's pauses as (from, until), oldest first; `until` is None while one lasts.
pub fn pauses(
    conn: &mut DbConn,
    attempt_id: &str,
) -> QueryResult<Vec<(NaiveDateTime, Option<NaiveDateTime>)>> {
    ps::table
        .filter(ps::attempt_id.eq(attempt_id))
        .order(ps::paused_at.asc())
        .select((ps::paused_at, ps::resumed_at))
        .load(conn)
}

pub fn start_pause(conn: &mut DbConn, attempt_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(ps::table)
        .values((ps::attempt_id.eq(attempt_id), ps::paused_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

pub fn end_pause(conn: &mut DbConn, attempt_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        ps::table
            .filter(ps::attempt_id.eq(attempt_id))
            .filter(ps::resumed_at.is_null()),
    )
    .set(ps::resumed_at.eq(at))
    .execute(conn)
    .map(|_| ())
}

/// A candidate's accommodations, oldest first.
pub fn accommodations_for(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<AccommodationRow>> {
    ac::table
        .filter(ac::user_id.eq(user_id))
        .order((ac::created_at.asc(), ac::id.asc()))
        .select(AccommodationRow::as_select())
        .load(conn)
}

/// An event recorded as the long path would record it, in one statement through the
/// `record_event` function (migration 000018). PostgreSQL only.
pub struct EventAtOnce<'a> {
    pub user_id: &'a str,
    /// The attempt takes events while its deadline is at or after this instant (now − grace).
    pub deadline_from: NaiveDateTime,
    /// Events received after this instant count against the per-minute limit.
    pub minute_ago: NaiveDateTime,
    pub per_minute: i64,
    /// The rule state (JSON) the new one was computed from, which the database must still hold.
    pub state_was: &'a str,
    pub state: &'a str,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub event: &'a EventRow,
}

#[derive(QueryableByName)]
struct Recorded {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    recorded: bool,
}

/// Whether the event was recorded; false, with nothing written, when the attempt is not
/// the user's, not in progress, past its deadline, over its per-minute limit, or its rule
/// state is no longer `state_was`.
pub fn record_event_at_once(
    conn: &mut diesel::PgConnection,
    at_once: &EventAtOnce<'_>,
) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    let e = at_once.event;
    diesel::sql_query(
        "SELECT record_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         AS recorded",
    )
    .bind::<Text, _>(&e.attempt_id)
    .bind::<Text, _>(at_once.user_id)
    .bind::<Timestamp, _>(at_once.deadline_from)
    .bind::<Timestamp, _>(at_once.minute_ago)
    .bind::<BigInt, _>(at_once.per_minute)
    .bind::<Text, _>(at_once.state_was)
    .bind::<Text, _>(at_once.state)
    .bind::<Nullable<Timestamp>, _>(at_once.last_heartbeat_at)
    .bind::<Text, _>(&e.id)
    .bind::<Text, _>(&e.kind)
    .bind::<Timestamp, _>(e.occurred_at)
    .bind::<Timestamp, _>(e.received_at)
    .bind::<Text, _>(&e.details)
    .bind::<Text, _>(&e.client_addr)
    .bind::<Text, _>(&e.user_agent)
    .get_result::<Recorded>(conn)
    .map(|r| r.recorded)
}
