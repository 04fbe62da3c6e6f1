//! Every error is problem+json with a stable code, and nothing internal reaches the client.

use crate::both_backends;
use crate::helpers::assert_problem;
use actix_web::{web, HttpResponse};
use invigil::error::ApiError;
use invigil::state::AppState;
use reqwest::StatusCode;
use serde_json::json;

fn failing_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/test/panic", web::get().to(panicking))
        .route("/test/bad-sql", web::get().to(bad_sql));
}

async fn panicking() -> HttpResponse {
    panic!("secret internal state 0xdeadbeef");
}

async fn bad_sql(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .read(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT secret_column FROM no_such_table")?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// The answer's `x-request-id`, which must be a UUID.
fn request_id(resp: &reqwest::Response) -> uuid::Uuid {
    let status = resp.status();
    let raw = resp
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("a {status} answer has no x-request-id"));
    let text = raw.to_str().expect("an ASCII request id");
    uuid::Uuid::parse_str(text)
        .unwrap_or_else(|e| panic!("the request id {text:?} of a {status} answer: {e}"))
}

async fn assert_opaque_500(resp: reqwest::Response) {
    request_id(&resp);
    let body = assert_problem(resp, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let text = body.to_string();
    for leak in ["secret", "no_such_table", "deadbeef", "panicked", "src/"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

both_backends! {
    async fn a_body_over_64_kib_is_413(app: TestApp) {
        // Just under the limit the body is read and judged on its content: too long a password.
        let under = "x".repeat(60 * 1024);
        let resp = app.post("/v1/auth/register", None, &json!({"email": "a@example.com", "password": under, "full_name": "A"})).await;
        let problem = assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().unwrap().contains("at most 256"), "{problem}");
        let big = "x".repeat(70 * 1024);
        let resp = app.post("/v1/auth/register", None, &json!({"email": "a@example.com", "password": big, "full_name": "A"})).await;
        assert_problem(resp, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    }

    async fn malformed_json_and_wrong_content_types_are_400(app: TestApp) {
        let resp = app.client.post(format!("{}/v1/auth/login", app.address)).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        let resp = app.client.post(format!("{}/v1/auth/login", app.address)).header("content-type", "text/plain").body("hello").send().await.unwrap();
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
    }

    async fn an_unknown_path_is_a_problem_404(app: TestApp) {
        assert_problem(app.get("/v1/nothing-here", None).await, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn every_answer_carries_a_request_id(app: TestApp) {
        let mut answers = vec![
            (StatusCode::CREATED, app.register("ada@example.com", PASSWORD, "Ada").await),
            (StatusCode::OK, app.get("/health", None).await),
            (StatusCode::OK, app.get("/health", None).await),
            (StatusCode::UNAUTHORIZED, app.get("/v1/me", None).await),
            (StatusCode::NOT_FOUND, app.get("/v1/nothing-here", None).await),
            (StatusCode::BAD_REQUEST, app.client.post(format!("{}/v1/auth/login", app.address)).header("content-type", "application/json").body("{not json").send().await.unwrap()),
        ];
        for _ in 0..5 {
            answers.push((StatusCode::UNAUTHORIZED, app.login("ada@example.com", "wrong guess 123").await));
        }
        answers.push((StatusCode::TOO_MANY_REQUESTS, app.login("ada@example.com", PASSWORD).await));
        // Last: the server may close the connection rather than read the rest of this body.
        answers.push((StatusCode::PAYLOAD_TOO_LARGE, app.post("/v1/auth/register", None, &json!({"email": "b@example.com", "password": "x".repeat(70 * 1024), "full_name": "B"})).await));
        // Each request has an id of its own, so that one log line leads to one request.
        let mut seen = std::collections::HashSet::new();
        for (status, resp) in &answers {
            assert_eq!(resp.status(), *status);
            let id = request_id(resp);
            assert!(seen.insert(id), "{id} was given to two requests");
        }
    }
}

mod failures {
    use super::*;
    use crate::helpers::{Backend, TestApp};

    async fn check(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |_| {}, failing_routes).await else {
            eprintln!("SKIPPED failures::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
            return;
        };
        assert_opaque_500(app.get("/test/panic", None).await).await;
        assert_opaque_500(app.get("/test/bad-sql", None).await).await;
        // The server is still serving after both.
        assert_eq!(app.get("/health", None).await.status(), StatusCode::OK);
    }

    #[actix_web::test]
    async fn a_panic_or_a_database_error_is_an_opaque_500_on_sqlite() {
        check(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn a_panic_or_a_database_error_is_an_opaque_500_on_postgres() {
        check(Backend::Postgres).await;
    }
}
