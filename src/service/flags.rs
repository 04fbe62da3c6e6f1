//! Flags: the proctoring rules run over what is stored of an attempt, each newly due flag
//! raised once. Called from below by whatever touches an attempt (a save from a new
//! client, an event, the silence sweep, finalisation); it calls nothing above it.

use crate::db::attempts::{self as attempt_rows, AttemptRow};
use crate::db::proctoring::{self as rows, FlagRow};
use crate::db::{audit, from_db_time, to_db_time, DbConn};
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::proctoring::{evaluate, ClientFact, EventFact, Flag, Observation, Pause};
use crate::error::ApiResult;
use crate::service::timing::Timing;
use crate::service::SYSTEM;
use chrono::{DateTime, Utc};

/// Runs the rules over everything known of the attempt and raises the flags that are
/// due and not yet raised (each once: the table's key sees to that). Returns all flags.
///
/// `closing_at` is for an attempt being closed: it counts as running until then.
pub fn refresh(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
    closing_at: Option<DateTime<Utc>>,
) -> ApiResult<Vec<Flag>> {
    let events: Vec<EventFact> = rows::events(conn, &attempt.id)?
        .into_iter()
        .map(|e| EventFact {
            kind: e.kind,
            at: from_db_time(e.received_at),
        })
        .collect();
    let clients: Vec<ClientFact> = rows::clients(conn, &attempt.id)?
        .into_iter()
        .map(|(addr, user_agent)| ClientFact { addr, user_agent })
        .collect();
    let pauses: Vec<Pause> = rows::pauses(conn, &attempt.id)?
        .into_iter()
        .map(|(from, until)| Pause {
            from: from_db_time(from),
            until: until.map(from_db_time),
        })
        .collect();
    let status = match closing_at {
        Some(_) => attempt.status()?,
        None => attempt_rows::find(conn, &attempt.id)?
            .unwrap_or_else(|| attempt.clone())
            .status()?,
    };
    let obs = Observation {
        events: &events,
        clients: &clients,
        pauses: &pauses,
        started_at: from_db_time(attempt.started_at),
        now: closing_at.unwrap_or(timing.now),
        running: status == AttemptStatus::InProgress,
    };
    let mut raised: Vec<Flag> = rows::flags(conn, &attempt.id)?
        .iter()
        .filter_map(|f| Flag::parse(&f.rule))
        .collect();
    for (flag, detail) in evaluate(&obs, &timing.rules) {
        if raised.contains(&flag) {
            continue;
        }
        let at = to_db_time(timing.now);
        let row = FlagRow {
            attempt_id: attempt.id.clone(),
            rule: flag.as_str().into(),
            raised_at: at,
            detail: detail.clone(),
        };
        // Raised by a concurrent request meanwhile: it wrote the audit line too.
        if rows::insert_flag(conn, &row)? {
            audit::append(
                conn,
                at,
                audit::Entry {
                    actor: SYSTEM,
                    action: "flag",
                    attempt_id: Some(&attempt.id),
                    detail: Some(format!("{}: {detail}", flag.as_str())),
                    ..Default::default()
                },
            )?;
        }
        raised.push(flag);
    }
    Ok(raised)
}
