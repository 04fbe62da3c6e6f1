//! Proctoring: the candidate's client reports events; proctors watch, act and review;
//! admins grant accommodations and read the audit trail.

use crate::auth::extract::{CandidateUser, ClientInfo, ProctorUser, ReviewerUser};
use crate::auth::AdminUser;
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::routes::paged;
use crate::service::proctoring::{
    self, AuditQuery, ConsoleFilter, NewAccommodation, NewEvent, ProctorAction, ReviewDecision,
};
use crate::state::AppState;
use crate::views::{
    AccommodationView, AuditView, EventAcceptedView, EventView, LabReviewView, ProctorAttemptView,
    ResultView,
};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

/// An event from the candidate's exam client.
#[utoipa::path(
    tag = "proctoring",
    params(("id" = String, Path)),
    request_body = NewEvent,
    responses(
        (status = 202, body = EventAcceptedView),
        (status = 400, description = "`validation_failed`: unknown type, details not an object or over 2 KiB", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`attempt_closed`: the attempt has ended (events of a paused attempt are still recorded)", body = Problem),
        (status = 429, description = "`rate_limited`: over 120 events a minute", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/attempts/{id}/events")]
pub async fn post_event(
    state: web::Data<AppState>,
    user: CandidateUser,
    client: ClientInfo,
    id: web::Path<String>,
    body: web::Json<NewEvent>,
) -> ApiResult<HttpResponse> {
    crate::auth::hashing::exam_request_seen();
    let accepted = proctoring::post_event(
        &state,
        user.0.id,
        id.into_inner(),
        body.into_inner(),
        client,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(accepted))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsoleQuery {
    /// One status; by default in_progress, paused and pending_review.
    pub status: Option<String>,
    /// Only attempts at this certification.
    pub certification: Option<String>,
    /// Rows per page: 1 to 200, default 50.
    pub limit: Option<i64>,
    /// From the previous page's `Link` header.
    pub cursor: Option<String>,
}

/// The console: attempts with their flags, last heartbeat and integrity score, oldest
/// first, a page at a time (the next page's URL is in the `Link` header).
#[utoipa::path(tag = "proctoring", params(ConsoleQuery), responses((status = 200, body = Vec<ProctorAttemptView>, headers(("Link" = String, description = "`<…>; rel=\"next\"` when more follow"))), (status = 400, description = "`validation_failed`: unknown status, limit outside 1–200, or a cursor not ours", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/v1/proctor/attempts")]
pub async fn list_attempts(
    req: HttpRequest,
    state: web::Data<AppState>,
    _proctor: ProctorUser,
    query: web::Query<ConsoleQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .paging()?;
    let filter = ConsoleFilter {
        status: q.status,
        certification: q.certification,
    };
    let page = proctoring::list(&state, filter, paging).await?;
    Ok(paged(&req, page))
}

/// An attempt's event timeline, oldest first.
#[utoipa::path(tag = "proctoring", params(("id" = String, Path)), responses((status = 200, body = Vec<EventView>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/v1/proctor/attempts/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    _proctor: ProctorUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<EventView>>> {
    Ok(web::Json(
        proctoring::timeline(&state, id.into_inner()).await?,
    ))
}

/// A scored attempt's labs, check by check, with the artifacts graded, for review.
#[utoipa::path(tag = "proctoring", params(("id" = String, Path)), responses((status = 200, body = Vec<LabReviewView>), (status = 404, body = Problem), (status = 409, description = "`attempt_in_progress`: the attempt is not scored yet", body = Problem)), security(("bearer" = [])))]
#[get("/v1/proctor/attempts/{id}/labs")]
pub async fn list_labs(
    state: web::Data<AppState>,
    _reviewer: ReviewerUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<LabReviewView>>> {
    Ok(web::Json(
        proctoring::lab_review(&state, id.into_inner()).await?,
    ))
}

/// Warn, pause, resume or terminate an attempt.
#[utoipa::path(
    tag = "proctoring",
    params(("id" = String, Path)),
    request_body = ProctorAction,
    responses((status = 200, body = ProctorAttemptView), (status = 400, description = "`validation_failed`: unknown action, or a warning without a note", body = Problem), (status = 404, body = Problem), (status = 409, description = "`attempt_paused` (pause of a paused attempt), `attempt_in_progress` (resume of a running one) or `attempt_closed` (it has ended)", body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/proctor/attempts/{id}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    proctor: ProctorUser,
    id: web::Path<String>,
    body: web::Json<ProctorAction>,
) -> ApiResult<web::Json<ProctorAttemptView>> {
    Ok(web::Json(
        proctoring::act(&state, proctor.0.id, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Approve or reject an attempt held for review.
#[utoipa::path(
    tag = "proctoring",
    params(("id" = String, Path)),
    request_body = ReviewDecision,
    responses((status = 200, body = ResultView), (status = 400, description = "`validation_failed`: unknown decision", body = Problem), (status = 404, body = Problem), (status = 409, description = "`attempt_in_progress` (still open) or `attempt_closed` (not awaiting review: already decided, or never held)", body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/proctor/attempts/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    proctor: ProctorUser,
    id: web::Path<String>,
    body: web::Json<ReviewDecision>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        proctoring::review(&state, proctor.0.id, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Extra time for a candidate's attempts started from now on.
#[utoipa::path(
    tag = "admin",
    request_body = NewAccommodation,
    responses((status = 201, body = AccommodationView), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/admin/accommodations")]
pub async fn create_accommodation(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewAccommodation>,
) -> ApiResult<HttpResponse> {
    let created = proctoring::accommodate(&state, admin.0.id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// One attempt's trail, with its answer saves summarised per minute.
    pub attempt_id: Option<String>,
    /// One certificate's trail.
    pub certificate_number: Option<String>,
    /// What one user did, and what happened to their attempts and certificates.
    pub user_id: Option<String>,
    /// From this instant (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Before this instant (RFC 3339).
    pub to: Option<String>,
    /// Rows per page: 1 to 200, default 50.
    pub limit: Option<i64>,
    /// From the previous page's `Link` header.
    pub cursor: Option<String>,
}

/// The append-only trail, oldest first, a page at a time: of one attempt, one certificate,
/// one user, or everything, within an optional time range.
#[utoipa::path(tag = "admin", params(AuditParams), responses((status = 200, body = Vec<AuditView>, headers(("Link" = String, description = "`<…>; rel=\"next\"` when more follow"))), (status = 400, description = "`validation_failed` (a malformed instant, limit or cursor), `malformed_number`", body = Problem), (status = 404, description = "`not_found`: the attempt, certificate or user does not exist", body = Problem)), security(("bearer" = [])))]
#[get("/v1/admin/audit")]
pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditParams>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .paging()?;
    let filter = AuditQuery {
        attempt_id: q.attempt_id,
        certificate_number: q.certificate_number,
        user_id: q.user_id,
        from: q.from,
        to: q.to,
    };
    let page = proctoring::audit_trail(&state, filter, paging).await?;
    Ok(paged(&req, page))
}
