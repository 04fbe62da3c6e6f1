//! The proctor's console: open and held attempts, page by page, each with its candidate,
//! flags, warnings and last heartbeat.

use crate::db::attempts::{self as attempt_rows, AttemptRow};
use crate::db::proctoring::{self as rows, FlagRow, WarningRow};
use crate::db::{from_db_time, rule_states, users, DbConn};
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::proctoring::{Flag, Rules};
use crate::error::{ApiError, ApiResult};
use crate::paging::{Cursor, Page, Paging};
use crate::state::AppState;
use crate::views::{instant, CandidateRef, FlagView, ProctorAttemptView, WarningView};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// What the console lists: a status (by default the open and held ones) and, optionally,
/// one certification.
#[derive(Debug, Default)]
pub struct ConsoleFilter {
    pub status: Option<String>,
    pub certification: Option<String>,
}

/// A page of attempts, oldest first. Errors: 400 `validation_failed` for an unknown status.
pub async fn list(
    state: &AppState,
    filter: ConsoleFilter,
    paging: Paging,
) -> ApiResult<Page<ProctorAttemptView>> {
    let statuses: Vec<AttemptStatus> = match &filter.status {
        Some(raw) => vec![AttemptStatus::parse(raw).ok_or_else(|| {
            ApiError::Validation(format!(
                "status {raw:?} is not one of {}",
                AttemptStatus::names(&AttemptStatus::ALL).join(", ")
            ))
        })?],
        None => AttemptStatus::WATCHED.to_vec(),
    };
    let rules = state.settings.proctoring;
    state
        .db
        .read(move |conn| {
            let found = attempt_rows::with_status(
                conn,
                &statuses,
                filter.certification.as_deref(),
                &paging,
            )?;
            let page = Page::from_rows(found, &paging, |a| Cursor {
                at: a.started_at,
                id: a.id.clone(),
            });
            let views = console_views(conn, page.items, &rules)?;
            Ok(Page {
                items: views,
                next: page.next,
            })
        })
        .await
}

/// One attempt's console line.
pub(super) fn console_view(
    conn: &mut DbConn,
    attempt: AttemptRow,
    rules: &Rules,
) -> ApiResult<ProctorAttemptView> {
    console_views(conn, vec![attempt], rules)?
        .pop()
        .ok_or_else(|| ApiError::internal("a console line went missing"))
}

/// The console lines of several attempts, with four queries whatever their number.
fn console_views(
    conn: &mut DbConn,
    attempts: Vec<AttemptRow>,
    rules: &Rules,
) -> ApiResult<Vec<ProctorAttemptView>> {
    let ids: Vec<String> = attempts.iter().map(|a| a.id.clone()).collect();
    let user_ids: Vec<String> = attempts.iter().map(|a| a.user_id.clone()).collect();
    let candidates: HashMap<String, String> = users::find_many(conn, &user_ids)?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect();
    let mut flags: HashMap<String, Vec<FlagRow>> = HashMap::new();
    for f in rows::flags_for(conn, &ids)? {
        flags.entry(f.attempt_id.clone()).or_default().push(f);
    }
    let mut warnings: HashMap<String, Vec<WarningRow>> = HashMap::new();
    for w in rows::warnings_for(conn, &ids)? {
        warnings.entry(w.attempt_id.clone()).or_default().push(w);
    }
    let mut heartbeats: HashMap<String, Option<NaiveDateTime>> =
        rule_states::last_heartbeats(conn, &ids)?
            .into_iter()
            .collect();
    // An attempt not touched since before rule states were kept: read its timeline.
    let untracked: Vec<String> = ids
        .iter()
        .filter(|id| !heartbeats.contains_key(*id))
        .cloned()
        .collect();
    if !untracked.is_empty() {
        heartbeats.extend(rows::last_heartbeats(conn, &untracked)?);
    }
    attempts
        .into_iter()
        .map(|attempt| {
            let full_name = candidates.get(&attempt.user_id).cloned().ok_or_else(|| {
                ApiError::internal(format!("attempt {} has no candidate", attempt.id))
            })?;
            let flags = flags.remove(&attempt.id).unwrap_or_default();
            let raised: Vec<Flag> = flags.iter().filter_map(|f| Flag::parse(&f.rule)).collect();
            let last_heartbeat = heartbeats.get(&attempt.id).copied().flatten();
            Ok(ProctorAttemptView {
                status: attempt.status()?,
                candidate: CandidateRef {
                    id: attempt.user_id.clone(),
                    full_name,
                },
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
                warnings: warnings
                    .remove(&attempt.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|w| WarningView {
                        text: w.text,
                        issued_at: instant(&from_db_time(w.issued_at)),
                    })
                    .collect(),
                attempt_id: attempt.id,
                certification_code: attempt.certification_code,
            })
        })
        .collect()
}
