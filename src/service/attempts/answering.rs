//! Answering: saving (or replacing) an answer, and submitting.

use super::finalise::{finalize, CloseReason};
use super::open::{touch, Reach};
use super::stored::{decode, encode, parse_kind};
use super::views::{answer_view, result_view};
use crate::auth::extract::ClientInfo;
use crate::db::attempts::{self as rows, AnswerRow, AttemptQuestionRow};
use crate::db::proctoring as proctoring_rows;
use crate::db::{self, to_db_time};
use crate::domain::lifecycle::AttemptEvent;
use crate::error::{ApiError, ApiResult};
use crate::service::flags;
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{AnswerView, ResultView};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswer {
    /// Option ids; for `ordering`, every option id in the chosen order.
    pub selected: Vec<String>,
}

/// Saves (or replaces) the answer to one question. Committed before it is acknowledged;
/// saving the same answer again changes nothing. Errors: 404 for another's attempt or an
/// unknown question, 409 `attempt_paused` while a proctor holds it, 409 `attempt_closed`
/// once it has ended (an overdue attempt is finalised first), 400 `invalid_answer`.
pub async fn save_answer(
    state: &AppState,
    user_id: String,
    attempt_id: String,
    question_id: String,
    body: SaveAnswer,
    client: ClientInfo,
) -> ApiResult<AnswerView> {
    let timing = Timing::of(state);
    if body.selected.len() > 64 {
        return Err(ApiError::InvalidAnswer("too many options selected".into()));
    }
    let client_key = state
        .known_clients
        .key(&attempt_id, &client.addr, &client.user_agent);
    let already_known = state.known_clients.contains(client_key);
    let reach = Reach::Owner(user_id);
    let saved = touch(
        &state.db,
        timing,
        reach,
        attempt_id,
        AttemptEvent::SaveAnswer,
        move |conn, attempt, _| {
            let (question, kind) =
                rows::form_question(conn, &attempt.id, &question_id)?.ok_or(ApiError::NotFound)?;
            validate_selection(&question, &kind, &body.selected)?;
            let fresh = AnswerRow {
                attempt_id: attempt.id.clone(),
                position: question.position,
                selected: encode(&body.selected),
                revision: 1,
                saved_at: to_db_time(timing.now),
            };
            let saved = match rows::upsert_answer(conn, &fresh)? {
                Some(revision) => AnswerRow { revision, ..fresh },
                // The same selection again: the stored answer stands as it was.
                None => rows::answer(conn, &attempt.id, question.position)?
                    .ok_or_else(|| ApiError::internal("an unchanged answer is missing"))?,
            };
            // Of the rules, a save can only bear on client_changed: run them for a new client.
            let new_client = !already_known
                && !proctoring_rows::known_client(
                    conn,
                    &attempt.id,
                    &client.addr,
                    &client.user_agent,
                )?;
            proctoring_rows::insert_save(
                conn,
                &proctoring_rows::SaveRow {
                    id: db::new_id(),
                    attempt_id: attempt.id.clone(),
                    position: question.position,
                    revision: saved.revision,
                    saved_at: to_db_time(timing.now),
                    client_addr: client.addr,
                    user_agent: client.user_agent,
                },
            )?;
            if new_client {
                flags::refresh(conn, attempt, &timing, None)?;
            }
            answer_view(&saved, &question.public_id)
        },
    )
    .await?;
    state.known_clients.insert(client_key);
    Ok(saved)
}

/// Every selected id must be one of this question's options, once, in a shape its kind accepts.
fn validate_selection(
    question: &AttemptQuestionRow,
    kind: &str,
    selected: &[String],
) -> ApiResult<()> {
    let ids: Vec<String> = decode(&question.option_ids)?;
    let order: Vec<usize> = decode(&question.option_order)?;
    let mut original = Vec::with_capacity(selected.len());
    for id in selected {
        let shown = ids.iter().position(|o| o == id).ok_or_else(|| {
            ApiError::InvalidAnswer(format!("{id:?} is not an option of this question"))
        })?;
        if original.contains(&order[shown]) {
            return Err(ApiError::InvalidAnswer(format!("{id:?} is selected twice")));
        }
        original.push(order[shown]);
    }
    parse_kind(kind)?
        .rules()
        .accepts(ids.len(), &original)
        .map_err(ApiError::InvalidAnswer)
}

/// Submits the attempt and returns its result; submitting again returns the same result,
/// and submitting after the deadline closes it as expired with the answers saved in time.
/// Errors: 404 for another's attempt, 409 `attempt_paused` while a proctor holds it.
pub async fn submit(
    state: &AppState,
    user_id: String,
    attempt_id: String,
) -> ApiResult<ResultView> {
    let timing = Timing::of(state);
    let reach = Reach::Owner(user_id.clone());
    state
        .db
        .write(move |conn| {
            let attempt = reach.find_for_update(conn, &attempt_id)?;
            let result = match rows::result(conn, &attempt.id)? {
                Some(earlier) => earlier,
                None => {
                    let reason = if timing.overdue(&attempt) {
                        CloseReason::Expired
                    } else {
                        CloseReason::Submitted
                    };
                    finalize(conn, &attempt, reason, &timing, &user_id)?
                }
            };
            let attempt = reach.find(conn, &attempt_id)?;
            result_view(conn, &attempt, &result, timing.now)
        })
        .await
}
