//! PostgreSQL's short save: an answer from a client this instance has already seen on the
//! attempt, checked against the attempt's cached form (a lab's artifact read for its syntax
//! diagnostics with the checks cached there) and written in one statement: one round trip
//! instead of a transaction's eight. Anything else, or a statement that finds the attempt
//! not answerable, takes the long path, which also says why.

use super::answering::{check_selection, Answer};
use super::labs::{compiled, diagnose, grade_later};
use super::stored::{decode, encode, parse_kind};
use crate::auth::extract::ClientInfo;
use crate::db::answers::{self as rows, AnswerSave};
use crate::db::{self, from_db_time, to_db_time, Backend, DbConn};
use crate::domain::kinds::QuestionKind;
use crate::error::ApiResult;
use crate::service::form_cache::{Form, FormQuestion};
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{instant, AnswerView};
use std::sync::Arc;

pub struct QuickSave<'a> {
    pub user_id: &'a str,
    pub attempt_id: &'a str,
    pub question_id: &'a str,
    pub answer: &'a Answer,
    pub client: &'a ClientInfo,
}

/// The saved answer, or None when this save must take the long path.
pub async fn quick_save(
    state: &AppState,
    save: QuickSave<'_>,
    timing: Timing,
) -> ApiResult<Option<AnswerView>> {
    if state.db.backend() != Backend::Postgres {
        return Ok(None);
    }
    let form = match state.forms.get(save.attempt_id) {
        Some(form) => form,
        None => match load_form(state, save.attempt_id.to_string()).await? {
            Some(form) => form,
            None => return Ok(None),
        },
    };
    let Some(question) = form.get(save.question_id) else {
        return Ok(None);
    };
    // What is stored: the selection, or a lab's artifact with what the candidate is told.
    let (selected, lab) = match (save.answer, &question.lab) {
        (Answer::Selection(ids), _) => {
            let valid = check_selection(
                &question.option_ids,
                &question.option_order,
                question.kind,
                ids,
            );
            if valid.is_err() {
                // Refused on the long path, after the checks that come first (whose attempt?).
                return Ok(None);
            }
            (ids.clone(), None)
        }
        (Answer::Artifact(text), Some(checks)) => {
            let diagnostics = diagnose(checks.clone(), text.clone()).await?;
            (
                Vec::new(),
                Some((checks.clone(), text.clone(), diagnostics)),
            )
        }
        (Answer::Artifact(_), None) => return Ok(None),
    };
    let (attempt_id, user_id) = (save.attempt_id.to_string(), save.user_id.to_string());
    let (addr, user_agent) = (save.client.addr.clone(), save.client.user_agent.clone());
    let encoded = encode(&selected);
    let artifact = lab.as_ref().map(|(_, text, d)| (text.clone(), encode(d)));
    let position = question.position;
    let saved = state
        .db
        .statement(move |conn| {
            let DbConn::Pg(pg) = conn else {
                return Ok(None);
            };
            let save = AnswerSave {
                attempt_id: &attempt_id,
                user_id: &user_id,
                deadline_from: to_db_time(timing.now - timing.grace),
                position,
                selected: &encoded,
                artifact: artifact.as_ref().map(|(text, _)| text.as_str()),
                diagnostics: artifact.as_ref().map(|(_, d)| d.as_str()),
                now: to_db_time(timing.now),
                save_id: &db::new_id(),
                client_addr: &addr,
                user_agent: &user_agent,
            };
            Ok(rows::save_answer_at_once(pg, &save)?)
        })
        .await?;
    let Some(row) = saved else {
        return Ok(None);
    };
    let (artifact, diagnostics) = match lab {
        Some((checks, text, diagnostics)) => {
            if row.changed {
                let attempt_id = save.attempt_id.to_string();
                let db = state.db.clone();
                grade_later(db, checks, text.clone(), attempt_id, position, row.revision);
            }
            (Some(text.as_ref().clone()), Some(diagnostics))
        }
        None => (None, None),
    };
    Ok(Some(AnswerView {
        question_id: save.question_id.to_string(),
        selected,
        saved_at: instant(&from_db_time(row.saved_at)),
        revision: row.revision,
        artifact,
        diagnostics,
    }))
}

/// The attempt's drawn form, read once and kept; None for an unknown attempt.
async fn load_form(state: &AppState, attempt_id: String) -> ApiResult<Option<Arc<Form>>> {
    let id = attempt_id.clone();
    let questions = state
        .db
        .read(move |conn| Ok(rows::form_kinds(conn, &id)?))
        .await?;
    if questions.is_empty() {
        return Ok(None);
    }
    let mut form = Form::new();
    for (q, kind, lab) in questions {
        let kind = parse_kind(&kind)?;
        let lab = match (kind, lab) {
            (QuestionKind::Lab, Some(lab)) => Some(compiled(&lab)?),
            _ => None,
        };
        form.insert(
            q.public_id,
            FormQuestion {
                position: q.position,
                option_ids: decode(&q.option_ids)?,
                option_order: decode(&q.option_order)?,
                kind,
                lab,
            },
        );
    }
    Ok(Some(state.forms.insert(attempt_id, Arc::new(form))))
}
