//! Proctoring: events from the candidate's client, flags, proctors' actions and reviews,
//! accommodations, and the audit trail that tells each attempt's story.

use crate::auth::extract::ClientInfo;
use crate::db::attempts::{self as attempt_rows, AttemptRow};
use crate::db::proctoring::{self as rows, AccommodationRow, EventRow, FlagRow, WarningRow};
use crate::db::{self, audit, catalog, from_db_time, to_db_time, users, DbConn};
use crate::domain::proctoring::{evaluate, ClientFact, EventFact, Flag, Observation, EVENT_TYPES};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::{finalize, result_view, CloseReason, Timing, SYSTEM};
use crate::service::certificates;
use crate::state::AppState;
use crate::views::{
    instant, AccommodationView, AuditView, CandidateRef, EventAcceptedView, EventView, FlagView,
    ProctorAttemptView, ResultView, WarningView,
};
use chrono::{DateTime, Duration, Timelike, Utc};
use serde::Deserialize;

/// At most this many events per attempt and minute.
const EVENTS_PER_MINUTE: i64 = 120;
/// The largest `details` object, serialised.
const MAX_DETAILS_BYTES: usize = 2048;

/// Runs the rules over everything known of the attempt and raises the flags that are
/// due and not yet raised (each once: the table's key sees to that). Returns all flags.
///
/// `closing_at` is for an attempt being closed: it counts as running until then.
pub fn refresh_flags(
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
    let current = attempt_rows::find(conn, &attempt.id)?.unwrap_or_else(|| attempt.clone());
    let obs = Observation {
        events: &events,
        clients: &clients,
        started_at: from_db_time(attempt.started_at),
        now: closing_at.unwrap_or(timing.now),
        running: match closing_at {
            Some(_) => attempt.status == "in_progress",
            None => current.status == "in_progress",
        },
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
        rows::insert_flag(
            conn,
            &FlagRow {
                attempt_id: attempt.id.clone(),
                rule: flag.as_str().into(),
                raised_at: at,
                detail: detail.clone(),
            },
        )?;
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
        raised.push(flag);
    }
    Ok(raised)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// One of `heartbeat`, `focus_lost`, `focus_regained`, `fullscreen_exit`, `copy`,
    /// `paste`, `face_not_detected`, `multiple_faces`, `voice_detected`,
    /// `network_offline`, `network_online`.
    #[serde(rename = "type")]
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
    if !EVENT_TYPES.contains(&event.kind.as_str()) {
        return Err(ApiError::Validation(format!(
            "type {:?} is not one of {}",
            event.kind,
            EVENT_TYPES.join(", ")
        )));
    }
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
    state
        .db
        .write(move |conn| {
            let attempt = attempt_rows::find(conn, &attempt_id)?
                .filter(|a| a.user_id == user_id)
                .ok_or(ApiError::NotFound)?;
            if timing.overdue(&attempt) {
                finalize(conn, &attempt.id, CloseReason::Expired, &timing, SYSTEM)?;
                return Ok(Err(ApiError::AttemptClosed));
            }
            if !attempt.is_open() {
                return Err(ApiError::AttemptClosed);
            }
            let minute_ago = to_db_time(timing.now - Duration::minutes(1));
            if rows::events_since(conn, &attempt.id, minute_ago)? >= EVENTS_PER_MINUTE {
                return Err(ApiError::RateLimited {
                    retry_after_secs: 60,
                });
            }
            let row = EventRow {
                id: db::new_id(),
                attempt_id: attempt.id.clone(),
                kind: event.kind,
                occurred_at: to_db_time(event.occurred_at),
                received_at: to_db_time(timing.now),
                details,
                client_addr: client.addr,
                user_agent: client.user_agent,
            };
            rows::insert_event(conn, &row)?;
            refresh_flags(conn, &attempt, &timing, None)?;
            Ok(Ok(EventAcceptedView {
                id: row.id,
                received_at: instant(&timing.now),
            }))
        })
        .await?
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
        raised += state
            .db
            .write(move |conn| {
                let Some(attempt) = attempt_rows::find(conn, &id)? else {
                    return Ok(0);
                };
                let before = rows::flags(conn, &id)?.len();
                Ok(refresh_flags(conn, &attempt, &timing, None)?.len() - before)
            })
            .await?;
    }
    Ok(raised)
}

/// Statuses the console shows when no filter is given.
const WATCHED: [&str; 3] = ["in_progress", "paused", "pending_review"];
const STATUSES: [&str; 9] = [
    "in_progress",
    "paused",
    "submitted",
    "expired",
    "terminated",
    "passed",
    "failed",
    "pending_review",
    "invalidated",
];

pub async fn list(state: &AppState, status: Option<String>) -> ApiResult<Vec<ProctorAttemptView>> {
    let statuses: Vec<String> = match status {
        Some(s) if STATUSES.contains(&s.as_str()) => vec![s],
        Some(s) => {
            return Err(ApiError::Validation(format!(
                "status {s:?} is not one of {}",
                STATUSES.join(", ")
            )))
        }
        None => WATCHED.iter().map(|s| s.to_string()).collect(),
    };
    let rules = state.settings.proctoring;
    state
        .db
        .read(move |conn| {
            attempt_rows::with_status(conn, &statuses)?
                .into_iter()
                .map(|a| console_view(conn, a, &rules))
                .collect()
        })
        .await
}

fn console_view(
    conn: &mut DbConn,
    attempt: AttemptRow,
    rules: &crate::domain::proctoring::Rules,
) -> ApiResult<ProctorAttemptView> {
    let candidate = users::find(conn, &attempt.user_id)?.ok_or(ApiError::NotFound)?;
    let flags = rows::flags(conn, &attempt.id)?;
    let raised: Vec<Flag> = flags.iter().filter_map(|f| Flag::parse(&f.rule)).collect();
    let last_heartbeat = rows::last_heartbeat(conn, &attempt.id)?;
    Ok(ProctorAttemptView {
        attempt_id: attempt.id.clone(),
        candidate: CandidateRef {
            id: candidate.id,
            full_name: candidate.full_name,
        },
        certification_code: attempt.certification_code,
        status: attempt.status,
        started_at: instant(&from_db_time(attempt.started_at)),
        deadline: instant(&from_db_time(attempt.deadline)),
        last_heartbeat_at: last_heartbeat.map(|t| instant(&from_db_time(t))),
        integrity_score: rules.integrity_score(&raised),
        flags: flags
            .into_iter()
            .map(|f| FlagView {
                rule: f.rule,
                raised_at: instant(&from_db_time(f.raised_at)),
                detail: f.detail,
            })
            .collect(),
        warnings: rows::warnings(conn, &attempt.id)?
            .into_iter()
            .map(|w| WarningView {
                text: w.text,
                issued_at: instant(&from_db_time(w.issued_at)),
            })
            .collect(),
    })
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProctorAction {
    /// `warn`, `pause`, `resume` or `terminate`.
    pub action: String,
    /// For `warn`, the text the candidate sees; otherwise kept in the audit trail.
    #[serde(default)]
    pub note: Option<String>,
}

pub async fn act(
    state: &AppState,
    proctor_id: String,
    attempt_id: String,
    body: ProctorAction,
) -> ApiResult<ProctorAttemptView> {
    let note = body
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::Validation(
            "note has at most 1000 characters".into(),
        ));
    }
    let action = body.action;
    if !["warn", "pause", "resume", "terminate"].contains(&action.as_str()) {
        return Err(ApiError::Validation(format!(
            "action {action:?} is not warn, pause, resume or terminate"
        )));
    }
    if action == "warn" && note.is_none() {
        return Err(ApiError::Validation(
            "a warning needs a note: the text the candidate sees".into(),
        ));
    }
    let timing = Timing::of(state);
    state
        .db
        .write(move |conn| {
            let attempt = attempt_rows::find(conn, &attempt_id)?.ok_or(ApiError::NotFound)?;
            if timing.overdue(&attempt) {
                finalize(conn, &attempt.id, CloseReason::Expired, &timing, SYSTEM)?;
                return Ok(Err(ApiError::AttemptClosed));
            }
            let at = to_db_time(timing.now);
            let entry = |action, from, to, detail| audit::Entry {
                actor: &proctor_id,
                action,
                attempt_id: Some(&attempt.id),
                from,
                to,
                detail,
                ..Default::default()
            };
            match action.as_str() {
                "warn" => {
                    if !attempt.is_open() {
                        return Err(ApiError::AttemptClosed);
                    }
                    let text = note.clone().unwrap_or_default();
                    rows::insert_warning(
                        conn,
                        &WarningRow {
                            id: db::new_id(),
                            attempt_id: attempt.id.clone(),
                            proctor_id: proctor_id.clone(),
                            text: text.clone(),
                            issued_at: at,
                        },
                    )?;
                    audit::append(conn, at, entry("warn", None, None, Some(text)))?;
                }
                "pause" => {
                    if !attempt_rows::pause(conn, &attempt.id, at)? {
                        return Err(ApiError::AttemptClosed);
                    }
                    audit::append(
                        conn,
                        at,
                        entry("pause", Some("in_progress"), Some("paused"), note.clone()),
                    )?;
                }
                "resume" => {
                    let paused_at = attempt
                        .paused_at
                        .filter(|_| attempt.status == "paused")
                        .ok_or(ApiError::AttemptClosed)?;
                    // The time spent paused is given back, to the second.
                    let paused_for = at - paused_at;
                    let deadline = attempt.deadline + paused_for;
                    if !attempt_rows::resume(conn, &attempt.id, deadline)? {
                        return Err(ApiError::AttemptClosed);
                    }
                    let detail = format!(
                        "paused for {} s; deadline moved to {}{}",
                        paused_for.num_seconds(),
                        instant(&from_db_time(deadline)),
                        note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
                    );
                    audit::append(
                        conn,
                        at,
                        entry("resume", Some("paused"), Some("in_progress"), Some(detail)),
                    )?;
                }
                _ => {
                    if !attempt.is_open() {
                        return Err(ApiError::AttemptClosed);
                    }
                    if let Some(n) = &note {
                        audit::append(conn, at, entry("terminate", None, None, Some(n.clone())))?;
                    }
                    finalize(
                        conn,
                        &attempt.id,
                        CloseReason::Terminated,
                        &timing,
                        &proctor_id,
                    )?;
                }
            }
            let attempt = attempt_rows::find(conn, &attempt.id)?.ok_or(ApiError::NotFound)?;
            Ok(Ok(console_view(conn, attempt, &timing.rules)?))
        })
        .await?
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// `approve` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Decides a held attempt: approve passes it and issues its certificate then; reject
/// invalidates it (it still counts toward the attempt limits).
pub async fn review(
    state: &AppState,
    proctor_id: String,
    attempt_id: String,
    body: ReviewDecision,
) -> ApiResult<ResultView> {
    let to = match body.decision.as_str() {
        "approve" => "passed",
        "reject" => "invalidated",
        other => {
            return Err(ApiError::Validation(format!(
                "decision {other:?} is not approve or reject"
            )))
        }
    };
    let note = body
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            let attempt = attempt_rows::find(conn, &attempt_id)?.ok_or(ApiError::NotFound)?;
            if attempt.is_open() {
                return Err(ApiError::AttemptInProgress);
            }
            if !attempt_rows::set_status(conn, &attempt.id, "pending_review", to)? {
                return Err(ApiError::AttemptClosed);
            }
            audit::append(
                conn,
                to_db_time(now),
                audit::Entry {
                    actor: &proctor_id,
                    action: "review",
                    attempt_id: Some(&attempt.id),
                    from: Some("pending_review"),
                    to: Some(to),
                    detail: Some(format!(
                        "{}{}",
                        body.decision,
                        note.map(|n| format!(": {n}")).unwrap_or_default()
                    )),
                    ..Default::default()
                },
            )?;
            if to == "passed" {
                let number = certificates::award(conn, &attempt, now)?;
                attempt_rows::set_result_certificate(conn, &attempt.id, &number)?;
            }
            let attempt = attempt_rows::find(conn, &attempt.id)?.ok_or(ApiError::NotFound)?;
            let result = attempt_rows::result(conn, &attempt.id)?
                .ok_or_else(|| ApiError::internal("reviewed attempt without result"))?;
            result_view(conn, &attempt, &result, now)
        })
        .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccommodation {
    pub user_id: String,
    /// The certification it applies to, or null for all.
    pub certification_code: Option<String>,
    /// 1 to 100.
    pub extra_time_percent: i32,
}

/// Grants extra time to a candidate's attempts started from now on.
pub async fn accommodate(
    state: &AppState,
    admin_id: String,
    body: NewAccommodation,
) -> ApiResult<AccommodationView> {
    if !(1..=100).contains(&body.extra_time_percent) {
        return Err(ApiError::Validation(
            "extra_time_percent is 1 to 100".into(),
        ));
    }
    let now = to_db_time(state.clock.now());
    state
        .db
        .write(move |conn| {
            users::find(conn, &body.user_id)?.ok_or(ApiError::NotFound)?;
            if let Some(code) = &body.certification_code {
                catalog::find(conn, code)?.ok_or(ApiError::NotFound)?;
            }
            let row = AccommodationRow {
                id: db::new_id(),
                user_id: body.user_id,
                certification_code: body.certification_code,
                extra_time_percent: body.extra_time_percent,
                created_by: admin_id,
                created_at: now,
            };
            rows::insert_accommodation(conn, &row)?;
            Ok(AccommodationView {
                id: row.id,
                user_id: row.user_id,
                certification_code: row.certification_code,
                extra_time_percent: row.extra_time_percent,
                created_at: instant(&from_db_time(row.created_at)),
            })
        })
        .await
}

/// The trail of one attempt (with its saves summarised per minute) or one certificate.
pub async fn audit_trail(
    state: &AppState,
    attempt_id: Option<String>,
    certificate_number: Option<String>,
) -> ApiResult<Vec<AuditView>> {
    state
        .db
        .read(move |conn| {
            let (rows_, subject, saves) = match (attempt_id, certificate_number) {
                (Some(id), None) => {
                    attempt_rows::find(conn, &id)?.ok_or(ApiError::NotFound)?;
                    let saves = rows::saves(conn, &id)?;
                    (
                        audit::for_attempt(conn, &id)?,
                        format!("attempt:{id}"),
                        saves,
                    )
                }
                (None, Some(number)) => {
                    let number = crate::domain::certificate::CertificateNumber::parse(&number)
                        .ok_or(ApiError::MalformedNumber)?;
                    crate::db::certificates::find(conn, number.as_str())?
                        .ok_or(ApiError::NotFound)?;
                    (
                        audit::for_certificate(conn, number.as_str())?,
                        format!("certificate:{number}"),
                        Vec::new(),
                    )
                }
                _ => {
                    return Err(ApiError::Validation(
                        "give exactly one of attempt_id and certificate_number".into(),
                    ))
                }
            };
            let mut trail: Vec<(chrono::NaiveDateTime, u8, i64, AuditView)> = rows_
                .into_iter()
                .map(|r| {
                    let subject = match (&r.attempt_id, &r.certificate_number) {
                        (_, Some(n)) => format!("certificate:{n}"),
                        (Some(a), None) => format!("attempt:{a}"),
                        _ => subject.clone(),
                    };
                    (
                        r.at,
                        1,
                        r.seq,
                        AuditView {
                            at: instant(&from_db_time(r.at)),
                            actor: r.actor,
                            action: r.action,
                            subject,
                            from: r.from_status,
                            to: r.to_status,
                            detail: r.detail,
                        },
                    )
                })
                .collect();
            // Saves are many: one line per minute in which there were any.
            let mut minute: Option<(chrono::NaiveDateTime, i64)> = None;
            let mut summaries = Vec::new();
            for s in saves {
                let bucket = s.saved_at - Duration::seconds(s.saved_at.and_utc().timestamp() % 60);
                let bucket = bucket.with_nanosecond(0).unwrap_or(bucket);
                match &mut minute {
                    Some((b, n)) if *b == bucket => *n += 1,
                    _ => {
                        if let Some(done) = minute.take() {
                            summaries.push(done);
                        }
                        minute = Some((bucket, 1));
                    }
                }
            }
            summaries.extend(minute);
            for (bucket, n) in summaries {
                trail.push((
                    bucket,
                    0,
                    0,
                    AuditView {
                        at: instant(&from_db_time(bucket)),
                        actor: "candidate".into(),
                        action: "saves".into(),
                        subject: subject.clone(),
                        from: None,
                        to: None,
                        detail: Some(format!("{n} answer saves in this minute")),
                    },
                ));
            }
            trail.sort_by_key(|entry| (entry.0, entry.1, entry.2));
            Ok(trail.into_iter().map(|(_, _, _, v)| v).collect())
        })
        .await
}
