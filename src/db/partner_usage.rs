//! Requests counted per partner API key and minute, across instances.

use super::schema::partner_usage as pu;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Counts one request in the minute starting at `window_start` and returns the count so
/// far, this one included. One statement, so concurrent requests on any instance each
/// get their own count. Older windows are removed now and then.
pub fn count_request(
    conn: &mut DbConn,
    partner_id: &str,
    window_start: NaiveDateTime,
) -> QueryResult<i32> {
    let row = (
        pu::partner_id.eq(partner_id),
        pu::window_start.eq(window_start),
        pu::requests.eq(1),
    );
    let count = match conn {
        DbConn::Sqlite(c) => diesel::insert_into(pu::table)
            .values(row)
            .on_conflict((pu::partner_id, pu::window_start))
            .do_update()
            .set(pu::requests.eq(pu::requests + 1))
            .returning(pu::requests)
            .get_result(c)?,
        DbConn::Pg(c) => diesel::insert_into(pu::table)
            .values(row)
            .on_conflict((pu::partner_id, pu::window_start))
            .do_update()
            .set(pu::requests.eq(pu::requests + 1))
            .returning(pu::requests)
            .get_result(c)?,
    };
    if count == 1 {
        diesel::delete(
            pu::table
                .filter(pu::partner_id.eq(partner_id))
                .filter(pu::window_start.lt(window_start)),
        )
        .execute(conn)?;
    }
    Ok(count)
}
