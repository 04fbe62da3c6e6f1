//! The real binary, killed with SIGKILL in the middle of a stream of saves: every save
//! that was answered 200 is still there after a restart, and so is the deadline; attempts
//! whose time ran out while it was down are finalised once when it is back.

use crate::binary::{free_port, start_server, start_server_with};
use crate::helpers::{
    assert_saves_kept, assert_sqlite_intact, choice_questions, connect, count, Acked, Backend,
    TestDb, PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Registers a candidate, signs in and starts an attempt at `code`: (token, attempt).
async fn candidate_with_attempt(
    client: &reqwest::Client,
    address: &str,
    email: &str,
    code: &str,
) -> (String, Value) {
    let registered = client
        .post(format!("{address}/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "full_name": "Candidate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let signed_in = client
        .post(format!("{address}/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let tokens: Value = signed_in.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_string();
    let started = client
        .post(format!("{address}/v1/certifications/{code}/attempts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::CREATED);
    (token, started.json().await.unwrap())
}

/// The attempt as its candidate sees it.
async fn fetch_attempt(client: &reqwest::Client, address: &str, token: &str, id: &str) -> Value {
    let resp = client
        .get(format!("{address}/v1/attempts/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// What the saves of one candidate have been answered: the last acknowledged save of
/// each question, and how many were acknowledged since the current round began.
#[derive(Clone, Default)]
struct Storm {
    acked: Arc<Mutex<Acked>>,
    this_round: Arc<AtomicUsize>,
}

impl Storm {
    fn acked(&self) -> Acked {
        self.acked.lock().unwrap().clone()
    }

    /// Waits until `n` saves of this round were acknowledged.
    async fn wait_for_acks(&self, n: usize) {
        let started = Instant::now();
        while self.this_round.load(Ordering::SeqCst) < n {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "only {} saves were acknowledged in 30 s",
                self.this_round.load(Ordering::SeqCst)
            );
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Saves answers as fast as `workers` clients can until the server goes away. Any answer
/// but 200 from a live server, or one that takes over 5 s, fails the test: only the
/// server's death (a refused or reset connection) ends the storm.
async fn save_storm(address: String, token: String, attempt: Value, storm: Storm, workers: usize) {
    let questions = choice_questions(&attempt);
    let attempt_id = attempt["id"].as_str().unwrap().to_string();
    let tasks = (0..workers).map(|w| {
        let (address, token, attempt_id, storm) = (
            address.clone(),
            token.clone(),
            attempt_id.clone(),
            storm.clone(),
        );
        // Each worker owns its own questions, so the acknowledgements of one question are ordered.
        let mine: Vec<(String, Vec<String>)> =
            questions.iter().skip(w).step_by(workers).cloned().collect();
        actix_web::rt::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            for i in 0usize.. {
                let (qid, options) = &mine[i % mine.len()];
                let selected = json!([options[(i / mine.len()) % options.len()]]);
                let sent = client
                    .put(format!("{address}/v1/attempts/{attempt_id}/answers/{qid}"))
                    .bearer_auth(&token)
                    .json(&json!({ "selected": selected }))
                    .send()
                    .await;
                let resp = match sent {
                    Ok(resp) => resp,
                    Err(e) => {
                        assert!(!e.is_timeout(), "a save hung: {e}");
                        // The server is gone: the storm is over.
                        return;
                    }
                };
                let status = resp.status();
                // A body cut off by the kill is no acknowledgement.
                let Ok(body) = resp.json::<Value>().await else {
                    return;
                };
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "a live server refused a save: {body}"
                );
                storm.acked.lock().unwrap().insert(
                    qid.clone(),
                    (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                );
                storm.this_round.fetch_add(1, Ordering::SeqCst);
            }
        })
    });
    for task in futures_util::future::join_all(tasks).await {
        // A worker's failed assertion fails the test.
        task.unwrap();
    }
}

/// A reader of the test's database, as the server sees it.
fn open_db(url: &str) -> invigil::db::Db {
    invigil::db::Db::connect(url, 1, Duration::from_secs(5)).expect("the database opens")
}

async fn killing_the_server_loses_no_acknowledged_save(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED durability::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    let port = free_port();
    let mut server = start_server(&url, port).await;
    let client = reqwest::Client::new();
    let (token, attempt) =
        candidate_with_attempt(&client, &server.address, "ada@example.com", "MLOA-F").await;
    let attempt_id = attempt["id"].as_str().unwrap().to_string();
    let storm = Storm::default();

    for round in 0..3 {
        storm.this_round.store(0, Ordering::SeqCst);
        let saving = actix_web::rt::spawn(save_storm(
            server.address.clone(),
            token.clone(),
            attempt.clone(),
            storm.clone(),
            4,
        ));
        // Saves of this very round are acknowledged, and more are in flight: pull the plug.
        storm.wait_for_acks(20).await;
        server.kill();
        saving.await.unwrap();

        if backend == Backend::Sqlite {
            assert_sqlite_intact(&url);
        }

        server = start_server(&url, port).await;
        let seen = fetch_attempt(&client, &server.address, &token, &attempt_id).await;
        assert_eq!(
            seen["deadline"], attempt["deadline"],
            "round {round}: the deadline survives"
        );
        assert_eq!(seen["status"], "in_progress", "round {round}");
        assert_saves_kept(&open_db(&url), &seen, &storm.acked()).await;
    }
    server.kill();
}

#[actix_web::test]
async fn killing_the_server_loses_no_acknowledged_save_on_sqlite() {
    killing_the_server_loses_no_acknowledged_save(Backend::Sqlite).await;
}

#[actix_web::test]
async fn killing_the_server_loses_no_acknowledged_save_on_postgres() {
    killing_the_server_loses_no_acknowledged_save(Backend::Postgres).await;
}

/// While the server is down, its attempts' time runs out: their start and deadline move
/// `seconds` into the past, as if the server had stayed down that long.
fn time_passes_while_down(url: &str, backend: Backend, seconds: i64) {
    let sql = match backend {
        Backend::Sqlite => format!(
            "UPDATE attempts SET started_at = strftime('%Y-%m-%d %H:%M:%f', started_at, '-{seconds} seconds'), \
             deadline = strftime('%Y-%m-%d %H:%M:%f', deadline, '-{seconds} seconds')"
        ),
        Backend::Postgres => format!(
            "UPDATE attempts SET started_at = started_at - interval '{seconds} seconds', \
             deadline = deadline - interval '{seconds} seconds'"
        ),
    };
    use diesel::RunQueryDsl;
    let moved = diesel::sql_query(sql).execute(&mut connect(backend, url));
    assert!(moved.expect("the attempts move") > 0);
}

async fn attempts_expiring_while_down_are_finalised_once(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED durability::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    // A one-minute exam with no grace, so that its time can run out while the server is down.
    let settings = [
        (
            "INVIGIL_QUESTION_BANK",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/banks/one_minute"
            ),
        ),
        ("INVIGIL_ANSWER_GRACE_SECONDS", "0"),
        ("INVIGIL_SWEEP_INTERVAL_MS", "200"),
    ];
    let port = free_port();
    let mut server = start_server_with(&url, port, &settings).await;
    let client = reqwest::Client::new();
    let mut candidates = Vec::new();
    for i in 0..3 {
        let email = format!("candidate{i}@example.com");
        let (token, attempt) =
            candidate_with_attempt(&client, &server.address, &email, "T-ONE").await;
        candidates.push((token, attempt, Storm::default()));
    }

    // Killed twice mid-storm while the attempts are open, then kept down past their deadline.
    for round in 0..2 {
        let storms: Vec<_> = candidates
            .iter()
            .map(|(token, attempt, storm)| {
                storm.this_round.store(0, Ordering::SeqCst);
                actix_web::rt::spawn(save_storm(
                    server.address.clone(),
                    token.clone(),
                    attempt.clone(),
                    storm.clone(),
                    1,
                ))
            })
            .collect();
        for (_, _, storm) in &candidates {
            storm.wait_for_acks(5).await;
        }
        server.kill();
        for storm in storms {
            storm.await.unwrap();
        }
        server = start_server_with(&url, port, &settings).await;
        for (token, attempt, storm) in &candidates {
            let id = attempt["id"].as_str().unwrap();
            let seen = fetch_attempt(&client, &server.address, token, id).await;
            assert_eq!(
                seen["deadline"], attempt["deadline"],
                "round {round}: the deadline survives"
            );
            // The kills came while the attempt was open, and it still is.
            assert_eq!(seen["status"], "in_progress", "round {round}: {seen}");
            assert_saves_kept(&open_db(&url), &seen, &storm.acked()).await;
        }
    }
    server.kill();
    let deadline = candidates
        .iter()
        .map(|c| {
            chrono::DateTime::parse_from_rfc3339(c.1["deadline"].as_str().unwrap())
                .unwrap()
                .to_utc()
        })
        .max()
        .unwrap();
    let remaining = (deadline - chrono::Utc::now()).num_seconds().max(0);
    time_passes_while_down(&url, backend, remaining + 5);

    // Back up: the sweeper and the candidates' late submits race to close each attempt.
    server = start_server_with(&url, port, &settings).await;
    let submits = candidates.iter().map(|(token, attempt, _)| {
        client
            .post(format!(
                "{}/v1/attempts/{}/submit",
                server.address,
                attempt["id"].as_str().unwrap()
            ))
            .bearer_auth(token)
            .send()
    });
    for submitted in futures_util::future::join_all(submits).await {
        // Whoever closes it, the late submit answers with the one result.
        let submitted = submitted.unwrap();
        assert_eq!(submitted.status(), StatusCode::OK);
        let result: Value = submitted.json().await.unwrap();
        assert!(result["points_possible"].as_i64() == Some(2), "{result}");
    }
    // And once more, killed and restarted after the finalisation.
    server.kill();
    server = start_server_with(&url, port, &settings).await;
    for (token, attempt, storm) in &candidates {
        let id = attempt["id"].as_str().unwrap();
        let seen = fetch_attempt(&client, &server.address, token, id).await;
        // Scored: the attempt shows its outcome (the audit log below says it expired).
        assert!(
            ["passed", "failed", "pending_review"].contains(&seen["status"].as_str().unwrap()),
            "{seen}"
        );
        assert_saves_kept(&open_db(&url), &seen, &storm.acked()).await;
        let once = |sql: String| count(&mut connect(backend, &url), &sql);
        assert_eq!(
            once(format!(
                "SELECT COUNT(*) AS n FROM results WHERE attempt_id = '{id}'"
            )),
            1
        );
        assert_eq!(
            once(format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE attempt_id = '{id}' AND action = 'score'"
            )),
            1,
            "scored once"
        );
        assert_eq!(
            once(format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE attempt_id = '{id}' AND action = 'expired'"
            )),
            1,
            "closed once"
        );
    }
    server.kill();
}

#[actix_web::test]
async fn attempts_expiring_while_down_are_finalised_once_on_sqlite() {
    attempts_expiring_while_down_are_finalised_once(Backend::Sqlite).await;
}

#[actix_web::test]
async fn attempts_expiring_while_down_are_finalised_once_on_postgres() {
    attempts_expiring_while_down_are_finalised_once(Backend::Postgres).await;
}
