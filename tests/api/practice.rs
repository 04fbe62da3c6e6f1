//! Practice exams: a form from the practice pool only, timed like the real one, outside
//! every limit, never certified, and teaching its keys afterwards. Live items never reach
//! a practice form, and no live key ever reaches a response.

use crate::both_backends;
use crate::helpers::{answer_key, assert_problem, TestApp};
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn start_practice(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/certifications/{code}/practice"),
        Some(token),
        &json!({}),
    )
    .await
}

/// The bank ids on an attempt's form.
async fn bank_ids(app: &TestApp, attempt_id: &str) -> Vec<String> {
    let id = attempt_id.to_string();
    app.state
        .db
        .read(move |conn| {
            Ok(invigil::db::attempts::form(conn, &id)?
                .into_iter()
                .map(|(q, _)| q.question_id)
                .collect())
        })
        .await
        .expect("the form")
}

async fn submit(app: &TestApp, token: &str, attempt_id: &str) -> Value {
    let resp = app
        .post(
            &format!("/v1/attempts/{attempt_id}/submit"),
            Some(token),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("result")
}

both_backends! {
    bank = "practice";

    async fn a_practice_form_holds_practice_items_only_and_its_result_teaches(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let resp = start_practice(&app, &t.access, "P-BASE").await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let attempt: Value = resp.json().await.expect("attempt");
        assert_eq!(attempt["practice"], true);
        // Timed like the real exam.
        assert_eq!(attempt["time_remaining_seconds"], 30 * 60);
        let aid = attempt["id"].as_str().expect("id").to_string();
        let mut ids = bank_ids(&app, &aid).await;
        ids.sort();
        assert_eq!(ids, ["PB-PRA-1", "PB-PRA-2"]);
        assert!(!attempt.to_string().contains("Because"), "the form reveals an explanation");

        // One right, one left unanswered.
        let keys = answer_key(&app, &aid).await;
        let (first, key, _) = &keys[0];
        let resp = app.put(&format!("/v1/attempts/{aid}/answers/{first}"), Some(&t.access), &json!({"selected": key})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let result = submit(&app, &t.access, &aid).await;
        assert_eq!(result["practice"], true);
        assert_eq!(result["certificate"], Value::Null);
        assert_eq!(result["score_percent"], 50.0);
        let review = result["review"].as_array().expect("a review");
        assert_eq!(review.len(), 2);
        for item in review {
            let qid = item["question_id"].as_str().expect("id");
            let (_, key, _) = keys.iter().find(|(q, _, _)| q == qid).expect("on the form");
            assert_eq!(item["correct_option_ids"], json!(key));
            assert!(item["explanation"].as_str().expect("explanation").starts_with("Because"));
        }
        let answered = review.iter().find(|i| i["question_id"] == first.as_str()).expect("answered");
        assert_eq!((answered["points_awarded"].as_i64(), answered["selected"].clone()), (Some(1), json!(key)));

        // A passing practice issues nothing.
        let again: Value = start_practice(&app, &t.access, "P-BASE").await.json().await.expect("attempt");
        let aid = again["id"].as_str().expect("id").to_string();
        app.answer(&t.access, &aid, 2).await;
        let passed = submit(&app, &t.access, &aid).await;
        assert_eq!((passed["passed"].clone(), passed["status"].clone()), (json!(true), json!("passed")));
        assert_eq!(passed["certificate"], Value::Null);
        let mine: Value = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.expect("json");
        assert_eq!(mine, json!([]));
        let listed: Value = app.get("/v1/me/attempts", Some(&t.access)).await.json().await.expect("json");
        assert!(listed.as_array().expect("list").iter().all(|a| a["practice"] == true), "{listed}");
    }

    async fn live_forms_never_hold_practice_items_and_live_results_never_keys(app: TestApp) {
        for n in 0..6 {
            let t = app.candidate(&format!("live{n}@example.com")).await;
            let attempt = app.start_attempt(&t.access, "P-BASE").await;
            assert_eq!(attempt["practice"], false);
            let aid = attempt["id"].as_str().expect("id").to_string();
            let ids = bank_ids(&app, &aid).await;
            assert!(ids.iter().all(|id| id.starts_with("PB-") && !id.starts_with("PB-PRA")), "{ids:?}");
            app.answer(&t.access, &aid, 1).await;
            let result = submit(&app, &t.access, &aid).await;
            assert_eq!(result["practice"], false);
            assert!(result.get("review").is_none(), "{result}");
            assert!(!result.to_string().contains("Because"), "{result}");
        }
    }

    async fn practice_needs_no_prerequisite_and_counts_toward_no_limit_or_wait(app: TestApp) {
        let t = app.candidate("grace@example.com").await;
        // P-NEXT needs P-BASE live, and offers no practice.
        let live = app.post("/v1/certifications/P-NEXT/attempts", Some(&t.access), &json!({})).await;
        assert_problem(live, StatusCode::FORBIDDEN, "prerequisite_missing").await;
        let none = start_practice(&app, &t.access, "P-NEXT").await;
        assert_problem(none, StatusCode::NOT_FOUND, "not_found").await;
        let unknown = start_practice(&app, &t.access, "NOPE").await;
        assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;

        // Three failed practice attempts: more than the yearly limit of two, and each
        // would start a retake wait if it were live.
        for _ in 0..3 {
            let resp = start_practice(&app, &t.access, "P-BASE").await;
            assert_eq!(resp.status(), StatusCode::CREATED);
            let aid = resp.json::<Value>().await.expect("attempt")["id"].as_str().expect("id").to_string();
            assert_eq!(submit(&app, &t.access, &aid).await["passed"], false);
        }
        // The live exam is still open to them, and one attempt is open at a time.
        let live = app.start_attempt(&t.access, "P-BASE").await;
        let busy = start_practice(&app, &t.access, "P-BASE").await;
        assert_problem(busy, StatusCode::CONFLICT, "attempt_in_progress").await;
        let aid = live["id"].as_str().expect("id").to_string();
        submit(&app, &t.access, &aid).await;
        // A failed live attempt does start the wait; practice stays open.
        let wait = app.post("/v1/certifications/P-BASE/attempts", Some(&t.access), &json!({})).await;
        assert_problem(wait, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        assert_eq!(start_practice(&app, &t.access, "P-BASE").await.status(), StatusCode::CREATED);
    }

    async fn practice_attempts_are_not_in_the_proctors_queue_and_need_a_candidate(app: TestApp) {
        let t = app.candidate("lin@example.com").await;
        let practice: Value = start_practice(&app, &t.access, "P-BASE").await.json().await.expect("attempt");
        let proctor = app.user_with_role("proctor@example.com", Role::Proctor).await;
        let queue: Value = app.get("/v1/proctor/attempts", Some(&proctor.access)).await.json().await.expect("json");
        assert!(!queue.to_string().contains(practice["id"].as_str().expect("id")), "{queue}");
        let as_proctor = start_practice(&app, &proctor.access, "P-BASE").await;
        assert_problem(as_proctor, StatusCode::FORBIDDEN, "forbidden").await;
        let anonymous = app.post("/v1/certifications/P-BASE/practice", None, &json!({})).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}
