//! Failed logins, one row each, in the database so that every instance counts them alike.

use super::schema::login_failures as lf;
use super::{from_db_time, to_db_time, DbConn};
use crate::domain::throttle::{FailureCounts, PAIR_MEMORY, WINDOW};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// The counts the throttling rules need for one attempt.
pub fn counts(
    conn: &mut DbConn,
    account: &str,
    client: &str,
    now: DateTime<Utc>,
) -> QueryResult<FailureCounts> {
    let window_start = to_db_time(now - WINDOW);
    let memory_start = to_db_time(now - PAIR_MEMORY);
    let (pair, pair_last): (i64, Option<NaiveDateTime>) = lf::table
        .filter(lf::account.eq(account))
        .filter(lf::client.eq(client))
        .filter(lf::failed_at.gt(memory_start))
        .select((diesel::dsl::count_star(), diesel::dsl::max(lf::failed_at)))
        .get_result(conn)?;
    let (account_n, account_oldest): (i64, Option<NaiveDateTime>) = lf::table
        .filter(lf::account.eq(account))
        .filter(lf::failed_at.gt(window_start))
        .select((diesel::dsl::count_star(), diesel::dsl::min(lf::failed_at)))
        .get_result(conn)?;
    let (client_n, client_oldest): (i64, Option<NaiveDateTime>) = lf::table
        .filter(lf::client.eq(client))
        .filter(lf::failed_at.gt(window_start))
        .select((diesel::dsl::count_star(), diesel::dsl::min(lf::failed_at)))
        .get_result(conn)?;
    Ok(FailureCounts {
        pair: pair as u32,
        pair_last: pair_last.map(from_db_time),
        account: account_n as u32,
        account_oldest: account_oldest.map(from_db_time),
        client: client_n as u32,
        client_oldest: client_oldest.map(from_db_time),
    })
}

/// Records a failure; returns its id so that a login that turns out right can take it back.
pub fn record(
    conn: &mut DbConn,
    account: &str,
    client: &str,
    at: DateTime<Utc>,
) -> QueryResult<String> {
    let id = super::new_id();
    diesel::insert_into(lf::table)
        .values((
            lf::id.eq(&id),
            lf::account.eq(account),
            lf::client.eq(client),
            lf::failed_at.eq(to_db_time(at)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A success forgives the pair's failures (not the account-wide or address-wide ones).
pub fn forgive_pair(conn: &mut DbConn, account: &str, client: &str) -> QueryResult<usize> {
    diesel::delete(
        lf::table
            .filter(lf::account.eq(account))
            .filter(lf::client.eq(client)),
    )
    .execute(conn)
}

/// Forgets failures older than anything the rules look at.
pub fn prune(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(lf::table.filter(lf::failed_at.lt(to_db_time(now - PAIR_MEMORY)))).execute(conn)
}

/// Serialises concurrent attempts on one account across PostgreSQL instances, so that a
/// burst of parallel guesses cannot all read the same count. (SQLite has one writer.)
pub fn lock_account(conn: &mut DbConn, account: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(account)
            .execute(pg)?;
    }
    Ok(())
}
