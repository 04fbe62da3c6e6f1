//! Status lists and each certificate's entry in one. A list's set bits are its revoked
//! certificates, read from `certificates.revoked_at`.

use super::schema::{certificates as c, status_entries as se, status_lists as sl};
use super::DbConn;
use crate::domain::status_list::{draw_index, FILL_LIMIT, LIST_SIZE};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sl)]
pub struct StatusListRow {
    pub id: String,
    pub size: i32,
    pub created_at: NaiveDateTime,
}

/// A certificate's place: its list and index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub list_id: String,
    pub index: usize,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<StatusListRow>> {
    sl::table
        .find(id)
        .select(StatusListRow::as_select())
        .first(conn)
        .optional()
}

pub fn entry(conn: &mut DbConn, number: &str) -> QueryResult<Option<Entry>> {
    Ok(se::table
        .find(number)
        .select((se::list_id, se::list_index))
        .first::<(String, i32)>(conn)
        .optional()?
        .map(|(list_id, index)| Entry {
            list_id,
            index: index as usize,
        }))
}

/// Gives a certificate its entry (once; an entry never moves): a random free index in the
/// newest list that is less than half full, or in a new list.
pub fn assign(conn: &mut DbConn, number: &str, now: NaiveDateTime) -> QueryResult<Entry> {
    if let Some(found) = entry(conn, number)? {
        return Ok(found);
    }
    let mut rng = rand::rng();
    loop {
        let list = current_list(conn, now)?;
        let size = list.size as usize;
        let mut taken = |i: usize| {
            diesel::select(diesel::dsl::exists(
                se::table
                    .filter(se::list_id.eq(&list.id))
                    .filter(se::list_index.eq(i as i32)),
            ))
            .get_result::<bool>(conn)
            .unwrap_or(true)
        };
        let Some(index) = draw_index(&mut rng, size, 64, &mut taken) else {
            continue;
        };
        // Another transaction may take the same index meanwhile: then draw again.
        let row = (
            se::certificate_number.eq(number),
            se::list_id.eq(&list.id),
            se::list_index.eq(index as i32),
        );
        let inserted = match conn {
            DbConn::Sqlite(c) => diesel::insert_or_ignore_into(se::table)
                .values(row)
                .execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(se::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
        if inserted == 1 {
            return Ok(Entry {
                list_id: list.id,
                index,
            });
        }
        if let Some(found) = entry(conn, number)? {
            return Ok(found);
        }
    }
}

/// The newest list with room, or a new one.
fn current_list(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<StatusListRow> {
    let newest: Option<StatusListRow> = sl::table
        .order((sl::created_at.desc(), sl::id.desc()))
        .select(StatusListRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(list) = newest {
        let used: i64 = se::table
            .filter(se::list_id.eq(&list.id))
            .count()
            .get_result(conn)?;
        if (used as usize) < FILL_LIMIT {
            return Ok(list);
        }
    }
    let list = StatusListRow {
        id: super::new_id(),
        size: LIST_SIZE as i32,
        created_at: now,
    };
    diesel::insert_into(sl::table).values(&list).execute(conn)?;
    Ok(list)
}

/// The indices of a list whose certificates are revoked.
pub fn revoked_indices(conn: &mut DbConn, list_id: &str) -> QueryResult<Vec<usize>> {
    let rows: Vec<i32> = se::table
        .inner_join(c::table)
        .filter(se::list_id.eq(list_id))
        .filter(c::revoked_at.is_not_null())
        .select(se::list_index)
        .load(conn)?;
    Ok(rows.into_iter().map(|i| i as usize).collect())
}

/// Certificates without an entry (issued before status lists existed).
pub fn without_entry(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    c::table
        .left_join(se::table)
        .filter(se::certificate_number.nullable().is_null())
        .select(c::number)
        .order(c::number.asc())
        .load(conn)
}
