//! The outbox: messages queued with the change that causes them, claimed by one worker at
//! a time across instances, and marked delivered, retried or given up.

use super::schema::outbox as ob;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ob)]
pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub event: String,
    pub dedupe_key: String,
    pub recipient: Option<String>,
    pub endpoint_id: Option<String>,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub claimed_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub abandoned_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

impl OutboxRow {
    /// A message due now, never tried. `recipient` is a mail's address, `endpoint_id` a
    /// webhook's endpoint.
    pub fn queued(
        id: String,
        channel: &str,
        event: &str,
        dedupe_key: String,
        (recipient, endpoint_id): (Option<String>, Option<String>),
        payload: String,
        at: NaiveDateTime,
    ) -> OutboxRow {
        OutboxRow {
            id,
            channel: channel.into(),
            event: event.into(),
            dedupe_key,
            recipient,
            endpoint_id,
            payload,
            created_at: at,
            next_attempt_at: at,
            attempts: 0,
            claimed_until: None,
            delivered_at: None,
            abandoned_at: None,
            last_status: None,
            last_error: None,
        }
    }
}

/// Queues a message unless one with its `dedupe_key` already is; true when queued.
pub fn enqueue(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<bool> {
    let n = match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(ob::table)
            .values(row)
            .execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(ob::table)
            .values(row)
            .on_conflict(ob::dedupe_key)
            .do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

/// Claims up to `limit` due messages until `lease_until`: a message is claimed by one
/// worker at a time, whichever instance it runs in (the conditional update decides; on
/// PostgreSQL a concurrent claimer waits for the row and then finds it taken).
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let due = || {
        ob::delivered_at
            .is_null()
            .and(ob::abandoned_at.is_null())
            .and(ob::next_attempt_at.le(now))
            .and(ob::claimed_until.is_null().or(ob::claimed_until.lt(now)))
    };
    let ids: Vec<String> = ob::table
        .filter(due())
        .order(ob::next_attempt_at.asc())
        .limit(limit)
        .select(ob::id)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let won = diesel::update(ob::table.filter(ob::id.eq(&id)).filter(due()))
            .set((
                ob::claimed_until.eq(lease_until),
                ob::attempts.eq(ob::attempts + 1),
            ))
            .execute(conn)?;
        if won == 1 {
            claimed.push(
                ob::table
                    .find(&id)
                    .select(OutboxRow::as_select())
                    .get_result(conn)?,
            );
        }
    }
    Ok(claimed)
}

/// Records a delivery. `scrubbed` replaces the payload (a delivered mail keeps only its
/// envelope, so no one-time link outlives its sending).
pub fn delivered(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    status: Option<i32>,
    scrubbed: Option<&str>,
) -> QueryResult<usize> {
    let target = ob::table.filter(ob::id.eq(id));
    let done = (
        ob::delivered_at.eq(Some(at)),
        ob::claimed_until.eq(None::<NaiveDateTime>),
        ob::last_status.eq(status),
        ob::last_error.eq(None::<String>),
    );
    match scrubbed {
        Some(payload) => diesel::update(target)
            .set((done, ob::payload.eq(payload)))
            .execute(conn),
        None => diesel::update(target).set(done).execute(conn),
    }
}

/// Records a failed try: when to try again, or that the message is given up.
pub fn failed(
    conn: &mut DbConn,
    id: &str,
    retry_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
    status: Option<i32>,
    error: &str,
) -> QueryResult<usize> {
    let target = ob::table.filter(ob::id.eq(id));
    let failure = (
        ob::claimed_until.eq(None::<NaiveDateTime>),
        ob::last_status.eq(status),
        ob::last_error.eq(Some(error.chars().take(500).collect::<String>())),
    );
    match retry_at {
        Some(next) => diesel::update(target)
            .set((failure, ob::next_attempt_at.eq(next)))
            .execute(conn),
        None => diesel::update(target)
            .set((failure, ob::abandoned_at.eq(Some(at))))
            .execute(conn),
    }
}

/// Messages to one recipient, newest first (the delivery log of a mailbox).
pub fn for_recipient(conn: &mut DbConn, recipient: &str) -> QueryResult<Vec<OutboxRow>> {
    ob::table
        .filter(ob::recipient.eq(recipient))
        .order((ob::created_at.desc(), ob::id.desc()))
        .select(OutboxRow::as_select())
        .load(conn)
}
