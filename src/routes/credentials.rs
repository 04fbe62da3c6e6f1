//! Standard credentials: a certificate as an Open Badges 3.0 credential, the revocation
//! status lists every credential points to, the issuer's profile and its keys.

use crate::auth::ClientAddr;
use crate::error::{ApiError, ApiResult, Problem};
use crate::service::{certificates, issuer, keys, openbadge, status_lists};
use crate::state::AppState;
use crate::views::{CredentialView, JwkView, JwksView};
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

/// The certificate as an Open Badges 3.0 `OpenBadgeCredential`, a VC-JWT signed RS256
/// (`kid`: the URL of the signing key), with a `credentialStatus` entry.
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
#[get("/v1/certificates/{number}/openbadge")]
pub async fn get_openbadge(
    state: web::Data<AppState>,
    client: ClientAddr,
    number: web::Path<String>,
) -> ApiResult<web::Json<CredentialView>> {
    certificates::public_lookup(&state, &client.0)?;
    Ok(web::Json(CredentialView {
        credential: openbadge::credential(&state, &number).await?,
    }))
}

/// A `BitstringStatusListCredential` (purpose `revocation`) as a VC-JWT signed RS256:
/// `application/vc+jwt` by default, or `{"credential": "<VC-JWT>"}` when the request
/// accepts only `application/json`. Cacheable for five minutes.
#[utoipa::path(
    tag = "certificates",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "the VC-JWT (`application/vc+jwt`), or `CredentialView` as JSON", body = CredentialView),
        (status = 400, description = "`validation_failed`: not a list id", body = Problem),
        (status = 404, body = Problem),
        (status = 429, description = "`rate_limited`: shares the verification budget per client address", body = Problem),
    )
)]
#[get("/v1/status-lists/{id}")]
pub async fn get_status_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientAddr,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    certificates::public_lookup(&state, &client.0)?;
    let id = id.into_inner();
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::Validation("a status list id is a UUID".into()));
    }
    let jwt = status_lists::credential(&state, id).await?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let json_only = accept.contains("application/json") && !accept.contains("jwt");
    let mut resp = HttpResponse::Ok();
    resp.insert_header((
        header::CACHE_CONTROL,
        format!("public, max-age={}", status_lists::CACHE_SECONDS),
    ));
    Ok(if json_only {
        resp.json(CredentialView { credential: jwt })
    } else {
        resp.content_type("application/vc+jwt").body(jwt)
    })
}

/// The issuer's Open Badges `Profile`: its name, URL and e-mail for questions.
#[utoipa::path(tag = "certificates", responses((status = 200, description = "the issuer's `Profile` (JSON-LD)")))]
#[get("/v1/issuer")]
pub async fn get_issuer(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(issuer::profile(&state.settings.messaging))
}

/// One public key of the issuer's RSA keys, the JWK a credential's `kid` names.
#[utoipa::path(tag = "certificates", params(("id" = String, Path)), responses((status = 200, body = JwkView), (status = 400, description = "`validation_failed`: not a key id", body = Problem), (status = 404, body = Problem)))]
#[get("/v1/issuer/keys/{id}")]
pub async fn get_issuer_key(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<web::Json<JwkView>> {
    let id = id.into_inner();
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::Validation(
            "a key id is 16 hexadecimal digits".into(),
        ));
    }
    Ok(web::Json(keys::rsa_key(&state, id).await?))
}

/// The public keys credentials are signed with, current and former: Ed25519 for the
/// EdDSA credential, RSA for Open Badges and status lists.
#[utoipa::path(tag = "certificates", responses((status = 200, body = JwksView)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> ApiResult<web::Json<JwksView>> {
    Ok(web::Json(keys::jwks(&state).await?))
}
