//! Closing an attempt and scoring it, exactly once, whoever gets there first: the
//! candidate's submit, a request that finds it overdue, a proctor's terminate, or a
//! sweeper in any instance.

use super::labs;
use super::stored::{decode, encode, kind_of};
use crate::db::attempts::{self as rows, AttemptRow, ResultRow};
use crate::db::{audit, catalog, from_db_time, to_db_time, DbConn};
use crate::domain::catalog::Percent;
use crate::domain::lifecycle::{transition, AttemptEvent, AttemptStatus, ProctorAction, Verdict};
use crate::domain::scoring::{self, ScoredItem};
use crate::error::{ApiError, ApiResult};
use crate::service::timing::Timing;
use crate::service::{flags, issuing, SYSTEM};
use crate::state::AppState;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why an attempt closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    Submitted,
    Expired,
    Terminated,
}

impl CloseReason {
    fn event(self) -> AttemptEvent {
        match self {
            CloseReason::Submitted => AttemptEvent::Submit,
            CloseReason::Expired => AttemptEvent::Expire,
            CloseReason::Terminated => AttemptEvent::Proctor(ProctorAction::Terminate),
        }
    }
}

/// Finalises `attempt` (read, and on PostgreSQL locked, in this transaction) if its time
/// is up; true when it did. The one place the "overdue? then close it first" rule lives.
pub fn expire_if_overdue(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    timing: &Timing,
) -> ApiResult<bool> {
    if !timing.overdue(attempt) {
        return Ok(false);
    }
    finalize(conn, attempt, CloseReason::Expired, timing, SYSTEM)?;
    Ok(true)
}

/// Closes `attempt` and scores it, in the caller's transaction. `attempt` must be the row
/// read (and on PostgreSQL locked) in this transaction: the lifecycle decides on it, and
/// the conditional update from its status makes the close happen once. A refused
/// transition (a paused attempt submitted, a closed one terminated) is the caller's 409.
pub fn finalize(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    reason: CloseReason,
    timing: &Timing,
    actor: &str,
) -> ApiResult<ResultRow> {
    let now = timing.now;
    let from = attempt.status()?;
    let closing = transition(from, reason.event())?;
    // An expired attempt ended at its deadline, whenever that was noticed.
    let ended_at = match reason {
        CloseReason::Expired => attempt.deadline.min(to_db_time(now)),
        _ => to_db_time(now),
    };
    if !rows::transition(conn, &attempt.id, from, closing, Some(ended_at))? {
        return Err(ApiError::internal(format!(
            "attempt {} left {from} while its transaction held it",
            attempt.id
        )));
    }
    let at = to_db_time(now);
    let entry = |action, from: AttemptStatus, to: AttemptStatus, detail| audit::Entry {
        actor,
        action,
        attempt_id: Some(&attempt.id),
        from: Some(from.as_str()),
        to: Some(to.as_str()),
        detail,
        ..Default::default()
    };
    audit::append(conn, at, entry(closing.as_str(), from, closing, None))?;
    // The last look at the evidence before the outcome is decided.
    flags::check_silence(conn, attempt, timing, Some(from_db_time(ended_at)))?;
    let flags = flags::raised(conn, &attempt.id)?;
    let mut result = score(conn, attempt, closing, ended_at, now)?;
    // A practice attempt is neither proctored nor certified: nothing to hold for review.
    let verdict = if !result.passed {
        Verdict::Fail
    } else if !attempt.practice && timing.rules.needs_review(&flags) {
        Verdict::Hold
    } else {
        Verdict::Pass
    };
    let outcome = transition(closing, AttemptEvent::Score(verdict))?;
    if outcome == AttemptStatus::Passed && !attempt.practice {
        // Issued in the transaction that records the result: both or neither.
        let earned_at = from_db_time(ended_at);
        result.certificate_number = Some(issuing::award(conn, attempt, earned_at, now)?);
    }
    rows::insert_result(conn, &result)?;
    rows::transition(conn, &attempt.id, closing, outcome, None)?;
    let detail = format!(
        "{}/{} points, {}% against {}%; integrity {}",
        result.points_awarded,
        result.points_possible,
        Percent::from_tenths(result.score_tenths.into()),
        Percent::from_tenths(result.pass_mark_tenths.into()),
        timing.rules.integrity_score(&flags)
    );
    audit::append(conn, at, entry("score", closing, outcome, Some(detail)))?;
    // A terminated attempt is told of by its termination, with the proctor's note; a
    // practice result is read on the page, not mailed.
    if outcome != AttemptStatus::Terminated && !attempt.practice {
        crate::notify::attempts::on_scored(conn, attempt, outcome, &result, &flags, None, now)?;
    }
    Ok(result)
}

/// Finalises every attempt whose time is up; returns how many this call finalised. Safe
/// to run in every instance at once: each attempt is closed by whoever locks it first and
/// still finds it overdue. An attempt that cannot be finalised is logged and left for the
/// next sweep; it never stops the sweep for the others.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    const PAGE: i64 = 200;
    let timing = Timing::of(state);
    let cutoff = to_db_time(timing.now - timing.grace);
    let mut finalised = 0;
    let mut after: Option<(NaiveDateTime, String)> = None;
    loop {
        let from = after.clone();
        let page = state
            .db
            .read(move |conn| Ok(rows::overdue(conn, cutoff, from.as_ref(), PAGE)?))
            .await?;
        for (_, id) in &page {
            let closed = state
                .db
                .write({
                    let id = id.clone();
                    move |conn| match rows::find_for_update(conn, &id)? {
                        Some(attempt) => expire_if_overdue(conn, &attempt, &timing),
                        None => Ok(false),
                    }
                })
                .await;
            match closed {
                Ok(closed) => finalised += usize::from(closed),
                // The database itself is gone: the rest would fail the same way.
                Err(e @ (ApiError::Unavailable(_) | ApiError::Busy { .. })) => return Err(e),
                Err(e) => {
                    tracing::error!(attempt_id = %id, error = %e, "could not finalise an overdue attempt")
                }
            }
        }
        if (page.len() as i64) < PAGE {
            return Ok(finalised);
        }
        after = page.last().cloned();
    }
}

/// One question of a form as scored: all or nothing for a choice item, each passed
/// check's points for a lab (with the lab's record).
pub fn score_item(
    question: &crate::db::attempts::AttemptQuestionRow,
    version: &crate::db::attempts::VersionRow,
    answer: Option<&crate::db::attempts::AnswerRow>,
) -> ApiResult<(ScoredItem, Option<labs::LabRecord>)> {
    let kind = kind_of(version)?;
    let points: i64 = version.points.into();
    if kind.rules().answered_with_artifact() {
        let lab = labs::record(question, version, answer)?;
        let item = ScoredItem {
            domain: question.domain.clone(),
            points,
            awarded: lab.points_awarded.into(),
        };
        return Ok((item, Some(lab)));
    }
    let correct: Vec<usize> = decode(&version.correct)?;
    let right = match answer {
        Some(answer) => choice_right(
            kind,
            &correct,
            &question.option_ids,
            &question.option_order,
            &answer.selected,
        )?,
        None => false,
    };
    let item = ScoredItem {
        domain: question.domain.clone(),
        points,
        awarded: if right { points } else { 0 },
    };
    Ok((item, None))
}

/// Whether a saved choice answer is right: the candidate's option ids (`selected`, JSON)
/// mapped back through the form's `option_ids` and `option_order` (JSON, as stored) to
/// the bank's option indices, judged by the kind's rule against the key `correct`.
pub fn choice_right(
    kind: crate::domain::kinds::QuestionKind,
    correct: &[usize],
    option_ids: &str,
    option_order: &str,
    selected: &str,
) -> ApiResult<bool> {
    let ids: Vec<String> = decode(option_ids)?;
    let order: Vec<usize> = decode(option_order)?;
    let selected: Vec<String> = decode(selected)?;
    let original: Vec<usize> = selected
        .iter()
        .filter_map(|id| ids.iter().position(|o| o == id))
        .map(|shown| order[shown])
        .collect();
    Ok(kind.rules().is_right(correct, &original))
}

#[derive(Serialize, Deserialize)]
pub(super) struct DomainScore {
    pub name: String,
    pub score_tenths: i64,
}

fn score(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    closing: AttemptStatus,
    ended_at: NaiveDateTime,
    now: DateTime<Utc>,
) -> ApiResult<ResultRow> {
    let form = rows::form(conn, &attempt.id)?;
    let answers = rows::answers(conn, &attempt.id)?;
    let mut items = Vec::with_capacity(form.len());
    let mut labs = Vec::new();
    for (question, version) in &form {
        let answer = answers.iter().find(|a| a.position == question.position);
        let (item, lab) = score_item(question, version, answer)?;
        items.push(item);
        labs.extend(lab);
    }
    // As stored: a certification retired since the attempt began still orders its domains.
    let domain_order: Vec<String> = catalog::stored(conn, &attempt.certification_code)?
        .map(|c| c.domains.into_iter().map(|d| d.name).collect())
        .unwrap_or_default();
    let pass_mark = Percent::from_tenths(attempt.pass_mark_tenths.into());
    let s = scoring::score(&items, pass_mark, &domain_order);
    let domains: Vec<DomainScore> = s
        .domains
        .iter()
        .map(|(name, p)| DomainScore {
            name: name.clone(),
            score_tenths: p.tenths(),
        })
        .collect();
    Ok(ResultRow {
        attempt_id: attempt.id.clone(),
        points_awarded: s.points_awarded as i32,
        points_possible: s.points_possible as i32,
        score_tenths: s.score.tenths() as i32,
        pass_mark_tenths: attempt.pass_mark_tenths,
        passed: s.passed,
        domains: encode(&domains),
        closed_reason: closing.as_str().into(),
        submitted_at: ended_at,
        scored_at: to_db_time(now),
        certificate_number: None,
        labs: encode(&labs),
    })
}
