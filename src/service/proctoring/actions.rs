//! What a proctor does to an attempt: warn, pause, resume or terminate it while it is
//! open, and decide a held one on review.

use super::console::console_view;
use crate::db::attempts::{self as attempt_rows, AttemptRow};
use crate::db::proctoring::{self as rows, WarningRow};
use crate::db::{self, audit, from_db_time, to_db_time};
use crate::domain::lifecycle::{
    transition, AttemptEvent, AttemptStatus, ProctorAction as Action, ReviewDecision as Decision,
};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::{finalize, result_view, touch, CloseReason, Reach};
use crate::service::timing::Timing;
use crate::service::{flags, issuing};
use crate::state::AppState;
use crate::views::{instant, ProctorAttemptView, ResultView};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProctorAction {
    /// `warn`, `pause`, `resume` or `terminate`.
    #[schema(value_type = crate::domain::lifecycle::ProctorAction)]
    pub action: String,
    /// For `warn`, the text the candidate sees; otherwise kept in the audit trail.
    #[serde(default)]
    pub note: Option<String>,
}

/// A note as given: trimmed, empty as none, at most 1000 characters.
fn note_of(note: Option<String>) -> ApiResult<Option<String>> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::Validation(
            "note has at most 1000 characters".into(),
        ));
    }
    Ok(note)
}

/// Applies a proctor's action to an open attempt. Errors: 400 for an unknown action or a
/// warning without text; 404 for an unknown attempt; 409 `attempt_paused` (pause of a
/// paused attempt), `attempt_in_progress` (resume of a running one) or `attempt_closed`.
pub async fn act(
    state: &AppState,
    proctor_id: String,
    attempt_id: String,
    body: ProctorAction,
) -> ApiResult<ProctorAttemptView> {
    let note = note_of(body.note)?;
    let action = Action::parse(&body.action).ok_or_else(|| {
        ApiError::Validation(format!(
            "action {:?} is not warn, pause, resume or terminate",
            body.action
        ))
    })?;
    if action == Action::Warn && note.is_none() {
        return Err(ApiError::Validation(
            "a warning needs a note: the text the candidate sees".into(),
        ));
    }
    let timing = Timing::of(state);
    let event = AttemptEvent::Proctor(action);
    touch(
        &state.db,
        timing,
        Reach::Any,
        attempt_id,
        event,
        move |conn, attempt, next| {
            let at = to_db_time(timing.now);
            let from = attempt.status()?;
            let entry = |detail| audit::Entry {
                actor: &proctor_id,
                action: action.as_str(),
                attempt_id: Some(&attempt.id),
                from: (from != next).then_some(from.as_str()),
                to: (from != next).then_some(next.as_str()),
                detail,
                ..Default::default()
            };
            match action {
                Action::Warn => {
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
                    audit::append(conn, at, entry(Some(text)))?;
                }
                Action::Pause => {
                    moved(attempt_rows::pause(conn, &attempt.id, at)?, attempt)?;
                    rows::start_pause(conn, &attempt.id, at)?;
                    flags::on_pause(conn, attempt, &timing, true)?;
                    audit::append(conn, at, entry(note.clone()))?;
                }
                Action::Resume => {
                    let paused_at = attempt.paused_at.ok_or_else(|| {
                        ApiError::internal(format!("paused attempt {} has no pause", attempt.id))
                    })?;
                    // The time spent paused is given back, to the second.
                    let paused_for = at - paused_at;
                    let deadline = attempt.deadline + paused_for;
                    moved(attempt_rows::resume(conn, &attempt.id, deadline)?, attempt)?;
                    rows::end_pause(conn, &attempt.id, at)?;
                    flags::on_pause(conn, attempt, &timing, false)?;
                    let detail = format!(
                        "paused for {} s; deadline moved to {}{}",
                        paused_for.num_seconds(),
                        instant(&from_db_time(deadline)),
                        note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
                    );
                    audit::append(conn, at, entry(Some(detail)))?;
                }
                Action::Terminate => {
                    if let Some(n) = &note {
                        let line = audit::Entry {
                            from: None,
                            to: None,
                            ..entry(Some(n.clone()))
                        };
                        audit::append(conn, at, line)?;
                    }
                    finalize(conn, attempt, CloseReason::Terminated, &timing, &proctor_id)?;
                    crate::notify::attempts::on_terminated(
                        conn,
                        attempt,
                        note.as_deref(),
                        timing.now,
                    )?;
                }
            }
            let attempt = attempt_rows::find(conn, &attempt.id)?
                .ok_or_else(|| ApiError::internal("an attempt acted on is gone"))?;
            console_view(conn, attempt, &timing.rules)
        },
    )
    .await
}

/// The conditional update of a row locked in this transaction cannot miss; if it does,
/// the lock did not hold and that is a fault, not a conflict.
fn moved(updated: bool, attempt: &AttemptRow) -> ApiResult<()> {
    updated
        .then_some(())
        .ok_or_else(|| ApiError::internal(format!("attempt {} changed under its lock", attempt.id)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// `approve` or `reject`.
    #[schema(value_type = crate::domain::lifecycle::ReviewDecision)]
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Decides a held attempt: approve passes it and issues its certificate, dated as of the
/// attempt's end; reject invalidates it (it still counts toward the attempt limits).
/// Errors: 404 for an unknown attempt, 409 `attempt_in_progress` while it is open, 409
/// `attempt_closed` when it is not held (already decided, or never held).
pub async fn review(
    state: &AppState,
    proctor_id: String,
    attempt_id: String,
    body: ReviewDecision,
) -> ApiResult<ResultView> {
    let decision = Decision::parse(&body.decision).ok_or_else(|| {
        ApiError::Validation(format!(
            "decision {:?} is not approve or reject",
            body.decision
        ))
    })?;
    let note = note_of(body.note)?;
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            let attempt = Reach::Any.find_for_update(conn, &attempt_id)?;
            let from = attempt.status()?;
            let to = transition(from, AttemptEvent::Review(decision))?;
            moved(
                attempt_rows::transition(conn, &attempt.id, from, to, None)?,
                &attempt,
            )?;
            audit::append(
                conn,
                to_db_time(now),
                audit::Entry {
                    actor: &proctor_id,
                    action: "review",
                    attempt_id: Some(&attempt.id),
                    from: Some(from.as_str()),
                    to: Some(to.as_str()),
                    detail: Some(format!(
                        "{}{}",
                        decision.as_str(),
                        note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
                    )),
                    ..Default::default()
                },
            )?;
            let result = attempt_rows::result(conn, &attempt.id)?
                .ok_or_else(|| ApiError::internal("reviewed attempt without result"))?;
            if to == AttemptStatus::Passed {
                let earned_at = from_db_time(result.submitted_at);
                let number = issuing::award(conn, &attempt, earned_at, now)?;
                attempt_rows::set_result_certificate(conn, &attempt.id, &number)?;
            }
            let attempt = Reach::Any.find(conn, &attempt.id)?;
            let result = attempt_rows::result(conn, &attempt.id)?
                .ok_or_else(|| ApiError::internal("reviewed attempt without result"))?;
            let told = note.as_deref();
            crate::notify::attempts::on_scored(conn, &attempt, to, &result, &[], told, now)?;
            result_view(conn, &attempt, &result, now)
        })
        .await
}
