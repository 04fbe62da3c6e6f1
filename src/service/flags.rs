//! Flags: the proctoring rules applied to each attempt's rule state, one signal at a
//! time, each newly due flag raised once. Called from below by whatever touches an
//! attempt (an event, a save from a new client, a pause, the silence sweep,
//! finalisation), always inside the transaction that holds the attempt's lock; it calls
//! nothing above it.

use crate::db::attempts::AttemptRow;
use crate::db::proctoring::{self as rows, FlagRow};
use crate::db::{audit, from_db_time, rule_states, to_db_time, DbConn};
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::proctoring::{ClientFact, EventType, Flag, Pause, RuleState, Rules};
use crate::error::{ApiError, ApiResult};
use crate::service::timing::Timing;
use crate::service::SYSTEM;
use chrono::{DateTime, NaiveDateTime, Utc};

type Due = (Flag, String);

/// The instant as the database keeps it, so that the state and the rows it is rebuilt
/// from agree to the microsecond.
fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    from_db_time(to_db_time(t))
}

/// The attempt's rule state as its timeline makes it: events, the clients of events and
/// saves, and pauses, replayed. With the flags raised on the way (raised before, as a
/// rule, when they were due).
pub fn rebuild(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    rules: &Rules,
) -> ApiResult<(RuleState, Vec<Due>)> {
    let events: Vec<(EventType, DateTime<Utc>)> = rows::events(conn, &attempt.id)?
        .into_iter()
        .filter_map(|e| EventType::parse(&e.kind).map(|k| (k, from_db_time(e.received_at))))
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
    Ok(RuleState::replay(
        from_db_time(attempt.started_at),
        &events,
        &clients,
        &pauses,
        rules,
    ))
}

/// The stored state, or, for an attempt that has none (begun before states were
/// kept), the one its timeline makes, with any flag it shows due raised now.
pub fn load(conn: &mut DbConn, attempt: &AttemptRow, timing: &Timing) -> ApiResult<RuleState> {
    load_or_rebuild(conn, attempt, timing).map(|(state, _)| state)
}

/// [`load`], and whether the state was rebuilt (and so already holds whatever this
/// transaction wrote to the timeline before).
fn load_or_rebuild(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
) -> ApiResult<(RuleState, bool)> {
    match rule_states::find(conn, &attempt.id)? {
        Some(json) => serde_json::from_str(&json)
            .map(|state| (state, false))
            .map_err(|e| ApiError::internal(format!("attempt {} rule state: {e}", attempt.id))),
        None => {
            let (state, due) = rebuild(conn, attempt, &timing.rules)?;
            raise(conn, &attempt.id, timing, due)?;
            store(conn, &attempt.id, &state)?;
            Ok((state, true))
        }
    }
}

fn to_json(state: &RuleState) -> ApiResult<String> {
    serde_json::to_string(state).map_err(|e| ApiError::internal(format!("rule state: {e}")))
}

/// Stores the state; returns it as stored (JSON).
fn store(conn: &mut DbConn, attempt_id: &str, state: &RuleState) -> ApiResult<String> {
    let json = to_json(state)?;
    rule_states::store(
        conn,
        attempt_id,
        &json,
        state.last_heartbeat_at().map(to_db_time),
    )?;
    Ok(json)
}

/// Raises each flag unless the table has it already (the table's key sees to "once"),
/// with its audit line. Returns how many this call raised.
fn raise(conn: &mut DbConn, attempt_id: &str, timing: &Timing, due: Vec<Due>) -> ApiResult<usize> {
    let mut raised = 0;
    for (flag, detail) in due {
        let at = to_db_time(timing.now);
        let row = FlagRow {
            attempt_id: attempt_id.to_string(),
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
                    attempt_id: Some(attempt_id),
                    detail: Some(format!("{}: {detail}", flag.as_str())),
                    ..Default::default()
                },
            )?;
            raised += 1;
        }
    }
    Ok(raised)
}

fn running(attempt: &AttemptRow) -> ApiResult<bool> {
    Ok(attempt.status()? == AttemptStatus::InProgress)
}

/// An event from `client`, received now and already in the timeline: the rules it bears
/// on, and silence up to now. Returns the state as stored (JSON).
pub fn on_event(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
    kind: EventType,
    client: ClientFact,
) -> ApiResult<String> {
    let now = stored(timing.now);
    let (mut state, rebuilt) = load_or_rebuild(conn, attempt, timing)?;
    let mut due: Vec<Due> = Vec::new();
    // A state rebuilt just now was rebuilt with this event.
    if !rebuilt {
        due.extend(state.client(&client));
        due.extend(state.event(kind, now, &timing.rules));
    }
    due.extend(state.silence(now, running(attempt)?, &timing.rules));
    let json = store(conn, &attempt.id, &state)?;
    raise(conn, &attempt.id, timing, due)?;
    Ok(json)
}

/// The state that follows stored state `was` (JSON) when an event from `client` reaches
/// a running attempt now, as [`on_event`] computes it, with its last heartbeat; None when
/// a flag falls due (raising it takes the long path).
pub fn after_event(
    was: &str,
    timing: &Timing,
    kind: EventType,
    client: &ClientFact,
) -> ApiResult<Option<(String, Option<NaiveDateTime>)>> {
    let now = stored(timing.now);
    let mut state: RuleState = serde_json::from_str(was)
        .map_err(|e| ApiError::internal(format!("a cached rule state: {e}")))?;
    let quiet = state.client(client).is_none()
        && state.event(kind, now, &timing.rules).is_none()
        && state.silence(now, true, &timing.rules).is_empty();
    if !quiet {
        return Ok(None);
    }
    Ok(Some((
        to_json(&state)?,
        state.last_heartbeat_at().map(to_db_time),
    )))
}

/// A save from `client`: only a client new to the attempt bears on the rules.
pub fn on_save(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
    client: ClientFact,
) -> ApiResult<()> {
    let mut state = load(conn, attempt, timing)?;
    if state.knows(&client) {
        return Ok(());
    }
    let due: Vec<Due> = state.client(&client).into_iter().collect();
    store(conn, &attempt.id, &state)?;
    raise(conn, &attempt.id, timing, due).map(|_| ())
}

/// A proctor paused (`paused` true) or resumed the attempt now.
pub fn on_pause(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
    paused: bool,
) -> ApiResult<()> {
    let now = stored(timing.now);
    let mut state = load(conn, attempt, timing)?;
    if paused {
        state.pause(now);
    } else {
        state.resume(now);
    }
    store(conn, &attempt.id, &state).map(|_| ())
}

/// Silence up to now, or up to `closing_at` for an attempt being closed (it counts as
/// running until then): raises what is due. Returns how many flags this call raised.
pub fn check_silence(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
    closing_at: Option<DateTime<Utc>>,
) -> ApiResult<usize> {
    let mut state = load(conn, attempt, timing)?;
    let until = stored(closing_at.unwrap_or(timing.now));
    let due = state.silence(until, running(attempt)?, &timing.rules);
    if due.is_empty() {
        return Ok(0);
    }
    store(conn, &attempt.id, &state)?;
    raise(conn, &attempt.id, timing, due)
}

/// Every flag raised on the attempt, as the table holds them.
pub fn raised(conn: &mut DbConn, attempt_id: &str) -> ApiResult<Vec<Flag>> {
    Ok(rows::flags(conn, attempt_id)?
        .iter()
        .filter_map(|f| Flag::parse(&f.rule))
        .collect())
}
