//! A save from a client already seen on the attempt (on PostgreSQL, one statement
//! against the cached form) answers exactly as the long path does, refusals included.

use crate::both_backends;
use crate::helpers::{answer_key, assert_problem, TestApp};
use crate::proctoring::{act, setup};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn logged_revisions(app: &TestApp, attempt: &str) -> Vec<i32> {
    let id = attempt.to_string();
    app.state
        .db
        .read(move |c| Ok(invigil::db::proctoring::saves(c, &id)?))
        .await
        .unwrap()
        .iter()
        .map(|s| s.revision)
        .collect()
}

both_backends! {
    async fn repeated_saves_answer_as_the_first_did(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        let questions = answer_key(&app, &aid).await;
        let (qid, key, _) = questions.iter().find(|(_, _, kind)| kind == "single").cloned().expect("a single-answer question");
        let options: Vec<String> = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json::<Value>().await.unwrap()["questions"]
            .as_array().unwrap().iter().find(|q| q["id"] == qid.as_str()).unwrap()["options"]
            .as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
        let other = options.iter().find(|o| !key.contains(o)).unwrap().clone();
        let path = format!("/v1/attempts/{aid}/answers/{qid}");
        let first: Value = app.put(&path, Some(&t.access), &json!({"selected": key})).await.json().await.unwrap();
        app.clock.advance(Duration::seconds(5));
        let again = app.put(&path, Some(&t.access), &json!({"selected": key})).await;
        assert_eq!(again.status(), StatusCode::OK);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first, "the same answer again leaves the stored one as it was");
        app.clock.advance(Duration::seconds(5));
        let changed: Value = app.put(&path, Some(&t.access), &json!({"selected": [other]})).await.json().await.unwrap();
        assert_eq!(changed["revision"], 2);
        assert_eq!(changed["selected"], json!([other]));
        assert_ne!(changed["saved_at"], first["saved_at"]);
        assert_eq!(logged_revisions(&app, &aid).await, [1, 1, 2], "every save is logged");

        // Refusals come in the long path's order, whoever sends them from this client.
        assert_problem(app.put(&path, Some(&t.access), &json!({"selected": ["no-such-option"]})).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        let stranger = app.candidate("eve@example.com").await;
        assert_problem(app.put(&path, Some(&stranger.access), &json!({"selected": key})).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(app.put(&path, Some(&stranger.access), &json!({"selected": ["no-such-option"]})).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(app.put(&format!("/v1/attempts/{aid}/answers/no-such-question"), Some(&t.access), &json!({"selected": key})).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(logged_revisions(&app, &aid).await.len(), 3, "a refused save is not logged");
    }

    async fn a_paused_or_overdue_attempt_refuses_a_repeated_save(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let (qid, key, _) = answer_key(&app, &aid).await.remove(0);
        let path = format!("/v1/attempts/{aid}/answers/{qid}");
        assert_eq!(app.put(&path, Some(&t.access), &json!({"selected": key})).await.status(), StatusCode::OK);
        assert_eq!(act(&app, &proctor, &aid, "pause", None).await.status(), StatusCode::OK);
        assert_problem(app.put(&path, Some(&t.access), &json!({"selected": key})).await, StatusCode::CONFLICT, "attempt_paused").await;
        assert_eq!(act(&app, &proctor, &aid, "resume", None).await.status(), StatusCode::OK);
        assert_eq!(app.put(&path, Some(&t.access), &json!({"selected": key})).await.status(), StatusCode::OK);
        app.clock.advance(Duration::hours(3));
        let t = app.tokens("ada@example.com").await;
        assert_problem(app.put(&path, Some(&t.access), &json!({"selected": key})).await, StatusCode::CONFLICT, "attempt_closed").await;
        let status = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json::<Value>().await.unwrap()["status"].clone();
        assert_ne!(status, "in_progress", "the overdue attempt was finalised");
    }
}

/// The grade stored for the attempt's lab answer at revision `revision`, once it has
/// been stored (grading follows the save's reply).
async fn stored_grade(app: &TestApp, attempt: &str, revision: i32) -> Value {
    for _ in 0..100 {
        let id = attempt.to_string();
        let grade = app
            .state
            .db
            .read(move |c| {
                use diesel::prelude::*;
                use invigil::db::schema::answers::dsl;
                Ok(dsl::answers
                    .filter(dsl::attempt_id.eq(&id))
                    .filter(dsl::revision.eq(revision))
                    .filter(dsl::artifact.is_not_null())
                    .select(dsl::grade)
                    .first::<Option<String>>(c)
                    .optional()?
                    .flatten())
            })
            .await
            .unwrap();
        if let Some(grade) = grade {
            return serde_json::from_str(&grade).unwrap();
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no grade was stored for revision {revision}");
}

both_backends! {
    bank = "labs";

    async fn repeated_lab_saves_are_diagnosed_logged_and_graded_as_the_first(app: TestApp) {
        use crate::labs::{labs, PARTIAL_DEPLOYMENT};
        let t = app.candidate("lab@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let aid = attempt["id"].as_str().unwrap().to_string();
        let (deploy, _) = labs(&attempt);
        let path = format!("/v1/attempts/{aid}/answers/{}", deploy["id"].as_str().unwrap());
        let broken = "kind: Deployment\nspec:\n  replicas: [2\n";
        let first: Value = app.put(&path, Some(&t.access), &json!({"artifact": broken})).await.json().await.unwrap();
        assert_eq!(first["diagnostics"].as_array().map(Vec::len), Some(1), "{first}");

        // From the same client now: each save answers as the first did.
        app.clock.advance(Duration::seconds(5));
        let partial = app.put(&path, Some(&t.access), &json!({"artifact": PARTIAL_DEPLOYMENT})).await;
        assert_eq!(partial.status(), StatusCode::OK);
        let partial: Value = partial.json().await.unwrap();
        assert_eq!((partial["revision"].clone(), partial["selected"].clone(), partial["diagnostics"].clone()), (json!(2), json!([]), json!([])));
        assert_eq!(partial["artifact"], PARTIAL_DEPLOYMENT);
        assert_ne!(partial["saved_at"], first["saved_at"]);
        app.clock.advance(Duration::seconds(5));
        let again: Value = app.put(&path, Some(&t.access), &json!({"artifact": PARTIAL_DEPLOYMENT})).await.json().await.unwrap();
        assert_eq!(again, partial, "the same artifact again leaves the stored answer as it was");
        assert_eq!(stored_grade(&app, &aid, 2).await["points_awarded"], 3, "a repeated save is graded");
        let broken_again: Value = app.put(&path, Some(&t.access), &json!({"artifact": broken})).await.json().await.unwrap();
        assert_eq!(broken_again["revision"], 3);
        assert_eq!(broken_again["diagnostics"], first["diagnostics"], "told where it does not parse, as the first time");
        assert_eq!(stored_grade(&app, &aid, 3).await["status"], "ungradable");
        assert_eq!(logged_revisions(&app, &aid).await, [1, 2, 2, 3], "every save is logged");

        // Refusals as on the long path, and none of them logged or stored.
        assert_problem(app.put(&path, Some(&t.access), &json!({"selected": []})).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        let stranger = app.candidate("eve@example.com").await;
        assert_problem(app.put(&path, Some(&stranger.access), &json!({"artifact": PARTIAL_DEPLOYMENT})).await, StatusCode::NOT_FOUND, "not_found").await;
        let view: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        let stored = view["answers"].as_array().unwrap().iter().find(|a| a["question_id"] == deploy["id"]).cloned().unwrap();
        assert_eq!((stored["revision"].clone(), stored["artifact"].clone()), (json!(3), json!(broken)));
        assert_eq!(logged_revisions(&app, &aid).await.len(), 4);
    }
}
