//! What a candidate reads of their attempts: the attempt with its form and answers, its
//! result, and the list of their attempts. An overdue attempt is finalised first.

use super::finalise::DomainScore;
use super::labs::LabRecord;
use super::open::{settle, settle_candidate, Reach};
use super::stored::decode;
use crate::db::attempts::{self as rows, AnswerRow, AttemptRow, ResultRow};
use crate::db::proctoring as proctoring_rows;
use crate::db::{from_db_time, DbConn};
use crate::domain::labs::{Diagnostic, LabSpec};
use crate::domain::lifecycle::AttemptStatus;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Cursor, Page, Paging};
use crate::service::certificates::{certificate_view, today};
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{
    instant, AnswerView, ArtifactView, AttemptSummaryView, AttemptView, DomainScoreView,
    LabResultView, OptionView, QuestionView, ResultView, WarningView,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The candidate's own attempt, finalised first if its time is up.
pub async fn get(state: &AppState, user_id: String, attempt_id: String) -> ApiResult<AttemptView> {
    let timing = Timing::of(state);
    let reach = Reach::Owner(user_id);
    settle(&state.db, timing, reach.clone(), attempt_id.clone()).await?;
    state
        .db
        .read(move |conn| {
            let attempt = reach.find(conn, &attempt_id)?;
            attempt_view(conn, &attempt, timing.now)
        })
        .await
}

/// The result; 409 `attempt_in_progress` while the attempt is open.
pub async fn result(
    state: &AppState,
    user_id: String,
    attempt_id: String,
) -> ApiResult<ResultView> {
    let timing = Timing::of(state);
    let reach = Reach::Owner(user_id);
    settle(&state.db, timing, reach.clone(), attempt_id.clone()).await?;
    state
        .db
        .read(move |conn| {
            let attempt = reach.find(conn, &attempt_id)?;
            let result = rows::result(conn, &attempt.id)?.ok_or_else(|| {
                ApiError::AttemptInProgress(format!(
                    "The attempt is {}: its result exists once it is submitted or its time runs out.",
                    attempt.status
                ))
            })?;
            result_view(conn, &attempt, &result, timing.now)
        })
        .await
}

/// A page of the candidate's attempts, newest first; overdue ones are finalised first.
pub async fn list_mine(
    state: &AppState,
    user_id: String,
    paging: Paging,
) -> ApiResult<Page<AttemptSummaryView>> {
    let timing = Timing::of(state);
    settle_candidate(&state.db, timing, &user_id).await?;
    state
        .db
        .read(move |conn| {
            let found = rows::page_for_user(conn, &user_id, &paging)?;
            let page = Page::from_rows(found, &paging, |a| Cursor {
                at: a.started_at,
                id: a.id.clone(),
            });
            let ids: Vec<String> = page.items.iter().map(|a| a.id.clone()).collect();
            let results: HashMap<String, ResultRow> = rows::results_for(conn, &ids)?
                .into_iter()
                .map(|r| (r.attempt_id.clone(), r))
                .collect();
            let items = page
                .items
                .into_iter()
                .map(|a| {
                    let result = results.get(&a.id);
                    Ok(AttemptSummaryView {
                        status: a.status()?,
                        id: a.id,
                        certification_code: a.certification_code,
                        started_at: instant(&from_db_time(a.started_at)),
                        deadline: instant(&from_db_time(a.deadline)),
                        submitted_at: result.map(|r| instant(&from_db_time(r.submitted_at))),
                        score_percent: result.map(|r| f64::from(r.score_tenths) / 10.0),
                        passed: result.map(|r| r.passed),
                        practice: a.practice,
                    })
                })
                .collect::<ApiResult<_>>()?;
            Ok(Page {
                items,
                next: page.next,
            })
        })
        .await
}

pub(super) fn attempt_view(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    now: DateTime<Utc>,
) -> ApiResult<AttemptView> {
    let form = rows::form(conn, &attempt.id)?;
    let answers = rows::answers(conn, &attempt.id)?;
    let deadline = from_db_time(attempt.deadline);
    let mut questions = Vec::with_capacity(form.len());
    let mut answer_views = Vec::with_capacity(answers.len());
    for (question, version) in &form {
        let texts: Vec<String> = decode(&version.options)?;
        let order: Vec<usize> = decode(&question.option_order)?;
        let ids: Vec<String> = decode(&question.option_ids)?;
        let artifact = match &version.lab {
            Some(lab) => {
                let spec: LabSpec = decode(lab)?;
                Some(ArtifactView {
                    format: spec.format,
                    filename: spec.filename,
                    starter: spec.starter,
                })
            }
            None => None,
        };
        questions.push(QuestionView {
            id: question.public_id.clone(),
            position: question.position,
            domain: question.domain.clone(),
            kind: version.kind.clone(),
            stem: version.stem.clone(),
            points: version.points,
            options: ids
                .into_iter()
                .zip(order)
                .map(|(id, i)| OptionView {
                    id,
                    text: texts[i].clone(),
                })
                .collect(),
            artifact,
        });
        if let Some(answer) = answers.iter().find(|a| a.position == question.position) {
            answer_views.push(answer_view(answer, &question.public_id)?);
        }
    }
    let status = attempt.status()?;
    let remaining = match status {
        AttemptStatus::InProgress => (deadline - now).num_seconds().max(0),
        // The clock stands still while a proctor has the attempt paused.
        AttemptStatus::Paused => attempt
            .paused_at
            .map_or(0, |p| (deadline - from_db_time(p)).num_seconds().max(0)),
        _ => 0,
    };
    Ok(AttemptView {
        id: attempt.id.clone(),
        certification_code: attempt.certification_code.clone(),
        status,
        started_at: instant(&from_db_time(attempt.started_at)),
        deadline: instant(&deadline),
        server_time: instant(&now),
        time_remaining_seconds: remaining,
        warnings: proctoring_rows::warnings(conn, &attempt.id)?
            .into_iter()
            .map(|w| WarningView {
                text: w.text,
                issued_at: instant(&from_db_time(w.issued_at)),
            })
            .collect(),
        questions,
        answers: answer_views,
        practice: attempt.practice,
    })
}

pub(super) fn answer_view(answer: &AnswerRow, public_id: &str) -> ApiResult<AnswerView> {
    let diagnostics: Option<Vec<Diagnostic>> =
        answer.diagnostics.as_deref().map(decode).transpose()?;
    Ok(AnswerView {
        question_id: public_id.to_string(),
        selected: decode(&answer.selected)?,
        saved_at: instant(&from_db_time(answer.saved_at)),
        revision: answer.revision,
        artifact: answer.artifact.clone(),
        diagnostics,
    })
}

pub fn result_view(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    result: &ResultRow,
    now: DateTime<Utc>,
) -> ApiResult<ResultView> {
    let domains: Vec<DomainScore> = decode(&result.domains)?;
    let labs: Vec<LabRecord> = decode(&result.labs)?;
    let certificate = match &result.certificate_number {
        Some(number) => match crate::db::certificates::find(conn, number)? {
            Some(record) => Some(certificate_view(conn, record, today(now))?),
            None => None,
        },
        None => None,
    };
    Ok(ResultView {
        attempt_id: attempt.id.clone(),
        certification_code: attempt.certification_code.clone(),
        status: attempt.status()?,
        score_percent: f64::from(result.score_tenths) / 10.0,
        pass_mark_percent: f64::from(result.pass_mark_tenths) / 10.0,
        passed: result.passed,
        points_awarded: result.points_awarded,
        points_possible: result.points_possible,
        domains: domains
            .into_iter()
            .map(|d| DomainScoreView {
                name: d.name,
                score_percent: d.score_tenths as f64 / 10.0,
            })
            .collect(),
        labs: labs
            .into_iter()
            .map(|l| LabResultView {
                question_id: l.question_id,
                points_awarded: l.points_awarded,
                points_possible: l.points_possible,
                status: l.status,
                answered: l.answered,
            })
            .collect(),
        submitted_at: instant(&from_db_time(result.submitted_at)),
        certificate,
        practice: attempt.practice,
        review: super::practice::review(conn, attempt)?,
    })
}
