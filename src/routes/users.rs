//! `/v1/admin/users/*`: finding, inspecting and changing accounts.

use super::paged;
use crate::auth::AdminUser;
use crate::domain::account::Role;
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::service::user_admin::{self, AccountChange, UserSearch};
use crate::state::AppState;
use crate::views::{UserDetailView, UserView};
use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Part of the e-mail address or the full name, in any case.
    pub q: Option<String>,
    /// `candidate`, `proctor` or `admin`.
    pub role: Option<String>,
    /// Rows per page: 1 to 200, default 50.
    pub limit: Option<i64>,
    /// From the previous page's `Link` header.
    pub cursor: Option<String>,
}

/// Accounts, oldest first, a page at a time (the next page's URL is in `Link`).
#[utoipa::path(tag = "admin", params(UserQuery), responses((status = 200, body = Vec<UserView>, headers(("Link" = String, description = "`<…>; rel=\"next\"` when more follow"))), (status = 400, description = "`validation_failed`: unknown role, limit outside 1–200, or a cursor not ours", body = Problem)), security(("bearer" = [])))]
#[get("/v1/admin/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<UserQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .paging()?;
    let search = UserSearch {
        text: q.q,
        role: q.role.as_deref().map(Role::parse).transpose()?,
    };
    Ok(paged(&req, user_admin::list(&state, search, paging).await?))
}

/// One account with its attempts, certificates and accommodations.
#[utoipa::path(tag = "admin", params(("id" = String, Path)), responses((status = 200, body = UserDetailView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/v1/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<UserDetailView>> {
    Ok(web::Json(
        user_admin::detail(&state, id.into_inner()).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `candidate`, `proctor` or `admin`.
    pub role: Option<String>,
    /// `true` ends every session of the account at once and refuses sign-in with 403
    /// `account_disabled`; `false` lets it sign in again.
    pub disabled: Option<bool>,
}

/// Changes a role, or disables or re-enables an account; recorded in the audit trail.
#[utoipa::path(tag = "admin", params(("id" = String, Path)), request_body = UserChange, responses((status = 200, body = UserView), (status = 400, description = "`validation_failed`: unknown role, or the admin's own account", body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[patch("/v1/admin/users/{id}")]
pub async fn change_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<UserChange>,
) -> ApiResult<web::Json<UserView>> {
    let body = body.into_inner();
    let change = AccountChange {
        role: body.role.as_deref().map(Role::parse).transpose()?,
        disabled: body.disabled,
    };
    Ok(web::Json(
        user_admin::change(&state, admin.0.id, id.into_inner(), change).await?,
    ))
}
