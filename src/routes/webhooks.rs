//! `/v1/partner/webhooks/*`: a partner's endpoints and their deliveries.

use super::paged;
use crate::auth::extract::Partner;
use crate::error::{ApiError, ApiResult, Problem};
use crate::paging::PageQuery;
use crate::service::partner_webhooks;
use crate::state::AppState;
use crate::views::{DeliveryView, WebhookEndpointView};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https://…` on a public address.
    pub url: String,
    /// `verified` (default): certificates this partner has verified through the API;
    /// `all`: every certificate.
    pub certificates: Option<String>,
}

/// Registers an endpoint for `certificate.revoked`, `certificate.renewed` and
/// `certificate.expired`; the answer shows its signing secret, once.
#[utoipa::path(tag = "partners", request_body = NewEndpoint, responses((status = 201, body = WebhookEndpointView), (status = 400, description = "`validation_failed`: not HTTPS, resolves to a private address, unknown `certificates`, or more than 10 endpoints", body = Problem), (status = 401, body = Problem), (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem)), security(("api_key" = [])))]
#[post("/v1/partner/webhooks")]
pub async fn register(
    state: web::Data<AppState>,
    partner: Partner,
    body: web::Json<NewEndpoint>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let every = match body.certificates.as_deref() {
        None | Some("verified") => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::Validation(format!(
                "certificates is verified or all, not {other:?}"
            )))
        }
    };
    let view = partner_webhooks::register(&state, partner.id, body.url, every).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The partner's endpoints (without their secrets).
#[utoipa::path(tag = "partners", responses((status = 200, body = Vec<WebhookEndpointView>), (status = 401, body = Problem), (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem)), security(("api_key" = [])))]
#[get("/v1/partner/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    partner: Partner,
) -> ApiResult<web::Json<Vec<WebhookEndpointView>>> {
    Ok(web::Json(partner_webhooks::list(&state, partner.id).await?))
}

/// Deletes an endpoint; deliveries still queued for it are given up.
#[utoipa::path(tag = "partners", params(("id" = String, Path)), responses((status = 204), (status = 401, body = Problem), (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem), (status = 404, body = Problem)), security(("api_key" = [])))]
#[delete("/v1/partner/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    partner: Partner,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    partner_webhooks::delete(&state, partner.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's deliveries, newest first, a page at a time (next page in `Link`).
#[utoipa::path(tag = "partners", params(("id" = String, Path), PageQuery), responses((status = 200, body = Vec<DeliveryView>, headers(("Link" = String, description = "`<…>; rel=\"next\"` when more follow"))), (status = 400, description = "`validation_failed`: limit outside 1–200, or a cursor not ours", body = Problem), (status = 401, body = Problem), (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem), (status = 404, body = Problem)), security(("api_key" = [])))]
#[get("/v1/partner/webhooks/{id}/deliveries")]
pub async fn deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    partner: Partner,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = query.paging()?;
    let page = partner_webhooks::deliveries(&state, partner.id, id.into_inner(), paging).await?;
    Ok(paged(&req, page))
}

/// Sends a delivery again (the same `webhook-id`), with three more days of retries.
#[utoipa::path(tag = "partners", params(("id" = String, Path), ("delivery_id" = String, Path)), responses((status = 202), (status = 401, body = Problem), (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem), (status = 404, body = Problem)), security(("api_key" = [])))]
#[post("/v1/partner/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    partner: Partner,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery_id) = path.into_inner();
    partner_webhooks::redeliver(&state, partner.id, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().finish())
}
