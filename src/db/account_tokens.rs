//! One-time links (password reset, address verification), stored as SHA-256 hashes.

use super::schema::account_tokens as at;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = at)]
pub struct AccountTokenRow {
    pub id: String,
    pub user_id: String,
    pub purpose: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &AccountTokenRow) -> QueryResult<()> {
    diesel::insert_into(at::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Spends a live token for `purpose`: true for the one request that spends it.
pub fn spend(
    conn: &mut DbConn,
    hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let row = at::table
        .filter(at::token_hash.eq(hash))
        .filter(at::purpose.eq(purpose))
        .select(AccountTokenRow::as_select())
        .get_result(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let n = diesel::update(
        at::table
            .filter(at::id.eq(&row.id))
            .filter(at::used_at.is_null())
            .filter(at::expires_at.gt(now)),
    )
    .set(at::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok((n == 1).then_some(row.user_id))
}

/// Ends every unused token of a user for `purpose` (a reset spent ends the others).
pub fn spend_all(
    conn: &mut DbConn,
    user_id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        at::table
            .filter(at::user_id.eq(user_id))
            .filter(at::purpose.eq(purpose))
            .filter(at::used_at.is_null()),
    )
    .set(at::used_at.eq(Some(now)))
    .execute(conn)
}

/// When the user's newest token for `purpose` was made.
pub fn newest(
    conn: &mut DbConn,
    user_id: &str,
    purpose: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    at::table
        .filter(at::user_id.eq(user_id))
        .filter(at::purpose.eq(purpose))
        .select(diesel::dsl::max(at::created_at))
        .get_result(conn)
}

/// The token with this hash, if it is for `purpose`, unused and unexpired.
pub fn live(
    conn: &mut DbConn,
    hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<AccountTokenRow>> {
    at::table
        .filter(at::token_hash.eq(hash))
        .filter(at::purpose.eq(purpose))
        .filter(at::used_at.is_null())
        .filter(at::expires_at.gt(now))
        .select(AccountTokenRow::as_select())
        .get_result(conn)
        .optional()
}
