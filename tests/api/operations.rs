//! `/health`, `/openapi.json` and the command line.

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestDb, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// Every (method, path) the server has; `/openapi.json` must list exactly these.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/logout"),
    ("get", "/v1/me"),
    ("post", "/v1/admin/users"),
    ("get", "/v1/certifications"),
    ("get", "/v1/certifications/{code}"),
    ("post", "/v1/certifications/{code}/attempts"),
    ("get", "/v1/attempts/{id}"),
    ("put", "/v1/attempts/{id}/answers/{question_id}"),
    ("post", "/v1/attempts/{id}/submit"),
    ("get", "/v1/attempts/{id}/result"),
    ("get", "/v1/me/attempts"),
    ("get", "/v1/me/certificates"),
    ("get", "/v1/verify/{number}"),
    ("post", "/v1/partner/verifications"),
    ("get", "/v1/certificates/{number}/credential"),
    ("get", "/.well-known/jwks.json"),
    ("post", "/v1/admin/certificates/{number}/revoke"),
    ("post", "/v1/admin/partners"),
    ("post", "/v1/admin/partners/{id}/revoke"),
    ("post", "/v1/attempts/{id}/events"),
    ("get", "/v1/proctor/attempts"),
    ("get", "/v1/proctor/attempts/{id}/events"),
    ("post", "/v1/proctor/attempts/{id}/actions"),
    ("post", "/v1/proctor/attempts/{id}/review"),
    ("post", "/v1/admin/accommodations"),
    ("get", "/v1/admin/audit"),
];

both_backends! {
    async fn health_reports_the_backend_and_that_the_database_answers(app: TestApp) {
        let resp = app.get("/health", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        let expected = match app.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(body["database"], expected);
    }

    async fn the_openapi_document_describes_every_route(app: TestApp) {
        let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let mut listed = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                listed.insert((method.clone(), path.clone()));
            }
        }
        let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(listed, expected);
        // And each route described really answers something other than the router's 404.
        for (method, path) in ROUTES {
            let concrete = path.replace("{code}", "MLOA-F").replace("{id}", "x").replace("{question_id}", "y").replace("{number}", "MLOAF-0000-0000-0");
            let resp = app.request(method.to_uppercase().parse().unwrap(), &concrete, None, None).await;
            let routed = resp.status() != StatusCode::NOT_FOUND
                || resp.json::<Value>().await.map(|b| b["detail"] != "Not found").unwrap_or(false);
            assert!(routed, "{method} {path} is not routed");
        }
    }
}

#[actix_web::test]
async fn the_cli_creates_the_first_admin_from_a_password_on_stdin() {
    let (_db, url) = TestDb::create(Backend::Sqlite).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args([
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "root@example.com",
            "--full-name",
            "Root Admin",
            "--password-stdin",
        ])
        .env("INVIGIL_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("admin root@example.com"));
    assert!(!printed.contains(PASSWORD));

    let settings = crate::helpers::test_settings(&url);
    let app = invigil::startup::Application::build(
        settings,
        std::sync::Arc::new(invigil::clock::SystemClock),
    )
    .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let tokens: Value = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me: Value = client
        .get(format!("{address}/v1/me"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
}

#[test]
fn the_cli_refuses_a_weak_password_and_creates_nothing() {
    let (_db, url) = TestDb::create(Backend::Sqlite).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args([
            "user",
            "create",
            "--role",
            "proctor",
            "--email",
            "p@example.com",
            "--full-name",
            "P",
            "--password-stdin",
        ])
        .env("INVIGIL_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "short").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("weak password"));
}

#[test]
fn the_cli_has_no_way_to_pass_a_password_as_an_argument() {
    let out = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args([
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "r@example.com",
            "--full-name",
            "R",
            "--password",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
