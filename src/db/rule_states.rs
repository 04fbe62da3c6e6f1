//! Each attempt's proctoring rule state (see `domain::proctoring::RuleState`), as JSON,
//! with its last heartbeat beside it for the queries that need only that.

use super::schema::attempt_rule_states as rs;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The stored state of one attempt, as JSON; None when it has none yet.
pub fn find(conn: &mut DbConn, attempt_id: &str) -> QueryResult<Option<String>> {
    rs::table
        .find(attempt_id)
        .select(rs::state)
        .first(conn)
        .optional()
}

/// Stores (or replaces) the state of one attempt. The caller holds the attempt's lock.
pub fn store(
    conn: &mut DbConn,
    attempt_id: &str,
    state: &str,
    last_heartbeat_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let row = (
        rs::attempt_id.eq(attempt_id),
        rs::state.eq(state),
        rs::last_heartbeat_at.eq(last_heartbeat_at),
    );
    // ON CONFLICT is written per backend: diesel's multi-backend connection has no upsert.
    macro_rules! upsert {
        ($conn:expr) => {
            diesel::insert_into(rs::table)
                .values(row)
                .on_conflict(rs::attempt_id)
                .do_update()
                .set((
                    rs::state.eq(state),
                    rs::last_heartbeat_at.eq(last_heartbeat_at),
                ))
                .execute($conn)
        };
    }
    match conn {
        DbConn::Sqlite(c) => upsert!(c),
        DbConn::Pg(c) => upsert!(c),
    }
    .map(|_| ())
}

/// The last heartbeat of each of several attempts that have a stored state.
pub fn last_heartbeats(
    conn: &mut DbConn,
    attempt_ids: &[String],
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    rs::table
        .filter(rs::attempt_id.eq_any(attempt_ids))
        .select((rs::attempt_id, rs::last_heartbeat_at))
        .load(conn)
}
