//! Taking an exam: starting (eligibility, drawing the form), saving answers, finalising
//! and scoring exactly once, whether by the candidate, a read after the deadline, or a
//! sweeper in any instance.

use crate::auth::extract::ClientInfo;
use crate::db::attempts::{
    self as rows, AnswerRow, AttemptQuestionRow, AttemptRow, ResultRow, VersionRow,
};
use crate::db::{self, catalog, from_db_time, to_db_time, DbConn};
use crate::db::{audit, proctoring as proctoring_rows};
use crate::domain::catalog::{CutScore, Percent};
use crate::domain::form::{self, PoolItem};
use crate::domain::kinds::QuestionKind;
use crate::domain::proctoring::Rules;
use crate::domain::scoring::{self, ScoredItem};
use crate::error::{ApiError, ApiResult};
use crate::service::{certificates, proctoring};
use crate::state::AppState;
use crate::views::{
    instant, AnswerView, AttemptSummaryView, AttemptView, DomainScoreView, OptionView,
    QuestionView, ResultView, WarningView,
};
use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The actor of what no person did (expiry, the sweeper).
pub const SYSTEM: &str = "system";

/// Why an attempt closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    Submitted,
    Expired,
    Terminated,
}

impl CloseReason {
    fn as_str(self) -> &'static str {
        match self {
            CloseReason::Submitted => "submitted",
            CloseReason::Expired => "expired",
            CloseReason::Terminated => "terminated",
        }
    }
}

/// The rules an attempt lives by: time, and the proctoring policy.
#[derive(Clone, Copy)]
pub struct Timing {
    pub now: DateTime<Utc>,
    pub grace: Duration,
    pub rules: Rules,
}

impl Timing {
    pub fn of(state: &AppState) -> Timing {
        Timing {
            now: state.clock.now(),
            grace: Duration::from_std(state.settings.answer_grace).unwrap_or_default(),
            rules: state.settings.proctoring,
        }
    }

    /// Whether the attempt's answering time, grace included, is over.
    pub fn overdue(&self, attempt: &AttemptRow) -> bool {
        attempt.status == "in_progress" && self.now > from_db_time(attempt.deadline) + self.grace
    }
}

/// Starts an attempt at `code` for the candidate, if they may.
pub async fn start(state: &AppState, user_id: String, code: String) -> ApiResult<AttemptView> {
    let timing = Timing::of(state);
    let seed = form::new_seed();
    state
        .db
        .write(move |conn| {
            let record = catalog::find(conn, &code)?.ok_or(ApiError::NotFound)?;
            let cert = record.row;
            certificates::check_eligibility(
                conn,
                &user_id,
                &code,
                certificates::today(timing.now),
            )?;
            // An open attempt whose time is up is finished first; it no longer blocks.
            for open in rows::open_for_user(conn, &user_id)? {
                if timing.overdue(&open) {
                    finalize(conn, &open.id, CloseReason::Expired, &timing, SYSTEM)?;
                } else {
                    return Err(ApiError::AttemptInProgress);
                }
            }
            check_limits(conn, &user_id, &cert, timing.now)?;

            let (drawn, pool) = draw_form(conn, &code, &record.domains, &seed)?;
            let pass_mark = pass_mark(&cert, &drawn, &pool);

            let extra_time_percent = proctoring_rows::extra_time_percent(conn, &user_id, &code)?;
            let started_at = timing
                .now
                .duration_trunc(Duration::seconds(1))
                .unwrap_or(timing.now);
            let attempt = AttemptRow {
                id: db::new_id(),
                user_id: user_id.clone(),
                certification_code: code.clone(),
                status: "in_progress".into(),
                seed: hex::encode(seed),
                started_at: to_db_time(started_at),
                deadline: to_db_time(
                    started_at + allowed_time(cert.duration_minutes, extra_time_percent),
                ),
                pass_mark_tenths: pass_mark.tenths() as i32,
                closed_at: None,
                paused_at: None,
                extra_time_percent,
            };
            let form_rows: Vec<AttemptQuestionRow> = drawn
                .iter()
                .map(|d| AttemptQuestionRow {
                    attempt_id: attempt.id.clone(),
                    position: d.position as i32,
                    public_id: d.public_id.clone(),
                    question_id: d.question_id.clone(),
                    version: d.version,
                    domain: d.domain.clone(),
                    option_order: encode(&d.option_order),
                    option_ids: encode(&d.option_ids),
                })
                .collect();
            rows::insert(conn, &attempt, &form_rows)
                .map_err(|e| db::unique_violation_as(e, ApiError::AttemptInProgress))?;
            audit::append(
                conn,
                attempt.started_at,
                audit::Entry {
                    actor: &user_id,
                    action: "start",
                    attempt_id: Some(&attempt.id),
                    to: Some("in_progress"),
                    detail: Some(format!(
                        "{} questions, deadline {}, pass mark {}%, extra time {}%",
                        form_rows.len(),
                        instant(&from_db_time(attempt.deadline)),
                        pass_mark,
                        extra_time_percent
                    )),
                    ..Default::default()
                },
            )?;
            attempt_view(conn, &attempt, timing.now)
        })
        .await
}

/// `max_attempts_per_year` in any 365 days, and `retake_wait_days` after a failure.
fn check_limits(
    conn: &mut DbConn,
    user_id: &str,
    cert: &catalog::CertificationRow,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let year = Duration::days(365);
    let recent = rows::started_since(conn, user_id, &cert.code, to_db_time(now - year))?;
    if recent.len() >= cert.max_attempts_per_year as usize {
        // The limit lifts when enough of the oldest leave the window.
        let frees = recent[recent.len() - cert.max_attempts_per_year as usize];
        return Err(ApiError::AttemptLimitReached {
            retry_after_secs: seconds_until(from_db_time(frees) + year, now),
        });
    }
    if let Some(closed) = rows::last_not_passed(conn, user_id, &cert.code)? {
        let retry_at = from_db_time(closed) + Duration::days(cert.retake_wait_days.into());
        if retry_at > now {
            return Err(ApiError::RetakeWait {
                retry_after_secs: seconds_until(retry_at, now),
                retry_at,
            });
        }
    }
    Ok(())
}

/// The exam's duration, lengthened by an accommodation (rounded up to whole seconds).
fn allowed_time(duration_minutes: i32, extra_time_percent: i32) -> Duration {
    let seconds = i64::from(duration_minutes) * 60 * (100 + i64::from(extra_time_percent));
    Duration::seconds((seconds + 99) / 100)
}

fn seconds_until(t: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (t - now).num_milliseconds().max(0);
    ((ms + 999) / 1000).max(1) as u64
}

fn pass_mark(
    cert: &catalog::CertificationRow,
    drawn: &[form::DrawnItem],
    pool: &[(String, VersionRow)],
) -> Percent {
    let fixed = Percent::from_tenths(cert.pass_mark_tenths.into());
    if CutScore::parse(&cert.cut_score) != Some(CutScore::Angoff) {
        return fixed;
    }
    let weighted: Vec<(i64, f64)> = drawn
        .iter()
        .filter_map(|d| {
            pool.iter()
                .find(|(_, v)| v.question_id == d.question_id && v.version == d.version)
        })
        .map(|(_, v)| {
            (
                i64::from(v.points),
                v.difficulty.unwrap_or(fixed.as_f64() / 100.0),
            )
        })
        .collect();
    let band = (
        Percent::from_tenths(cert.band_min_tenths.into()),
        Percent::from_tenths(cert.band_max_tenths.into()),
    );
    scoring::angoff_mark(&weighted, band)
}

/// The candidate's own attempt, finalised first if its time is up.
pub async fn get(state: &AppState, user_id: String, attempt_id: String) -> ApiResult<AttemptView> {
    let timing = Timing::of(state);
    settle(state, &user_id, &attempt_id, timing).await?;
    state
        .db
        .read(move |conn| {
            let attempt = owned(conn, &user_id, &attempt_id)?;
            attempt_view(conn, &attempt, timing.now)
        })
        .await
}

/// Finalises the attempt if its time is up; a no-op otherwise.
async fn settle(
    state: &AppState,
    user_id: &str,
    attempt_id: &str,
    timing: Timing,
) -> ApiResult<()> {
    let (user_id, attempt_id) = (user_id.to_string(), attempt_id.to_string());
    let attempt = state.db.read({
        let (u, a) = (user_id.clone(), attempt_id.clone());
        move |conn| owned(conn, &u, &a)
    });
    if timing.overdue(&attempt.await?) {
        state
            .db
            .write(move |conn| {
                finalize(conn, &attempt_id, CloseReason::Expired, &timing, SYSTEM).map(|_| ())
            })
            .await?;
    }
    Ok(())
}

fn owned(conn: &mut DbConn, user_id: &str, attempt_id: &str) -> ApiResult<AttemptRow> {
    // Another candidate's attempt does not exist, as far as this one can tell.
    rows::find(conn, attempt_id)?
        .filter(|a| a.user_id == user_id)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswer {
    /// Option ids; for `ordering`, every option id in the chosen order.
    pub selected: Vec<String>,
}

/// Saves (or replaces) the answer to one question. Committed before it is acknowledged;
/// saving the same answer again changes nothing.
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
    let outcome = state
        .db
        .write(move |conn| {
            let attempt = owned(conn, &user_id, &attempt_id)?;
            if timing.overdue(&attempt) {
                finalize(conn, &attempt.id, CloseReason::Expired, &timing, SYSTEM)?;
                return Ok(Err(ApiError::AttemptClosed));
            }
            if !rows::lock_in_progress(conn, &attempt)? {
                return Err(ApiError::AttemptClosed);
            }
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
                proctoring::refresh_flags(conn, &attempt, &timing, None)?;
            }
            Ok(Ok(answer_view(&saved, &question.public_id)?))
        })
        .await?;
    if outcome.is_ok() {
        state.known_clients.insert(client_key);
    }
    outcome
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

/// Submits the attempt; submitting again returns the same result.
pub async fn submit(
    state: &AppState,
    user_id: String,
    attempt_id: String,
) -> ApiResult<ResultView> {
    let timing = Timing::of(state);
    state
        .db
        .write(move |conn| {
            let attempt = owned(conn, &user_id, &attempt_id)?;
            let reason = if timing.overdue(&attempt) {
                CloseReason::Expired
            } else {
                CloseReason::Submitted
            };
            let (result, _) = finalize(conn, &attempt.id, reason, &timing, &user_id)?;
            let attempt = owned(conn, &user_id, &attempt_id)?;
            result_view(conn, &attempt, &result, timing.now)
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
    settle(state, &user_id, &attempt_id, timing).await?;
    state
        .db
        .read(move |conn| {
            let attempt = owned(conn, &user_id, &attempt_id)?;
            let result = rows::result(conn, &attempt.id)?.ok_or(ApiError::AttemptInProgress)?;
            result_view(conn, &attempt, &result, timing.now)
        })
        .await
}

/// The candidate's attempts, newest first.
pub async fn list_mine(state: &AppState, user_id: String) -> ApiResult<Vec<AttemptSummaryView>> {
    let timing = Timing::of(state);
    let overdue: Vec<String> = state
        .db
        .read({
            let user_id = user_id.clone();
            move |conn| {
                Ok(rows::open_for_user(conn, &user_id)?
                    .into_iter()
                    .filter(|a| timing.overdue(a))
                    .map(|a| a.id)
                    .collect())
            }
        })
        .await?;
    for id in overdue {
        state
            .db
            .write(move |conn| {
                finalize(conn, &id, CloseReason::Expired, &timing, SYSTEM).map(|_| ())
            })
            .await?;
    }
    state
        .db
        .read(move |conn| {
            rows::list_for_user(conn, &user_id)?
                .into_iter()
                .map(|a| {
                    let result = rows::result(conn, &a.id)?;
                    Ok(AttemptSummaryView {
                        id: a.id,
                        certification_code: a.certification_code,
                        status: a.status,
                        started_at: instant(&from_db_time(a.started_at)),
                        deadline: instant(&from_db_time(a.deadline)),
                        submitted_at: result
                            .as_ref()
                            .map(|r| instant(&from_db_time(r.submitted_at))),
                        score_percent: result.as_ref().map(|r| f64::from(r.score_tenths) / 10.0),
                        passed: result.as_ref().map(|r| r.passed),
                    })
                })
                .collect()
        })
        .await
}

/// Finalises every attempt whose time is up; returns how many this call finalised. Safe
/// to run in every instance at once: each attempt is scored by whoever closes it first.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let timing = Timing::of(state);
    let cutoff = to_db_time(timing.now - timing.grace);
    let ids = state
        .db
        .read(move |conn| Ok(rows::overdue(conn, cutoff, 200)?))
        .await?;
    let mut finalised = 0;
    for id in ids {
        let (_, closed_now) = state
            .db
            .write(move |conn| finalize(conn, &id, CloseReason::Expired, &timing, SYSTEM))
            .await?;
        finalised += usize::from(closed_now);
    }
    Ok(finalised)
}

/// Closes the attempt and scores it, exactly once: the conditional update that closes it
/// succeeds for one caller only; everyone else reads the result that caller wrote. The
/// flag says whether this call was the one.
pub fn finalize(
    conn: &mut DbConn,
    attempt_id: &str,
    reason: CloseReason,
    timing: &Timing,
    actor: &str,
) -> ApiResult<(ResultRow, bool)> {
    let now = timing.now;
    let closing = reason.as_str();
    let attempt = rows::find(conn, attempt_id)?.ok_or(ApiError::NotFound)?;
    // An expired attempt ended at its deadline, whenever that was noticed.
    let ended_at = match reason {
        CloseReason::Expired => attempt.deadline.min(to_db_time(now)),
        _ => to_db_time(now),
    };
    if !rows::close(conn, attempt_id, closing, ended_at)? {
        let result = rows::result(conn, attempt_id)?.ok_or_else(|| {
            ApiError::internal(format!("attempt {attempt_id} is closed without a result"))
        })?;
        return Ok((result, false));
    }
    let at = to_db_time(now);
    let entry = |action, from, to, detail| audit::Entry {
        actor,
        action,
        attempt_id: Some(attempt_id),
        from: Some(from),
        to: Some(to),
        detail,
        ..Default::default()
    };
    audit::append(
        conn,
        at,
        entry(closing, attempt.status.as_str(), closing, None),
    )?;
    // The last look at the evidence before the outcome is decided.
    let flags = proctoring::refresh_flags(conn, &attempt, timing, Some(from_db_time(ended_at)))?;
    let mut result = score(conn, &attempt, reason, ended_at, now)?;
    let outcome = if reason == CloseReason::Terminated {
        // Scored for the record, never certified.
        "terminated"
    } else if !result.passed {
        "failed"
    } else if timing.rules.needs_review(&flags) {
        "pending_review"
    } else {
        // Issued in the transaction that records the result: both or neither.
        result.certificate_number = Some(certificates::award(conn, &attempt, now)?);
        "passed"
    };
    rows::insert_result(conn, &result)?;
    rows::set_status(conn, attempt_id, closing, outcome)?;
    let detail = format!(
        "{}/{} points, {}% against {}%; integrity {}",
        result.points_awarded,
        result.points_possible,
        Percent::from_tenths(result.score_tenths.into()),
        Percent::from_tenths(result.pass_mark_tenths.into()),
        timing.rules.integrity_score(&flags)
    );
    audit::append(conn, at, entry("score", closing, outcome, Some(detail)))?;
    Ok((result, true))
}

#[derive(Serialize, Deserialize)]
struct DomainScore {
    name: String,
    score_tenths: i64,
}

fn score(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    reason: CloseReason,
    ended_at: NaiveDateTime,
    now: DateTime<Utc>,
) -> ApiResult<ResultRow> {
    let form = rows::form(conn, &attempt.id)?;
    let answers = rows::answers(conn, &attempt.id)?;
    let mut items = Vec::with_capacity(form.len());
    for (question, version) in &form {
        let correct: Vec<usize> = decode(&version.correct)?;
        let right = match answers.iter().find(|a| a.position == question.position) {
            Some(answer) => {
                let ids: Vec<String> = decode(&question.option_ids)?;
                let order: Vec<usize> = decode(&question.option_order)?;
                let selected: Vec<String> = decode(&answer.selected)?;
                let original: Vec<usize> = selected
                    .iter()
                    .filter_map(|id| ids.iter().position(|o| o == id))
                    .map(|shown| order[shown])
                    .collect();
                kind_of(version)?.rules().is_right(&correct, &original)
            }
            None => false,
        };
        items.push(ScoredItem {
            domain: question.domain.clone(),
            points: version.points.into(),
            right,
        });
    }
    let domain_order: Vec<String> = catalog::find(conn, &attempt.certification_code)?
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
        closed_reason: reason.as_str().into(),
        submitted_at: ended_at,
        scored_at: to_db_time(now),
        certificate_number: None,
    })
}

fn attempt_view(
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
        });
        if let Some(answer) = answers.iter().find(|a| a.position == question.position) {
            answer_views.push(answer_view(answer, &question.public_id)?);
        }
    }
    let remaining = match attempt.status.as_str() {
        "in_progress" => (deadline - now).num_seconds().max(0),
        // The clock stands still while a proctor has the attempt paused.
        "paused" => attempt
            .paused_at
            .map_or(0, |p| (deadline - from_db_time(p)).num_seconds().max(0)),
        _ => 0,
    };
    Ok(AttemptView {
        id: attempt.id.clone(),
        certification_code: attempt.certification_code.clone(),
        status: attempt.status.clone(),
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
    })
}

fn answer_view(answer: &AnswerRow, public_id: &str) -> ApiResult<AnswerView> {
    Ok(AnswerView {
        question_id: public_id.to_string(),
        selected: decode(&answer.selected)?,
        saved_at: instant(&from_db_time(answer.saved_at)),
        revision: answer.revision,
    })
}

pub fn result_view(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    result: &ResultRow,
    now: DateTime<Utc>,
) -> ApiResult<ResultView> {
    let domains: Vec<DomainScore> = decode(&result.domains)?;
    let certificate = match &result.certificate_number {
        Some(number) => match crate::db::certificates::find(conn, number)? {
            Some(record) => Some(certificates::certificate_view(
                conn,
                record,
                certificates::today(now),
            )?),
            None => None,
        },
        None => None,
    };
    Ok(ResultView {
        attempt_id: attempt.id.clone(),
        certification_code: attempt.certification_code.clone(),
        status: attempt.status.clone(),
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
        submitted_at: instant(&from_db_time(result.submitted_at)),
        certificate,
    })
}

/// A certification's pool as stored: (domain, current version) of each active question.
type PoolRows = Vec<(String, VersionRow)>;

/// Draws a form of certification `code` with these `domains` from `seed` over its current
/// pool; and that pool.
fn draw_form(
    conn: &mut DbConn,
    code: &str,
    domains: &[catalog::DomainRow],
    seed: &form::Seed,
) -> ApiResult<(Vec<form::DrawnItem>, PoolRows)> {
    let domains: Vec<(String, usize)> = domains
        .iter()
        .map(|d| (d.name.clone(), d.questions as usize))
        .collect();
    let pool = rows::pool(conn, code)?;
    let items: Vec<PoolItem> = pool
        .iter()
        .map(|(domain, v)| {
            Ok(PoolItem {
                question_id: v.question_id.clone(),
                version: v.version,
                domain: domain.clone(),
                kind: kind_of(v)?,
                option_count: decode::<Vec<String>>(&v.options)?.len(),
            })
        })
        .collect::<ApiResult<_>>()?;
    let drawn = form::draw(seed, &domains, &items).map_err(ApiError::internal)?;
    Ok((drawn, pool))
}

/// An attempt's form drawn again from its stored seed, for an audit: the same form the
/// candidate was served, as long as the certification's pool has not changed since (a
/// bank import that changes or retires a question changes what a seed draws). Errors:
/// `NotFound` for an unknown attempt or certification.
pub fn redraw(conn: &mut DbConn, attempt_id: &str) -> ApiResult<Vec<form::DrawnItem>> {
    let attempt = rows::find(conn, attempt_id)?.ok_or(ApiError::NotFound)?;
    let record = catalog::find(conn, &attempt.certification_code)?.ok_or(ApiError::NotFound)?;
    let seed: form::Seed = hex::decode(&attempt.seed)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| ApiError::internal("a stored seed is not 32 bytes of hex"))?;
    Ok(draw_form(conn, &record.row.code, &record.domains, &seed)?.0)
}

fn kind_of(version: &VersionRow) -> ApiResult<QuestionKind> {
    parse_kind(&version.kind)
}

fn parse_kind(kind: &str) -> ApiResult<QuestionKind> {
    QuestionKind::parse(kind).ok_or_else(|| ApiError::internal(format!("stored kind {kind:?}")))
}

fn decode<T: DeserializeOwned>(json: &str) -> ApiResult<T> {
    serde_json::from_str(json).map_err(ApiError::internal)
}

fn encode<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
