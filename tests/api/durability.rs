//! The real binary, killed with SIGKILL in the middle of a stream of saves: every save
//! that was answered 200 is still there after a restart, and so is the deadline; attempts
//! whose time ran out while it was down are finalised once when it is back.

use crate::helpers::{
    assert_sqlite_intact, choice_questions, stored_answers, Backend, TestDb, PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    address: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_server(database_url: &str, port: u16) -> Server {
    start_server_with(database_url, port, &[]).await
}

async fn start_server_with(database_url: &str, port: u16, settings: &[(&str, &str)]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .arg("serve")
        .env("INVIGIL_DATABASE_URL", database_url)
        .env("INVIGIL_BIND", format!("127.0.0.1:{port}"))
        .env(
            "INVIGIL_QUESTION_BANK",
            concat!(env!("CARGO_MANIFEST_DIR"), "/question-bank"),
        )
        .env("INVIGIL_WORKERS", "2")
        .envs(settings.iter().copied())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{address}/health")).send().await {
            if r.status() == StatusCode::OK {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not come up"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, address }
}

impl Server {
    /// SIGKILL: no shutdown hook, no flush, nothing but what is already on disk.
    fn kill(self) {
        drop(self);
    }
}

impl Drop for Server {
    // Also when a test fails halfway: no server outlives its test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last acknowledged save per question: (revision, selected).
type Acked = Arc<Mutex<HashMap<String, (i64, Value)>>>;

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
    let tokens: Value = client
        .post(format!("{address}/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_string();
    let attempt: Value = client
        .post(format!("{address}/v1/certifications/{code}/attempts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (token, attempt)
}

/// The attempt as its candidate sees it.
async fn fetch_attempt(client: &reqwest::Client, address: &str, token: &str, id: &str) -> Value {
    client
        .get(format!("{address}/v1/attempts/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn save_storm(address: String, token: String, attempt: Value, acked: Acked, workers: usize) {
    let questions = choice_questions(&attempt);
    let attempt_id = attempt["id"].as_str().unwrap().to_string();
    let tasks = (0..workers).map(|w| {
        let (address, token, attempt_id, acked) = (
            address.clone(),
            token.clone(),
            attempt_id.clone(),
            acked.clone(),
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
                match sent {
                    Ok(r) if r.status() == StatusCode::OK => {
                        let body: Value = match r.json().await {
                            Ok(b) => b,
                            Err(_) => return,
                        };
                        acked.lock().unwrap().insert(
                            qid.clone(),
                            (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                        );
                    }
                    // The server is gone: the storm is over.
                    _ => return,
                }
            }
        })
    });
    futures_util::future::join_all(tasks).await;
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
    let acked: Acked = Arc::default();

    for round in 0..3 {
        let storm = actix_web::rt::spawn(save_storm(
            server.address.clone(),
            token.clone(),
            attempt.clone(),
            acked.clone(),
            4,
        ));
        // Let some saves be acknowledged, then pull the plug mid-stream.
        let started = Instant::now();
        while acked.lock().unwrap().len() < 5 + round * 3
            && started.elapsed() < Duration::from_secs(30)
        {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        actix_web::rt::time::sleep(Duration::from_millis(150)).await;
        server.kill();
        storm.await.unwrap();

        if backend == Backend::Sqlite {
            assert_sqlite_intact(&url);
        }

        server = start_server(&url, port).await;
        let seen = fetch_attempt(&client, &server.address, &token, &attempt_id).await;
        assert_eq!(
            seen["deadline"], attempt["deadline"],
            "the deadline survives"
        );
        assert_eq!(seen["status"], "in_progress");
        let stored = stored_answers(&seen);
        let acked_now = acked.lock().unwrap().clone();
        assert!(!acked_now.is_empty());
        for (qid, (revision, selected)) in &acked_now {
            let (stored_revision, stored_selected) = stored
                .get(qid)
                .unwrap_or_else(|| panic!("round {round}: acknowledged save of {qid} lost"));
            // A save in flight at the kill may have committed after the last acknowledged one.
            assert!(
                stored_revision >= revision,
                "round {round}: {qid} went back from revision {revision} to {stored_revision}"
            );
            if stored_revision == revision {
                assert_eq!(
                    stored_selected, selected,
                    "round {round}: {qid} has other content at the same revision"
                );
            }
        }
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

/// Runs SQL against the test's database, whichever backend it is.
fn count(url: &str, backend: Backend, sql: &str) -> i64 {
    use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<Count> = match backend {
        Backend::Sqlite => {
            diesel::sql_query(sql).load(&mut SqliteConnection::establish(url).unwrap())
        }
        Backend::Postgres => {
            diesel::sql_query(sql).load(&mut PgConnection::establish(url).unwrap())
        }
    }
    .unwrap();
    rows[0].n
}

async fn attempts_expiring_while_down_are_finalised_once(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED durability::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    // A one-minute exam with no grace, so that its time runs out while the server is down.
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
        candidates.push((token, attempt, Acked::default()));
    }

    // Killed twice mid-storm while the attempts are open, then kept down past their deadline.
    for _ in 0..2 {
        let storms: Vec<_> = candidates
            .iter()
            .map(|(token, attempt, acked)| {
                actix_web::rt::spawn(save_storm(
                    server.address.clone(),
                    token.clone(),
                    attempt.clone(),
                    acked.clone(),
                    1,
                ))
            })
            .collect();
        let started = Instant::now();
        while candidates.iter().any(|c| c.2.lock().unwrap().is_empty())
            && started.elapsed() < Duration::from_secs(20)
        {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        server.kill();
        for storm in storms {
            storm.await.unwrap();
        }
        server = start_server_with(&url, port, &settings).await;
        for (token, attempt, _) in &candidates {
            let id = attempt["id"].as_str().unwrap();
            let seen = fetch_attempt(&client, &server.address, token, id).await;
            assert_eq!(
                seen["deadline"], attempt["deadline"],
                "the deadline survives"
            );
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
    let wait = (deadline - chrono::Utc::now()).to_std().unwrap_or_default();
    actix_web::rt::time::sleep(wait + Duration::from_secs(1)).await;

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
        assert_eq!(submitted.unwrap().status(), StatusCode::OK);
    }
    // And once more, killed and restarted after the finalisation.
    server.kill();
    server = start_server_with(&url, port, &settings).await;
    for (token, attempt, acked) in &candidates {
        let id = attempt["id"].as_str().unwrap();
        let seen = fetch_attempt(&client, &server.address, token, id).await;
        // Scored: the attempt shows its outcome (the audit log below says it expired).
        assert!(
            ["passed", "failed", "pending_review"].contains(&seen["status"].as_str().unwrap()),
            "{seen}"
        );
        let stored = stored_answers(&seen);
        for (qid, (revision, selected)) in acked.lock().unwrap().iter() {
            let (stored_revision, stored_selected) = &stored[qid];
            assert!(stored_revision >= revision, "{qid} went back in revision");
            if stored_revision == revision {
                assert_eq!(stored_selected, selected);
            }
        }
        let once = |sql: String| count(&url, backend, &sql);
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
