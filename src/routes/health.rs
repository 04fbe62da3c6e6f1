//! `GET /health`: for load balancers and operators.

use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use crate::views::HealthView;
use actix_web::{get, web};

/// Reports the backend and that the database answers (503 `unavailable` when it does not).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = HealthView), (status = 503, body = Problem))
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> ApiResult<web::Json<HealthView>> {
    state.db.ping().await?;
    Ok(web::Json(HealthView {
        status: "ok",
        database: state.db.backend().name(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}
