//! The program guide: learning paths, the role table, and a candidate's next steps.

use crate::auth::extract::CandidateUser;
use crate::domain::guide::{LearningPath, Role};
use crate::error::{ApiResult, Problem};
use crate::service::guide;
use crate::state::AppState;
use crate::views::RecommendationsView;
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

/// The program's learning paths (DevOps, MLOps, FinOps …) with their certifications.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<LearningPath>)))]
#[get("/v1/paths")]
pub async fn paths(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<LearningPath>>> {
    Ok(web::Json(guide::program_guide(&state).await?.paths))
}

/// The role table: each job, its learning path and track, and the certifications
/// recommended for it.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<Role>)))]
#[get("/v1/roles")]
pub async fn roles(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<Role>>> {
    Ok(web::Json(guide::program_guide(&state).await?.roles))
}

#[derive(Deserialize, IntoParams)]
pub struct RecommendationQuery {
    /// A role id of `GET /v1/roles`, e.g. `sre`.
    pub role: Option<String>,
}

/// The next certifications for the signed-in candidate, given what they hold, their role
/// and the prerequisites: each with whether they may start it now and, if not, why and
/// from when.
#[utoipa::path(
    tag = "catalog",
    params(RecommendationQuery),
    responses(
        (status = 200, body = RecommendationsView),
        (status = 400, description = "`validation_failed`: an unknown role", body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/recommendations")]
pub async fn recommendations(
    state: web::Data<AppState>,
    user: CandidateUser,
    query: web::Query<RecommendationQuery>,
) -> ApiResult<web::Json<RecommendationsView>> {
    Ok(web::Json(
        guide::recommendations(&state, user.0.id, query.into_inner().role).await?,
    ))
}
