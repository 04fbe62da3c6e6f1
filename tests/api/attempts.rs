//! Timed exam attempts: forms, autosave, the server's clock, exact scoring.

use crate::both_backends;
use crate::helpers::{answer_key, assert_problem, NowUtc, TestApp, Tokens};
use chrono::Duration;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn submit(app: &TestApp, t: &Tokens, attempt: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/attempts/{attempt}/submit"),
        Some(&t.access),
        &json!({}),
    )
    .await
}

fn collect_keys(v: &Value, keys: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                keys.insert(k.clone());
                collect_keys(v, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_keys(i, keys)),
        _ => {}
    }
}

both_backends! {
    async fn a_candidate_takes_mloa_f_end_to_end(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        assert_eq!(attempt["status"], "in_progress");
        assert_eq!(attempt["certification_code"], "MLOA-F");
        // 30 choice questions and 2 labs, in 80 minutes.
        assert_eq!(attempt["questions"].as_array().unwrap().len(), 32);
        assert_eq!(attempt["time_remaining_seconds"], 4800);
        assert_eq!(attempt["started_at"], "2026-11-26T09:00:00Z");
        assert_eq!(attempt["deadline"], "2026-11-26T10:20:00Z");
        assert_eq!(attempt["server_time"], "2026-11-26T09:00:00Z");
        assert_eq!(attempt["warnings"], json!([]));
        assert_eq!(attempt["answers"], json!([]));
        let positions: Vec<i64> = attempt["questions"].as_array().unwrap().iter().map(|q| q["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (1..=32).collect::<Vec<_>>());
        let per_domain = |name: &str| attempt["questions"].as_array().unwrap().iter().filter(|q| q["domain"] == name).count();
        assert_eq!(per_domain("ML pipeline fundamentals"), 8);
        assert_eq!(per_domain("Deployment strategies"), 7);
        assert_eq!(per_domain("Practical"), 2);

        app.live_for(&t.access, &id(&attempt), Duration::minutes(10)).await;
        let t = app.tokens("ada@example.com").await;
        app.live_for(&t.access, &id(&attempt), Duration::minutes(10)).await;
        app.answer(&t.access, &id(&attempt), 30).await;
        let seen: Value = app.get(&format!("/v1/attempts/{}", id(&attempt)), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(seen["answers"].as_array().unwrap().len(), 32);
        assert_eq!(seen["time_remaining_seconds"], 3600);

        let result: Value = submit(&app, &t, &id(&attempt)).await.json().await.unwrap();
        assert_eq!(result["status"], "passed");
        assert_eq!(result["passed"], true);
        assert_eq!(result["score_percent"], 100.0);
        assert_eq!(result["pass_mark_percent"], 70.0);
        // A point per choice question, ten per lab.
        assert_eq!((result["points_awarded"].as_i64(), result["points_possible"].as_i64()), (Some(50), Some(50)));
        let domains = result["domains"].as_array().unwrap();
        assert_eq!(domains.len(), 5);
        assert!(domains.iter().all(|d| d["score_percent"] == 100.0), "{domains:?}");
        assert_eq!(result["submitted_at"], "2026-11-26T09:20:00Z");
        // The pass earned a certificate, issued with the result.
        assert!(result["certificate"]["number"].is_string(), "{result}");
        assert_eq!(result["certificate"]["certification_code"], "MLOA-F");
        // The same result, again and again.
        let again: Value = submit(&app, &t, &id(&attempt)).await.json().await.unwrap();
        assert_eq!(again, result);
        let fetched: Value = app.get(&format!("/v1/attempts/{}/result", id(&attempt)), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(fetched, result);
        // And the attempt is closed to answers.
        let (qid, key, _) = answer_key(&app, &id(&attempt)).await.remove(0);
        let late = app.put(&format!("/v1/attempts/{}/answers/{qid}", id(&attempt)), Some(&t.access), &json!({"selected": key})).await;
        assert_problem(late, StatusCode::CONFLICT, "attempt_closed").await;
    }

    async fn a_form_scores_exactly_what_was_answered(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        app.answer(&t.access, &id(&attempt), 14).await;
        let result: Value = submit(&app, &t, &id(&attempt)).await.json().await.unwrap();
        // 14 choice points and both labs' 20 make 34 of 50: 68.0%, short of 70%.
        assert_eq!(result["score_percent"], 68.0);
        assert_eq!(result["passed"], false);
        assert_eq!(result["status"], "failed");
    }

    async fn thirty_five_of_fifty_is_exactly_the_mark_and_passes(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        // 15 choice points and both labs' 20.
        app.answer(&t.access, &id(&attempt), 15).await;
        let result: Value = submit(&app, &t, &id(&attempt)).await.json().await.unwrap();
        assert_eq!(result["score_percent"], 70.0);
        assert_eq!(result["passed"], true);
    }

    async fn two_candidates_get_different_forms(app: TestApp) {
        let a = app.candidate("a@example.com").await;
        let b = app.candidate("b@example.com").await;
        let fa = app.start_attempt(&a.access, "MLOA-F").await;
        let fb = app.start_attempt(&b.access, "MLOA-F").await;
        // Other questions, not only the same ones in another order.
        let stems = |f: &Value| f["questions"].as_array().unwrap().iter().map(|q| q["stem"].as_str().unwrap().to_string()).collect::<BTreeSet<_>>();
        assert_ne!(stems(&fa), stems(&fb));
        let option_ids = |f: &Value| f["questions"].as_array().unwrap().iter().flat_map(|q| q["options"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string())).collect::<BTreeSet<_>>();
        assert!(option_ids(&fa).is_disjoint(&option_ids(&fb)));
    }

    async fn a_form_is_drawn_again_from_its_stored_seed(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        let attempt = aid.clone();
        let (stored, redrawn) = app.state.db.read(move |c| Ok((invigil::db::attempts::form(c, &attempt)?, invigil::service::attempts::redraw(c, &attempt)?))).await.unwrap();
        assert_eq!((stored.len(), redrawn.len()), (32, 32));
        for ((row, _), drawn) in stored.iter().zip(&redrawn) {
            assert_eq!((row.position as usize, &row.public_id, &row.question_id, row.version), (drawn.position, &drawn.public_id, &drawn.question_id, drawn.version));
            assert_eq!(serde_json::from_str::<Vec<usize>>(&row.option_order).unwrap(), drawn.option_order);
            assert_eq!(serde_json::from_str::<Vec<String>>(&row.option_ids).unwrap(), drawn.option_ids);
        }
        let unknown = app.state.db.read(|c| invigil::service::attempts::redraw(c, "no-such-attempt")).await;
        assert!(matches!(unknown, Err(invigil::error::ApiError::NotFound)));
    }

    async fn another_candidates_attempt_does_not_exist(app: TestApp) {
        let owner = app.candidate("owner@example.com").await;
        let other = app.candidate("other@example.com").await;
        let attempt = id(&app.start_attempt(&owner.access, "MLOA-F").await);
        let (qid, key, _) = answer_key(&app, &attempt).await.remove(0);
        assert_problem(app.get(&format!("/v1/attempts/{attempt}"), Some(&other.access)).await, StatusCode::NOT_FOUND, "not_found").await;
        let save = app.put(&format!("/v1/attempts/{attempt}/answers/{qid}"), Some(&other.access), &json!({"selected": key})).await;
        assert_problem(save, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(submit(&app, &other, &attempt).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(app.get(&format!("/v1/attempts/{attempt}/result"), Some(&other.access)).await, StatusCode::NOT_FOUND, "not_found").await;
        // Nothing the other candidate did touched it.
        let mine: Value = app.get(&format!("/v1/attempts/{attempt}"), Some(&owner.access)).await.json().await.unwrap();
        assert_eq!(mine["status"], "in_progress");
        assert_eq!(mine["answers"], json!([]));
    }

    async fn staff_do_not_sit_exams(app: TestApp) {
        let proctor = app.user_with_role("p@example.com", Role::Proctor).await;
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&proctor.access), &json!({})).await;
        assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.post("/v1/certifications/MLOA-F/attempts", None, &json!({})).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn the_key_never_reaches_the_candidate(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        let aid = id(&attempt);
        let mut bodies = vec![attempt.clone()];
        bodies.extend(app.answer(&t.access, &aid, 15).await);
        // Only answers that were served count: a problem body leaks nothing anyway.
        async fn ok(resp: reqwest::Response) -> Value {
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json().await.unwrap()
        }
        bodies.push(ok(app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await).await);
        bodies.push(ok(submit(&app, &t, &aid).await).await);
        bodies.push(ok(app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await).await);
        bodies.push(ok(app.get("/v1/me/attempts", Some(&t.access)).await).await);
        bodies.push(ok(app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await).await);

        let mut keys = BTreeSet::new();
        bodies.iter().for_each(|b| collect_keys(b, &mut keys));
        for secret in ["correct", "explanation", "difficulty", "seed", "version", "option_order", "content_hash", "is_correct", "key", "index"] {
            assert!(!keys.contains(secret), "{secret} reached the candidate: {keys:?}");
        }
        let bank = invigil::bank::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank")).unwrap();
        let text: String = bodies.iter().map(Value::to_string).collect();
        for q in bank.questions.iter().filter(|q| q.certification_code == "MLOA-F") {
            assert!(!text.contains(&q.id), "the bank id {} reached the candidate", q.id);
            if let Some(e) = &q.explanation {
                assert!(!text.contains(e.as_str()), "the explanation of {} reached the candidate", q.id);
            }
        }
        // Option ids say nothing about the original order: each is 64 random bits.
        for q in attempt["questions"].as_array().unwrap() {
            for o in q["options"].as_array().unwrap() {
                let id = o["id"].as_str().unwrap();
                let hex = id.strip_prefix("o_").unwrap_or_else(|| panic!("{id}"));
                assert!(hex.len() == 16 && u64::from_str_radix(hex, 16).is_ok(), "{id}");
            }
        }
    }

    async fn saving_is_idempotent_and_revisions_grow(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        let single = answer_key(&app, &aid).await.into_iter().find(|(_, k, kind)| kind == "single" && k.len() == 1).unwrap();
        let path = format!("/v1/attempts/{aid}/answers/{}", single.0);
        let first: Value = app.put(&path, Some(&t.access), &json!({"selected": single.1})).await.json().await.unwrap();
        assert_eq!(first["revision"], 1);
        assert_eq!(first["question_id"], single.0.as_str());
        assert_eq!(first["selected"], json!(single.1));
        app.clock.advance(Duration::seconds(5));
        let same: Value = app.put(&path, Some(&t.access), &json!({"selected": single.1})).await.json().await.unwrap();
        assert_eq!(same, first, "saving the same answer again changes nothing");
        let cleared: Value = app.put(&path, Some(&t.access), &json!({"selected": []})).await.json().await.unwrap();
        assert_eq!(cleared["revision"], 2);
        let back: Value = app.put(&path, Some(&t.access), &json!({"selected": single.1})).await.json().await.unwrap();
        assert_eq!(back["revision"], 3);
        assert_eq!(back["saved_at"], "2026-11-26T09:00:05Z");
    }

    async fn answers_that_do_not_fit_the_question_are_refused(app: TestApp) {
        // About one form in twenty has no ordering question: draw until one has.
        let mut drawn = None;
        for i in 0..20 {
            let t = app.candidate(&format!("c{i}@example.com")).await;
            let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
            let key = answer_key(&app, &aid).await;
            if key.iter().any(|(_, _, k)| k == "ordering") {
                drawn = Some((t, aid, key));
                break;
            }
        }
        let (t, aid, key) = drawn.expect("one of 20 forms has an ordering question");
        let single = key.iter().find(|(_, _, k)| k == "single").unwrap();
        let other = key.iter().find(|(q, _, _)| q != &single.0).unwrap();
        let attempt: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        let options_of = |qid: &str| -> Vec<String> {
            attempt["questions"].as_array().unwrap().iter().find(|q| q["id"] == qid).unwrap()["options"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
        };
        let path = format!("/v1/attempts/{aid}/answers/{}", single.0);
        let cases = [
            json!({"selected": ["o_0000000000000000"]}),
            json!({"selected": [other.1[0]]}),
            json!({"selected": options_of(&single.0)[..2]}),
            json!({"selected": [single.1[0], single.1[0]]}),
        ];
        for body in cases {
            assert_problem(app.put(&path, Some(&t.access), &body).await, StatusCode::BAD_REQUEST, "invalid_answer").await;
        }
        let ordering = key.iter().find(|(_, _, k)| k == "ordering").unwrap();
        let partial = &ordering.1[..ordering.1.len() - 1];
        let resp = app.put(&format!("/v1/attempts/{aid}/answers/{}", ordering.0), Some(&t.access), &json!({"selected": partial})).await;
        assert_problem(resp, StatusCode::BAD_REQUEST, "invalid_answer").await;
        let unknown = app.put(&format!("/v1/attempts/{aid}/answers/q_nope"), Some(&t.access), &json!({"selected": []})).await;
        assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        let extra = app.put(&path, Some(&t.access), &json!({"selected": [], "score": 100})).await;
        assert_problem(extra, StatusCode::BAD_REQUEST, "validation_failed").await;
        // None of the refused saves left anything behind.
        let seen: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(seen["answers"], json!([]));
    }

    async fn answers_are_accepted_until_deadline_plus_grace_then_refused(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        let key = answer_key(&app, &aid).await;
        app.clock.advance(Duration::minutes(80) + Duration::seconds(15));
        let t = app.tokens("ada@example.com").await;
        let put = |i: usize| {
            let (qid, k, _) = key[i].clone();
            let path = format!("/v1/attempts/{aid}/answers/{qid}");
            let app = &app;
            let token = t.access.clone();
            async move { app.put(&path, Some(&token), &json!({"selected": k})).await }
        };
        assert_eq!(put(0).await.status(), StatusCode::OK, "inside the grace period");
        app.clock.advance(Duration::seconds(1));
        assert_problem(put(1).await, StatusCode::CONFLICT, "attempt_closed").await;
        // The refused save finalised the attempt on what had been saved: one right answer.
        let result: Value = app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(result["points_awarded"], 1);
        assert_eq!(result["status"], "failed");
        assert_eq!(result["submitted_at"], "2026-11-26T10:20:00Z");
    }

    async fn an_expired_attempt_is_finalised_by_the_sweeper_on_what_was_saved(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        app.answer(&t.access, &aid, 25).await;
        app.clock.advance(Duration::minutes(81));
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 1);
        assert_eq!(invigil::service::attempts::sweep(&app.state).await.unwrap(), 0, "finalised once");
        let t = app.tokens("ada@example.com").await;
        let result: Value = app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await.json().await.unwrap();
        // 25 choice points and both labs' 20 of 50.
        assert_eq!(result["points_awarded"], 45);
        assert_eq!(result["score_percent"], 90.0);
        assert_eq!(result["passed"], true);
        // Eighty minutes without a heartbeat is a gap: the pass waits for a proctor.
        assert_eq!(result["status"], "pending_review");
        assert_eq!(result["certificate"], Value::Null);
        assert_eq!(result["submitted_at"], "2026-11-26T10:20:00Z");
        let attempt: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(attempt["time_remaining_seconds"], 0);
    }

    async fn the_background_sweeper_finalises_without_any_request(app: TestApp) {
        let app = TestApp::spawn_with(app.backend, |s| s.sweep_interval = std::time::Duration::from_millis(100), |_| {}).await.unwrap();
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        app.clock.advance(Duration::minutes(81));
        // The sweeper runs every few seconds of real time; wait for it, bounded.
        let started = std::time::Instant::now();
        loop {
            let id = aid.clone();
            let done = app.state.db.read(move |c| Ok(invigil::db::attempts::result(c, &id)?.is_some())).await.unwrap();
            if done {
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(20), "the sweeper never ran");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn the_sweepers_of_two_instances_finalise_each_expired_attempt_once(app: TestApp) {
        let other = app.second_instance();
        let mut ids = Vec::new();
        for i in 0..6 {
            let t = app.candidate(&format!("s{i}@example.com")).await;
            ids.push(id(&app.start_attempt(&t.access, "MLOA-F").await));
        }
        app.clock.advance(Duration::minutes(81));
        let (a, b) = futures_util::future::join(
            invigil::service::attempts::sweep(&app.state),
            invigil::service::attempts::sweep(&other.state),
        )
        .await;
        assert_eq!(a.unwrap() + b.unwrap(), 6, "each attempt finalised by exactly one sweeper");
        for aid in ids {
            let attempt = aid.clone();
            let (results, scores) = app.state.db.read(move |c| {
                use diesel::prelude::*;
                use invigil::db::schema::{audit_log, results};
                let r = results::table.filter(results::attempt_id.eq(&attempt)).count().get_result::<i64>(c)?;
                let s = audit_log::table.filter(audit_log::attempt_id.eq(&attempt)).filter(audit_log::action.eq("score")).count().get_result::<i64>(c)?;
                Ok((r, s))
            }).await.unwrap();
            assert_eq!((results, scores), (1, 1), "{aid}");
        }
    }

    async fn the_result_of_an_open_attempt_is_409(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        assert_problem(app.get(&format!("/v1/attempts/{aid}/result"), Some(&t.access)).await, StatusCode::CONFLICT, "attempt_in_progress").await;
    }

    async fn twenty_concurrent_submits_yield_one_result(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        app.answer(&t.access, &aid, 24).await;
        let other = app.second_instance();
        let path = format!("/v1/attempts/{aid}/submit");
        let empty = json!({});
        let submits = (0..20).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            instance.post(&path, Some(&t.access), &empty)
        });
        let responses = futures_util::future::join_all(submits).await;
        let mut bodies = Vec::new();
        for r in responses {
            assert_eq!(r.status(), StatusCode::OK);
            bodies.push(r.json::<Value>().await.unwrap());
        }
        assert!(bodies.iter().all(|b| b == &bodies[0]), "every submit returns the same result");
        assert_eq!(bodies[0]["points_awarded"], 44);
        let id2 = aid.clone();
        let count = app.state.db.read(move |c| {
            use diesel::prelude::*;
            use invigil::db::schema::results::dsl::*;
            Ok(results.filter(attempt_id.eq(&id2)).count().get_result::<i64>(c)?)
        }).await.unwrap();
        assert_eq!(count, 1);
    }

    async fn concurrent_starts_open_one_attempt(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let other = app.second_instance();
        let empty = json!({});
        let starts = (0..10).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            instance.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &empty)
        });
        let statuses: Vec<StatusCode> = futures_util::future::join_all(starts).await.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
        let mine: Vec<Value> = app.get("/v1/me/attempts", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine.len(), 1);
    }

    async fn one_open_attempt_at_a_time(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        app.start_attempt(&t.access, "MLOA-F").await;
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::CONFLICT, "attempt_in_progress").await;
        // Once its time is up it no longer blocks: it is finalised and a new one starts.
        let first = app.get("/v1/me/attempts", Some(&t.access)).await.json::<Vec<Value>>().await.unwrap()[0]["id"].as_str().unwrap().to_string();
        app.clock.advance(Duration::minutes(81));
        app.clock.advance(Duration::days(14));
        let t = app.tokens("ada@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let result = app.get(&format!("/v1/attempts/{first}/result"), Some(&t.access)).await;
        assert_eq!(result.status(), StatusCode::OK);
        let result: Value = result.json().await.unwrap();
        assert_eq!((result["status"].as_str(), result["submitted_at"].as_str()), (Some("failed"), Some("2026-11-26T10:20:00Z")));
    }

    async fn a_failed_attempt_makes_a_retake_wait_fourteen_days(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
        app.clock.advance(Duration::minutes(10));
        let failed: Value = submit(&app, &t, &aid).await.json().await.unwrap();
        assert_eq!(failed["status"], "failed");
        app.clock.advance(Duration::days(13));
        let t = app.tokens("ada@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers().get("retry-after").unwrap(), "86400");
        let body = assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "retake_wait").await;
        assert_eq!(body["retry_at"], "2026-12-10T09:10:00Z");
        app.clock.advance(Duration::days(1));
        let t = app.tokens("ada@example.com").await;
        assert_eq!(app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await.status(), StatusCode::CREATED);
    }

    async fn at_most_three_attempts_in_any_365_days(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let mut t = t;
        for _ in 0..3 {
            let aid = id(&app.start_attempt(&t.access, "MLOA-F").await);
            let failed = submit(&app, &t, &aid).await;
            assert_eq!(failed.status(), StatusCode::OK);
            assert_eq!(failed.json::<Value>().await.unwrap()["status"], "failed");
            app.clock.advance(Duration::days(14));
            t = app.tokens("ada@example.com").await;
        }
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        let wait: i64 = resp.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert_eq!(wait, Duration::days(365 - 42).num_seconds());
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "attempt_limit_reached").await;
        app.clock.advance(Duration::seconds(wait));
        let t = app.tokens("ada@example.com").await;
        assert_eq!(app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await.status(), StatusCode::CREATED);
    }

    async fn a_bank_reimport_during_an_attempt_changes_nothing_for_it(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let before = app.start_attempt(&t.access, "MLOA-F").await;
        let aid = id(&before);
        let key_before = answer_key(&app, &aid).await;
        let mut bank = invigil::bank::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank")).unwrap();
        for q in bank.questions.iter_mut() {
            q.stem = format!("REWRITTEN {}", q.stem);
            q.correct.reverse();
            if q.kind == invigil::domain::kinds::QuestionKind::Single {
                q.correct = vec![(q.correct[0] + 1) % q.options.len()];
            }
        }
        bank.questions.retain(|q| !q.id.starts_with("F-DEP"));
        let now = app.clock.now_utc();
        app.state.db.write(move |c| Ok(invigil::db::catalog::import(c, &bank, now)?)).await.unwrap();
        let after: Value = app.get(&format!("/v1/attempts/{aid}"), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(after["questions"], before["questions"]);
        assert_eq!(answer_key(&app, &aid).await, key_before);
        app.answer(&t.access, &aid, 30).await;
        let result: Value = submit(&app, &t, &aid).await.json().await.unwrap();
        assert_eq!(result["score_percent"], 100.0);
    }

    async fn my_attempts_are_listed_newest_first(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let first = id(&app.start_attempt(&t.access, "MLOA-F").await);
        let submitted: Value = submit(&app, &t, &first).await.json().await.unwrap();
        assert_eq!(submitted["submitted_at"], "2026-11-26T09:00:00Z");
        app.clock.advance(Duration::days(15));
        let t = app.tokens("ada@example.com").await;
        let second = id(&app.start_attempt(&t.access, "MLOA-F").await);
        let list: Vec<Value> = app.get("/v1/me/attempts", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(list.iter().map(id).collect::<Vec<_>>(), vec![second, first]);
        assert_eq!(list[0]["status"], "in_progress");
        assert_eq!(list[1]["status"], "failed");
        assert_eq!(list[1]["score_percent"], 0.0);
        // Someone else sees none of them.
        let other = app.candidate("other@example.com").await;
        let theirs: Vec<Value> = app.get("/v1/me/attempts", Some(&other.access)).await.json().await.unwrap();
        assert!(theirs.is_empty());
    }

    async fn the_deadline_and_the_answers_survive_a_restart(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let before = app.start_attempt(&t.access, "MLOA-F").await;
        let saved = app.answer(&t.access, &id(&before), 3).await;
        app.clock.advance(Duration::minutes(5));
        let restarted = app.restart().await;
        let after: Value = restarted.get(&format!("/v1/attempts/{}", id(&before)), Some(&t.access)).await.json().await.unwrap();
        assert_eq!(after["deadline"], before["deadline"]);
        assert_eq!(after["time_remaining_seconds"], 4500);
        // Exactly what each save was answered, in the order of the form.
        assert_eq!(after["answers"], Value::Array(saved));
    }
}

mod angoff {
    use crate::helpers::{Backend, TestApp};
    use serde_json::Value;

    async fn marks(backend: Backend) {
        let bank =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/banks/angoff");
        let Some(app) = TestApp::spawn_with(backend, move |s| s.question_bank = bank, |_| {}).await
        else {
            eprintln!(
                "SKIPPED attempts::angoff::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set"
            );
            return;
        };
        let t = app.candidate("ada@example.com").await;
        // (certification, expected mark): clamped low, the mean, clamped high, points-weighted.
        for (code, mark) in [
            ("ANG-LOW", 70.0),
            ("ANG-MID", 72.5),
            ("ANG-HIGH", 75.0),
            ("ANG-WEIGHTED", 71.0),
        ] {
            let attempt = app.start_attempt(&t.access, code).await;
            let aid = attempt["id"].as_str().unwrap();
            let result: Value = app
                .post(
                    &format!("/v1/attempts/{aid}/submit"),
                    Some(&t.access),
                    &serde_json::json!({}),
                )
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(result["pass_mark_percent"], mark, "{code}");
        }
    }

    #[actix_web::test]
    async fn each_form_gets_its_angoff_mark_clamped_into_the_band_on_sqlite() {
        marks(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn each_form_gets_its_angoff_mark_clamped_into_the_band_on_postgres() {
        marks(Backend::Postgres).await;
    }
}
