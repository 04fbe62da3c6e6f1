//! The database goes away under a running server and comes back: requests answer 503
//! `unavailable` instead of hanging, nothing is half written, acknowledged saves stay, and
//! service resumes by itself. PostgreSQL is cut through a proxy of the test's own (the
//! shared server keeps serving the other tests); SQLite's disk fills up.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TCP proxy that can be cut (every connection through it dropped, new ones closed at
/// once) and restored; or armed to cut itself in the middle of a transaction.
#[derive(Clone)]
struct Proxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
    /// Set: the next statement a client sends inside an open transaction cuts the proxy
    /// as soon as it has been passed on, so that the transaction never sees its COMMIT.
    armed: Arc<AtomicBool>,
    /// How many times an armed proxy cut itself.
    cuts_in_transaction: Arc<AtomicUsize>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let proxy = Proxy {
            address: listener.local_addr().expect("proxy address"),
            up: Arc::new(AtomicBool::new(true)),
            live: Arc::default(),
            armed: Arc::new(AtomicBool::new(false)),
            cuts_in_transaction: Arc::default(),
        };
        let shared = proxy.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !shared.up.load(Ordering::SeqCst) {
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
                shared.live.lock().unwrap().extend([c3, s3]);
                shared.pipe(client, server, true);
                shared.pipe(s2, c2, false);
            }
        });
        proxy
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

    /// Copies `from` to `to`. On the client's side of a connection it follows PostgreSQL's
    /// simple-query messages (diesel sends BEGIN and COMMIT as such, in plain text with
    /// `sslmode=disable`) to know when a transaction is open.
    fn pipe(&self, mut from: TcpStream, mut to: TcpStream, from_client: bool) {
        let proxy = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            let mut in_transaction = false;
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                if !from_client {
                    continue;
                }
                let chunk = &buf[..n];
                let says = |word: &[u8]| chunk.windows(word.len()).any(|w| w == word);
                if says(b"BEGIN") {
                    in_transaction = true;
                } else if says(b"COMMIT") || says(b"ROLLBACK") {
                    in_transaction = false;
                } else if in_transaction && proxy.armed.swap(false, Ordering::SeqCst) {
                    proxy.cuts_in_transaction.fetch_add(1, Ordering::SeqCst);
                    proxy.cut();
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        });
    }
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

/// A client that gives up after 5 s: a database outage must be answered well before.
fn impatient_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Saves `question` with its `n`-th option; Ok with the body on 200, Err on 503
/// `unavailable`. Anything else fails the test: another status, a hang (the client's
/// timeout), or the server hanging up.
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

/// The acknowledged saves are all kept, and the stored answers agree with the save log.
async fn assert_consistent(app: &TestApp, token: &str, attempt: &str, acked: &Acked) {
    let resp = app
        .get(&format!("/v1/attempts/{attempt}"), Some(token))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let seen: Value = resp.json().await.unwrap();
    assert_saves_kept(&app.state.db, &seen, acked).await;
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

/// Waits for `done`, failing the test after `limit`.
async fn wait_for(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "{what} did not happen in {limit:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
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
    // In plain text, so that the proxy can tell when a transaction is open.
    let separator = if via_proxy.contains('?') { '&' } else { '?' };
    let via_proxy = format!("{via_proxy}{separator}sslmode=disable");
    let mut app = TestApp::spawn_on(Backend::Postgres, db, &via_proxy, |s| {
        s.db_timeout = Duration::from_millis(500);
    });
    app.client = impatient_client();
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

    // Cut again with saves from four clients in flight, in the middle of a transaction:
    // each save is answered 200 or 503, what was acknowledged is there afterwards, whole,
    // and every client's saves succeed again once the database is back.
    const CLIENTS: usize = 4;
    let acked = Mutex::new(acked);
    let stop = AtomicBool::new(false);
    let restored = AtomicBool::new(false);
    let refused = AtomicUsize::new(0);
    let saved_after_restore: Vec<AtomicUsize> = (0..CLIENTS).map(|_| AtomicUsize::new(0)).collect();
    let client = |c: usize| {
        let (app, token, attempt, questions) = (&app, &token, &attempt, &questions);
        let (acked, stop, restored, refused, saved_after_restore) =
            (&acked, &stop, &restored, &refused, &saved_after_restore);
        async move {
            let mine: Vec<_> = questions.iter().skip(c).step_by(CLIENTS).collect();
            for n in 1usize.. {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let question = mine[n % mine.len()];
                let after_restore = restored.load(Ordering::SeqCst);
                match save(app, token, attempt, question, n / mine.len()).await {
                    Ok(body) => {
                        acked.lock().unwrap().insert(
                            question.0.clone(),
                            (body["revision"].as_i64().unwrap(), body["selected"].clone()),
                        );
                        if after_restore {
                            saved_after_restore[c].fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Err(_) => {
                        refused.fetch_add(1, Ordering::SeqCst);
                        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }
    };
    let conductor = async {
        wait_for("saves of 8 questions", Duration::from_secs(30), || {
            acked.lock().unwrap().len() >= 8
        })
        .await;
        proxy.armed.store(true, Ordering::SeqCst);
        wait_for(
            "a cut inside a transaction",
            Duration::from_secs(10),
            || proxy.cuts_in_transaction.load(Ordering::SeqCst) == 1,
        )
        .await;
        // The save whose transaction was cut, and every save while cut, is refused.
        wait_for("saves refused while cut", Duration::from_secs(10), || {
            refused.load(Ordering::SeqCst) >= CLIENTS
        })
        .await;
        proxy.restore();
        restored.store(true, Ordering::SeqCst);
        wait_for(
            "saves from every client after the restore",
            Duration::from_secs(60),
            || {
                saved_after_restore
                    .iter()
                    .all(|n| n.load(Ordering::SeqCst) >= 5)
            },
        )
        .await;
        stop.store(true, Ordering::SeqCst);
    };
    futures_util::future::join(
        conductor,
        futures_util::future::join_all((0..CLIENTS).map(client)),
    )
    .await;
    let acked = acked.into_inner().unwrap();
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
    // Mounting a small disk needs root.
    if !is_root_or_skip("faults::sqlite_on_a_full_disk") {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(folder.path().join("disk"));
    let url = disk.path.join("invigil.db").to_string_lossy().into_owned();
    let mut app = TestApp::spawn_on(Backend::Sqlite, TestDb::Sqlite(folder), &url, |_| {});
    app.client = impatient_client();
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

/// Every connection of the pool busy: a request waits `INVIGIL_DB_TIMEOUT_MS` for one and
/// then answers 503 `unavailable`, rather than queueing until one is free.
async fn an_exhausted_pool_answers_503(backend: Backend) {
    let Some(mut app) = TestApp::spawn_with(
        backend,
        |s| {
            s.db_pool_size = 1;
            s.db_timeout = Duration::from_millis(300);
        },
        |_| {},
    )
    .await
    else {
        eprintln!("SKIPPED faults::an_exhausted_pool_answers_503::{backend:?}");
        return;
    };
    app.client = impatient_client();
    let (token, attempt, _) = candidate_with_attempt(&app).await;
    // The test holds the only connection until it lets go.
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, wait_for_release) = std::sync::mpsc::channel::<()>();
    let holder = {
        let db = app.state.db.clone();
        actix_web::rt::spawn(async move {
            db.read(move |_| {
                held.send(()).unwrap();
                let _ = wait_for_release.recv();
                Ok(())
            })
            .await
        })
    };
    while is_held.try_recv().is_err() {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    // Answered while the connection is still held: the request did not wait for it.
    let read = app
        .get(&format!("/v1/attempts/{attempt}"), Some(&token))
        .await;
    assert_problem(read, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    let read = app
        .get(&format!("/v1/attempts/{attempt}"), Some(&token))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_on_sqlite() {
    an_exhausted_pool_answers_503(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_on_postgres() {
    an_exhausted_pool_answers_503(Backend::Postgres).await;
}
