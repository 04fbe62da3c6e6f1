//! The attempt lifecycle as the API enforces it: what a pause refuses and records, a held
//! pass blocking the next try, retired certifications, certificates dated by the attempt,
//! pauses that are not silence, a sweep that survives a bad attempt, and flags raised once
//! under concurrency.

use crate::both_backends;
use crate::helpers::{assert_problem, NowUtc, TestApp, Tokens};
use chrono::Duration;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn event(app: &TestApp, t: &Tokens, attempt: &str, kind: &str) -> reqwest::Response {
    let at = invigil::views::instant(&app.clock.now_utc());
    app.post(
        &format!("/v1/attempts/{attempt}/events"),
        Some(&t.access),
        &json!({"type": kind, "occurred_at": at, "details": {}}),
    )
    .await
}

async fn act(app: &TestApp, proctor: &Tokens, attempt: &str, action: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/proctor/attempts/{attempt}/actions"),
        Some(&proctor.access),
        &json!({"action": action}),
    )
    .await
}

async fn submit(app: &TestApp, t: &Tokens, attempt: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/attempts/{attempt}/submit"),
        Some(&t.access),
        &json!({}),
    )
    .await
}

async fn review(
    app: &TestApp,
    proctor: &Tokens,
    attempt: &str,
    decision: &str,
) -> reqwest::Response {
    app.post(
        &format!("/v1/proctor/attempts/{attempt}/review"),
        Some(&proctor.access),
        &json!({"decision": decision}),
    )
    .await
}

async fn setup(app: &TestApp) -> (Tokens, Tokens, String) {
    let t = app.candidate("ada@example.com").await;
    let proctor = app.user_with_role("pat@example.com", Role::Proctor).await;
    let attempt = app.start_attempt(&t.access, "MLOA-F").await;
    (t, proctor, attempt["id"].as_str().unwrap().to_string())
}

/// Runs SQL on the test database through the server's own handle.
async fn execute(app: &TestApp, sql: String) {
    app.state
        .db
        .write(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(sql).execute(conn)?)
        })
        .await
        .unwrap();
}

/// A pass held for review: a perfect exam with one full-screen exit.
async fn held_pass(app: &TestApp, t: &Tokens, attempt: &str) -> Value {
    assert_eq!(
        event(app, t, attempt, "fullscreen_exit").await.status(),
        StatusCode::ACCEPTED
    );
    app.answer(&t.access, attempt, 30).await;
    let result: Value = submit(app, t, attempt).await.json().await.unwrap();
    assert_eq!(result["status"], "pending_review", "{result}");
    result
}

both_backends! {
    async fn a_paused_attempt_cannot_be_submitted_or_answered_but_its_events_count(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        app.answer(&t.access, &aid, 30).await;
        assert_eq!(act(&app, &proctor, &aid, "pause").await.status(), StatusCode::OK);

        assert_problem(submit(&app, &t, &aid).await, StatusCode::CONFLICT, "attempt_paused").await;
        let (qid, key, _) = crate::helpers::answer_key(&app, &aid).await.remove(0);
        let save = app.put(&format!("/v1/attempts/{aid}/answers/{qid}"), Some(&t.access), &json!({"selected": key})).await;
        assert_problem(save, StatusCode::CONFLICT, "attempt_paused").await;
        // What the candidate's client reports meanwhile is on the timeline.
        assert_eq!(event(&app, &t, &aid, "focus_lost").await.status(), StatusCode::ACCEPTED);
        let timeline: Vec<Value> = app.get(&format!("/v1/proctor/attempts/{aid}/events"), Some(&proctor.access)).await.json().await.unwrap();
        assert!(timeline.iter().any(|e| e["type"] == "focus_lost"), "{timeline:?}");
        // Still paused, no result, no certificate.
        let attempt: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(attempt["status"], "paused");
        assert_problem(app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await, StatusCode::CONFLICT, "attempt_in_progress").await;
        assert!(app.get("/v1/me/certificates", Some(&t.access)).await.json::<Vec<Value>>().await.unwrap().is_empty());
        // Pausing twice, or resuming a running attempt, says what conflicts.
        assert_problem(act(&app, &proctor, &aid, "pause").await, StatusCode::CONFLICT, "attempt_paused").await;
        assert_eq!(act(&app, &proctor, &aid, "resume").await.status(), StatusCode::OK);
        assert_problem(act(&app, &proctor, &aid, "resume").await, StatusCode::CONFLICT, "attempt_in_progress").await;

        let result = submit(&app, &t, &aid).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["passed"], true);
        // Once ended, every proctor action is refused as closed.
        for action in ["warn", "pause", "resume", "terminate"] {
            let body = json!({"action": action, "note": "late"});
            let resp = app.post(&format!("/v1/proctor/attempts/{aid}/actions"), Some(&proctor.access), &body).await;
            assert_problem(resp, StatusCode::CONFLICT, "attempt_closed").await;
        }
    }

    async fn a_paused_attempt_does_not_expire_while_paused(app: TestApp) {
        let (_t, proctor, aid) = setup(&app).await;
        assert_eq!(act(&app, &proctor, &aid, "pause").await.status(), StatusCode::OK);
        app.clock.advance(Duration::hours(3));
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 0);
        let t = app.tokens("ada@example.com").await;
        let attempt: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(attempt["status"], "paused");
    }

    async fn a_start_that_is_refused_keeps_the_overdue_attempt_it_finalised(app: TestApp) {
        let (_t, _proctor, aid) = setup(&app).await;
        app.clock.advance(Duration::minutes(82));
        let t = app.tokens("ada@example.com").await;
        // The overdue blank attempt fails; the retake wait it starts refuses this start.
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 0, "already finalised, and kept");
        let attempt: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(attempt["status"], "failed");
    }

    async fn an_overdue_pass_certifies_before_the_next_start_is_judged(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        app.answer(&t.access, &aid, 30).await;
        // Heartbeats to the last minute (signing in again as tokens run out): a clean pass,
        // once the deadline has passed.
        for minutes in [14, 14, 14, 14, 14, 10] {
            let t = app.tokens("ada@example.com").await;
            app.live_for(&t.access, &aid, Duration::minutes(minutes)).await;
        }
        app.clock.advance(Duration::minutes(3));
        let t = app.tokens("ada@example.com").await;
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::CONFLICT, "already_certified").await;
        let mine: Vec<Value> = app.get("/v1/me/attempts", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine.len(), 1, "no second attempt was started");
        assert_eq!(mine[0]["status"], "passed");
    }

    async fn a_held_pass_blocks_another_attempt_until_it_is_decided(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        held_pass(&app, &t, &aid).await;
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::CONFLICT, "attempt_under_review").await;
        assert_eq!(review(&app, &proctor, &aid, "reject").await.status(), StatusCode::OK);
        let after = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(after, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        // A second decision names what conflicts: the review is decided.
        let twice = review(&app, &proctor, &aid, "approve").await;
        let body = assert_problem(twice, StatusCode::CONFLICT, "attempt_closed").await;
        assert!(body["detail"].as_str().unwrap().contains("not awaiting review"), "{body}");
    }

    async fn a_retired_certification_still_finishes_its_open_attempts(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        let other = app.candidate("grace@example.com").await;
        let late = app.start_attempt(&other.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
        app.answer(&t.access, &aid, 30).await;
        // A bank without the Foundation exam retires it.
        let offered: Value = app.get("/v1/certifications/MLOA-F", None).await.json().await.unwrap();
        let bank_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank");
        let mut smaller = invigil::bank::load(&bank_dir).unwrap();
        smaller.certifications.retain(|c| c.code != "MLOA-F");
        smaller.questions.retain(|q| q.certification_code != "MLOA-F");
        smaller.certifications.iter_mut().for_each(|c| c.prerequisites.retain(|p| p != "MLOA-F"));
        let now = app.clock.now_utc();
        app.state.db.write(move |conn| Ok(invigil::db::catalog::import(conn, &smaller, now)?)).await.unwrap();
        assert_eq!(app.get("/v1/certifications/MLOA-F", None).await.status(), StatusCode::NOT_FOUND);

        let result = submit(&app, &t, &aid).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["status"], "passed");
        assert!(result["certificate"]["number"].is_string(), "{result}");
        let names = |v: &Value, key: &str| -> Vec<String> {
            v[key].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names(&result, "domains"), names(&offered, "domains"), "domains as stored");
        let again = app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await;
        assert_eq!(again.status(), StatusCode::OK);
        // The sweeper finalises the other candidate's attempt when its time is up.
        app.clock.advance(Duration::minutes(82));
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 1);
        let other = app.tokens("grace@example.com").await;
        let swept: Value = app.get(&format!("/v1/attempts/{late}/result"), Some(&other.access)).await.json().await.unwrap();
        assert_eq!(swept["status"], "failed");
    }

    async fn one_attempt_that_cannot_be_finalised_does_not_stop_the_sweep(app: TestApp) {
        let (t, _proctor, broken) = setup(&app).await;
        app.answer(&t.access, &broken, 1).await;
        let other = app.candidate("grace@example.com").await;
        let fine = app.start_attempt(&other.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
        // A stored answer that no longer reads back makes this attempt unscorable.
        execute(&app, format!("UPDATE answers SET selected = 'not json' WHERE attempt_id = '{broken}'")).await;
        app.clock.advance(Duration::minutes(82));
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 1);
        let other = app.tokens("grace@example.com").await;
        let swept = app.get(&format!("/v1/attempts/{fine}/result"), Some(&other.access)).await;
        assert_eq!(swept.status(), StatusCode::OK);
        // The broken one stays open (and is retried next sweep), answering 500, not 404.
        let t = app.tokens("ada@example.com").await;
        let still = app.get(&format!("/v1/attempts/{broken}"), Some(&t.access)).await;
        assert_problem(still, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    }

    async fn a_renewal_passed_before_expiry_and_approved_after_keeps_its_number(app: TestApp) {
        let (t, proctor, first) = setup(&app).await;
        app.answer(&t.access, &first, 30).await;
        let passed: Value = submit(&app, &t, &first).await.json().await.unwrap();
        let number = passed["certificate"]["number"].as_str().unwrap().to_string();
        let expires_on = chrono::NaiveDate::parse_from_str(passed["certificate"]["expires_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        // The day before expiry: inside the renewal window, a renewal attempt is held.
        let day_before = expires_on.pred_opt().unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc();
        app.clock.advance(day_before - app.clock.now_utc());
        let t = app.tokens("ada@example.com").await;
        let proctor = { let _ = proctor; app.tokens("pat@example.com").await };
        let renewal = app.start_attempt(&t.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
        let held = held_pass(&app, &t, &renewal).await;
        let submitted_on = held["submitted_at"].as_str().unwrap()[..10].to_string();
        // Decided ten days after the old certificate expired.
        app.clock.advance(Duration::days(11));
        let proctor = { let _ = proctor; app.tokens("pat@example.com").await };
        let approved = review(&app, &proctor, &renewal, "approve").await;
        assert_eq!(approved.status(), StatusCode::OK);
        let approved: Value = approved.json().await.unwrap();
        assert_eq!(approved["certificate"]["number"], number.as_str(), "a renewal, not a new certificate");
        let renewed_to = chrono::NaiveDate::parse_from_str(approved["certificate"]["expires_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert!(renewed_to > expires_on + Duration::days(365), "{approved}");
        assert_eq!(approved["certificate"]["status"], "active");
        assert_eq!(submitted_on, day_before.date_naive().to_string());
    }

    async fn time_paused_is_not_a_heartbeat_gap(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        // The whole exam with a heartbeat every 15 s, but for a ten-minute pause.
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        assert_eq!(act(&app, &proctor, &aid, "pause").await.status(), StatusCode::OK);
        app.clock.advance(Duration::minutes(10));
        assert_eq!(invigil::service::proctoring::sweep_silence(&app.state).await.unwrap(), 0);
        let proctor = app.tokens("pat@example.com").await;
        let t = app.tokens("ada@example.com").await;
        assert_eq!(act(&app, &proctor, &aid, "resume").await.status(), StatusCode::OK);
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        app.answer(&t.access, &aid, 30).await;
        let result: Value = submit(&app, &t, &aid).await.json().await.unwrap();
        assert_eq!(result["status"], "passed", "{result}");
    }

    async fn silence_that_is_not_a_pause_is_still_a_gap(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        app.clock.advance(Duration::minutes(2));
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        app.answer(&t.access, &aid, 30).await;
        let result: Value = submit(&app, &t, &aid).await.json().await.unwrap();
        assert_eq!(result["status"], "pending_review", "{result}");
    }

    async fn concurrent_identical_events_raise_one_flag(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let sends = (0..20).map(|_| event(&app, &t, &aid, "multiple_faces"));
        for resp in futures_util::future::join_all(sends).await {
            assert_eq!(resp.status(), StatusCode::ACCEPTED);
        }
        let listed: Vec<Value> = app.get("/v1/proctor/attempts", Some(&proctor.access)).await.json().await.unwrap();
        let mine = listed.iter().find(|a| a["attempt_id"] == aid.as_str()).unwrap();
        let rules: Vec<&str> = mine["flags"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
        assert_eq!(rules, ["multiple_faces"]);
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let trail: Vec<Value> = app.get(&format!("/v1/admin/audit?attempt_id={aid}"), Some(&admin.access)).await.json().await.unwrap();
        assert_eq!(trail.iter().filter(|e| e["action"] == "flag").count(), 1);
    }
}
