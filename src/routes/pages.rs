//! The browser client: its pages and their assets, embedded from `web/` at build time.
//! Every page is the same shell (`web/index.html`); its script shows the page the path
//! names, using the public API alone.

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;
use sha2::Digest;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The paths the client answers (mail links point at several of them). Anything else
/// stays a 404 problem, like any unknown path.
pub const PAGES: &[&str] = &[
    "/",
    "/register",
    "/sign-in",
    "/verify-email",
    "/reset-password",
    "/account",
    "/certifications/{code}",
    "/certifications/{code}/start",
    "/exam/{id}",
    "/attempts",
    "/attempts/{id}",
    "/certificates",
    "/c/{number}",
    "/verify",
    "/partner",
    "/proctor",
    "/proctor/attempts/{id}",
];

/// Scripts, styles, images and fonts from this origin only; no inline script or style,
/// no plugin, no framing, forms posting only here (OWASP's CSP cheat sheet, strict
/// policy).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    for page in PAGES {
        cfg.route(page, web::get().to(shell));
    }
    cfg.route("/assets/{path:.*}", web::get().to(asset));
    cfg.route("/sw.js", web::get().to(service_worker));
}

/// The service worker, told the release it caches (a hash of every file) and its files.
async fn service_worker() -> Result<HttpResponse, ApiError> {
    let mut files = vec!["/".to_string()];
    let mut release = sha2::Sha256::new();
    for name in Assets::iter() {
        if let Some(found) = Assets::get(&name) {
            release.update(found.metadata.sha256_hash());
        }
        if name.starts_with("assets/") {
            files.push(format!("/{name}"));
        }
    }
    let body = Assets::get("sw.js").ok_or(ApiError::NotFound)?;
    let script = format!(
        "const VERSION = {:?};\nconst FILES = {};\n{}",
        hex::encode(&release.finalize()[..8]),
        serde_json::to_string(&files).map_err(|e| ApiError::internal(e.to_string()))?,
        String::from_utf8_lossy(&body.data)
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(script))
}

async fn shell() -> HttpResponse {
    file("index.html").unwrap_or_else(|| HttpResponse::NotFound().finish())
}

async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    file(&format!("assets/{}", path.into_inner())).ok_or(ApiError::NotFound)
}

/// An embedded file with its type; revalidated on every use (`no-cache`, with an ETag
/// from its hash), so that a new release is never mixed with an old script.
fn file(name: &str) -> Option<HttpResponse> {
    let found = Assets::get(name)?;
    let etag = format!("\"{}\"", hex::encode(&found.metadata.sha256_hash()[..12]));
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, found.metadata.mimetype()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    Some(response.body(found.data.into_owned()))
}
