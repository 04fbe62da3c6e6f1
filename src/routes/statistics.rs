//! `/v1/admin/certifications/{code}/item-statistics`: item statistics for bank authors.

use crate::auth::AdminUser;
use crate::error::{ApiResult, Problem};
use crate::service::statistics;
use crate::state::AppState;
use crate::views::StatisticsView;
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// Every scored attempt, not only each candidate's first (default false).
    pub all_attempts: Option<bool>,
}

/// Per item: attempts, facility index, standard deviation, discrimination index and
/// discriminative efficiency, with flags; per certification: mean, standard deviation,
/// Cronbach's α, error ratio and standard error beside the pass mark. Formulas of
/// Moodle's quiz statistics report.
#[utoipa::path(tag = "admin", params(("code" = String, Path), StatisticsQuery), responses((status = 200, body = StatisticsView), (status = 400, description = "`validation_failed`: an unknown query parameter", body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/v1/admin/certifications/{code}/item-statistics")]
pub async fn item_statistics(
    state: web::Data<AppState>,
    _admin: AdminUser,
    code: web::Path<String>,
    query: web::Query<StatisticsQuery>,
) -> ApiResult<web::Json<StatisticsView>> {
    let (code, all) = (code.into_inner(), query.all_attempts.unwrap_or(false));
    Ok(web::Json(
        state
            .db
            .read(move |conn| statistics::compute(conn, &code, all))
            .await?,
    ))
}
