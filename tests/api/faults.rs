//! The database goes away under a running server and comes back: requests answer 503
//! `unavailable` instead of hanging, nothing is half written, acknowledged saves stay, and
//! service resumes by itself. PostgreSQL is cut through a proxy of the test's own (the
//! shared server keeps serving the other tests); SQLite's disk fills up.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TCP proxy that can be cut (every connection through it dropped, new ones closed at
/// once) and restored.
struct Proxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let address = listener.local_addr().expect("proxy address");
        let up = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (accepting, tracked) = (up.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !accepting.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
                    client.try_clone(),
                    server.try_clone(),
                    client.try_clone(),
                    server.try_clone(),
                ) else {
                    continue;
                };
                tracked.lock().unwrap().extend([c3, s3]);
                pipe(client, server);
                pipe(s2, c2);
            }
        });
        Proxy { address, up, live }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// `url` with its host and port replaced by `address`; and the host and port it named.
fn through(url: &str, address: SocketAddr) -> (String, SocketAddr) {
    let start = url.find("://").expect("a URL") + 3;
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host = &authority[host_start..];
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    let target = host
        .to_socket_addrs()
        .expect("the database host resolves")
        .next()
        .expect("an address");
    let rewritten = format!(
        "{}{}{}{}",
        &url[..start],
        &authority[..host_start],
        address,
        &url[end..]
    );
    (rewritten, target)
}

/// A candidate with an attempt at MLOA-F: (token, attempt id, [(question id, option ids)]).
async fn candidate_with_attempt(app: &TestApp) -> (String, String, Vec<(String, Vec<String>)>) {
    let tokens = app.candidate("ada@example.com").await;
    let attempt = app.start_attempt(&tokens.access, "MLOA-F").await;
    let questions = choice_questions(&attempt);
    (
        tokens.access,
        attempt["id"].as_str().unwrap().to_string(),
        questions,
    )
}

/// The last acknowledged (revision, selected) per question.
type Acked = HashMap<String, (i64, Value)>;

/// Saves `question` with its `n`-th option; Ok with the body on 200, Err with the
/// problem's code otherwise (a transport error, as the server hanging up, is a failure).
async fn save(
    app: &TestApp,
    token: &str,
    attempt: &str,
    question: &(String, Vec<String>),
    n: usize,
) -> Result<Value, String> {
    let (qid, options) = question;
    let resp = app
        .put(
            &format!("/v1/attempts/{attempt}/answers/{qid}"),
            Some(token),
            &json!({ "selected": [options[n % options.len()]] }),
        )
        .await;
    if resp.status() == StatusCode::OK {
        return Ok(resp.json().await.expect("answer"));
    }
    let status = resp.status();
    let body: Value = resp.json().await.expect("a problem body");
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")),
        "{body}"
    );
    Err("unavailable".into())
}

/// Every acknowledged save is stored with its content (or a later one), and every stored
/// answer agrees with the save log written in the same transaction.
async fn assert_consistent(app: &TestApp, token: &str, attempt: &str, acked: &Acked) {
    let seen: Value = app
        .get(&format!("/v1/attempts/{attempt}"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    let stored = stored_answers(&seen);
    assert!(!acked.is_empty());
    for (qid, (revision, selected)) in acked {
        let (stored_revision, stored_selected) = stored
            .get(qid)
            .unwrap_or_else(|| panic!("acknowledged save of {qid} lost"));
        assert!(stored_revision >= revision, "{qid} went back in revision");
        if stored_revision == revision {
            assert_eq!(stored_selected, selected, "{qid} changed at one revision");
        }
    }
    let id = attempt.to_string();
    let mismatched = app
        .state
        .db
        .read(move |conn| {
            let saves = invigil::db::proctoring::saves(conn, &id)?;
            let answers = invigil::db::attempts::answers(conn, &id)?;
            Ok(answers
                .iter()
                .filter(|a| {
                    let logged = saves
                        .iter()
                        .filter(|s| s.position == a.position)
                        .map(|s| s.revision)
                        .max();
                    logged != Some(a.revision)
                })
                .count())
        })
        .await
        .unwrap();
    assert_eq!(mismatched, 0, "an answer and its save log disagree");
}

/// Polls until the attempt can be read again.
async fn wait_until_back(app: &TestApp, token: &str, attempt: &str) {
    let started = Instant::now();
    loop {
        let resp = app
            .get(&format!("/v1/attempts/{attempt}"), Some(token))
            .await;
        if resp.status() == StatusCode::OK {
            return;
        }
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "service did not resume"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn postgres_cut_off_and_restored() {
    let Some((db, url)) = TestDb::create(Backend::Postgres) else {
        eprintln!(
            "SKIPPED faults::postgres_cut_off_and_restored: INVIGIL_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let (_, target) = through(&url, "127.0.0.1:1".parse().unwrap());
    let proxy = Proxy::start(target);
    let (via_proxy, _) = through(&url, proxy.address);
    let app = TestApp::spawn_on(Backend::Postgres, db, &via_proxy, |s| {
        s.db_timeout = Duration::from_millis(500);
    });
    let (token, attempt, questions) = candidate_with_attempt(&app).await;
    let mut acked = Acked::new();
    let first = save(&app, &token, &attempt, &questions[0], 0)
        .await
        .expect("saved while the database is up");
    acked.insert(questions[0].0.clone(), (1, first["selected"].clone()));

    proxy.cut();
    // Reads, writes, logins and the health check all say so, and none of them hangs.
    assert_eq!(
        save(&app, &token, &attempt, &questions[0], 1).await.err(),
        Some("unavailable".to_string())
    );
    let read = app
        .get(&format!("/v1/attempts/{attempt}"), Some(&token))
        .await;
    assert_problem(read, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let login = app.login("ada@example.com", PASSWORD).await;
    assert_problem(login, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let health = app.get("/health", None).await;
    assert_problem(health, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

    proxy.restore();
    wait_until_back(&app, &token, &attempt).await;
    assert_consistent(&app, &token, &attempt, &acked).await;

    // Cut again in the middle of a storm of saves: each is answered 200 or 503, and what
    // was acknowledged is there afterwards, whole.
    let mut n = 1;
    let mut failed = 0;
    for round in 0..60 {
        if round == 20 {
            proxy.cut();
        }
        if round == 40 {
            proxy.restore();
            wait_until_back(&app, &token, &attempt).await;
        }
        let question = &questions[round % 4];
        n += 1;
        match save(&app, &token, &attempt, question, n).await {
            Ok(body) => {
                acked.insert(
                    question.0.clone(),
                    (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                );
            }
            Err(_) => failed += 1,
        }
    }
    assert!(failed >= 20, "every save while cut failed ({failed})");
    assert_consistent(&app, &token, &attempt, &acked).await;
}

/// A tmpfs of the test's own, unmounted when the test ends however it ends.
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(path: std::path::PathBuf) -> SmallDisk {
        std::fs::create_dir_all(&path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs failed");
        SmallDisk { path }
    }

    /// Writes a file until the disk has no room left.
    fn fill(&self) {
        let mut filler = std::fs::File::create(self.path.join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            match filler.write(&block) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = filler.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

#[actix_web::test]
async fn sqlite_on_a_full_disk() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED faults::sqlite_on_a_full_disk: mounting a small disk needs root");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(folder.path().join("disk"));
    let url = disk.path.join("invigil.db").to_string_lossy().into_owned();
    let app = TestApp::spawn_on(Backend::Sqlite, TestDb::Sqlite(folder), &url, |_| {});
    let (token, attempt, questions) = candidate_with_attempt(&app).await;
    let mut acked = Acked::new();

    disk.fill();
    // Saves may still fit in room SQLite already holds; once they don't, each is refused.
    let mut refused = 0;
    for n in 0..5_000 {
        let question = &questions[n % questions.len()];
        match save(&app, &token, &attempt, question, n / questions.len()).await {
            Ok(body) => {
                acked.insert(
                    question.0.clone(),
                    (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                );
            }
            Err(_) => {
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
        }
    }
    assert_eq!(refused, 3, "a full disk refuses saves");
    // Reading still works on a full disk.
    let read = app
        .get(&format!("/v1/attempts/{attempt}"), Some(&token))
        .await;
    assert_eq!(read.status(), StatusCode::OK);

    disk.free();
    let started = Instant::now();
    let mut n = 0;
    loop {
        let question = &questions[n % questions.len()];
        match save(&app, &token, &attempt, question, n + 1).await {
            Ok(body) => {
                acked.insert(
                    question.0.clone(),
                    (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                );
                break;
            }
            Err(_) => {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "saves did not resume"
                );
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
        n += 1;
    }
    assert_consistent(&app, &token, &attempt, &acked).await;

    assert_sqlite_intact(&url);
}
