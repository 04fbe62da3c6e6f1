//! Starting an attempt: eligibility, the yearly limit and retake wait, drawing the form
//! and setting its pass mark and deadline.

use super::open::settle_candidate;
use super::stored::{decode, encode, kind_of};
use super::views::attempt_view;
use crate::db::attempts::{self as rows, AttemptQuestionRow, AttemptRow, VersionRow};
use crate::db::proctoring as proctoring_rows;
use crate::db::{self, audit, catalog, from_db_time, to_db_time, DbConn};
use crate::domain::catalog::{CutScore, Percent};
use crate::domain::form::{self, PoolItem};
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::scoring;
use crate::error::{ApiError, ApiResult};
use crate::service::certificates;
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{instant, AttemptView};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Which pool a form is drawn from, and so which rules its attempt is under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    /// The real exam: prerequisites, limits, review, a certificate.
    Live,
    /// A practice form: timed like the real one, from practice items only; no
    /// prerequisites, limits or waits, never held or certified, keys shown afterwards.
    Practice,
}

/// Starts an attempt at `code` for the candidate, if they may. Errors: 404 for an
/// unknown certification (or, for practice, one without practice items); 403
/// `email_unverified` (while verified addresses are required) or `prerequisite_missing`;
/// 409 `already_certified`, `attempt_in_progress` or `attempt_under_review`; 429
/// `retake_wait` or `attempt_limit_reached`. A practice start can fail only with 404,
/// `email_unverified` and `attempt_in_progress` (one open attempt at a time, of either
/// kind).
pub async fn start(
    state: &AppState,
    user_id: String,
    code: String,
    kind: FormKind,
) -> ApiResult<AttemptView> {
    let practice = kind == FormKind::Practice;
    let timing = Timing::of(state);
    let seed = form::new_seed();
    // An open attempt whose time is up is finished first, in a transaction of its own that
    // commits whatever this start then decides; it no longer blocks, and its outcome (a
    // certificate, a retake wait) counts in the checks below.
    settle_candidate(&state.db, timing, &user_id).await?;
    let require_verified = state.settings.messaging.require_verified_email;
    state
        .db
        .write(move |conn| {
            let record = catalog::find(conn, &code)?.ok_or(ApiError::NotFound)?;
            let cert = record.row;
            if practice {
                if require_verified && !email_verified(conn, &user_id)? {
                    return Err(ApiError::EmailUnverified);
                }
                if !rows::open_for_user(conn, &user_id)?.is_empty() {
                    return Err(ApiError::another_attempt_open());
                }
            } else {
                may_start(conn, &user_id, &cert, require_verified, timing.now)?;
            }

            let (drawn, pool) = draw_form(conn, &code, &record.domains, &seed, practice)?;
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
                status: AttemptStatus::InProgress.as_str().into(),
                seed: hex::encode(seed),
                started_at: to_db_time(started_at),
                deadline: to_db_time(
                    started_at + allowed_time(cert.duration_minutes, extra_time_percent),
                ),
                pass_mark_tenths: pass_mark.tenths() as i32,
                closed_at: None,
                paused_at: None,
                extra_time_percent,
                practice,
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
                .map_err(|e| db::unique_violation_as(e, ApiError::another_attempt_open()))?;
            audit::append(
                conn,
                attempt.started_at,
                audit::Entry {
                    actor: &user_id,
                    action: if practice { "start_practice" } else { "start" },
                    attempt_id: Some(&attempt.id),
                    to: Some(AttemptStatus::InProgress.as_str()),
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

fn email_verified(conn: &mut DbConn, user_id: &str) -> ApiResult<bool> {
    let candidate = crate::db::users::find(conn, user_id)?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    Ok(candidate.email_verified_at.is_some())
}

/// Whether the candidate may start a live attempt at `cert` now; the error says why not
/// (and, for a wait, until when): a verified address (while required), the
/// prerequisites, not already certified, no other open attempt, no pass awaiting review,
/// the yearly limit and the retake wait. The same rules decide a start and a
/// recommendation.
pub fn may_start(
    conn: &mut DbConn,
    user_id: &str,
    cert: &catalog::CertificationRow,
    require_verified: bool,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if require_verified && !email_verified(conn, user_id)? {
        return Err(ApiError::EmailUnverified);
    }
    certificates::check_eligibility(conn, user_id, &cert.code, certificates::today(now))?;
    if !rows::open_for_user(conn, user_id)?.is_empty() {
        return Err(ApiError::another_attempt_open());
    }
    // A held pass is decided before the next try: its review may yet certify.
    if rows::awaiting_review(conn, user_id, &cert.code)? {
        return Err(ApiError::AttemptUnderReview);
    }
    check_limits(conn, user_id, cert, now)
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
    pool: &[(String, Option<String>, VersionRow)],
) -> Percent {
    let fixed = Percent::from_tenths(cert.pass_mark_tenths.into());
    if CutScore::parse(&cert.cut_score) != Some(CutScore::Angoff) {
        return fixed;
    }
    let weighted: Vec<(i64, f64)> = drawn
        .iter()
        .filter_map(|d| {
            pool.iter()
                .find(|(_, _, v)| v.question_id == d.question_id && v.version == d.version)
        })
        .map(|(_, _, v)| {
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

/// A certification's pool as stored: (domain, enemy group, current version) of each active
/// question.
type PoolRows = Vec<(String, Option<String>, VersionRow)>;

/// Draws a form of certification `code` with these `domains` from `seed` over its current
/// pool; and that pool.
fn draw_form(
    conn: &mut DbConn,
    code: &str,
    domains: &[catalog::DomainRow],
    seed: &form::Seed,
    practice: bool,
) -> ApiResult<(Vec<form::DrawnItem>, PoolRows)> {
    let domains: Vec<(String, usize)> = domains
        .iter()
        .map(|d| (d.name.clone(), d.questions as usize))
        .collect();
    let pool = rows::pool(conn, code, practice)?;
    // A certification without a practice pool offers no practice forms.
    if practice && pool.is_empty() {
        return Err(ApiError::NotFound);
    }
    let items: Vec<PoolItem> = pool
        .iter()
        .map(|(domain, group, v)| {
            Ok(PoolItem {
                question_id: v.question_id.clone(),
                version: v.version,
                domain: domain.clone(),
                group: group.clone(),
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
/// `NotFound` for an unknown attempt.
pub fn redraw(conn: &mut DbConn, attempt_id: &str) -> ApiResult<Vec<form::DrawnItem>> {
    let attempt = rows::find(conn, attempt_id)?.ok_or(ApiError::NotFound)?;
    let record = catalog::stored(conn, &attempt.certification_code)?.ok_or(ApiError::NotFound)?;
    let seed: form::Seed = hex::decode(&attempt.seed)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| ApiError::internal("a stored seed is not 32 bytes of hex"))?;
    Ok(draw_form(
        conn,
        &record.row.code,
        &record.domains,
        &seed,
        attempt.practice,
    )?
    .0)
}
