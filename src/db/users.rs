//! User rows.

use super::schema::users;
use super::DbConn;
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub email_verified_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub email_verified_at: Option<NaiveDateTime>,
}

/// Inserts a user; an email already in use is `email_taken` (the unique index decides,
/// so two concurrent registrations cannot both succeed).
pub fn insert(conn: &mut DbConn, user: &NewUser<'_>) -> ApiResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map_err(|e| super::unique_violation_as(e, ApiError::EmailTaken))?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

/// Several users in one query (a page of a list names its candidates).
pub fn find_many(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

/// What decides whether an access token still stands: the account's role and whether it
/// is disabled (`None` when it no longer exists), and whether the token's session (its
/// refresh-token family) has been revoked.
pub fn standing(
    conn: &mut DbConn,
    id: &str,
    session: Option<&str>,
) -> QueryResult<(Option<(String, bool)>, bool)> {
    use super::schema::refresh_tokens as rt;
    let account = users::table
        .find(id)
        .select((users::role, users::disabled_at.is_not_null()))
        .get_result::<(String, bool)>(conn)
        .optional()?;
    let revoked = match (&account, session) {
        (Some(_), Some(family)) => diesel::select(diesel::dsl::exists(
            rt::table
                .filter(rt::family_id.eq(family))
                .filter(rt::user_id.eq(id))
                .filter(rt::revoked_at.is_not_null()),
        ))
        .get_result(conn)?,
        _ => false,
    };
    Ok((account, revoked))
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A page of accounts in (created_at, id) order after `after`, one row more than the page
/// when more follow; `search` matches part of the address or the name, in any case.
pub fn page(
    conn: &mut DbConn,
    search: Option<&str>,
    role: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.into_boxed();
    if let Some(text) = search {
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::full_name).like(pattern).escape('\\')),
        );
    }
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.to_string()));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            users::created_at
                .gt(at)
                .or(users::created_at.eq(at).and(users::id.gt(id))),
        );
    }
    query
        .order((users::created_at.asc(), users::id.asc()))
        .limit(limit + 1)
        .select(UserRow::as_select())
        .load(conn)
}

/// Sets what an administrator may change of an account.
pub fn set_role(conn: &mut DbConn, id: &str, role: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::role.eq(role))
        .execute(conn)
}

pub fn set_disabled(conn: &mut DbConn, id: &str, at: Option<NaiveDateTime>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::disabled_at.eq(at))
        .execute(conn)
}

pub fn set_password_hash(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

/// Marks the address verified (once: a later verification keeps the first instant).
pub fn verify_email(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(Some(at)))
    .execute(conn)
}
