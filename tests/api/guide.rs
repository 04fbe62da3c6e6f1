//! The program guide over the API: paths, roles, each certification's page, and a
//! candidate's next certifications with whether they may start them now.

use crate::both_backends;
use crate::helpers::{assert_problem, NowUtc, TestApp};
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn recommendations(app: &TestApp, token: &str, query: &str) -> Value {
    let resp = app
        .get(&format!("/v1/me/recommendations{query}"), Some(token))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("json")
}

fn codes(r: &Value) -> Vec<String> {
    r["recommendations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            s["code"]
                .as_str()
                .unwrap_or(s["title"].as_str().expect("title"))
                .to_string()
        })
        .collect()
}

/// Sits `code` live, answering `right` questions right; returns whether it passed.
async fn sit(app: &TestApp, token: &str, code: &str, right: usize) -> bool {
    let attempt = app.start_attempt(token, code).await;
    let aid = attempt["id"].as_str().expect("id").to_string();
    app.answer(token, &aid, right).await;
    let result: Value = app
        .post(
            &format!("/v1/attempts/{aid}/submit"),
            Some(token),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("result");
    result["passed"].as_bool().expect("passed")
}

both_backends! {
    bank = "practice";

    async fn paths_roles_and_each_certifications_page_are_public(app: TestApp) {
        let paths: Value = app.get("/v1/paths", None).await.json().await.expect("json");
        assert_eq!(paths, json!([{
            "id": "mlops", "name": "MLOps", "description": "Models from notebook to production.",
            "certifications": ["P-BASE", "P-NEXT"], "external": ["Outside Cert"],
        }]));
        let roles: Value = app.get("/v1/roles", None).await.json().await.expect("json");
        assert_eq!(roles, json!([{
            "id": "platform-engineer", "name": "Platform engineer", "path": "mlops",
            "track": "Engineering", "certifications": ["P-NEXT", "P-BASE"],
        }]));
        let base: Value = app.get("/v1/certifications/P-BASE", None).await.json().await.expect("json");
        assert_eq!(base["guide"]["audience"], "Engineers new to the field.");
        assert_eq!(base["guide"]["preparation"][0]["days"], "7-14");
        assert_eq!(base["guide"]["next"], json!([
            {"relation": "same_track", "code": "P-NEXT", "title": "Practice Next", "external": false, "issuer": null},
            {"relation": "cross_track", "code": null, "title": "Outside Cert", "external": true, "issuer": "Another Body"},
        ]));
        let next: Value = app.get("/v1/certifications/P-NEXT", None).await.json().await.expect("json");
        assert_eq!(next["guide"]["next"], json!([]));
    }

    async fn recommendations_follow_holdings_role_and_prerequisites(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        // Nothing held, no role: the entry point, which may start now.
        let r = recommendations(&app, &t.access, "").await;
        assert_eq!((codes(&r), r["held"].clone(), r["role"].clone()), (vec!["P-BASE".to_string()], json!([]), Value::Null));
        assert_eq!((r["recommendations"][0]["may_start"].clone(), r["recommendations"][0]["blocked"].clone()), (json!(true), Value::Null));

        // The role's order; P-NEXT is blocked by its prerequisite, with no date.
        let r = recommendations(&app, &t.access, "?role=platform-engineer").await;
        assert_eq!(codes(&r), ["P-NEXT", "P-BASE"]);
        assert_eq!(r["role"], "platform-engineer");
        let next = &r["recommendations"][0];
        assert_eq!((next["may_start"].clone(), next["blocked"]["code"].clone(), next["blocked"]["available_at"].clone()), (json!(false), json!("prerequisite_missing"), Value::Null));
        assert_eq!(next["reasons"], json!(["recommended for Platform engineer"]));

        // Holding P-BASE: P-NEXT may start, for two reasons; the external one follows.
        assert!(sit(&app, &t.access, "P-BASE", 2).await);
        let r = recommendations(&app, &t.access, "?role=platform-engineer").await;
        assert_eq!(r["held"], json!(["P-BASE"]));
        assert_eq!(codes(&r), ["P-NEXT", "Outside Cert"]);
        let next = &r["recommendations"][0];
        assert_eq!((next["may_start"].clone(), next["external"].clone()), (json!(true), json!(false)));
        assert_eq!(next["reasons"], json!(["recommended for Platform engineer", "next after P-BASE (same track)"]));
        let outside = &r["recommendations"][1];
        assert_eq!((outside["external"].clone(), outside["issuer"].clone(), outside["may_start"].clone()), (json!(true), json!("Another Body"), Value::Null));

        // A failed P-NEXT: blocked by the retake wait, with the instant it lifts.
        assert!(!sit(&app, &t.access, "P-NEXT", 0).await);
        let r = recommendations(&app, &t.access, "").await;
        let next = &r["recommendations"][0];
        assert_eq!((next["code"].clone(), next["may_start"].clone(), next["blocked"]["code"].clone()), (json!("P-NEXT"), json!(false), json!("retake_wait")));
        let lifts = chrono::DateTime::parse_from_rfc3339(next["blocked"]["available_at"].as_str().expect("a date")).expect("rfc3339");
        let now = app.clock.now_utc();
        assert!(lifts > now + chrono::Duration::days(13) && lifts <= now + chrono::Duration::days(14), "{lifts}");
    }

    async fn an_unknown_role_is_400_and_only_candidates_ask(app: TestApp) {
        let t = app.candidate("lin@example.com").await;
        let resp = app.get("/v1/me/recommendations?role=astronaut", Some(&t.access)).await;
        let problem = assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().expect("detail").contains("/v1/roles"), "{problem}");
        let proctor = app.user_with_role("proctor@example.com", Role::Proctor).await;
        let resp = app.get("/v1/me/recommendations", Some(&proctor.access)).await;
        assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(app.get("/v1/me/recommendations", None).await.status(), StatusCode::UNAUTHORIZED);
    }
}
