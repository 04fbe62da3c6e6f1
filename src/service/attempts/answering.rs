//! Answering: saving (or replacing) an answer, and submitting.

use super::fast_save::{quick_save, QuickSave};
use super::finalise::{finalize, CloseReason};
use super::labs::{diagnose, grade_later, lab_checks};
use super::open::{touch, Reach};
use super::stored::{decode, encode, parse_kind};
use super::views::{answer_view, result_view};
use crate::auth::extract::ClientInfo;
use crate::db::attempts::{self as rows, AnswerRow, AttemptQuestionRow};
use crate::db::proctoring as proctoring_rows;
use crate::db::{self, to_db_time};
use crate::domain::kinds::QuestionKind;
use crate::domain::labs::MAX_ARTIFACT_BYTES;
use crate::domain::lifecycle::AttemptEvent;
use crate::domain::proctoring::ClientFact;
use crate::error::{ApiError, ApiResult};
use crate::service::flags;
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{AnswerView, ResultView};
use serde::Deserialize;
use std::sync::Arc;

/// An answer: a selection for the choice kinds, an artifact for a lab; exactly one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswer {
    /// Option ids; for `ordering`, every option id in the chosen order.
    #[serde(default)]
    pub selected: Option<Vec<String>>,
    /// A lab's artifact: the whole text, at most 65,536 bytes of UTF-8.
    #[serde(default)]
    pub artifact: Option<String>,
}

pub(super) enum Answer {
    Selection(Vec<String>),
    Artifact(Arc<String>),
}

impl SaveAnswer {
    fn answer(self) -> ApiResult<Answer> {
        match (self.selected, self.artifact) {
            (Some(selected), None) => {
                if selected.len() > 64 {
                    return Err(ApiError::InvalidAnswer("too many options selected".into()));
                }
                Ok(Answer::Selection(selected))
            }
            (None, Some(text)) => {
                if text.len() > MAX_ARTIFACT_BYTES {
                    return Err(ApiError::PayloadTooLarge);
                }
                // No format takes control characters other than tab and line ends, and
                // PostgreSQL cannot store NUL in text.
                if text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                {
                    return Err(ApiError::InvalidAnswer(
                        "the artifact holds control characters other than tab and line ends".into(),
                    ));
                }
                Ok(Answer::Artifact(Arc::new(text)))
            }
            _ => Err(ApiError::Validation(
                "an answer has either selected (option ids) or artifact (a lab's text)".into(),
            )),
        }
    }
}

/// Saves (or replaces) the answer to one question. Committed before it is acknowledged;
/// saving the same answer again changes nothing. A lab's artifact is read for its syntax
/// diagnostics, which the answer carries, and graded once the save has been answered, so
/// that nothing of the checks' outcomes shows in the response or its timing. Errors: 404 for another's attempt or an unknown question, 409
/// `attempt_paused` while a proctor holds it, 409 `attempt_closed` once it has ended (an
/// overdue attempt is finalised first), 400 `invalid_answer` (a selection for a lab, an
/// artifact for a choice question, an option not offered, an artifact with control
/// characters other than tab and line ends), 400 `validation_failed` (both
/// or neither), 413 `payload_too_large` (an artifact over 64 KiB).
pub async fn save_answer(
    state: &AppState,
    user_id: String,
    attempt_id: String,
    question_id: String,
    body: SaveAnswer,
    client: ClientInfo,
) -> ApiResult<AnswerView> {
    let timing = Timing::of(state);
    let answer = body.answer()?;
    let client_key = state
        .known_clients
        .key(&attempt_id, &client.addr, &client.user_agent);
    let already_known = state.known_clients.contains(client_key);
    if already_known {
        let save = QuickSave {
            user_id: &user_id,
            attempt_id: &attempt_id,
            question_id: &question_id,
            answer: &answer,
            client: &client,
        };
        if let Some(saved) = quick_save(state, save, timing).await? {
            return Ok(saved);
        }
    }
    let reach = Reach::Owner(user_id.clone());
    // A lab's checks, and what the candidate is told: where the file does not parse.
    let lab = match &answer {
        Answer::Artifact(text) => {
            let (attempt_id, question_id) = (attempt_id.clone(), question_id.clone());
            match lab_checks(state, reach.clone(), attempt_id, question_id).await? {
                Some(checks) => Some((checks.clone(), diagnose(checks, text.clone()).await?)),
                None => None,
            }
        }
        Answer::Selection(_) => None,
    };
    let (checks, diagnostics) = lab.unzip();
    let artifact = match &answer {
        Answer::Artifact(text) => Some(text.clone()),
        Answer::Selection(_) => None,
    };
    let (saved, changed) = touch(
        &state.db,
        timing,
        reach,
        attempt_id.clone(),
        AttemptEvent::SaveAnswer,
        move |conn, attempt, _| {
            let (question, kind, _) =
                rows::form_question(conn, &attempt.id, &question_id)?.ok_or(ApiError::NotFound)?;
            let kind = parse_kind(&kind)?;
            let (selected, artifact, diagnostics) = match (answer, diagnostics) {
                (Answer::Selection(ids), _) => {
                    validate_selection(&question, kind, &ids)?;
                    (encode(&ids), None, None)
                }
                (Answer::Artifact(text), Some(diagnostics)) => (
                    encode(&Vec::<String>::new()),
                    Some(text.as_ref().clone()),
                    Some(encode(&diagnostics)),
                ),
                (Answer::Artifact(_), None) => {
                    return Err(ApiError::InvalidAnswer(
                        "only a lab takes an artifact: choose options with selected".into(),
                    ))
                }
            };
            let fresh = AnswerRow {
                attempt_id: attempt.id.clone(),
                position: question.position,
                selected,
                revision: 1,
                saved_at: to_db_time(timing.now),
                artifact,
                diagnostics,
                // Graded once this save has been answered (see `grade_later`).
                grade: None,
            };
            let (saved, changed) = match rows::upsert_answer(conn, &fresh)? {
                Some(revision) => (AnswerRow { revision, ..fresh }, true),
                // The same answer again: the stored answer stands as it was.
                None => (
                    rows::answer(conn, &attempt.id, question.position)?
                        .ok_or_else(|| ApiError::internal("an unchanged answer is missing"))?,
                    false,
                ),
            };
            if !already_known {
                // Of the rules, a save can only bear on client_changed.
                let fact = ClientFact {
                    addr: client.addr.clone(),
                    user_agent: client.user_agent.clone(),
                };
                flags::on_save(conn, attempt, &timing, fact)?;
            }
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
            let changed = changed.then_some((saved.position, saved.revision));
            Ok((answer_view(&saved, &question.public_id)?, changed))
        },
    )
    .await?;
    state.known_clients.insert(client_key);
    if let (Some(checks), Some(text), Some((position, revision))) = (checks, artifact, changed) {
        grade_later(
            state.db.clone(),
            checks,
            text,
            attempt_id,
            position,
            revision,
        );
    }
    Ok(saved)
}

/// Every selected id must be one of this question's options, once, in a shape its kind accepts.
fn validate_selection(
    question: &AttemptQuestionRow,
    kind: QuestionKind,
    selected: &[String],
) -> ApiResult<()> {
    let ids: Vec<String> = decode(&question.option_ids)?;
    let order: Vec<usize> = decode(&question.option_order)?;
    check_selection(&ids, &order, kind, selected)
}

/// [`validate_selection`] on a question's option ids (as shown) and their order's map to
/// the question as written.
pub(super) fn check_selection(
    ids: &[String],
    order: &[usize],
    kind: QuestionKind,
    selected: &[String],
) -> ApiResult<()> {
    if kind.rules().answered_with_artifact() {
        return Err(ApiError::InvalidAnswer(
            "this question is a lab: save {\"artifact\": \"<text>\"}".into(),
        ));
    }
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
    kind.rules()
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
