//! Item statistics for bank authors, end to end: scored attempts in, Moodle's figures out,
//! over the API and the command line.

use crate::both_backends;
use crate::helpers::{assert_problem, TestApp};
use chrono::Duration;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Takes MLOA-F answering `right` choice questions right (labs with full marks); returns
/// the score.
async fn sit(app: &TestApp, email: &str, right: usize, fresh: bool) -> f64 {
    let t = if fresh {
        app.candidate(email).await
    } else {
        app.tokens(email).await
    };
    let attempt = app.start_attempt(&t.access, "MLOA-F").await;
    let aid = attempt["id"].as_str().unwrap().to_string();
    app.answer(&t.access, &aid, right).await;
    let result: Value = app
        .post(
            &format!("/v1/attempts/{aid}/submit"),
            Some(&t.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    result["score_percent"].as_f64().unwrap()
}

both_backends! {
    async fn statistics_describe_each_item_and_the_test_over_first_attempts(app: TestApp) {
        app.user_with_role("admin@example.com", Role::Admin).await;
        let mut scores = Vec::new();
        for (i, right) in [30, 20, 10, 0].into_iter().enumerate() {
            scores.push(sit(&app, &format!("c{i}@example.com"), right, true).await);
        }
        // The weakest retakes later and does well: a second attempt, left out by default.
        app.clock.advance(Duration::days(15));
        sit(&app, "c3@example.com", 30, false).await;
        let admin = app.tokens("admin@example.com").await;

        let path = "/v1/admin/certifications/MLOA-F/item-statistics";
        let stats: Value = app.get(path, Some(&admin.access)).await.json().await.unwrap();
        assert_eq!(stats["first_attempts_only"], true, "{stats}");
        let test = &stats["test"];
        assert_eq!(test["attempts"], 4);
        let mean = scores.iter().sum::<f64>() / 4.0;
        assert!((test["mean_percent"].as_f64().unwrap() - mean).abs() < 0.2, "{test} vs {mean}");
        assert!(test["cronbach_alpha"].as_f64().unwrap() > 0.5, "consistent candidates: {test}");
        assert_eq!(test["pass_mark_percent"], 70.0);
        assert!(test["standard_error_percent"].as_f64().is_some());
        let items = stats["items"].as_array().unwrap();
        assert!(items.len() >= 32, "every item drawn at least once");
        for item in items {
            let f = item["facility_index"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&f), "{item}");
            if item["kind"] == "lab" {
                assert_eq!(f, 1.0, "full marks on every lab");
                assert_eq!(item["discrimination_index"], Value::Null);
                assert!(item["flags"].as_array().unwrap().contains(&json!("facility over 0.9")));
            }
        }
        let all: Value = app.get(&format!("{path}?all_attempts=true"), Some(&admin.access)).await.json().await.unwrap();
        assert_eq!(all["test"]["attempts"], 5);

        let candidate = app.tokens("c0@example.com").await;
        assert_problem(app.get(path, Some(&candidate.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.get(path, None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(app.get("/v1/admin/certifications/NOPE-X/item-statistics", Some(&admin.access)).await, StatusCode::NOT_FOUND, "not_found").await;

        let out = std::process::Command::new(env!("CARGO_BIN_EXE_invigil"))
            .args(["bank", "stats", "MLOA-F"])
            .env("INVIGIL_DATABASE_URL", &app.database_url)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(printed.starts_with("MLOA-F (4 attempts, first only): mean "), "{printed}");
        assert!(printed.contains("facility over 0.9"), "{printed}");
    }
}
