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
