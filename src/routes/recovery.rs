//! `/v1/auth/verify-email`, `/v1/auth/password-reset` and `/v1/me/password`.

use crate::auth::AnyUser;
use crate::domain::account::Password;
use crate::error::{ApiResult, Problem};
use crate::service::recovery;
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    /// The `token` of the mailed link.
    pub token: String,
}

/// Verifies the address with the link mailed at registration.
#[utoipa::path(tag = "accounts", request_body = LinkToken, responses((status = 204), (status = 400, description = "`validation_failed`: the link was used, expired or mistyped", body = Problem)))]
#[post("/v1/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<LinkToken>,
) -> ApiResult<HttpResponse> {
    recovery::verify_email(&state, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mails a new verification link to the signed-in user (at most one a minute; nothing
/// when the address is verified already).
#[utoipa::path(tag = "accounts", responses((status = 202)), security(("bearer" = [])))]
#[post("/v1/auth/verify-email/resend")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    user: AnyUser,
) -> ApiResult<HttpResponse> {
    recovery::resend_verification(&state, user.0.id).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Mails a one-time reset link (30 minutes) if the address has an account; the answer is
/// the same either way.
#[utoipa::path(tag = "accounts", request_body = ResetRequest, responses((status = 202)))]
#[post("/v1/auth/password-reset")]
pub async fn request_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetRequest>,
) -> ApiResult<HttpResponse> {
    recovery::request_reset(&state, &body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmation {
    pub token: String,
    /// At least 12 characters, not in a list of common passwords.
    pub new_password: String,
}

/// Sets a new password with a reset link; every session of the account ends.
#[utoipa::path(tag = "accounts", request_body = ResetConfirmation, responses((status = 204), (status = 400, description = "`validation_failed` (the link was used, expired or mistyped) or `weak_password`", body = Problem)))]
#[post("/v1/auth/password-reset/confirm")]
pub async fn confirm_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetConfirmation>,
) -> ApiResult<HttpResponse> {
    recovery::confirm_reset(&state, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the signed-in user's password; every other session ends, this one stays.
#[utoipa::path(tag = "accounts", request_body = PasswordChange, responses((status = 204), (status = 400, description = "`validation_failed` or `weak_password`", body = Problem), (status = 401, description = "`invalid_credentials`: the current password is wrong", body = Problem), (status = 429, description = "`too_many_attempts`, with `Retry-After`", body = Problem)), security(("bearer" = [])))]
#[post("/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AnyUser,
    body: web::Json<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let current = Password::parse_attempt(&body.current_password)?;
    recovery::change_password(&state, user.0, current, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
