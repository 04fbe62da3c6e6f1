//! Long exams: attempts whose timelines are aged to the end of a three-hour exam before
//! the measured minute, so that what a heartbeat or a save costs at minute 180 is
//! measured beside what it costs at minute 1, in the same run.
//!
//! The rows are written straight into the database (through the API they would take
//! hours, and the event rate limit forbids them), as the API would have written them:
//! the attempt's start moved back three hours, a heartbeat every 15 s, focus lost and
//! regained now and then, and a save every 7.2 s, all from the client the bench's
//! requests come from. The attempt's rule state is then rebuilt from that timeline, as
//! the server does for an attempt it holds no state for.

use anyhow::Context;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use invigil::db::proctoring::{EventRow, SaveRow};
use invigil::db::schema::{answer_saves, attempt_events, attempt_rule_states, attempts};
use invigil::db::{to_db_time, Db, DbConn};
use invigil::service::timing::Timing;

pub const HEARTBEATS: usize = 720;
pub const FOCUS_LOSSES: usize = 4;
pub const SAVES: usize = 1500;

/// What an aged attempt holds, for the report.
pub fn describe() -> String {
    format!(
        "{HEARTBEATS} heartbeats, {} focus events and {SAVES} saves over 3 h, written into the database before the measured minute; rule state rebuilt from them; then the database settled (PostgreSQL: VACUUM ANALYZE and CHECKPOINT; SQLite: WAL checkpoint)",
        FOCUS_LOSSES * 2
    )
}

/// One aged attempt: its id and how many questions its form has.
pub struct Aged {
    pub attempt: String,
    pub questions: usize,
}

/// Ages every attempt of `aged`, a few to a transaction; `client` is the (address, user
/// agent) the server recorded for the bench's requests.
pub async fn age(db: &Db, aged: Vec<Aged>, client: (String, String)) -> anyhow::Result<()> {
    let mut chunks: Vec<Vec<Aged>> = Vec::new();
    let mut aged = aged.into_iter().peekable();
    while aged.peek().is_some() {
        chunks.push(aged.by_ref().take(8).collect());
    }
    for chunk in chunks {
        let client = client.clone();
        db.write(move |conn| {
            for a in &chunk {
                age_one(conn, a, &client)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("aging: {e}"))?;
    }
    Ok(())
}

fn age_one(
    conn: &mut DbConn,
    a: &Aged,
    client: &(String, String),
) -> invigil::error::ApiResult<()> {
    let now = Utc::now();
    let exam = Duration::hours(3);
    let start = now - exam - Duration::seconds(30);
    diesel::update(attempts::table.find(&a.attempt))
        .set(attempts::started_at.eq(to_db_time(start)))
        .execute(conn)?;
    let event = |i: usize, kind: &str, at: chrono::DateTime<Utc>| EventRow {
        id: format!("{}-aged-e{i}", a.attempt),
        attempt_id: a.attempt.clone(),
        kind: kind.into(),
        occurred_at: to_db_time(at),
        received_at: to_db_time(at),
        details: "{}".into(),
        client_addr: client.0.clone(),
        user_agent: client.1.clone(),
    };
    let mut events: Vec<EventRow> = (0..HEARTBEATS)
        .map(|k| {
            event(
                k,
                "heartbeat",
                start + Duration::seconds(15 * (k as i64 + 1)),
            )
        })
        .collect();
    let focus_every = exam / (FOCUS_LOSSES as i32 + 1);
    for k in 0..FOCUS_LOSSES {
        let lost = start + focus_every * (k as i32 + 1) + Duration::seconds(7);
        events.push(event(HEARTBEATS + 2 * k, "focus_lost", lost));
        events.push(event(
            HEARTBEATS + 2 * k + 1,
            "focus_regained",
            lost + Duration::seconds(5),
        ));
    }
    let questions = a.questions.max(1);
    let saves: Vec<SaveRow> = (0..SAVES)
        .map(|k| SaveRow {
            id: format!("{}-aged-s{k}", a.attempt),
            attempt_id: a.attempt.clone(),
            position: (k % questions) as i32,
            revision: (k / questions) as i32 + 1,
            saved_at: to_db_time(start + Duration::milliseconds(7200 * (k as i64 + 1))),
            client_addr: client.0.clone(),
            user_agent: client.1.clone(),
        })
        .collect();
    // Batch inserts are per backend: diesel's multi-backend connection has none.
    macro_rules! insert {
        ($c:expr) => {{
            for rows in events.chunks(500) {
                diesel::insert_into(attempt_events::table)
                    .values(rows)
                    .execute($c)?;
            }
            for rows in saves.chunks(500) {
                diesel::insert_into(answer_saves::table)
                    .values(rows)
                    .execute($c)?;
            }
        }};
    }
    match conn {
        DbConn::Sqlite(c) => insert!(c),
        DbConn::Pg(c) => insert!(c),
    }
    // The state kept so far knew none of this: rebuilt from the timeline, as the server
    // does for an attempt without one.
    diesel::delete(attempt_rule_states::table.find(&a.attempt)).execute(conn)?;
    let row = invigil::db::attempts::find(conn, &a.attempt)?
        .ok_or_else(|| invigil::error::ApiError::internal("aged attempt vanished"))?;
    let timing = Timing {
        now,
        grace: Duration::zero(),
        rules: Default::default(),
    };
    invigil::service::flags::load(conn, &row, &timing)?;
    Ok(())
}

/// The (address, user agent) the server recorded for one of the bench's events.
pub async fn recorded_client(db: &Db, attempt: String) -> anyhow::Result<(String, String)> {
    db.read(move |conn| {
        Ok(attempt_events::table
            .filter(attempt_events::attempt_id.eq(attempt))
            .select((attempt_events::client_addr, attempt_events::user_agent))
            .first::<(String, String)>(conn)
            .optional()?)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .context("the warm-up heartbeat left no event")
}
