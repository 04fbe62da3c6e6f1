//! What the candidate's client reports (heartbeats, focus, camera …), the silence the
//! sweeper notices, and the timeline a proctor reads.

use crate::auth::extract::ClientInfo;
use crate::db::attempts as attempt_rows;
use crate::db::proctoring::{self as rows, EventAtOnce, EventRow};
use crate::db::{self, from_db_time, to_db_time, Backend, DbConn};
use crate::domain::lifecycle::{AttemptEvent, AttemptStatus};
use crate::domain::proctoring::{ClientFact, EventType};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::{touch, Reach};
use crate::service::flags;
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{instant, EventAcceptedView, EventView};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::sync::Arc;

/// At most this many events per attempt and minute.
const EVENTS_PER_MINUTE: i64 = 120;
/// The largest `details` object, serialised.
const MAX_DETAILS_BYTES: usize = 2048;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// One of `heartbeat`, `focus_lost`, `focus_regained`, `fullscreen_exit`, `copy`,
    /// `paste`, `face_not_detected`, `multiple_faces`, `voice_detected`,
    /// `network_offline`, `network_online`.
    #[serde(rename = "type")]
    #[schema(value_type = crate::domain::proctoring::EventType)]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    /// A JSON object of at most 2 KiB.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub details: Option<serde_json::Value>,
}

/// Records an event from the attempt's own candidate while the attempt is open.
pub async fn post_event(
    state: &AppState,
    user_id: String,
    attempt_id: String,
    event: NewEvent,
    client: ClientInfo,
) -> ApiResult<EventAcceptedView> {
    let kind = EventType::parse(&event.kind).ok_or_else(|| {
        ApiError::Validation(format!(
            "type {:?} is not one of {}",
            event.kind,
            EventType::ALL.map(EventType::as_str).join(", ")
        ))
    })?;
    let details = event.details.unwrap_or_else(|| serde_json::json!({}));
    if !details.is_object() {
        return Err(ApiError::Validation("details must be a JSON object".into()));
    }
    let details = details.to_string();
    if details.len() > MAX_DETAILS_BYTES {
        return Err(ApiError::Validation(format!(
            "details is larger than {MAX_DETAILS_BYTES} bytes"
        )));
    }
    let timing = Timing::of(state);
    let row = EventRow {
        id: db::new_id(),
        attempt_id,
        kind: event.kind,
        occurred_at: to_db_time(event.occurred_at),
        received_at: to_db_time(timing.now),
        details,
        client_addr: client.addr,
        user_agent: client.user_agent,
    };
    let accepted = EventAcceptedView {
        id: row.id.clone(),
        received_at: instant(&timing.now),
    };
    if quick_event(state, &user_id, kind, &row, timing).await? {
        return Ok(accepted);
    }
    // Recorded on a paused attempt too: the timeline must show what happened meanwhile.
    let attempt_id = row.attempt_id.clone();
    let stored = touch(
        &state.db,
        timing,
        Reach::Owner(user_id),
        attempt_id.clone(),
        AttemptEvent::ClientEvent,
        move |conn, attempt, _| {
            let minute_ago = to_db_time(timing.now - Duration::minutes(1));
            if rows::events_since(conn, &attempt.id, minute_ago)? >= EVENTS_PER_MINUTE {
                return Err(ApiError::RateLimited {
                    retry_after_secs: 60,
                });
            }
            let row = EventRow {
                attempt_id: attempt.id.clone(),
                ..row
            };
            rows::insert_event(conn, &row)?;
            let client = ClientFact {
                addr: row.client_addr,
                user_agent: row.user_agent,
            };
            flags::on_event(conn, attempt, &timing, kind, client)
        },
    )
    .await?;
    state.rule_states.insert(attempt_id, Arc::from(stored));
    Ok(accepted)
}

/// PostgreSQL's short event: from the rule state this instance last stored or read for
/// the attempt, the next one is computed here and written, with the event, in one
/// statement that checks everything the long path does and that the database still holds
/// the state it was computed from. False when there is no such state, a flag falls due,
/// or the statement refuses: the long path then records the event, or says why not.
async fn quick_event(
    state: &AppState,
    user_id: &str,
    kind: EventType,
    row: &EventRow,
    timing: Timing,
) -> ApiResult<bool> {
    if state.db.backend() != Backend::Postgres {
        return Ok(false);
    }
    let Some(was) = state.rule_states.get(&row.attempt_id) else {
        return Ok(false);
    };
    let client = ClientFact {
        addr: row.client_addr.clone(),
        user_agent: row.user_agent.clone(),
    };
    let Some((next, last_heartbeat_at)) = flags::after_event(&was, &timing, kind, &client)? else {
        return Ok(false);
    };
    let next: Arc<str> = Arc::from(next);
    let (user_id, row, written) = (user_id.to_string(), row.clone(), next.clone());
    let attempt_id = row.attempt_id.clone();
    let recorded = state
        .db
        .statement(move |conn| {
            let DbConn::Pg(pg) = conn else {
                return Ok(false);
            };
            let at_once = EventAtOnce {
                user_id: &user_id,
                deadline_from: to_db_time(timing.now - timing.grace),
                minute_ago: to_db_time(timing.now - Duration::minutes(1)),
                per_minute: EVENTS_PER_MINUTE,
                state_was: &was,
                state: &written,
                last_heartbeat_at,
                event: &row,
            };
            Ok(rows::record_event_at_once(pg, &at_once)?)
        })
        .await?;
    if recorded {
        state.rule_states.insert(attempt_id, next);
    }
    Ok(recorded)
}

/// Raises heartbeat and focus flags on running attempts that have gone quiet; the
/// sweeper calls this, since silence sends no request.
pub async fn sweep_silence(state: &AppState) -> ApiResult<usize> {
    let timing = Timing::of(state);
    let quiet_since = to_db_time(
        timing.now
            - timing
                .rules
                .heartbeat_gap
                .min(timing.rules.focus_lost_longest),
    );
    let ids = state
        .db
        .read(move |conn| Ok(attempt_rows::quiet(conn, quiet_since)?))
        .await?;
    let mut raised = 0;
    for id in ids {
        let refreshed = state
            .db
            .write({
                let id = id.clone();
                move |conn| {
                    // Only a running attempt can fall silent; one closed meanwhile is done.
                    let attempt = match attempt_rows::find_for_update(conn, &id)? {
                        Some(a) if a.status()? == AttemptStatus::InProgress => a,
                        _ => return Ok(0),
                    };
                    flags::check_silence(conn, &attempt, &timing, None)
                }
            })
            .await;
        match refreshed {
            Ok(n) => raised += n,
            Err(e @ (ApiError::Unavailable(_) | ApiError::Busy { .. })) => return Err(e),
            // One attempt's fault does not keep the others' silence unnoticed.
            Err(e) => {
                tracing::error!(attempt_id = %id, error = %e, "could not look at a silent attempt")
            }
        }
    }
    Ok(raised)
}

pub async fn timeline(state: &AppState, attempt_id: String) -> ApiResult<Vec<EventView>> {
    state
        .db
        .read(move |conn| {
            attempt_rows::find(conn, &attempt_id)?.ok_or(ApiError::NotFound)?;
            Ok(rows::events(conn, &attempt_id)?
                .into_iter()
                .map(|e| EventView {
                    id: e.id,
                    kind: e.kind,
                    occurred_at: instant(&from_db_time(e.occurred_at)),
                    received_at: instant(&from_db_time(e.received_at)),
                    details: serde_json::from_str(&e.details).unwrap_or_default(),
                    client_addr: e.client_addr,
                    user_agent: e.user_agent,
                })
                .collect())
        })
        .await
}
