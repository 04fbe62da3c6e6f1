//! `GET /health`: for load balancers and operators.

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::views::{HealthView, WriterView};
use actix_web::{get, web};

/// Reports the backend, that the database answers, and (on SQLite) the writer's queue;
/// 503 `unavailable` when the database does not answer or the writer's last batches failed.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = HealthView), (status = 503, body = Problem))
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> ApiResult<web::Json<HealthView>> {
    state.db.ping().await?;
    let writer = state.db.writer_state();
    if let Some(w) = writer.filter(|w| w.failing_batches > 0) {
        return Err(ApiError::Unavailable(format!(
            "the writer's last {} batches could not commit",
            w.failing_batches
        )));
    }
    Ok(web::Json(HealthView {
        status: "ok",
        database: state.db.backend().name(),
        version: env!("CARGO_PKG_VERSION"),
        writer: writer.map(|w| WriterView {
            queued: w.queued,
            capacity: w.capacity,
        }),
    }))
}
