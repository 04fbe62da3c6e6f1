//! Certificates: the holder's own, public verification, partners' batches, signed
//! credentials and their keys, and revocation.

use crate::auth::extract::{CandidateUser, Partner};
use crate::auth::{AdminUser, ClientAddr};
use crate::error::{ApiError, ApiResult, Problem};
use crate::service::{certificates, credentials, partners};
use crate::state::AppState;
use crate::views::{
    CertificateView, CredentialView, PartnerVerificationsView, PartnerView, VerificationView,
};
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

/// The signed-in candidate's certificates.
#[utoipa::path(tag = "certificates", responses((status = 200, body = Vec<CertificateView>)), security(("bearer" = [])))]
#[get("/v1/me/certificates")]
pub async fn list_my_certificates(
    state: web::Data<AppState>,
    user: CandidateUser,
) -> ApiResult<web::Json<Vec<CertificateView>>> {
    Ok(web::Json(certificates::list_mine(&state, user.0.id).await?))
}

/// Public verification of one certificate number (rate-limited per client address).
#[utoipa::path(
    tag = "certificates",
    params(("number" = String, Path, description = "e.g. MLOAF-7K3Q-9XPR-3")),
    responses(
        (status = 200, body = VerificationView),
        (status = 400, description = "`malformed_number`: the check character is wrong", body = Problem),
        (status = 404, body = Problem),
        (status = 429, description = "`rate_limited`", body = Problem),
    )
)]
#[get("/v1/verify/{number}")]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    client: ClientAddr,
    number: web::Path<String>,
) -> ApiResult<web::Json<VerificationView>> {
    certificates::public_lookup(&state, &client.0)?;
    Ok(web::Json(certificates::verify(&state, &number).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationsRequest {
    /// At most 100 numbers.
    pub numbers: Vec<String>,
}

/// A partner checks up to 100 numbers in one call; answers come in the order asked.
#[utoipa::path(
    tag = "partners",
    request_body = VerificationsRequest,
    responses(
        (status = 200, body = PartnerVerificationsView),
        (status = 400, description = "`validation_failed`: no numbers, or more than 100", body = Problem),
        (status = 401, description = "missing, wrong or revoked key", body = Problem),
        (status = 429, description = "`rate_limited`: past the key's requests per minute (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`)", body = Problem),
    ),
    security(("api_key" = []))
)]
#[post("/v1/partner/verifications")]
pub async fn verify_batch(
    state: web::Data<AppState>,
    partner: Partner,
    body: web::Json<VerificationsRequest>,
) -> ApiResult<web::Json<PartnerVerificationsView>> {
    let numbers = body.into_inner().numbers;
    if numbers.is_empty() || numbers.len() > 100 {
        return Err(ApiError::Validation(
            "numbers holds 1 to 100 certificate numbers".into(),
        ));
    }
    Ok(web::Json(PartnerVerificationsView {
        results: certificates::verify_many(&state, partner.id, numbers).await?,
    }))
}

/// The certificate as a signed credential (EdDSA), verifiable offline with the JWKS.
#[utoipa::path(
    tag = "certificates",
    params(("number" = String, Path)),
    responses(
        (status = 200, body = CredentialView),
        (status = 400, description = "`malformed_number`", body = Problem),
        (status = 404, body = Problem),
        (status = 410, description = "`revoked`", body = Problem),
        (status = 429, description = "`rate_limited`: shares the verification budget per client address", body = Problem),
    )
)]
#[get("/v1/certificates/{number}/credential")]
pub async fn get_credential(
    state: web::Data<AppState>,
    client: ClientAddr,
    number: web::Path<String>,
) -> ApiResult<web::Json<CredentialView>> {
    certificates::public_lookup(&state, &client.0)?;
    Ok(web::Json(CredentialView {
        credential: credentials::credential(&state, &number).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub reason: String,
}

/// Revokes a certificate; it verifies as `revoked` everywhere from now on.
#[utoipa::path(
    tag = "admin",
    params(("number" = String, Path)),
    request_body = RevokeRequest,
    responses((status = 200, body = CertificateView), (status = 400, description = "`malformed_number` or `validation_failed` (no reason)", body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/admin/certificates/{number}/revoke")]
pub async fn revoke_certificate(
    state: web::Data<AppState>,
    admin: AdminUser,
    number: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> ApiResult<web::Json<CertificateView>> {
    Ok(web::Json(
        certificates::revoke(&state, admin.0.id, &number, body.into_inner().reason).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartnerRequest {
    pub name: String,
}

/// Creates a partner and shows its API key, once.
#[utoipa::path(
    tag = "admin",
    request_body = CreatePartnerRequest,
    responses((status = 201, body = PartnerView), (status = 400, description = "`validation_failed`", body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/admin/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: web::Json<CreatePartnerRequest>,
) -> ApiResult<HttpResponse> {
    let view = partners::create(&state, &body.name).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Revokes a partner's key: its next call is 401.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path)),
    responses((status = 200, body = PartnerView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/admin/partners/{id}/revoke")]
pub async fn revoke_partner(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<PartnerView>> {
    Ok(web::Json(partners::revoke(&state, id.into_inner()).await?))
}
