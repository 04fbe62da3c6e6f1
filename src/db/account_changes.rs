//! The feed of account changes the triggers of migration 000017 write (a role changed, an
//! account disabled, re-enabled or deleted, a session revoked): one row per change.

use super::schema::account_changes as ac;
use super::DbConn;
use diesel::prelude::*;

/// At most this many rows are read at once; the rest come with the next reading.
const PAGE: i64 = 10_000;
/// How many of the newest rows pruning keeps: more than any reader's look-back.
const KEPT: i64 = 10_000;

/// The changes numbered above `after`, in order, as (seq, user id).
pub fn after(conn: &mut DbConn, after: i64) -> QueryResult<Vec<(i64, String)>> {
    ac::table
        .filter(ac::seq.gt(after))
        .order(ac::seq.asc())
        .select((ac::seq, ac::user_id))
        .limit(PAGE)
        .load(conn)
}

/// The number of the newest change; 0 when there is none.
pub fn newest(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(ac::table
        .select(diesel::dsl::max(ac::seq))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Deletes all but the newest rows; the number deleted.
pub fn prune(conn: &mut DbConn) -> QueryResult<usize> {
    let below = newest(conn)? - KEPT;
    diesel::delete(ac::table.filter(ac::seq.le(below))).execute(conn)
}
