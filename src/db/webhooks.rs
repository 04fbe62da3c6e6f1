//! Partners' webhook endpoints, the certificates each partner follows, and deliveries.

use super::schema::{
    outbox as ob, partner_certificates as pc, partners as p, webhook_endpoints as we,
};
use super::DbConn;
use crate::db::outbox::OutboxRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = we)]
pub struct EndpointRow {
    pub id: String,
    pub partner_id: String,
    pub url: String,
    pub secret: String,
    pub every_certificate: bool,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &EndpointRow) -> QueryResult<()> {
    diesel::insert_into(we::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A partner's live endpoints, oldest first.
pub fn for_partner(conn: &mut DbConn, partner_id: &str) -> QueryResult<Vec<EndpointRow>> {
    we::table
        .filter(we::partner_id.eq(partner_id))
        .filter(we::deleted_at.is_null())
        .order((we::created_at.asc(), we::id.asc()))
        .select(EndpointRow::as_select())
        .load(conn)
}

/// One live endpoint of a partner.
pub fn find(conn: &mut DbConn, partner_id: &str, id: &str) -> QueryResult<Option<EndpointRow>> {
    we::table
        .filter(we::id.eq(id))
        .filter(we::partner_id.eq(partner_id))
        .filter(we::deleted_at.is_null())
        .select(EndpointRow::as_select())
        .get_result(conn)
        .optional()
}

/// Any endpoint by id, deleted or not (a queued delivery outlives its endpoint's deletion
/// only to be given up).
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<EndpointRow>> {
    we::table
        .find(id)
        .select(EndpointRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn delete(
    conn: &mut DbConn,
    partner_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        we::table
            .filter(we::id.eq(id))
            .filter(we::partner_id.eq(partner_id))
            .filter(we::deleted_at.is_null()),
    )
    .set(we::deleted_at.eq(Some(at)))
    .execute(conn)
}

/// The live endpoints of live partners that want news of this certificate: those that
/// follow every certificate, and those whose partner has verified it.
pub fn following(conn: &mut DbConn, number: &str) -> QueryResult<Vec<EndpointRow>> {
    let verified_by = pc::table
        .filter(pc::certificate_number.eq(number))
        .select(pc::partner_id);
    let live_partners = p::table.filter(p::revoked_at.is_null()).select(p::id);
    we::table
        .filter(we::deleted_at.is_null())
        .filter(we::partner_id.eq_any(live_partners))
        .filter(
            we::every_certificate
                .eq(true)
                .or(we::partner_id.eq_any(verified_by)),
        )
        .order(we::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)
}

/// Remembers that a partner verified these certificates (the first time only).
pub fn follow(
    conn: &mut DbConn,
    partner_id: &str,
    numbers: &[String],
    at: NaiveDateTime,
) -> QueryResult<()> {
    let rows: Vec<_> = numbers
        .iter()
        .map(|n| {
            (
                pc::partner_id.eq(partner_id),
                pc::certificate_number.eq(n),
                pc::first_verified_at.eq(at),
            )
        })
        .collect();
    match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(pc::table)
            .values(&rows)
            .execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(pc::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(())
}

/// An endpoint's deliveries, newest first, a page at a time (one more row than the page
/// when more follow).
pub fn deliveries(
    conn: &mut DbConn,
    endpoint_id: &str,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut q = ob::table
        .filter(ob::endpoint_id.eq(endpoint_id))
        .into_boxed();
    if let Some((at, id)) = before {
        q = q.filter(
            ob::created_at
                .lt(at)
                .or(ob::created_at.eq(at).and(ob::id.lt(id))),
        );
    }
    q.order((ob::created_at.desc(), ob::id.desc()))
        .limit(limit + 1)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Queues a delivery again from now, whatever became of it.
pub fn redeliver(
    conn: &mut DbConn,
    endpoint_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        ob::table
            .filter(ob::id.eq(id))
            .filter(ob::endpoint_id.eq(endpoint_id)),
    )
    .set((
        ob::next_attempt_at.eq(now),
        ob::delivered_at.eq(None::<NaiveDateTime>),
        ob::abandoned_at.eq(None::<NaiveDateTime>),
        ob::claimed_until.eq(None::<NaiveDateTime>),
        ob::created_at.eq(now),
    ))
    .execute(conn)
}
