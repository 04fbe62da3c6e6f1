//! Proctoring: events and flags, proctors' actions and reviews, accommodations, audit.

use crate::both_backends;
use crate::helpers::{assert_problem, NowUtc, TestApp, Tokens};
use chrono::Duration;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) async fn event(
    app: &TestApp,
    t: &Tokens,
    attempt: &str,
    kind: &str,
) -> reqwest::Response {
    let at = invigil::views::instant(&app.clock.now_utc());
    app.post(
        &format!("/v1/attempts/{attempt}/events"),
        Some(&t.access),
        &json!({"type": kind, "occurred_at": at, "details": {"source": "test"}}),
    )
    .await
}

async fn flags(app: &TestApp, proctor: &Tokens, attempt: &str) -> Vec<String> {
    let list: Vec<Value> = app
        .get(
            "/v1/proctor/attempts?status=in_progress",
            Some(&proctor.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let mine = list
        .iter()
        .find(|a| a["attempt_id"] == attempt)
        .expect("listed");
    mine["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) async fn act(
    app: &TestApp,
    proctor: &Tokens,
    attempt: &str,
    action: &str,
    note: Option<&str>,
) -> reqwest::Response {
    app.post(
        &format!("/v1/proctor/attempts/{attempt}/actions"),
        Some(&proctor.access),
        &json!({"action": action, "note": note}),
    )
    .await
}

pub(crate) async fn setup(app: &TestApp) -> (Tokens, Tokens, String) {
    let t = app.candidate("ada@example.com").await;
    let proctor = app.user_with_role("pat@example.com", Role::Proctor).await;
    let attempt = app.start_attempt(&t.access, "MLOA-F").await;
    (t, proctor, attempt["id"].as_str().unwrap().to_string())
}

/// Saves the answer `selected` to `question` from a browser called `user_agent`.
async fn save_from(
    app: &TestApp,
    t: &Tokens,
    attempt: &str,
    question: &(String, Vec<String>, String),
    user_agent: &str,
) -> StatusCode {
    save_from_address(app, t, attempt, question, user_agent, None).await
}

/// Saves the answer `selected` to `question` from a browser called `user_agent` at the
/// address `addr` (as the load balancer reports it in `X-Forwarded-For`; without it, the
/// connection's own).
async fn save_from_address(
    app: &TestApp,
    t: &Tokens,
    attempt: &str,
    question: &(String, Vec<String>, String),
    user_agent: &str,
    addr: Option<&str>,
) -> StatusCode {
    let mut save = app
        .client
        .put(format!(
            "{}/v1/attempts/{attempt}/answers/{}",
            app.address, question.0
        ))
        .bearer_auth(&t.access)
        .header("user-agent", user_agent);
    if let Some(addr) = addr {
        save = save.header("x-forwarded-for", addr);
    }
    save.json(&json!({ "selected": question.1 }))
        .send()
        .await
        .unwrap()
        .status()
}

/// Every column of an attempt's audit rows, in order.
type AuditColumns = (
    String,
    i64,
    chrono::NaiveDateTime,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

async fn audit_rows(app: &TestApp, attempt: &str) -> Vec<AuditColumns> {
    let attempt = attempt.to_string();
    let rows = app
        .state
        .db
        .read(move |c| Ok(invigil::db::audit::for_attempt(c, &attempt)?))
        .await
        .expect("the audit trail reads");
    rows.into_iter()
        .map(|r| {
            (
                r.id,
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.attempt_id,
                r.certificate_number,
                r.from_status,
                r.to_status,
                r.detail,
            )
        })
        .collect()
}

/// The database itself refused the change, naming the append-only rule.
fn assert_refused_by_the_database(outcome: Result<usize, invigil::error::ApiError>) {
    match outcome {
        Err(invigil::error::ApiError::Internal(cause)) => {
            assert!(cause.contains("append-only"), "{cause}")
        }
        other => panic!("the database did not refuse the change: {other:?}"),
    }
}

both_backends! {
    async fn saves_from_a_second_client_are_flagged_once(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let key = answer_key(&app, &aid).await;
        for question in &key[..3] {
            assert_eq!(save_from(&app, &t, &aid, question, "Laptop/1.0").await, StatusCode::OK);
        }
        assert!(flags(&app, &proctor, &aid).await.is_empty(), "one client so far");
        assert_eq!(save_from(&app, &t, &aid, &key[3], "Phone/2.0").await, StatusCode::OK);
        assert_eq!(flags(&app, &proctor, &aid).await, ["client_changed"]);
        // Either client again, from this instance or another: nothing new to raise.
        let other = app.second_instance();
        assert_eq!(save_from(&other, &t, &aid, &key[4], "Laptop/1.0").await, StatusCode::OK);
        assert_eq!(save_from(&app, &t, &aid, &key[5], "Phone/2.0").await, StatusCode::OK);
        assert_eq!(flags(&app, &proctor, &aid).await, ["client_changed"]);
    }

    async fn saves_from_a_second_address_are_flagged(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let key = answer_key(&app, &aid).await;
        for question in &key[..2] {
            assert_eq!(save_from_address(&app, &t, &aid, question, "Laptop/1.0", Some("198.51.100.1")).await, StatusCode::OK);
        }
        assert!(flags(&app, &proctor, &aid).await.is_empty(), "one client so far");
        // The same browser, but from somewhere else.
        assert_eq!(save_from_address(&app, &t, &aid, &key[2], "Laptop/1.0", Some("198.51.100.2")).await, StatusCode::OK);
        assert_eq!(flags(&app, &proctor, &aid).await, ["client_changed"]);
        let listed: Vec<Value> = app.get("/v1/proctor/attempts?status=in_progress", Some(&proctor.access)).await.json().await.unwrap();
        let detail = listed.iter().find(|a| a["attempt_id"] == aid.as_str()).unwrap()["flags"][0]["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("198.51.100.1") && detail.contains("198.51.100.2"), "{detail}");
    }

    async fn a_terminated_attempt_makes_a_retake_wait_fourteen_days(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let terminated = act(&app, &proctor, &aid, "terminate", Some("phone in use")).await;
        assert_eq!(terminated.status(), StatusCode::OK);
        assert_eq!(terminated.json::<Value>().await.unwrap()["status"], "terminated");
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1209600");
        let body = assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        assert_eq!(body["retry_at"], "2026-12-10T09:00:00Z");
        app.clock.advance(Duration::days(14) - Duration::seconds(1));
        let t = app.tokens("ada@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        app.clock.advance(Duration::seconds(1));
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }

    async fn a_flagged_pass_waits_for_review_and_approval_issues_the_certificate(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        app.live_for(&t.access, &aid, Duration::minutes(2)).await;
        app.answer(&t.access, &aid, 10).await;
        for kind in ["focus_lost", "focus_regained", "focus_lost", "focus_regained", "multiple_faces"] {
            assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
        }
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        app.answer(&t.access, &aid, 30).await;
        let result = app.post(&format!("/v1/attempts/{aid}/submit"), Some(&t.access), &json!({})).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["passed"], true);
        assert_eq!(result["status"], "pending_review");
        assert_eq!(result["certificate"], Value::Null);
        assert!(app.get("/v1/me/certificates", Some(&t.access)).await.json::<Vec<Value>>().await.unwrap().is_empty());

        let held: Vec<Value> = app.get("/v1/proctor/attempts?status=pending_review", Some(&proctor.access)).await.json().await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0]["attempt_id"], aid.as_str());
        assert_eq!(held[0]["candidate"]["full_name"], "Test Candidate");
        let rules: Vec<&str> = held[0]["flags"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
        assert_eq!(rules, ["multiple_faces"], "two focus losses are below the threshold");
        assert_eq!(held[0]["integrity_score"], 60);
        assert!(held[0]["last_heartbeat_at"].is_string());

        let approved = app.post(&format!("/v1/proctor/attempts/{aid}/review"), Some(&proctor.access), &json!({"decision": "approve", "note": "second face was a reflection"})).await;
        assert_eq!(approved.status(), StatusCode::OK);
        let approved: Value = approved.json().await.unwrap();
        assert_eq!(approved["status"], "passed");
        let number = approved["certificate"]["number"].as_str().expect("certificate issued on approval").to_string();
        let mine: Vec<Value> = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine[0]["number"], number.as_str());
        // Deciding twice is refused.
        let again = app.post(&format!("/v1/proctor/attempts/{aid}/review"), Some(&proctor.access), &json!({"decision": "reject"})).await;
        assert_problem(again, StatusCode::CONFLICT, "attempt_closed").await;

        // The audit trail tells the whole story, in order.
        let trail: Vec<Value> = app.get(&format!("/v1/admin/audit?attempt_id={aid}"), Some(&admin.access)).await.json().await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e["action"].as_str().unwrap()).filter(|a| *a != "saves").collect();
        assert_eq!(actions, ["start", "flag", "submitted", "score", "review", "issue"]);
        assert!(trail.iter().any(|e| e["action"] == "saves"));
        let score = trail.iter().find(|e| e["action"] == "score").unwrap();
        assert_eq!((score["from"].as_str(), score["to"].as_str()), (Some("submitted"), Some("pending_review")));
        let review = trail.iter().find(|e| e["action"] == "review").unwrap();
        assert_eq!(review["actor"], app.state.db.read({ let e = "pat@example.com".to_string(); move |c| Ok(invigil::db::users::find_by_email(c, &e)?.unwrap().id) }).await.unwrap().as_str());
        assert_eq!((review["from"].as_str(), review["to"].as_str()), (Some("pending_review"), Some("passed")));
        let by_certificate: Vec<Value> = app.get(&format!("/v1/admin/audit?certificate_number={number}"), Some(&admin.access)).await.json().await.unwrap();
        assert_eq!(by_certificate[0]["action"], "issue");
        assert_eq!(by_certificate[0]["subject"], format!("certificate:{number}"));
    }

    async fn a_rejected_review_invalidates_and_still_counts(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        // A second face costs 40 of the 100 points: well below the review bar of 80.
        assert_eq!(event(&app, &t, &aid, "multiple_faces").await.status(), StatusCode::ACCEPTED);
        app.answer(&t.access, &aid, 30).await;
        let result = app.post(&format!("/v1/attempts/{aid}/submit"), Some(&t.access), &json!({})).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["status"], "pending_review");
        let rejected = app.post(&format!("/v1/proctor/attempts/{aid}/review"), Some(&proctor.access), &json!({"decision": "reject", "note": "someone else in the room"})).await;
        assert_eq!(rejected.status(), StatusCode::OK);
        let rejected: Value = rejected.json().await.unwrap();
        assert_eq!(rejected["status"], "invalidated");
        assert_eq!(rejected["certificate"], Value::Null);
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
    }

    async fn a_clean_pass_is_certified_at_once(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        app.live_for(&t.access, &aid, Duration::minutes(2)).await;
        app.answer(&t.access, &aid, 30).await;
        let result = app.post(&format!("/v1/attempts/{aid}/submit"), Some(&t.access), &json!({})).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["status"], "passed");
        assert!(result["certificate"]["number"].is_string());
    }

    async fn each_rule_raises_its_flag_once(app: TestApp) {
        let proctor = app.user_with_role("pat@example.com", Role::Proctor).await;
        // (events in order, the one flag they raise)
        let scripts: [(&[&str], &str); 6] = [
            (&["multiple_faces", "multiple_faces"], "multiple_faces"),
            (&["face_not_detected", "face_not_detected", "face_not_detected", "face_not_detected"], "face_not_detected"),
            (&["focus_lost", "focus_regained", "focus_lost", "focus_regained", "focus_lost", "focus_regained", "focus_lost", "focus_regained", "focus_lost", "focus_regained", "focus_lost"], "focus_lost"),
            (&["fullscreen_exit", "fullscreen_exit"], "fullscreen_exit"),
            (&["copy", "paste", "copy"], "copy_paste"),
            (&["voice_detected", "network_offline", "network_online", "heartbeat"], ""),
        ];
        for (i, (script, expected)) in scripts.iter().enumerate() {
            let t = app.candidate(&format!("c{i}@example.com")).await;
            let aid = app.start_attempt(&t.access, "MLOA-F").await["id"].as_str().unwrap().to_string();
            for kind in *script {
                assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
                app.clock.advance(Duration::seconds(1));
            }
            let raised = flags(&app, &proctor, &aid).await;
            let want: Vec<String> = if expected.is_empty() { vec![] } else { vec![expected.to_string()] };
            assert_eq!(raised, want, "script {script:?}");
            app.clock.advance(Duration::seconds(-(script.len() as i64)));
        }
    }

    async fn a_focus_loss_of_over_a_minute_is_flagged(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        assert_eq!(event(&app, &t, &aid, "focus_lost").await.status(), StatusCode::ACCEPTED);
        app.clock.advance(Duration::seconds(30));
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        assert!(flags(&app, &proctor, &aid).await.is_empty(), "half a minute is not yet too long");
        app.clock.advance(Duration::seconds(31));
        assert_eq!(event(&app, &t, &aid, "focus_regained").await.status(), StatusCode::ACCEPTED);
        assert_eq!(flags(&app, &proctor, &aid).await, ["focus_lost"]);
    }

    async fn a_silent_client_is_flagged_by_the_sweeper(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        app.clock.advance(Duration::seconds(60));
        assert_eq!(invigil::service::proctoring::sweep_silence(&app.state).await.unwrap(), 0);
        app.clock.advance(Duration::seconds(1));
        assert_eq!(invigil::service::proctoring::sweep_silence(&app.state).await.unwrap(), 1);
        assert_eq!(invigil::service::proctoring::sweep_silence(&app.state).await.unwrap(), 0, "raised once");
        assert_eq!(flags(&app, &proctor, &aid).await, ["heartbeat_gap"]);
    }

    async fn events_from_a_second_client_are_flagged(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        assert!(flags(&app, &proctor, &aid).await.is_empty(), "one client so far");
        let other_device = app
            .client
            .post(format!("{}/v1/attempts/{aid}/events", app.address))
            .bearer_auth(&t.access)
            .header("user-agent", "SomeOtherBrowser/1.0")
            .json(&json!({"type": "heartbeat", "occurred_at": invigil::views::instant(&app.clock.now_utc())}))
            .send()
            .await
            .unwrap();
        assert_eq!(other_device.status(), StatusCode::ACCEPTED);
        assert_eq!(flags(&app, &proctor, &aid).await, ["client_changed"]);
        let timeline: Vec<Value> = app.get(&format!("/v1/proctor/attempts/{aid}/events"), Some(&proctor.access)).await.json().await.unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(timeline[1]["user_agent"], "SomeOtherBrowser/1.0");
        assert_eq!(timeline[0]["type"], "heartbeat");
    }

    async fn pause_stops_the_clock_and_resume_gives_the_time_back(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let before: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        app.clock.advance(Duration::minutes(5));
        let paused = act(&app, &proctor, &aid, "pause", Some("identity check")).await;
        assert_eq!(paused.status(), StatusCode::OK);
        assert_eq!(paused.json::<Value>().await.unwrap()["status"], "paused");
        app.clock.advance(Duration::minutes(7));
        let during: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(during["status"], "paused");
        assert_eq!(during["time_remaining_seconds"], 75 * 60, "the clock stands still");
        let (qid, key, _) = crate::helpers::answer_key(&app, &aid).await.remove(0);
        let refused = app.put(&format!("/v1/attempts/{aid}/answers/{qid}"), Some(&t.access), &json!({"selected": key})).await;
        assert_problem(refused, StatusCode::CONFLICT, "attempt_paused").await;
        let resumed = act(&app, &proctor, &aid, "resume", None).await;
        assert_eq!(resumed.status(), StatusCode::OK);
        let t = app.tokens("ada@example.com").await;
        let after: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        let deadline = |v: &Value| chrono::DateTime::parse_from_rfc3339(v["deadline"].as_str().unwrap()).unwrap();
        assert_eq!(deadline(&after) - deadline(&before), Duration::minutes(7));
        assert_eq!(after["time_remaining_seconds"], 75 * 60);
        let accepted = app.put(&format!("/v1/attempts/{aid}/answers/{qid}"), Some(&t.access), &json!({"selected": key})).await;
        assert_eq!(accepted.status(), StatusCode::OK);
        // Resuming what is not paused is refused.
        assert_problem(act(&app, &proctor, &aid, "resume", None).await, StatusCode::CONFLICT, "attempt_in_progress").await;
    }

    async fn a_warning_reaches_the_candidate(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        assert_eq!(act(&app, &proctor, &aid, "warn", Some("Please keep your face in view.")).await.status(), StatusCode::OK);
        let seen: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(seen["warnings"][0]["text"], "Please keep your face in view.");
        assert_eq!(seen["warnings"][0]["issued_at"], "2026-11-26T09:00:00Z");
        assert_problem(act(&app, &proctor, &aid, "warn", None).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(act(&app, &proctor, &aid, "shout", None).await, StatusCode::BAD_REQUEST, "validation_failed").await;
    }

    async fn a_terminated_attempt_is_scored_but_never_certified(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        app.answer(&t.access, &aid, 30).await;
        let terminated = act(&app, &proctor, &aid, "terminate", Some("phone in use")).await;
        assert_eq!(terminated.status(), StatusCode::OK);
        assert_eq!(terminated.json::<Value>().await.unwrap()["status"], "terminated");
        let result = app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!(result["status"], "terminated");
        assert_eq!(result["points_awarded"], 50);
        assert_eq!(result["certificate"], Value::Null);
        assert_problem(act(&app, &proctor, &aid, "pause", None).await, StatusCode::CONFLICT, "attempt_closed").await;
        assert_problem(event(&app, &t, &aid, "heartbeat").await, StatusCode::CONFLICT, "attempt_closed").await;
    }

    async fn only_the_attempts_candidate_posts_events_and_only_proctors_act(app: TestApp) {
        let (_t, proctor, aid) = setup(&app).await;
        let other = app.candidate("eve@example.com").await;
        assert_problem(event(&app, &other, &aid, "heartbeat").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(act(&app, &other, &aid, "pause", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        assert_problem(act(&app, &admin, &aid, "pause", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.get("/v1/proctor/attempts", Some(&other.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.get(&format!("/v1/admin/audit?attempt_id={aid}"), Some(&proctor.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(act(&app, &proctor, "no-such-attempt", "pause", None).await, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn events_are_validated_and_rate_limited(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        let path = format!("/v1/attempts/{aid}/events");
        let at = invigil::views::instant(&app.clock.now_utc());
        let bad = [
            json!({"type": "screenshot", "occurred_at": at}),
            json!({"type": "heartbeat", "occurred_at": "yesterday"}),
            json!({"type": "heartbeat", "occurred_at": at, "details": [1, 2]}),
            json!({"type": "heartbeat", "occurred_at": at, "details": {"blob": "x".repeat(2100)}}),
            json!({"type": "heartbeat", "occurred_at": at, "severity": "high"}),
        ];
        for body in bad {
            assert_problem(app.post(&path, Some(&t.access), &body).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        }
        for _ in 0..120 {
            assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        }
        assert_problem(event(&app, &t, &aid, "heartbeat").await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        // Saves are not affected.
        let (qid, key, _) = crate::helpers::answer_key(&app, &aid).await.remove(0);
        assert_eq!(app.put(&format!("/v1/attempts/{aid}/answers/{qid}"), Some(&t.access), &json!({"selected": key})).await.status(), StatusCode::OK);
        app.clock.advance(Duration::seconds(61));
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
    }

    async fn an_accommodation_lengthens_later_attempts(app: TestApp) {
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let t = app.candidate("ada@example.com").await;
        let me: Value = app.get("/v1/me", Some(&t.access)).await.json().await.unwrap();
        let resp = app.post("/v1/admin/accommodations", Some(&admin.access), &json!({"user_id": me["id"], "certification_code": "MLOA-F", "extra_time_percent": 25})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        assert_eq!(attempt["deadline"], "2026-11-26T10:40:00Z");
        assert_eq!(attempt["time_remaining_seconds"], 100 * 60);
        for (body, status, code) in [
            (json!({"user_id": me["id"], "certification_code": null, "extra_time_percent": 0}), StatusCode::BAD_REQUEST, "validation_failed"),
            (json!({"user_id": me["id"], "certification_code": null, "extra_time_percent": 101}), StatusCode::BAD_REQUEST, "validation_failed"),
            (json!({"user_id": "nobody", "certification_code": null, "extra_time_percent": 10}), StatusCode::NOT_FOUND, "not_found"),
            (json!({"user_id": me["id"], "certification_code": "NOPE", "extra_time_percent": 10}), StatusCode::NOT_FOUND, "not_found"),
        ] {
            assert_problem(app.post("/v1/admin/accommodations", Some(&admin.access), &body).await, status, code).await;
        }
        assert_problem(app.post("/v1/admin/accommodations", Some(&t.access), &json!({"user_id": me["id"], "certification_code": null, "extra_time_percent": 50})).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    async fn the_audit_trail_cannot_be_changed(app: TestApp) {
        let (_t, proctor, aid) = setup(&app).await;
        assert_eq!(act(&app, &proctor, &aid, "warn", Some("Eyes on your own screen.")).await.status(), StatusCode::OK);
        let before = audit_rows(&app, &aid).await;
        assert_eq!(before.iter().map(|r| r.4.as_str()).collect::<Vec<_>>(), ["start", "warn"]);
        let attempt = aid.clone();
        let tampered = app.state.db.write(move |c| {
            use diesel::prelude::*;
            use invigil::db::schema::audit_log::dsl::*;
            Ok(diesel::update(audit_log.filter(attempt_id.eq(&attempt))).set(detail.eq("nothing happened")).execute(c)?)
        }).await;
        assert_refused_by_the_database(tampered);
        let attempt = aid.clone();
        let deleted = app.state.db.write(move |c| {
            use diesel::prelude::*;
            use invigil::db::schema::audit_log::dsl::*;
            Ok(diesel::delete(audit_log.filter(attempt_id.eq(&attempt))).execute(c)?)
        }).await;
        assert_refused_by_the_database(deleted);
        assert_eq!(audit_rows(&app, &aid).await, before, "every row as it was");
    }
}

/// `INVIGIL_FLAG_WEIGHTS` and `INVIGIL_REVIEW_BAR`: a pass is held for review when its
/// integrity score (100 minus the weights of its flags) falls below the bar, and only then.
mod review_policy {
    use super::{event, setup};
    use crate::helpers::{Backend, TestApp};
    use invigil::config::Settings;
    use reqwest::StatusCode;
    use serde_json::{json, Value};

    /// The settings the server reads from these environment variables.
    fn from_env(vars: &[(&str, &str)]) -> Settings {
        Settings::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
        .expect("valid settings")
    }

    /// A perfect exam with one full-screen exit (weight 10 by default), on a server with
    /// these variables set; returns the result and the score the proctor's console shows.
    async fn pass_with_one_fullscreen_exit(
        backend: Backend,
        vars: &[(&str, &str)],
    ) -> Option<(Value, Value)> {
        let rules = from_env(vars).proctoring;
        let app = TestApp::spawn_with(backend, move |s| s.proctoring = rules, |_| {}).await;
        let Some(app) = app else {
            eprintln!("SKIPPED review_policy::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
            return None;
        };
        let (t, proctor, aid) = setup(&app).await;
        let exit = event(&app, &t, &aid, "fullscreen_exit").await;
        assert_eq!(exit.status(), StatusCode::ACCEPTED);
        app.answer(&t.access, &aid, 30).await;
        let path = format!("/v1/attempts/{aid}/submit");
        let resp = app.post(&path, Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let result: Value = resp.json().await.unwrap();
        assert_eq!(result["passed"], true, "{result}");
        let status = result["status"].as_str().unwrap().to_string();
        let listed: Vec<Value> = app
            .get(
                &format!("/v1/proctor/attempts?status={status}"),
                Some(&proctor.access),
            )
            .await
            .json()
            .await
            .unwrap();
        let mine = listed
            .iter()
            .find(|a| a["attempt_id"] == aid.as_str())
            .expect("listed");
        assert_eq!(mine["flags"][0]["rule"], "fullscreen_exit");
        Some((result, mine["integrity_score"].clone()))
    }

    fn assert_held((result, score): &(Value, Value), expected_score: i64) {
        assert_eq!(result["status"], "pending_review", "{result}");
        assert_eq!(result["certificate"], Value::Null);
        assert_eq!(*score, expected_score);
    }

    async fn any_flag_holds_a_pass_whatever_its_weight(backend: Backend) {
        // The review gate holds a pass with any flag, or with a score below the bar
        // (README, "Proctoring"): a flag that weighs nothing still holds it.
        let Some(outcome) = pass_with_one_fullscreen_exit(backend, &[]).await else {
            return;
        };
        assert_held(&outcome, 90);
        let weightless = [("INVIGIL_FLAG_WEIGHTS", "fullscreen_exit=0")];
        let Some(outcome) = pass_with_one_fullscreen_exit(backend, &weightless).await else {
            return;
        };
        assert_held(&outcome, 100);
    }

    async fn the_configured_flag_weights_set_the_integrity_score(backend: Backend) {
        // Read from the variable as the server reads it: 100 - 30.
        let heavy = [("INVIGIL_FLAG_WEIGHTS", "fullscreen_exit=30")];
        let Some(outcome) = pass_with_one_fullscreen_exit(backend, &heavy).await else {
            return;
        };
        assert_held(&outcome, 70);
    }

    #[actix_web::test]
    async fn any_flag_holds_a_pass_whatever_its_weight_on_sqlite() {
        any_flag_holds_a_pass_whatever_its_weight(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn any_flag_holds_a_pass_whatever_its_weight_on_postgres() {
        any_flag_holds_a_pass_whatever_its_weight(Backend::Postgres).await;
    }

    #[actix_web::test]
    async fn the_configured_flag_weights_set_the_integrity_score_on_sqlite() {
        the_configured_flag_weights_set_the_integrity_score(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn the_configured_flag_weights_set_the_integrity_score_on_postgres() {
        the_configured_flag_weights_set_the_integrity_score(Backend::Postgres).await;
    }

    #[test]
    fn out_of_range_weights_and_bars_are_refused() {
        for vars in [
            [("INVIGIL_REVIEW_BAR", "101")],
            [("INVIGIL_FLAG_WEIGHTS", "fullscreen_exit=101")],
            [("INVIGIL_FLAG_WEIGHTS", "no_such_rule=5")],
        ] {
            let refused = Settings::from_lookup(|name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            });
            assert!(refused.is_err(), "{vars:?}");
        }
    }
}
