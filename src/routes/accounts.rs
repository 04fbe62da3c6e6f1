//! `/v1/auth/*`, `/v1/me` and `/v1/admin/users`.

use crate::auth::{AdminUser, AnyUser, ClientAddr};
use crate::domain::account::{Email, FullName, Password, Role};
use crate::error::{ApiResult, Problem};
use crate::service::accounts;
use crate::state::AppState;
use crate::views::{TokenPair, UserView};
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    /// At least 12 characters, not in a list of common passwords.
    pub password: String,
    pub full_name: String,
}

/// Self-registration of a candidate. A link to verify the address is mailed; an exam
/// can start once it is opened (while `INVIGIL_REQUIRE_VERIFIED_EMAIL` is on).
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 201, body = UserView),
        (status = 400, description = "`validation_failed` or `weak_password`", body = Problem),
        (status = 409, description = "`email_taken`", body = Problem),
    )
)]
#[post("/v1/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    let full_name = FullName::parse(&body.full_name)?;
    let password = Password::parse_new(&body.password, &email)?;
    let user = accounts::create_user(
        &state.db,
        state.clock.now(),
        email,
        full_name,
        password,
        Role::Candidate,
        true,
    )
    .await?;
    Ok(HttpResponse::Created().json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The `device_token` of an earlier sign-in from this client (browsers send the
    /// `invigil_device` cookie instead).
    #[serde(default)]
    pub device_token: Option<String>,
}

/// The cookie a browser keeps its device token in: sent only to sign-in, never to script.
const DEVICE_COOKIE: &str = "invigil_device";

/// Exchanges an email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`invalid_credentials`, for an unknown email and a wrong password alike", body = Problem),
        (status = 403, description = "`account_disabled` (said only after the right password)", body = Problem),
        (status = 429, description = "`too_many_attempts`, with `Retry-After`", body = Problem),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientAddr,
    req: actix_web::HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let password = Password::parse_attempt(&body.password)?;
    let device = body
        .device_token
        .or_else(|| req.cookie(DEVICE_COOKIE).map(|c| c.value().to_string()));
    let pair = accounts::login(&state, &body.email, password, client.0, device).await?;
    let mut resp = HttpResponse::Ok();
    if let Some(token) = &pair.device_token {
        let secure = req.connection_info().scheme() == "https";
        resp.cookie(
            actix_web::cookie::Cookie::build(DEVICE_COOKIE, token.clone())
                .path("/v1/auth/login")
                .http_only(true)
                .secure(secure)
                .same_site(actix_web::cookie::SameSite::Strict)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish(),
        );
    }
    Ok(resp.json(pair))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Spends a refresh token for a new pair; a spent token presented again revokes its family.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`unauthorized`, `token_expired` or `token_reused`", body = Problem),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    Ok(web::Json(
        accounts::refresh(&state, &body.refresh_token).await?,
    ))
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(
    tag = "accounts",
    request_body = RefreshRequest,
    responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: AnyUser,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    accounts::logout(&state, user.0.id, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, body = UserView), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
#[get("/v1/me")]
pub async fn me(state: web::Data<AppState>, user: AnyUser) -> ApiResult<web::Json<UserView>> {
    Ok(web::Json(accounts::me(&state, user.0.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub password: String,
    pub full_name: String,
    /// `candidate`, `proctor` or `admin`.
    pub role: String,
}

/// Creates a proctor, an admin (or a candidate) account.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 201, body = UserView),
        (status = 400, description = "`validation_failed` or `weak_password`", body = Problem),
        (status = 403, body = Problem),
        (status = 409, description = "`email_taken`", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    let full_name = FullName::parse(&body.full_name)?;
    let role = Role::parse(&body.role)?;
    let password = Password::parse_new(&body.password, &email)?;
    let user = accounts::create_user(
        &state.db,
        state.clock.now(),
        email,
        full_name,
        password,
        role,
        false,
    )
    .await?;
    Ok(HttpResponse::Created().json(user))
}
