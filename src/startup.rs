//! Builds the HTTP server on a listener: the configured address in production, port 0 in
//! tests, so that every test gets its own server.

use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{server_settings, Db};
use crate::error::{ApiError, PROBLEM_JSON};
use crate::routes;
use crate::state::AppState;
use actix_web::body::EitherBody;
use actix_web::dev::{Server, Service, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{get, web, App, HttpMessage, HttpResponse, HttpServer, ResponseError};
use base64::Engine;
use futures_util::FutureExt;
use rand::RngCore;
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_actix_web::AppExt;

/// Bodies above this are refused with 413 before they are read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long an idle connection stays open. Far longer than the exam page's autosave (5 s)
/// and heartbeat (15 s) intervals, so that a client reusing its connection never meets
/// one the server is closing (actix-web's default is 5 s: exactly the autosave interval,
/// and a race a browser would report as a failed save).
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// Extra routes mounted beside the API; tests use it to exercise failure paths.
pub type ExtraRoutes = fn(&mut web::ServiceConfig);

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, migrates it, and binds the listener.
    pub fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        Self::build_with(settings, clock, |_| {})
    }

    pub fn build_with(
        settings: Settings,
        clock: Arc<dyn Clock>,
        extra: ExtraRoutes,
    ) -> anyhow::Result<Application> {
        let db = Db::connect(
            &settings.database_url,
            settings.db_pool_size,
            settings.db_timeout,
        )?;
        db.migrate()?;
        import_bank(&settings, &db, clock.now())?;
        {
            let mut conn = db.writer_blocking().map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = clock.now();
            crate::db::write_transaction(&mut conn, |c| {
                crate::service::credentials::ensure_key(c, now)
            })
            .map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
        }
        let secret = jwt_secret(&settings, &db)?;
        let tokens = TokenKeys::new(&secret, &settings.jwt_issuer, settings.access_token_ttl);
        let devices = crate::auth::device::DeviceKeys::derive(&secret);
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let verify_limiter = crate::ratelimit::RateLimiter::new(
            settings.verify_rate_per_minute,
            chrono::Duration::minutes(1),
        );
        let mailer = crate::notify::mailer::Mailer::from_settings(&settings.messaging)?;
        match &settings.messaging.smtp_url {
            Some(_) => tracing::info!("mail is sent over SMTP (INVIGIL_SMTP_URL)"),
            None => tracing::info!(
                folder = %settings.messaging.mail_dir.display(),
                "INVIGIL_SMTP_URL is not set: mail is written as .eml files to this folder"
            ),
        }
        let state = web::Data::new(AppState {
            db,
            clock,
            settings: Arc::new(settings),
            tokens,
            devices,
            standings: Default::default(),
            verify_limiter,
            known_clients: Default::default(),
            forms: Default::default(),
            rule_states: Default::default(),
            mailer,
        });
        let api = openapi()?;
        let route_table = web::Data::new(routes::fallback::RouteTable::from_openapi(&api));
        let openapi = web::Data::new(OpenApiDocument(api.to_pretty_json()?));

        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .configure(routes::configure)
                .service(openapi_document)
                .into_app()
                .configure(routes::pages::configure)
                .configure(extra)
                .app_data(app_state.clone())
                .app_data(openapi.clone())
                .app_data(route_table.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BODY_BYTES)
                        .error_handler(json_error),
                )
                .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|e, _| ApiError::Validation(e.to_string()).into()),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| ApiError::Validation(e.to_string()).into()),
                )
                .default_service(web::to(routes::fallback::unrouted))
                .wrap(ErrorHandlers::new().default_handler(problem_fallback))
                .wrap_fn(|req, srv| {
                    // A panicking handler must still answer: 500 `internal`, cause in the log.
                    let request_id = req.extensions().get::<RequestId>().copied();
                    let private = carries_a_secret(req.request());
                    let fut = srv.call(req);
                    async move {
                        let mut res = match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
                            Ok(res) => res?.map_into_boxed_body(),
                            Err(_) => {
                                let err = ApiError::internal("a request handler panicked");
                                // The original request went down with the handler (and
                                // cloning it beforehand would break routing), so the
                                // response is attached to a blank one.
                                let blank =
                                    actix_web::test::TestRequest::default().to_http_request();
                                ServiceResponse::new(blank, err.error_response())
                            }
                        };
                        if let Some(id) =
                            request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                        {
                            res.headers_mut()
                                .insert(header::HeaderName::from_static("x-request-id"), id);
                        }
                        security_headers(res.headers_mut(), private);
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
        })
        .workers(workers)
        .keep_alive(KEEP_ALIVE)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Stops the server from outside (as a signal would), for tests that restart it.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the process is told to stop, with the background housekeeping running;
    /// the housekeeping stops with the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let tasks = [
            actix_web::rt::spawn(crate::housekeeping::prune_forever(self.state.clone())),
            actix_web::rt::spawn(crate::housekeeping::sweep_forever(self.state.clone())),
            actix_web::rt::spawn(crate::notify::worker::deliver_forever(self.state.clone())),
            actix_web::rt::spawn(crate::housekeeping::remind_forever(self.state.clone())),
            actix_web::rt::spawn(crate::auth::account_feed::watch_forever(self.state.clone())),
        ];
        let result = self.server.await;
        tasks.iter().for_each(|task| task.abort());
        result
    }
}

/// Loads the configured bank and imports it; an invalid bank stops the start with every
/// error listed.
fn import_bank(
    settings: &Settings,
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let bank = crate::bank::load_or_explain(&settings.question_bank)?;
    let mut conn = db.writer_blocking().map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = crate::db::write_transaction(&mut conn, |conn| {
        Ok(crate::db::catalog::import(conn, &bank, now)?)
    })
    .map_err(|e| anyhow::anyhow!("bank import: {e}"))?;
    tracing::info!(bank = %settings.question_bank.display(), %report, "question bank imported");
    Ok(())
}

/// The access-token secret: configured, or generated once and shared through the database.
fn jwt_secret(settings: &Settings, db: &Db) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    let mut conn = db.writer_blocking().map_err(|e| anyhow::anyhow!("{e}"))?;
    let encoded = server_settings::get_or_init(&mut conn, "jwt_secret", || {
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })?;
    Ok(base64::engine::general_purpose::STANDARD.decode(encoded)?)
}

struct OpenApiDocument(String);

fn openapi() -> anyhow::Result<utoipa::openapi::OpenApi> {
    let (_, api) = App::new()
        .into_utoipa_app()
        .configure(routes::configure)
        .service(openapi_document)
        .split_for_parts();
    Ok(routes::decorate(api))
}

/// This API's OpenAPI 3 description.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
#[get("/openapi.json")]
async fn openapi_document(doc: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

fn json_error(err: JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::Validation("the body must be application/json".into())
        }
        JsonPayloadError::Deserialize(e) => ApiError::Validation(e.to_string()),
        other => ApiError::Validation(other.to_string()),
    }
    .into()
}

/// Whether the answer to `req` may hold a token, an attempt or anything else of one
/// account: every request that authenticates, and every sign-in, refresh or sign-out.
fn carries_a_secret(req: &actix_web::HttpRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key("x-api-key")
        || req.path().starts_with("/v1/auth/")
}

/// Headers every response carries: no content sniffing (a JSON body is never run as a
/// page), and for private answers no copy in any cache between the server and the client
/// (a shared proxy, the browser's disk).
fn security_headers(headers: &mut header::HeaderMap, private: bool) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Turns any error response that is not already problem+json (a 405 from the router, an
/// extractor's own error) into one, keeping its status.
fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status.as_u16() {
        401 => ApiError::Unauthorized("authentication required"),
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        413 => ApiError::PayloadTooLarge,
        503 => ApiError::Unavailable(format!("status {status}")),
        500.. => ApiError::Internal(format!("status {status}")),
        _ => ApiError::Validation(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_lowercase(),
        ),
    };
    let mut replacement = err.error_response();
    *replacement.status_mut() = status;
    let (req, _) = res.into_parts();
    let res: ServiceResponse<EitherBody<B>> =
        ServiceResponse::new(req, replacement).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
