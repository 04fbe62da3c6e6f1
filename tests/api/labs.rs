//! Practical labs through the API: the candidate edits a served starter, saves with
//! syntax diagnostics, and is scored check by check; proctors and admins read each
//! check's outcome; a re-imported check set never touches an attempt already served.

use crate::both_backends;
use crate::helpers::{answer_key, assert_problem, fixture_bank, NowUtc, TestApp, Tokens};
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub(crate) const PARTIAL_DEPLOYMENT: &str = "kind: Deployment
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: scorer
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
";

/// The attempt's two labs by bank id: (public id, question view).
pub(crate) fn labs(attempt: &Value) -> (Value, Value) {
    let questions = attempt["questions"].as_array().expect("questions");
    let lab = |filename: &str| {
        questions
            .iter()
            .find(|q| q["kind"] == "lab" && q["artifact"]["filename"] == filename)
            .cloned()
            .unwrap_or_else(|| panic!("no lab {filename} in {attempt}"))
    };
    (lab("deploy.yaml"), lab("train.json"))
}

async fn save(
    app: &TestApp,
    t: &Tokens,
    attempt: &str,
    question: &Value,
    body: Value,
) -> reqwest::Response {
    let qid = question["id"].as_str().expect("id");
    app.put(
        &format!("/v1/attempts/{attempt}/answers/{qid}"),
        Some(&t.access),
        &body,
    )
    .await
}

async fn answer_choices_right(app: &TestApp, t: &Tokens, attempt: &str) {
    for (qid, key, kind) in answer_key(app, attempt).await {
        if kind != "lab" {
            let resp = app
                .put(
                    &format!("/v1/attempts/{attempt}/answers/{qid}"),
                    Some(&t.access),
                    &json!({"selected": key}),
                )
                .await;
            assert_eq!(resp.status(), StatusCode::OK);
        }
    }
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

both_backends! {
    bank = "labs";

    async fn a_candidate_edits_saves_and_is_scored_check_by_check(app: TestApp) {
        let t = app.candidate("lab@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let id = attempt["id"].as_str().expect("id").to_string();
        let (deploy, config) = labs(&attempt);
        // Served: the scenario, format, filename and starter; no options, nothing of the checks.
        assert_eq!(deploy["artifact"]["format"], "yaml");
        assert!(deploy["artifact"]["starter"].as_str().expect("starter").contains("replicas: 1"));
        assert_eq!(deploy["options"], json!([]));
        assert_eq!(deploy["points"], 6);
        assert_eq!(config["artifact"]["format"], "json");
        let served = attempt.to_string();
        for secret in ["nvidia.com/gpu: 1", "readinessProbe", "doc.spec", "requirement", "reference", "replicas and GPU", "https://mlflow"] {
            assert!(!served.contains(secret), "the attempt reveals {secret:?}");
        }

        // A syntax error: saved, with where it is and nothing about the checks.
        let broken = "kind: Deployment\nspec:\n  replicas: [2\n";
        let resp = save(&app, &t, &id, &deploy, json!({"artifact": broken})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let saved: Value = resp.json().await.expect("json");
        assert_eq!(saved["artifact"], broken);
        assert_eq!(saved["selected"], json!([]));
        let diagnostics = saved["diagnostics"].as_array().expect("diagnostics");
        assert_eq!(diagnostics.len(), 1, "{saved}");
        assert!(diagnostics[0]["line"].as_u64().expect("line") >= 3, "{saved}");
        assert!(diagnostics[0]["column"].as_u64().is_some());
        assert!(!saved.to_string().contains("passed"), "{saved}");

        // The partial artifact: no diagnostics; saving it twice is one revision.
        let first: Value = save(&app, &t, &id, &deploy, json!({"artifact": PARTIAL_DEPLOYMENT})).await.json().await.expect("json");
        assert_eq!(first["diagnostics"], json!([]));
        assert_eq!(first["revision"], 2);
        let again: Value = save(&app, &t, &id, &deploy, json!({"artifact": PARTIAL_DEPLOYMENT})).await.json().await.expect("json");
        assert_eq!((again["revision"].clone(), again["saved_at"].clone()), (first["revision"].clone(), first["saved_at"].clone()));
        // The other lab ends on a syntax error: ungradable, zero.
        let bad_json = "{\"seed\": 42,";
        assert_eq!(save(&app, &t, &id, &config, json!({"artifact": bad_json})).await.status(), StatusCode::OK);
        // Read back as saved.
        let view: Value = app.get(&format!("/v1/attempts/{id}"), Some(&t.access)).await.json().await.expect("json");
        let stored = view["answers"].as_array().expect("answers").iter().find(|a| a["question_id"] == deploy["id"]).cloned().expect("answer");
        assert_eq!(stored["artifact"], PARTIAL_DEPLOYMENT);

        answer_choices_right(&app, &t, &id).await;
        app.clock.advance(chrono::Duration::minutes(5));
        let resp = app.post(&format!("/v1/attempts/{id}/submit"), Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let result: Value = resp.json().await.expect("json");
        // 2 choice points + replicas (2) + readiness (1) of the deployment + 0 of the config.
        assert_eq!((result["points_awarded"].as_i64(), result["points_possible"].as_i64()), (Some(5), Some(12)), "{result}");
        assert_eq!(result["score_percent"], 41.6);
        assert_eq!(result["passed"], false);
        let practical = result["domains"].as_array().expect("domains").iter().find(|d| d["name"] == "Practical").cloned().expect("domain");
        assert_eq!(practical["score_percent"], 30.0);
        let mut lab_results = result["labs"].as_array().expect("labs").clone();
        lab_results.sort_by_key(|l| l["points_possible"].as_i64());
        assert_eq!(lab_results, vec![
            json!({"question_id": config["id"], "points_awarded": 0, "points_possible": 4, "status": "ungradable", "answered": true}),
            json!({"question_id": deploy["id"], "points_awarded": 3, "points_possible": 6, "status": "graded", "answered": true}),
        ]);
        let shown = result.to_string();
        for secret in ["requirement", "replicas", "check_set", "doc.seed"] {
            assert!(!shown.contains(secret), "the result reveals {secret:?}");
        }

        // The candidate cannot read the review; a proctor and an admin can, check by check.
        let own = app.get(&format!("/v1/proctor/attempts/{id}/labs"), Some(&t.access)).await;
        assert_problem(own, StatusCode::FORBIDDEN, "forbidden").await;
        let admin = app.user_with_role("admin@example.com", Role::Admin).await;
        let proctor = app.user_with_role("proctor@example.com", Role::Proctor).await;
        let by_admin: Value = app.get(&format!("/v1/proctor/attempts/{id}/labs"), Some(&admin.access)).await.json().await.expect("json");
        let resp = app.get(&format!("/v1/proctor/attempts/{id}/labs"), Some(&proctor.access)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let review: Value = resp.json().await.expect("json");
        assert_eq!(review, by_admin);
        let deploy_review = review.as_array().expect("labs").iter().find(|l| l["question_id"] == deploy["id"]).cloned().expect("lab");
        assert_eq!(deploy_review["bank_question_id"], "TL-LAB-DEPLOY");
        assert_eq!(deploy_review["artifact"], PARTIAL_DEPLOYMENT);
        assert_eq!(deploy_review["artifact_sha256"], sha256(PARTIAL_DEPLOYMENT));
        assert_eq!(deploy_review["check_set"].as_str().map(str::len), Some(64));
        let outcomes: Vec<(String, bool)> = deploy_review["checks"].as_array().expect("checks").iter()
            .map(|c| (c["id"].as_str().expect("id").to_string(), c["passed"].as_bool().expect("passed")))
            .collect();
        assert_eq!(outcomes, [("replicas".into(), true), ("gpu".into(), false), ("readiness".into(), true)]);
        assert_eq!(deploy_review["checks"][0]["requirement"], "The Deployment runs at least two replicas.");
        let missing = app.get("/v1/proctor/attempts/00000000-0000-0000-0000-000000000000/labs", Some(&proctor.access)).await;
        assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn a_lab_takes_only_an_artifact_of_at_most_64_kib(app: TestApp) {
        let t = app.candidate("shape@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let id = attempt["id"].as_str().expect("id").to_string();
        let (deploy, _) = labs(&attempt);
        let choice = attempt["questions"].as_array().expect("questions").iter().find(|q| q["kind"] != "lab").cloned().expect("choice");
        let option = choice["options"][0]["id"].clone();

        assert_problem(save(&app, &t, &id, &deploy, json!({"selected": []})).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        assert_problem(save(&app, &t, &id, &choice, json!({"artifact": "x"})).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        assert_problem(save(&app, &t, &id, &deploy, json!({"artifact": "x", "selected": []})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(save(&app, &t, &id, &deploy, json!({})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(save(&app, &t, &id, &deploy, json!({"artifact": "x", "score": 6})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        // Control characters are no part of any format (and PostgreSQL cannot store NUL).
        for control in ["kind: X\u{0}", "kind: X\u{7}", "kind: \u{1b}[31mX"] {
            assert_problem(save(&app, &t, &id, &deploy, json!({"artifact": control})).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        }
        // A choice answer still works as before.
        assert_eq!(save(&app, &t, &id, &choice, json!({"selected": [option]})).await.status(), StatusCode::OK);

        // Exactly 64 KiB of characters JSON must escape (the body is twice as long): accepted.
        let quotes = "\"".repeat(64 * 1024);
        let resp = save(&app, &t, &id, &deploy, json!({"artifact": quotes})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let saved: Value = resp.json().await.expect("json");
        assert_eq!(saved["artifact"].as_str().map(str::len), Some(64 * 1024));
        // One byte more is refused and the saved artifact stands.
        let over = "a".repeat(64 * 1024 + 1);
        assert_problem(save(&app, &t, &id, &deploy, json!({"artifact": over})).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        let view: Value = app.get(&format!("/v1/attempts/{id}"), Some(&t.access)).await.json().await.expect("json");
        let stored = view["answers"].as_array().expect("answers").iter().find(|a| a["question_id"] == deploy["id"]).cloned().expect("answer");
        assert_eq!(stored["revision"], 1);
        // A YAML bomb is saved as the candidate's text and graded ungradable, quickly.
        let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (name, previous) in ('b'..='j').zip('a'..='i') {
            bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{previous}"); 9].join(",")));
        }
        let saved: Value = save(&app, &t, &id, &deploy, json!({"artifact": bomb})).await.json().await.expect("json");
        assert_eq!(saved["diagnostics"].as_array().map(Vec::len), Some(1), "{saved}");
        // Another candidate's attempt is not found, whatever the body.
        let other = app.candidate("other@example.com").await;
        assert_problem(save(&app, &other, &id, &deploy, json!({"artifact": "kind: X"})).await, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn a_changed_check_set_leaves_an_attempt_already_served_alone(app: TestApp) {
        let t = app.candidate("reimport@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let id = attempt["id"].as_str().expect("id").to_string();
        let (deploy, _) = labs(&attempt);
        // Two replicas: passes the served check (>= 2), would fail the new one (>= 3).
        assert_eq!(save(&app, &t, &id, &deploy, json!({"artifact": PARTIAL_DEPLOYMENT})).await.status(), StatusCode::OK);

        let changed = invigil::bank::load(&fixture_bank("labs_changed")).expect("the changed bank loads");
        let now = app.clock.now_utc();
        let report = app.state.db.write(move |conn| Ok(invigil::db::catalog::import(conn, &changed, now)?)).await.expect("imported");
        assert!(format!("{report:?}").contains('1'), "{report:?}");

        let result: Value = app.post(&format!("/v1/attempts/{id}/submit"), Some(&t.access), &json!({})).await.json().await.expect("json");
        let lab = result["labs"].as_array().expect("labs").iter().find(|l| l["question_id"] == deploy["id"]).cloned().expect("lab");
        assert_eq!(lab["points_awarded"], 3, "{result}");

        // A new attempt is served the new version, and graded by it.
        let second = app.candidate("second@example.com").await;
        let attempt = app.start_attempt(&second.access, "T-LAB").await;
        let id2 = attempt["id"].as_str().expect("id").to_string();
        let (deploy2, _) = labs(&attempt);
        assert!(deploy2["artifact"]["starter"].is_string());
        save(&app, &second, &id2, &deploy2, json!({"artifact": PARTIAL_DEPLOYMENT})).await;
        let result: Value = app.post(&format!("/v1/attempts/{id2}/submit"), Some(&second.access), &json!({})).await.json().await.expect("json");
        let lab = result["labs"].as_array().expect("labs").iter().find(|l| l["question_id"] == deploy2["id"]).cloned().expect("lab");
        assert_eq!(lab["points_awarded"], 1, "{result}");
    }

    async fn the_grade_is_stored_after_the_save_is_answered_and_scoring_never_needs_it(app: TestApp) {
        let t = app.candidate("later@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let id = attempt["id"].as_str().expect("id").to_string();
        let (deploy, config) = labs(&attempt);
        assert_eq!(save(&app, &t, &id, &deploy, json!({"artifact": PARTIAL_DEPLOYMENT})).await.status(), StatusCode::OK);
        // The grade arrives once the save has been answered.
        let db = app.state.db.clone();
        let grades = |id: String| {
            let db = db.clone();
            async move {
            db.read(move |c| {
                use diesel::prelude::*;
                use invigil::db::schema::answers::dsl::*;
                Ok(answers.filter(attempt_id.eq(&id)).filter(artifact.is_not_null()).select(grade).load::<Option<String>>(c)?)
            }).await.expect("answers")
            }
        };
        let mut stored = grades(id.clone()).await;
        for _ in 0..100 {
            if stored.iter().all(Option::is_some) { break; }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            stored = grades(id.clone()).await;
        }
        let grade: Value = serde_json::from_str(stored[0].as_deref().expect("a stored grade")).expect("json");
        assert_eq!((grade["points_awarded"].as_i64(), grade["status"].as_str()), (Some(3), Some("graded")));
        assert_eq!(grade["artifact_sha256"], sha256(PARTIAL_DEPLOYMENT));
        // A save whose grade never got stored (the process stopped first) is graded at scoring.
        let https_only = r#"{"seed": 7, "tracking_uri": "https://mlflow.internal"}"#;
        assert_eq!(save(&app, &t, &id, &config, json!({"artifact": https_only})).await.status(), StatusCode::OK);
        let cleared = id.clone();
        app.state.db.write(move |c| {
            use diesel::prelude::*;
            use invigil::db::schema::answers::dsl::*;
            Ok(diesel::update(answers.filter(attempt_id.eq(&cleared))).set(grade.eq(None::<String>)).execute(c)?)
        }).await.expect("cleared");
        let result: Value = app.post(&format!("/v1/attempts/{id}/submit"), Some(&t.access), &json!({})).await.json().await.expect("json");
        let points: Vec<(Value, Value)> = result["labs"].as_array().expect("labs").iter().map(|l| (l["question_id"].clone(), l["points_awarded"].clone())).collect();
        assert!(points.contains(&(deploy["id"].clone(), json!(3))), "{result}");
        assert!(points.contains(&(config["id"].clone(), json!(1))), "{result}");
    }

    async fn an_unanswered_lab_scores_zero_and_is_reported_unanswered(app: TestApp) {
        let t = app.candidate("blank@example.com").await;
        let attempt = app.start_attempt(&t.access, "T-LAB").await;
        let id = attempt["id"].as_str().expect("id").to_string();
        answer_choices_right(&app, &t, &id).await;
        let result: Value = app.post(&format!("/v1/attempts/{id}/submit"), Some(&t.access), &json!({})).await.json().await.expect("json");
        assert_eq!((result["points_awarded"].as_i64(), result["points_possible"].as_i64()), (Some(2), Some(12)));
        let outcomes = result["labs"].as_array().expect("labs");
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes.iter().all(|l| l["answered"] == false && l["points_awarded"] == 0 && l["status"] == "graded"), "{result}");
        // A closed attempt takes no more artifacts.
        let (deploy, _) = labs(&attempt);
        assert_problem(save(&app, &t, &id, &deploy, json!({"artifact": PARTIAL_DEPLOYMENT})).await, StatusCode::CONFLICT, "attempt_closed").await;
    }
}
