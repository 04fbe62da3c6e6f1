//! The whole route tree on one screen. Every route is registered through
//! `utoipa_actix_web`, so `GET /openapi.json` describes exactly the routes that exist.

pub mod accounts;
pub mod attempts;
mod body;
pub mod catalog;
pub mod certificates;
pub mod credentials;
pub mod fallback;
pub mod guide;
pub mod health;
pub mod pages;
mod problems;
pub mod proctoring;
pub mod recovery;
pub mod statistics;
pub mod users;
pub mod webhooks;

use crate::paging::{next_link, Page};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(accounts::register)
        .service(accounts::login)
        .service(accounts::refresh)
        .service(accounts::logout)
        .service(accounts::me)
        .service(recovery::verify_email)
        .service(recovery::resend_verification)
        .service(recovery::request_reset)
        .service(recovery::confirm_reset)
        .service(recovery::change_password)
        .service(accounts::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::change_user)
        .service(catalog::list_certifications)
        .service(catalog::find_certification)
        .service(guide::paths)
        .service(guide::roles)
        .service(guide::recommendations)
        .service(attempts::start_attempt)
        .service(attempts::start_practice)
        .service(attempts::get_attempt)
        .service(attempts::save_answer)
        .service(attempts::submit_attempt)
        .service(attempts::get_result)
        .service(attempts::list_my_attempts)
        .service(certificates::list_my_certificates)
        .service(certificates::verify_certificate)
        .service(certificates::verify_batch)
        .service(certificates::get_credential)
        .service(credentials::get_openbadge)
        .service(credentials::get_status_list)
        .service(credentials::get_issuer)
        .service(credentials::get_issuer_key)
        .service(credentials::jwks)
        .service(statistics::item_statistics)
        .service(certificates::revoke_certificate)
        .service(certificates::create_partner)
        .service(certificates::revoke_partner)
        .service(webhooks::register)
        .service(webhooks::list)
        .service(webhooks::remove)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver)
        .service(proctoring::post_event)
        .service(proctoring::list_attempts)
        .service(proctoring::list_events)
        .service(proctoring::list_labs)
        .service(proctoring::act)
        .service(proctoring::review)
        .service(proctoring::create_accommodation)
        .service(proctoring::audit);
}

/// The document's fixed parts; paths and schemas are collected from `configure`.
pub fn decorate(mut api: OpenApi) -> OpenApi {
    api.info.title = "invigil".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.description = Some("Exam delivery and proctoring: the v1 HTTP API.".into());
    // Left alone, the generator fills these from its own package: not this project's.
    api.info.contact = Some(
        utoipa::openapi::ContactBuilder::new()
            .name(Some("invigil"))
            .build(),
    );
    api.info.license = Some(utoipa::openapi::License::new(env!("CARGO_PKG_LICENSE")));
    problems::describe(&mut api);
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
            utoipa::openapi::security::ApiKeyValue::new("X-Api-Key"),
        )),
    );
    api
}

/// A page of a list as its JSON array, with the next page's URL in a `Link` header.
pub fn paged<T: Serialize>(req: &HttpRequest, page: Page<T>) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    if let Some(next) = &page.next {
        resp.insert_header((
            actix_web::http::header::LINK,
            next_link(req.path(), req.query_string(), next),
        ));
    }
    resp.json(page.items)
}
