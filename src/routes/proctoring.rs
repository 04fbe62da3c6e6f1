//! Proctoring: the candidate's client reports events; proctors watch, act and review;
//! admins grant accommodations and read the audit trail.

use crate::auth::extract::{CandidateUser, ClientInfo, ProctorUser};
use crate::auth::AdminUser;
use crate::error::{ApiResult, Problem};
use crate::service::proctoring::{self, NewAccommodation, NewEvent, ProctorAction, ReviewDecision};
use crate::state::AppState;
use crate::views::{
    AccommodationView, AuditView, EventAcceptedView, EventView, ProctorAttemptView, ResultView,
};
use actix_web::{get, post, web, HttpResponse};
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
        (status = 409, description = "`attempt_closed`", body = Problem),
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
pub struct StatusFilter {
    /// One status; by default in_progress, paused and pending_review.
    pub status: Option<String>,
}

/// The console: attempts with their flags, last heartbeat and integrity score.
#[utoipa::path(tag = "proctoring", params(StatusFilter), responses((status = 200, body = Vec<ProctorAttemptView>)), security(("bearer" = [])))]
#[get("/v1/proctor/attempts")]
pub async fn list_attempts(
    state: web::Data<AppState>,
    _proctor: ProctorUser,
    query: web::Query<StatusFilter>,
) -> ApiResult<web::Json<Vec<ProctorAttemptView>>> {
    Ok(web::Json(
        proctoring::list(&state, query.into_inner().status).await?,
    ))
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

/// Warn, pause, resume or terminate an attempt.
#[utoipa::path(
    tag = "proctoring",
    params(("id" = String, Path)),
    request_body = ProctorAction,
    responses((status = 200, body = ProctorAttemptView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
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
    responses((status = 200, body = ResultView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
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
pub struct AuditQuery {
    pub attempt_id: Option<String>,
    pub certificate_number: Option<String>,
}

/// The append-only trail of one attempt or one certificate, oldest first.
#[utoipa::path(tag = "admin", params(AuditQuery), responses((status = 200, body = Vec<AuditView>), (status = 400, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/v1/admin/audit")]
pub async fn audit(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Vec<AuditView>>> {
    let q = query.into_inner();
    Ok(web::Json(
        proctoring::audit_trail(&state, q.attempt_id, q.certificate_number).await?,
    ))
}
