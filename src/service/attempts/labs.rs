//! Labs in an attempt: what a save tells the candidate (syntax diagnostics only), the
//! grade stored once the save has been answered (so that no response's timing depends on
//! the checks), and the record each lab leaves in the result.

use super::open::Reach;
use super::stored::{decode, encode};
use crate::db::attempts::{self as rows, AnswerRow, AttemptQuestionRow, VersionRow};
use crate::db::{Db, DbConn};
use crate::domain::kinds::QuestionKind;
use crate::domain::labs::{
    self, CheckOutcome, CheckSet, Diagnostic, Format, Grade, LabSpec, LabStatus,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// What one lab contributed to a result: stored with it, shown whole to proctors and
/// admins, and to the candidate only as points and status.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LabRecord {
    /// The attempt's public id of the question.
    pub question_id: String,
    /// The bank's id and version of the lab, to reproduce the grade.
    pub bank_question_id: String,
    pub version: i32,
    pub position: i32,
    pub points_awarded: i32,
    pub points_possible: i32,
    pub status: LabStatus,
    /// Whether the candidate saved an artifact at all (unanswered labs score zero).
    pub answered: bool,
    /// SHA-256 (hex) of the artifact graded; None when nothing was saved.
    pub artifact_sha256: Option<String>,
    /// The version (SHA-256 of ids, points and expressions) of the check set that graded it.
    pub check_set: String,
    pub checks: Vec<CheckOutcome>,
}

/// The checks of lab `question_id` of the caller's attempt, compiled; None when the
/// question is not a lab or the attempt has ended (the save's own checks then refuse it).
/// Errors: 404 for another's attempt or an unknown question.
pub async fn lab_checks(
    state: &AppState,
    reach: Reach,
    attempt_id: String,
    question_id: String,
) -> ApiResult<Option<Arc<(Format, CheckSet)>>> {
    state
        .db
        .read(move |conn| {
            let attempt = reach.find(conn, &attempt_id)?;
            let (_, kind, lab) =
                rows::form_question(conn, &attempt.id, &question_id)?.ok_or(ApiError::NotFound)?;
            if !attempt.status()?.is_open() {
                return Ok(None);
            }
            match (QuestionKind::parse(&kind), lab) {
                (Some(QuestionKind::Lab), Some(lab)) => compiled(&lab).map(Some),
                _ => Ok(None),
            }
        })
        .await
}

/// The syntax diagnostics of `text` as the lab's format reads it: the save's own work,
/// off the async workers, and never queued behind other saves' gradings.
pub async fn diagnose(
    checks: Arc<(Format, CheckSet)>,
    text: Arc<String>,
) -> ApiResult<Vec<Diagnostic>> {
    Ok(actix_web::web::block(move || labs::diagnose(checks.0, &text)).await?)
}

/// Grades `text` once its save has been answered, and stores the grade with the answer
/// unless a later save has replaced it. Should this never happen (the process stops
/// first), scoring grades the artifact itself.
pub fn grade_later(
    db: Db,
    checks: Arc<(Format, CheckSet)>,
    text: Arc<String>,
    attempt_id: String,
    position: i32,
    revision: i32,
) {
    actix_web::rt::spawn(async move {
        let stored = async {
            let grade = on_a_grader(move || checks.1.grade(checks.0, &text)).await?;
            let grade = encode(&grade);
            // One UPDATE, atomic by itself: no transaction's round trips around it.
            db.statement(move |conn| {
                Ok(rows::set_grade(
                    conn,
                    &attempt_id,
                    position,
                    revision,
                    &grade,
                )?)
            })
            .await
        };
        if let Err(e) = stored.await {
            tracing::warn!(error = %e, "a lab's grade was not stored; scoring will grade it");
        }
    });
}

/// Runs `work` on the blocking pool, one per core at a time: grading is CPU, and more at
/// once only makes each slower. Only background gradings queue here; a save's reply waits
/// for nothing of theirs.
async fn on_a_grader<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    let _turn = graders()
        .acquire()
        .await
        .map_err(|_| ApiError::internal("the grading queue is closed"))?;
    actix_web::web::block(work)
        .await
        .map_err(|e| ApiError::internal(format!("grading stopped: {e}")))
}

fn graders() -> &'static tokio::sync::Semaphore {
    static GRADERS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    GRADERS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// The format and compiled checks of a stored lab, compiled once per process for each
/// content (keyed by the stored text itself, so that no two check sets can share an
/// entry whatever their ids and versions).
pub(super) fn compiled(lab: &str) -> ApiResult<Arc<(Format, CheckSet)>> {
    type Cache = Mutex<HashMap<String, Arc<(Format, CheckSet)>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(lab).cloned()) {
        return Ok(found);
    }
    let spec: LabSpec = decode(lab)?;
    let checks = Arc::new((
        spec.format,
        CheckSet::compile(&spec.checks)
            .map_err(|e| ApiError::internal(format!("stored checks do not compile: {e:?}")))?,
    ));
    if let Ok(mut cache) = cache.lock() {
        // The bank is small; a bound keeps a long-lived process from growing with imports.
        if cache.len() >= 4096 {
            cache.clear();
        }
        cache.insert(lab.to_string(), checks.clone());
    }
    Ok(checks)
}

/// The record of one lab of the form, from the grade stored with its answer, or graded
/// now if none was stored yet (grading is deterministic: same artifact, same immutable
/// check set, same grade).
pub(super) fn record(
    question: &AttemptQuestionRow,
    version: &VersionRow,
    answer: Option<&AnswerRow>,
) -> ApiResult<LabRecord> {
    let spec: LabSpec = decode(
        version
            .lab
            .as_deref()
            .ok_or_else(|| ApiError::internal("a lab version without its spec"))?,
    )?;
    let grade: Option<Grade> = match answer {
        Some(AnswerRow {
            grade: Some(grade), ..
        }) => Some(decode(grade)?),
        // Saved, but its grade was not stored before the attempt closed: grade it now.
        Some(AnswerRow {
            artifact: Some(text),
            grade: None,
            ..
        }) => {
            let lab = version.lab.as_deref().unwrap_or_default();
            let checks = compiled(lab)?;
            Some(checks.1.grade(checks.0, text))
        }
        _ => None,
    };
    Ok(match grade {
        Some(grade) => LabRecord {
            question_id: question.public_id.clone(),
            bank_question_id: question.question_id.clone(),
            version: question.version,
            position: question.position,
            points_awarded: grade.points_awarded,
            points_possible: grade.points_possible,
            status: grade.status,
            answered: true,
            artifact_sha256: Some(grade.artifact_sha256),
            check_set: grade.check_set,
            checks: grade.checks,
        },
        None => LabRecord {
            question_id: question.public_id.clone(),
            bank_question_id: question.question_id.clone(),
            version: question.version,
            position: question.position,
            points_awarded: 0,
            points_possible: spec.points_possible(),
            status: LabStatus::Graded,
            answered: false,
            artifact_sha256: None,
            check_set: spec.check_set_version(),
            checks: spec.unanswered(),
        },
    })
}

/// The labs of a scored attempt, with each final artifact: for proctors and admins.
pub fn review_records(
    conn: &mut DbConn,
    attempt_id: &str,
    labs_json: &str,
) -> ApiResult<Vec<(LabRecord, Option<String>)>> {
    let records: Vec<LabRecord> = decode(labs_json)?;
    let answers = rows::answers(conn, attempt_id)?;
    Ok(records
        .into_iter()
        .map(|r| {
            let artifact = answers
                .iter()
                .find(|a| a.position == r.position)
                .and_then(|a| a.artifact.clone());
            (r, artifact)
        })
        .collect())
}
