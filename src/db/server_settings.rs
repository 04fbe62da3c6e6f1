//! Values the instances on one database must share, created once by whichever starts first.

use super::schema::server_settings as ss;
use super::DbConn;
use diesel::prelude::*;

/// Returns the stored value of `name`, storing `make()` first if there is none. Two
/// instances racing here both end with the value that won the insert.
pub fn get_or_init(
    conn: &mut DbConn,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    if let Some(v) = get(conn, name)? {
        return Ok(v);
    }
    let inserted = diesel::insert_into(ss::table)
        .values((ss::name.eq(name), ss::value.eq(make())))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e),
    }
    get(conn, name)?.ok_or(diesel::result::Error::NotFound)
}

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    ss::table
        .find(name)
        .select(ss::value)
        .get_result(conn)
        .optional()
}
