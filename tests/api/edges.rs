//! The edges of the service as a client or a load balancer meets them: the client address
//! behind proxies, rate limits on public lookups, lists that grow past a page, and the
//! contract `/openapi.json` states (problem responses, 405 with `Allow`, 401 with
//! `WWW-Authenticate`).

use crate::both_backends;
use crate::helpers::{assert_problem, Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A login with a wrong password carrying this `X-Forwarded-For` header.
async fn wrong_login_with_forwarded(app: &TestApp, forwarded: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/auth/login", app.address))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"email": "ada@example.com", "password": "wrong guess 123"}))
        .send()
        .await
        .unwrap()
}

/// Follows `Link: <…>; rel="next"` from `path`, collecting every page's rows.
async fn all_pages(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, usize) {
    let mut rows = Vec::new();
    let mut pages = 0;
    let mut next = Some(path.to_string());
    while let Some(path) = next.take() {
        let resp = app.get(&path, Some(token)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        next = resp
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string())
            .map(|l| {
                assert!(l.ends_with("; rel=\"next\""), "{l}");
                l[1..l.find('>').unwrap()].to_string()
            });
        let page: Vec<Value> = resp.json().await.unwrap();
        pages += 1;
        rows.extend(page);
        assert!(pages < 100, "the pages never end");
    }
    (rows, pages)
}

both_backends! {
    async fn a_spoofed_leftmost_forwarded_address_is_still_throttled(app: TestApp) {
        let registered = app.register("ada@example.com", PASSWORD, "Ada").await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        // Each guess claims a fresh address on the left; the proxy appended the real one.
        for i in 1..=5 {
            let resp = wrong_login_with_forwarded(&app, &format!("10.9.8.{i}, 203.0.113.50")).await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = wrong_login_with_forwarded(&app, "10.9.8.99, 203.0.113.50").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }

    async fn fifteen_hundred_open_attempts_are_all_reachable_through_the_console_pages(app: TestApp) {
        let proctor = app.user_with_role("pat@example.com", invigil::domain::account::Role::Proctor).await;
        let t = app.candidate("ada@example.com").await;
        let real = app.start_attempt(&t.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
        // 1,499 more candidates with an attempt each, written straight to the tables.
        let template = real.clone();
        app.state.db.write(move |conn| {
            use diesel::RunQueryDsl;
            for i in 0..1499 {
                let user = format!("u-{i:04}");
                diesel::sql_query(format!(
                    "INSERT INTO users (id, email, password_hash, full_name, role, created_at) \
                     VALUES ('{user}', 'c{i}@example.com', '$argon2id$unused', 'Candidate {i}', 'candidate', '2026-11-26 08:00:00')"
                )).execute(conn)?;
                diesel::sql_query(format!(
                    "INSERT INTO attempts (id, user_id, certification_code, status, seed, started_at, deadline, pass_mark_tenths, extra_time_percent) \
                     SELECT 'a-{i:04}', '{user}', certification_code, status, seed, started_at, deadline, pass_mark_tenths, extra_time_percent \
                     FROM attempts WHERE id = '{template}'"
                )).execute(conn)?;
            }
            Ok(())
        }).await.unwrap();

        let (rows, pages) = all_pages(&app, "/v1/proctor/attempts?status=in_progress&limit=200", &proctor.access).await;
        assert_eq!(pages, 8);
        let mut ids: Vec<&str> = rows.iter().map(|r| r["attempt_id"].as_str().unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1500, "every attempt once");
        assert!(ids.contains(&real.as_str()));
        assert!(rows.iter().all(|r| r["candidate"]["full_name"].is_string()));
        // The default page is 50; the filter by certification keeps the rest out.
        let first = app.get("/v1/proctor/attempts", Some(&proctor.access)).await;
        assert!(first.headers().get("link").is_some());
        assert_eq!(first.json::<Vec<Value>>().await.unwrap().len(), 50);
        let other: Vec<Value> = app.get("/v1/proctor/attempts?certification=MLOA-P", Some(&proctor.access)).await.json().await.unwrap();
        assert!(other.is_empty());
        for bad in ["limit=0", "limit=201", "cursor=nonsense", "status=open"] {
            let resp = app.get(&format!("/v1/proctor/attempts?{bad}"), Some(&proctor.access)).await;
            assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        }
    }

    async fn the_audit_pages_and_filters_by_user_and_time(app: TestApp) {
        let admin = app.user_with_role("root@example.com", invigil::domain::account::Role::Admin).await;
        let ada = app.candidate("ada@example.com").await;
        let ada_attempt = app.start_attempt(&ada.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
        app.answer(&ada.access, &ada_attempt, 30).await;
        app.clock.advance(chrono::Duration::minutes(2));
        app.answer(&ada.access, &ada_attempt, 29).await;
        let resp = app.post(&format!("/v1/attempts/{ada_attempt}/submit"), Some(&ada.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        app.clock.advance(chrono::Duration::minutes(5));
        let later = invigil::views::instant(&crate::helpers::NowUtc::now_utc(&app.clock));
        let grace = app.candidate("grace@example.com").await;
        let grace_attempt = app.start_attempt(&grace.access, "MLOA-F").await["id"].as_str().unwrap().to_string();

        // One attempt's trail, whole and a row at a time, is the same story.
        let whole: Vec<Value> = app.get(&format!("/v1/admin/audit?attempt_id={ada_attempt}&limit=200"), Some(&admin.access)).await.json().await.unwrap();
        let (paged, pages) = all_pages(&app, &format!("/v1/admin/audit?attempt_id={ada_attempt}&limit=1"), &admin.access).await;
        assert_eq!(paged, whole);
        assert!(pages >= 4, "{pages}");
        assert_eq!(whole.iter().filter(|e| e["action"] == "saves").count(), 2, "{whole:?}");
        // Saves count by when they were made, inside the time range asked.
        let first_minute = whole.iter().find(|e| e["action"] == "saves").unwrap()["at"].as_str().unwrap().to_string();
        let after_it = chrono::DateTime::parse_from_rfc3339(&first_minute).unwrap() + chrono::Duration::seconds(61);
        let after_it = invigil::views::instant(&after_it.to_utc());
        let later_part: Vec<Value> = app.get(&format!("/v1/admin/audit?attempt_id={ada_attempt}&from={after_it}"), Some(&admin.access)).await.json().await.unwrap();
        assert_eq!(later_part.iter().filter(|e| e["action"] == "saves").count(), 1, "{later_part:?}");

        // By user: Ada's story, none of Grace's.
        let ada_id = app.get("/v1/me", Some(&ada.access)).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let (hers, _) = all_pages(&app, &format!("/v1/admin/audit?user_id={ada_id}"), &admin.access).await;
        assert!(hers.iter().any(|e| e["action"] == "start"));
        assert!(hers.iter().any(|e| e["action"] == "score"));
        let grace_subject = format!("attempt:{grace_attempt}");
        assert!(hers.iter().all(|e| e["subject"] != grace_subject.as_str()));

        // By time: from the moment Grace started, only her start.
        let since: Vec<Value> = app.get(&format!("/v1/admin/audit?from={later}"), Some(&admin.access)).await.json().await.unwrap();
        let actions: Vec<&str> = since.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["start"]);
        let before: Vec<Value> = app.get(&format!("/v1/admin/audit?to={later}&limit=200"), Some(&admin.access)).await.json().await.unwrap();
        assert!(before.iter().all(|e| e["subject"] != grace_subject.as_str()));
        for bad in ["from=yesterday", "to=2026-13-01T00:00:00Z", "certificate_number=NOPE"] {
            let resp = app.get(&format!("/v1/admin/audit?{bad}"), Some(&admin.access)).await;
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        }
        let unknown = app.get("/v1/admin/audit?user_id=nobody", Some(&admin.access)).await;
        assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn a_candidates_attempts_come_a_page_at_a_time_newest_first(app: TestApp) {
        app.candidate("ada@example.com").await;
        let mut started = Vec::new();
        for _ in 0..3 {
            let t = app.tokens("ada@example.com").await;
            let id = app.start_attempt(&t.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
            let resp = app.post(&format!("/v1/attempts/{id}/submit"), Some(&t.access), &json!({})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            started.push(id);
            // Past the retake wait, so the next may start.
            app.clock.advance(chrono::Duration::days(15));
        }
        let t = app.tokens("ada@example.com").await;
        let (rows, pages) = all_pages(&app, "/v1/me/attempts?limit=1", &t.access).await;
        assert_eq!(pages, 3);
        let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        started.reverse();
        assert_eq!(ids, started.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(rows.iter().all(|r| r["status"] == "failed"));
    }
}

#[actix_web::test]
async fn the_credential_shares_the_verification_budget_of_an_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.verify_rate_per_minute = 3, |_| {})
        .await
        .unwrap();
    let mut rng = rand::rng();
    let n = invigil::domain::certificate::CertificateNumber::generate("MLOA-F", &mut rng);
    assert_eq!(
        app.get(&format!("/v1/verify/{n}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    for _ in 0..2 {
        let resp = app
            .get(&format!("/v1/certificates/{n}/credential"), None)
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
    let resp = app
        .get(&format!("/v1/certificates/{n}/credential"), None)
        .await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow_and_an_unknown_path_404() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let resp = app
        .client
        .delete(format!("{}/v1/attempts/some-id", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers().get("allow").unwrap(), "GET");
    assert_problem(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let resp = app.get("/v1/attempts/some-id/submit", None).await;
    assert_eq!(resp.headers().get("allow").unwrap(), "POST");
    assert_problem(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    assert_problem(
        app.get("/v1/nothing/here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_401_names_the_bearer_scheme() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let resp = app.get("/v1/me", None).await;
    assert!(resp
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let resp = app.get("/v1/me", Some("not-a-token")).await;
    assert!(resp.headers().get("www-authenticate").is_some());
}

#[actix_web::test]
async fn the_openapi_document_states_every_problem_and_names_this_project() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert_eq!(doc["info"]["title"], "invigil");
    assert_eq!(doc["info"]["contact"], json!({"name": "invigil"}));
    assert_eq!(doc["info"]["license"]["name"], env!("CARGO_PKG_LICENSE"));
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for status in ["500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
                let content = response["content"].as_object().unwrap();
                assert!(
                    content.contains_key("application/problem+json"),
                    "{method} {path} {status}"
                );
                assert_eq!(content.len(), 1, "{method} {path} {status}");
                assert!(
                    response["description"].as_str().unwrap().contains('`'),
                    "{method} {path} {status} names no code"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "{checked}");
    // Statuses, actions and roles are enums a client can generate types from.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["AttemptStatus"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("pending_review")));
    assert!(schemas["ProctorAction"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("terminate")));
    assert!(schemas["Role"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("proctor")));
    assert!(schemas["EventType"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("focus_lost")));
    assert!(schemas["QuestionKind"]["enum"].is_array());
    assert!(schemas["CertificateStatus"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("renewal_due")));
    let submit =
        &doc["paths"]["/v1/attempts/{id}/submit"]["post"]["responses"]["409"]["description"];
    assert!(
        submit.as_str().unwrap().contains("attempt_paused"),
        "{submit}"
    );
}

#[actix_web::test]
async fn health_reports_the_writers_queue_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Start-up's own writes may still be queued for a moment; the gauge must drain to 0.
    let mut drained = false;
    for _ in 0..100 {
        let health: Value = app.get("/health", None).await.json().await.unwrap();
        assert_eq!(health["status"], "ok");
        assert!(health["writer"]["capacity"].as_u64().unwrap() > 0);
        if health["writer"]["queued"] == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(drained, "the writer's queue gauge never came back to 0");
}
