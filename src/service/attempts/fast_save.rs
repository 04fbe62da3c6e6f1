//! PostgreSQL's short save: a selection from a client this instance has already seen on
//! the attempt, checked against the attempt's cached form and written in one statement
//! (one round trip instead of a transaction's six). Anything else, or a statement that
//! finds the attempt not answerable, takes the long path, which also says why.

use super::answering::check_selection;
use super::stored::{decode, encode, parse_kind};
use crate::auth::extract::ClientInfo;
use crate::db::answers::{self as rows, SelectionSave};
use crate::db::{self, from_db_time, to_db_time, Backend, DbConn};
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
    pub selected: &'a [String],
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
    let valid = check_selection(
        &question.option_ids,
        &question.option_order,
        question.kind,
        save.selected,
    );
    if valid.is_err() {
        // Refused on the long path, after the checks that come first (whose attempt?).
        return Ok(None);
    }
    let (attempt_id, user_id) = (save.attempt_id.to_string(), save.user_id.to_string());
    let (addr, user_agent) = (save.client.addr.clone(), save.client.user_agent.clone());
    let selected = encode(&save.selected);
    let position = question.position;
    let saved = state
        .db
        .statement(move |conn| {
            let DbConn::Pg(pg) = conn else {
                return Ok(None);
            };
            let save = SelectionSave {
                attempt_id: &attempt_id,
                user_id: &user_id,
                deadline_from: to_db_time(timing.now - timing.grace),
                position,
                selected: &selected,
                now: to_db_time(timing.now),
                save_id: &db::new_id(),
                client_addr: &addr,
                user_agent: &user_agent,
            };
            Ok(rows::save_selection_at_once(pg, &save)?)
        })
        .await?;
    saved
        .map(|row| {
            Ok(AnswerView {
                question_id: save.question_id.to_string(),
                selected: decode(&row.selected)?,
                saved_at: instant(&from_db_time(row.saved_at)),
                revision: row.revision,
                artifact: None,
                diagnostics: None,
            })
        })
        .transpose()
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
    for (q, kind) in questions {
        form.insert(
            q.public_id,
            FormQuestion {
                position: q.position,
                option_ids: decode(&q.option_ids)?,
                option_order: decode(&q.option_order)?,
                kind: parse_kind(&kind)?,
            },
        );
    }
    Ok(Some(state.forms.insert(attempt_id, form)))
}
