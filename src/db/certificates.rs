//! Certificate rows, their events, partners and signing keys.

use super::schema::{
    certificate_events as ce, certificates as c, certifications as cn, partners as p,
    signing_keys as sk,
};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = c)]
pub struct CertificateRow {
    pub number: String,
    pub user_id: String,
    pub certification_code: String,
    pub holder_name: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub renewal_window_days: i32,
    pub issuing_attempt_id: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ce)]
pub struct EventRow {
    pub id: String,
    pub certificate_number: String,
    pub kind: String,
    pub attempt_id: Option<String>,
    pub at: NaiveDateTime,
    pub expires_on_before: Option<NaiveDate>,
    pub expires_on_after: NaiveDate,
    pub detail: Option<String>,
}

/// A certificate with what the public views need of its certification.
#[derive(Debug, Clone)]
pub struct CertificateRecord {
    pub row: CertificateRow,
    pub title: String,
    pub level: String,
}

fn with_certification(
    conn: &mut DbConn,
    rows: Vec<CertificateRow>,
) -> QueryResult<Vec<CertificateRecord>> {
    let codes: Vec<&str> = rows.iter().map(|r| r.certification_code.as_str()).collect();
    let info: Vec<(String, String, String)> = cn::table
        .filter(cn::code.eq_any(&codes))
        .select((cn::code, cn::title, cn::level))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (title, level) = info
                .iter()
                .find(|(code, _, _)| *code == row.certification_code)
                .map(|(_, t, l)| (t.clone(), l.clone()))
                .unwrap_or_default();
            CertificateRecord { row, title, level }
        })
        .collect())
}

pub fn find(conn: &mut DbConn, number: &str) -> QueryResult<Option<CertificateRecord>> {
    let rows: Vec<CertificateRow> = c::table
        .filter(c::number.eq(number))
        .select(CertificateRow::as_select())
        .load(conn)?;
    Ok(with_certification(conn, rows)?.pop())
}

/// Several numbers in one query, for partners' batches.
pub fn find_many(conn: &mut DbConn, numbers: &[String]) -> QueryResult<Vec<CertificateRecord>> {
    let rows: Vec<CertificateRow> = c::table
        .filter(c::number.eq_any(numbers))
        .select(CertificateRow::as_select())
        .load(conn)?;
    with_certification(conn, rows)
}

pub fn list_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<CertificateRecord>> {
    let rows: Vec<CertificateRow> = c::table
        .filter(c::user_id.eq(user_id))
        .order((c::issued_on.desc(), c::number.asc()))
        .select(CertificateRow::as_select())
        .load(conn)?;
    with_certification(conn, rows)
}

/// The holder's unrevoked certificates of one certification, latest expiry first.
pub fn held(conn: &mut DbConn, user_id: &str, code: &str) -> QueryResult<Vec<CertificateRow>> {
    c::table
        .filter(c::user_id.eq(user_id))
        .filter(c::certification_code.eq(code))
        .filter(c::revoked_at.is_null())
        .order(c::expires_on.desc())
        .select(CertificateRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConn, row: &CertificateRow) -> QueryResult<()> {
    diesel::insert_into(c::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn exists(conn: &mut DbConn, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(c::table.filter(c::number.eq(number)))).get_result(conn)
}

pub fn set_expiry(conn: &mut DbConn, number: &str, expires_on: NaiveDate) -> QueryResult<()> {
    diesel::update(c::table.find(number))
        .set(c::expires_on.eq(expires_on))
        .execute(conn)
        .map(|_| ())
}

/// Revokes once; false when it was already revoked (the first reason stands).
pub fn revoke(
    conn: &mut DbConn,
    number: &str,
    at: NaiveDateTime,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        c::table
            .filter(c::number.eq(number))
            .filter(c::revoked_at.is_null()),
    )
    .set((c::revoked_at.eq(at), c::revoked_reason.eq(reason)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_event(conn: &mut DbConn, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(ce::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn events(conn: &mut DbConn, number: &str) -> QueryResult<Vec<EventRow>> {
    ce::table
        .filter(ce::certificate_number.eq(number))
        .order((ce::at.asc(), ce::id.asc()))
        .select(EventRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = p)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub api_key_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_partner(conn: &mut DbConn, row: &PartnerRow) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The partner holding an unrevoked key with this hash.
pub fn partner_by_key_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<PartnerRow>> {
    p::table
        .filter(p::api_key_hash.eq(hash))
        .filter(p::revoked_at.is_null())
        .select(PartnerRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn revoke_partner(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<PartnerRow>> {
    diesel::update(
        p::table
            .filter(p::id.eq(id))
            .filter(p::revoked_at.is_null()),
    )
    .set(p::revoked_at.eq(at))
    .execute(conn)?;
    p::table
        .find(id)
        .select(PartnerRow::as_select())
        .get_result(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sk)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_key: String,
    pub public_key: String,
    pub created_at: NaiveDateTime,
    /// `EdDSA` (Ed25519) or `RS256` (RSA).
    pub algorithm: String,
}

/// Every key of `algorithm`, newest first: the first signs, all are published.
pub fn signing_keys(conn: &mut DbConn, algorithm: &str) -> QueryResult<Vec<SigningKeyRow>> {
    sk::table
        .filter(sk::algorithm.eq(algorithm))
        .order((sk::created_at.desc(), sk::kid.desc()))
        .select(SigningKeyRow::as_select())
        .load(conn)
}

pub fn insert_signing_key(conn: &mut DbConn, row: &SigningKeyRow) -> QueryResult<()> {
    diesel::insert_into(sk::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Unrevoked certificates whose last valid day is within `from..=to`.
pub fn expiring_between(
    conn: &mut DbConn,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> QueryResult<Vec<CertificateRecord>> {
    let rows: Vec<CertificateRow> = c::table
        .filter(c::revoked_at.is_null())
        .filter(c::expires_on.ge(from))
        .filter(c::expires_on.le(to))
        .order(c::number.asc())
        .select(CertificateRow::as_select())
        .load(conn)?;
    with_certification(conn, rows)
}
