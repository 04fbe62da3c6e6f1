//! Exam attempts, for the candidate who owns them.

use crate::auth::extract::{CandidateUser, ClientInfo};
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::routes::body::{json_up_to, ANSWER_BODY_BYTES};
use crate::routes::paged;
use crate::service::attempts::{self, FormKind, SaveAnswer};
use crate::state::AppState;
use crate::views::{AnswerView, AttemptSummaryView, AttemptView, ResultView};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

/// Starts an attempt: draws this candidate's form and starts the clock.
#[utoipa::path(
    tag = "attempts",
    params(("code" = String, Path, description = "certification code")),
    responses(
        (status = 201, body = AttemptView),
        (status = 403, description = "`prerequisite_missing`", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`attempt_in_progress` (another attempt is open), `attempt_under_review` (a pass of this certification awaits review) or `already_certified`", body = Problem),
        (status = 429, description = "`retake_wait` (with `retry_at`) or `attempt_limit_reached`", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/certifications/{code}/attempts")]
pub async fn start_attempt(
    state: web::Data<AppState>,
    user: CandidateUser,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let attempt = attempts::start(&state, user.0.id, code.into_inner(), FormKind::Live).await?;
    Ok(HttpResponse::Created().json(attempt))
}

/// Starts a practice attempt: a form drawn by the same blueprint from the practice pool
/// only, timed like the real exam. It needs no prerequisites, counts toward no limit or
/// retake wait, is never proctored or certified, and its result shows every item's key
/// and explanation.
#[utoipa::path(
    tag = "attempts",
    params(("code" = String, Path, description = "certification code")),
    responses(
        (status = 201, body = AttemptView),
        (status = 403, description = "`email_unverified`", body = Problem),
        (status = 404, description = "unknown certification, or one without practice items", body = Problem),
        (status = 409, description = "`attempt_in_progress` (another attempt, live or practice, is open)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/certifications/{code}/practice")]
pub async fn start_practice(
    state: web::Data<AppState>,
    user: CandidateUser,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let attempt = attempts::start(&state, user.0.id, code.into_inner(), FormKind::Practice).await?;
    Ok(HttpResponse::Created().json(attempt))
}

/// The attempt with its questions (in this candidate's order) and saved answers.
#[utoipa::path(
    tag = "attempts",
    params(("id" = String, Path)),
    responses((status = 200, body = AttemptView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/v1/attempts/{id}")]
pub async fn get_attempt(
    state: web::Data<AppState>,
    user: CandidateUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<AttemptView>> {
    Ok(web::Json(
        attempts::get(&state, user.0.id, id.into_inner()).await?,
    ))
}

/// Saves the answer to one question; idempotent; committed before the 200.
#[utoipa::path(
    tag = "attempts",
    params(("id" = String, Path), ("question_id" = String, Path)),
    request_body = SaveAnswer,
    responses(
        (status = 200, body = AnswerView),
        (status = 400, description = "`invalid_answer` (not a selection this question takes, a selection for a lab, an artifact for a choice question, or an artifact with control characters other than tab and line ends) or `validation_failed` (a malformed body, or both or neither of selected and artifact)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`attempt_paused` (a proctor holds it) or `attempt_closed` (it has ended; an overdue attempt is finalised first)", body = Problem),
        (status = 413, description = "`payload_too_large`: an artifact over 65,536 bytes", body = Problem),
    ),
    security(("bearer" = []))
)]
#[put("/v1/attempts/{id}/answers/{question_id}")]
pub async fn save_answer(
    state: web::Data<AppState>,
    user: CandidateUser,
    client: ClientInfo,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<web::Json<AnswerView>> {
    crate::auth::hashing::exam_request_seen();
    let body: SaveAnswer = json_up_to(&req, payload, ANSWER_BODY_BYTES).await?;
    let (id, question_id) = path.into_inner();
    Ok(web::Json(
        attempts::save_answer(&state, user.0.id, id, question_id, body, client).await?,
    ))
}

/// Submits the attempt and returns its result; a second submit returns the same result.
#[utoipa::path(
    tag = "attempts",
    params(("id" = String, Path)),
    responses((status = 200, body = ResultView), (status = 404, body = Problem), (status = 409, description = "`attempt_paused`: a proctor holds the attempt", body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/attempts/{id}/submit")]
pub async fn submit_attempt(
    state: web::Data<AppState>,
    user: CandidateUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        attempts::submit(&state, user.0.id, id.into_inner()).await?,
    ))
}

/// The result of a finished attempt.
#[utoipa::path(
    tag = "attempts",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ResultView),
        (status = 404, body = Problem),
        (status = 409, description = "`attempt_in_progress` while the attempt is open or paused", body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/attempts/{id}/result")]
pub async fn get_result(
    state: web::Data<AppState>,
    user: CandidateUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        attempts::result(&state, user.0.id, id.into_inner()).await?,
    ))
}

/// The candidate's attempts, newest first, a page at a time (the next page's URL is in
/// the `Link` header).
#[utoipa::path(tag = "attempts", params(PageQuery), responses((status = 200, body = Vec<AttemptSummaryView>, headers(("Link" = String, description = "`<…>; rel=\"next\"` when more follow"))), (status = 400, description = "`validation_failed`: limit outside 1–200, or a cursor not ours", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/v1/me/attempts")]
pub async fn list_my_attempts(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CandidateUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = query.into_inner().paging()?;
    let page = attempts::list_mine(&state, user.0.id, paging).await?;
    Ok(paged(&req, page))
}
