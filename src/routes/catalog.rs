//! `/v1/certifications`: the public catalog (never the questions).

use crate::db::catalog;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::views::CertificationView;
use actix_web::{get, web};

/// Every certification of the program, in recommended order.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<CertificationView>)))]
#[get("/v1/certifications")]
pub async fn list_certifications(
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<CertificationView>>> {
    let records = state.db.read(|conn| Ok(catalog::list(conn)?)).await?;
    Ok(web::Json(
        records.into_iter().map(CertificationView::from).collect(),
    ))
}

/// One certification.
#[utoipa::path(
    tag = "catalog",
    params(("code" = String, Path, description = "certification code, e.g. MLOA-F")),
    responses((status = 200, body = CertificationView), (status = 404, body = Problem))
)]
#[get("/v1/certifications/{code}")]
pub async fn find_certification(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<CertificationView>> {
    let code = code.into_inner();
    let record = state
        .db
        .read(move |conn| Ok(catalog::find(conn, &code)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(record.into()))
}
