//! `spawn_app`: the real application on a free port, against a fresh database of its own
//! (a temporary SQLite file, or a new PostgreSQL database dropped afterwards), with a
//! clock the test moves by hand.

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use invigil::clock::ManualClock;
use invigil::config::Settings;
use invigil::domain::account::{Email, FullName, Password, Role};
use invigil::startup::{Application, ExtraRoutes};
use invigil::state::AppState;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each listed test body once per backend, as `name::sqlite` and `name::postgres`.
/// Without `INVIGIL_TEST_DATABASE_URL` the PostgreSQL variant says it was skipped.
#[macro_export]
macro_rules! both_backends {
    // The same, on a bank of `tests/fixtures/banks/` instead of the shipped one.
    (bank = $bank:literal; $(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: TestApp) $body

            async fn spawn(backend: Backend) -> Option<TestApp> {
                TestApp::spawn_with(backend, |s| s.question_bank = fixture_bank($bank), |_| {}).await
            }

            #[actix_web::test]
            async fn sqlite() {
                run(spawn(Backend::Sqlite).await.expect("sqlite is always available")).await
            }

            #[actix_web::test]
            async fn postgres() {
                match spawn(Backend::Postgres).await {
                    Some(app) => run(app).await,
                    None => eprintln!("SKIPPED {}::postgres: INVIGIL_TEST_DATABASE_URL is not set", module_path!()),
                }
            }
        }
    )*};
    // The same, with settings adjusted by `$adjust: fn(&mut Settings)`.
    (settings = $adjust:expr; $(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: TestApp) $body

            async fn spawn(backend: Backend) -> Option<TestApp> {
                TestApp::spawn_with(backend, $adjust, |_| {}).await
            }

            #[actix_web::test]
            async fn sqlite() {
                run(spawn(Backend::Sqlite).await.expect("sqlite is always available")).await
            }

            #[actix_web::test]
            async fn postgres() {
                match spawn(Backend::Postgres).await {
                    Some(app) => run(app).await,
                    None => eprintln!("SKIPPED {}::postgres: INVIGIL_TEST_DATABASE_URL is not set", module_path!()),
                }
            }
        }
    )*};
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                run(TestApp::spawn(Backend::Sqlite).await.expect("sqlite is always available")).await
            }

            #[actix_web::test]
            async fn postgres() {
                match TestApp::spawn(Backend::Postgres).await {
                    Some(app) => run(app).await,
                    None => eprintln!("SKIPPED {}::postgres: INVIGIL_TEST_DATABASE_URL is not set", module_path!()),
                }
            }
        }
    )*};
}

/// Whether a setting such as `INVIGIL_TEST_REQUIRE_POSTGRES=1` turns a skip into a failure
/// (CI sets them, so that no test can pass there by not running).
pub fn required(setting: &str) -> bool {
    std::env::var(setting).is_ok_and(|v| v == "1" || v == "true")
}

/// Whether this process runs as root; without it, and without `INVIGIL_TEST_REQUIRE_ROOT`,
/// a test that needs root says it was skipped.
pub fn is_root_or_skip(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        !required("INVIGIL_TEST_REQUIRE_ROOT"),
        "{test} needs root and INVIGIL_TEST_REQUIRE_ROOT is set"
    );
    eprintln!("SKIPPED {test}: it needs root");
    false
}

/// The database a test owns; dropped with it.
pub enum TestDb {
    /// Held only so that the folder lives as long as the test.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    pub fn create(backend: Backend) -> Option<(TestDb, String)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = dir.path().join("invigil.db").to_string_lossy().into_owned();
                Some((TestDb::Sqlite(dir), url))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("INVIGIL_TEST_DATABASE_URL") else {
                    assert!(
                        !required("INVIGIL_TEST_REQUIRE_POSTGRES"),
                        "INVIGIL_TEST_REQUIRE_POSTGRES is set but INVIGIL_TEST_DATABASE_URL is not"
                    );
                    return None;
                };
                let name = format!("invigil_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    PgConnection::establish(&admin_url).expect("INVIGIL_TEST_DATABASE_URL answers");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let url = with_database(&admin_url, &name);
                Some((TestDb::Postgres { admin_url, name }, url))
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: web::Data<AppState>,
    pub backend: Backend,
    pub database_url: String,
    pub settings: Settings,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the database outlives the server that uses it.
    _db: Arc<TestDb>,
}

pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_string(),
        db_pool_size: 4,
        workers: 2,
        jwt_secret: Some(JWT_SECRET.into()),
        // Tests simulate many client addresses through this header.
        trust_forwarded_for: true,
        question_bank: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank"),
        // Tests sweep by hand; the background sweeper has a test of its own.
        sweep_interval: std::time::Duration::from_secs(3600),
        messaging: invigil::config::Messaging {
            mail_dir: mail_dir(database_url),
            outbox_interval: std::time::Duration::from_millis(20),
            ..Default::default()
        },
        ..Settings::default()
    }
}

/// Where the instances of one test database write their mail.
pub fn mail_dir(database_url: &str) -> std::path::PathBuf {
    use sha2::Digest;
    let name = hex::encode(&sha2::Sha256::digest(database_url.as_bytes())[..8]);
    std::env::temp_dir().join("invigil-test-mail").join(name)
}

/// The plain-text mails written to `dir` for `to`, decoded from quoted-printable.
pub fn mails_to(dir: &std::path::Path, to: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let modified = e.metadata().ok()?.modified().ok()?;
            let decoded = text.replace("=\r\n", "").replace("=3D", "=");
            decoded
                .contains(&format!("To: {to}"))
                .then_some((modified, decoded))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, t)| t).collect()
}

/// The token of the newest link to `page` mailed to `to`, waiting up to ten seconds.
pub async fn mailed_token(dir: &std::path::Path, to: &str, page: &str) -> String {
    let marker = format!("{page}?token=");
    for _ in 0..500 {
        if let Some(token) = mails_to(dir, to).iter().rev().find_map(|m| {
            let start = m.find(&marker)? + marker.len();
            Some(
                m[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        }) {
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no link to {page} was mailed to {to} in {}", dir.display());
}

/// A bank of `tests/fixtures/banks/`.
pub fn fixture_bank(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/banks")
        .join(name)
}

pub fn start_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
        .expect("instant")
        .to_utc()
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}, |_| {}).await
    }

    /// Spawns with adjusted settings and extra routes mounted beside the API.
    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
        extra: ExtraRoutes,
    ) -> Option<TestApp> {
        let (db, url) = TestDb::create(backend)?;
        let mut settings = test_settings(&url);
        adjust(&mut settings);
        Some(Self::start(
            backend,
            settings,
            Arc::new(db),
            ManualClock::new(start_instant()),
            extra,
        ))
    }

    /// Spawns on a database the test prepared itself, reached through `url` (a proxy, a
    /// folder on a disk of its own).
    pub fn spawn_on(
        backend: Backend,
        db: TestDb,
        url: &str,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = test_settings(url);
        adjust(&mut settings);
        Self::start(
            backend,
            settings,
            Arc::new(db),
            ManualClock::new(start_instant()),
            |_| {},
        )
    }

    /// Another instance on the same database (as behind a load balancer) with the same
    /// settings, sharing the clock.
    pub fn second_instance(&self) -> TestApp {
        let settings = self.settings.clone();
        Self::start(
            self.backend,
            settings,
            self._db.clone(),
            self.clock.clone(),
            |_| {},
        )
    }

    /// Stops this instance and starts a new one with the same settings on the same
    /// database and clock, as after a restart; nothing of the old one's memory is kept.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(false).await;
        let TestApp {
            backend,
            settings,
            clock,
            state,
            _db,
            ..
        } = self;
        drop(state);
        Self::start(backend, settings, _db, clock, |_| {})
    }

    fn start(
        backend: Backend,
        settings: Settings,
        db: Arc<TestDb>,
        clock: ManualClock,
        extra: ExtraRoutes,
    ) -> TestApp {
        let database_url = settings.database_url.clone();
        let app = Application::build_with(settings.clone(), Arc::new(clock.clone()), extra)
            .expect("application builds");
        let port = app.port();
        let state = app.state();
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            // A hung server fails its test instead of hanging it.
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            clock,
            state,
            backend,
            database_url,
            settings,
            handle,
            _db: db,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn register(&self, email: &str, password: &str, full_name: &str) -> Response {
        self.post(
            "/v1/auth/register",
            None,
            &json!({"email": email, "password": password, "full_name": full_name}),
        )
        .await
    }

    pub async fn login_from(&self, email: &str, password: &str, client_addr: &str) -> Response {
        self.client
            .post(format!("{}/v1/auth/login", self.address))
            .header("x-forwarded-for", client_addr)
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.login_from(email, password, "192.0.2.1").await
    }

    /// Registers a candidate, verifies its address, and returns its (access, refresh)
    /// tokens.
    pub async fn candidate(&self, email: &str) -> Tokens {
        assert_eq!(
            self.register(email, PASSWORD, "Test Candidate")
                .await
                .status(),
            StatusCode::CREATED
        );
        self.verify_email(email).await;
        self.tokens(email).await
    }

    /// Verifies a registered address with the link mailed to it.
    pub async fn verify_email(&self, email: &str) {
        let token = mailed_token(&self.settings.messaging.mail_dir, email, "/verify-email").await;
        let resp = self
            .post("/v1/auth/verify-email", None, &json!({"token": token}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "verifying {email}");
    }

    /// Creates a user of any role directly (as the CLI does) and signs it in.
    pub async fn user_with_role(&self, email: &str, role: Role) -> Tokens {
        let email_parsed = Email::parse(email).expect("email");
        let password = Password::parse_new(PASSWORD, &email_parsed).expect("password");
        invigil::service::accounts::create_user(
            &self.state.db,
            self.clock.now_utc(),
            email_parsed,
            FullName::parse("Staff Member").expect("name"),
            password,
            role,
            false,
        )
        .await
        .expect("user created");
        self.tokens(email).await
    }

    pub async fn tokens(&self, email: &str) -> Tokens {
        let resp = self.login(email, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.expect("json");
        Tokens {
            access: body["access_token"].as_str().expect("access").to_string(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_string(),
        }
    }
}

pub trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        invigil::clock::Clock::now(self)
    }
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// Asserts a problem+json answer with this status and code, and returns its body.
pub async fn assert_problem(resp: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status, "status");
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body: Value = resp.json().await.expect("problem body");
    assert_eq!(body["code"], code, "problem {body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string());
    body
}

/// The right answer to every choice question of an attempt (labs are left out: see
/// `lab_references`), as option ids in the candidate's view, read from the database the
/// way the scorer does.
pub async fn answer_key(app: &TestApp, attempt_id: &str) -> Vec<(String, Vec<String>, String)> {
    let id = attempt_id.to_string();
    app.state
        .db
        .read(move |conn| {
            let form = invigil::db::attempts::form(conn, &id)?;
            Ok(form
                .into_iter()
                .filter(|(_, v)| v.kind != "lab")
                .map(|(q, v)| {
                    let ids: Vec<String> = serde_json::from_str(&q.option_ids).unwrap();
                    let order: Vec<usize> = serde_json::from_str(&q.option_order).unwrap();
                    let correct: Vec<usize> = serde_json::from_str(&v.correct).unwrap();
                    let key = correct
                        .iter()
                        .map(|c| ids[order.iter().position(|o| o == c).unwrap()].clone())
                        .collect();
                    (q.public_id, key, v.kind)
                })
                .collect())
        })
        .await
        .unwrap()
}

/// The full-marks artifact of each lab of an attempt, by the candidate's question id.
pub async fn lab_references(
    app: &TestApp,
    attempt_id: &str,
) -> std::collections::HashMap<String, String> {
    let id = attempt_id.to_string();
    app.state
        .db
        .read(move |conn| {
            let form = invigil::db::attempts::form(conn, &id)?;
            Ok(form
                .into_iter()
                .filter_map(|(q, v)| {
                    let lab: invigil::domain::labs::LabSpec =
                        serde_json::from_str(v.lab.as_deref()?).expect("a stored lab");
                    Some((q.public_id, lab.reference))
                })
                .collect())
        })
        .await
        .expect("the form")
}

impl TestApp {
    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    /// Starts an attempt and returns its body.
    pub async fn start_attempt(&self, token: &str, code: &str) -> Value {
        let resp = self
            .post(
                &format!("/v1/certifications/{code}/attempts"),
                Some(token),
                &json!({}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json().await.expect("attempt")
    }

    /// Answers `right` choice questions correctly and the other choice questions wrongly,
    /// and every lab with its reference (full marks); returns every response body.
    pub async fn answer(&self, token: &str, attempt_id: &str, right: usize) -> Vec<Value> {
        let mut bodies = Vec::new();
        let references = lab_references(self, attempt_id).await;
        let keys: std::collections::HashMap<String, (Vec<String>, String)> =
            answer_key(self, attempt_id)
                .await
                .into_iter()
                .map(|(qid, key, kind)| (qid, (key, kind)))
                .collect();
        // In the order of the form, as a candidate goes through it.
        let form = self.state_attempt(attempt_id).await;
        let mut saves = Vec::new();
        let mut choices = 0;
        for question in form["questions"].as_array().expect("questions") {
            let qid = question["id"].as_str().expect("id").to_string();
            let body = match (references.get(&qid), keys.get(&qid)) {
                (Some(reference), _) => json!({ "artifact": reference }),
                (None, Some((key, kind))) => {
                    choices += 1;
                    let selected = if choices <= right {
                        key.clone()
                    } else {
                        wrong(key, kind.as_str(), self, attempt_id, &qid).await
                    };
                    json!({ "selected": selected })
                }
                (None, None) => panic!("question {qid} is in neither key"),
            };
            saves.push((qid, body));
        }
        for (qid, body) in saves {
            let resp = self
                .put(
                    &format!("/v1/attempts/{attempt_id}/answers/{qid}"),
                    Some(token),
                    &body,
                )
                .await;
            assert_eq!(resp.status(), StatusCode::OK);
            bodies.push(resp.json().await.expect("answer"));
        }
        bodies
    }
}

/// A wrong answer of the right shape.
async fn wrong(
    key: &[String],
    kind: &str,
    app: &TestApp,
    attempt_id: &str,
    qid: &str,
) -> Vec<String> {
    let attempt: Value = app.state_attempt(attempt_id).await;
    let options: Vec<String> = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == qid)
        .unwrap()["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    match kind {
        "ordering" => {
            let mut reversed = key.to_vec();
            reversed.reverse();
            reversed
        }
        "multiple" if key.len() >= 2 => key[1..].to_vec(),
        "multiple" => options
            .into_iter()
            .filter(|o| !key.contains(o))
            .take(1)
            .chain(key.iter().cloned())
            .collect(),
        _ => options
            .into_iter()
            .filter(|o| !key.contains(o))
            .take(1)
            .collect(),
    }
}

impl TestApp {
    /// The attempt as its candidate sees it, read through the service (no token needed).
    async fn state_attempt(&self, attempt_id: &str) -> Value {
        let id = attempt_id.to_string();
        let user = self
            .state
            .db
            .read(move |conn| Ok(invigil::db::attempts::find(conn, &id)?.unwrap().user_id))
            .await
            .unwrap();
        let view = invigil::service::attempts::get(&self.state, user, attempt_id.to_string())
            .await
            .unwrap();
        serde_json::to_value(view).unwrap()
    }
}

impl TestApp {
    /// Moves the clock forward like a live exam client would: a heartbeat every 15 s.
    pub async fn live_for(&self, token: &str, attempt_id: &str, total: chrono::Duration) {
        let step = chrono::Duration::seconds(15);
        let mut passed = chrono::Duration::zero();
        while passed < total {
            self.clock.advance(step);
            passed += step;
            let at = invigil::views::instant(&self.clock.now_utc());
            let resp = self
                .post(
                    &format!("/v1/attempts/{attempt_id}/events"),
                    Some(token),
                    &json!({"type": "heartbeat", "occurred_at": at, "details": {}}),
                )
                .await;
            assert_eq!(resp.status(), StatusCode::ACCEPTED);
        }
    }
}

/// An attempt's questions that take a choice of options (all but `ordering`), as
/// (question id, option ids).
pub fn choice_questions(attempt: &Value) -> Vec<(String, Vec<String>)> {
    attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .filter(|q| q["kind"] != "ordering" && q["kind"] != "lab")
        .map(|q| {
            let options = q["options"]
                .as_array()
                .expect("options")
                .iter()
                .map(|o| o["id"].as_str().expect("option id").to_string())
                .collect();
            (q["id"].as_str().expect("question id").to_string(), options)
        })
        .collect()
}

/// The answers an attempt shows, by question id: (revision, selected).
pub fn stored_answers(attempt: &Value) -> std::collections::HashMap<String, (i64, Value)> {
    attempt["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| {
            (
                a["question_id"].as_str().expect("question id").to_string(),
                (
                    a["revision"].as_i64().expect("revision"),
                    a["selected"].clone(),
                ),
            )
        })
        .collect()
}

/// The last acknowledged save of each question, by question id: (revision, selected).
pub type Acked = std::collections::HashMap<String, (i64, Value)>;

/// Nothing acknowledged was lost and nothing was half written: every acknowledged save is
/// in `attempt` (its candidate's view, read after the fault) with its content, or with a
/// later revision (a save in flight at the fault may have committed unanswered); and
/// every stored answer is the last revision of its question in the save log, which is
/// written in the same transaction. Fails on an empty `acked`, which would prove nothing.
pub async fn assert_saves_kept(db: &invigil::db::Db, attempt: &Value, acked: &Acked) {
    assert!(
        !acked.is_empty(),
        "no save was acknowledged, so there is nothing to check"
    );
    let stored = stored_answers(attempt);
    for (qid, (revision, selected)) in acked {
        let (stored_revision, stored_selected) = stored
            .get(qid)
            .unwrap_or_else(|| panic!("the acknowledged save of {qid} is lost"));
        assert!(
            stored_revision >= revision,
            "{qid} went back from revision {revision} to {stored_revision}"
        );
        if stored_revision == revision {
            assert_eq!(
                stored_selected, selected,
                "{qid} has other content at revision {revision}"
            );
        }
    }
    let id = attempt["id"].as_str().expect("attempt id").to_string();
    let (answers, saves) = db
        .read(move |conn| {
            Ok((
                invigil::db::attempts::answers(conn, &id)?,
                invigil::db::proctoring::saves(conn, &id)?,
            ))
        })
        .await
        .expect("the database answers");
    assert_eq!(
        answers.len(),
        stored.len(),
        "the view shows every stored answer"
    );
    for answer in &answers {
        let logged = saves
            .iter()
            .filter(|s| s.position == answer.position)
            .map(|s| s.revision)
            .max();
        assert_eq!(
            logged,
            Some(answer.revision),
            "the answer at position {} and its save log disagree",
            answer.position
        );
    }
}

/// A connection of the test's own to the database at `url`.
pub fn connect(backend: Backend, url: &str) -> invigil::db::DbConn {
    match backend {
        Backend::Sqlite => {
            let mut conn = SqliteConnection::establish(url).expect("the SQLite file opens");
            // A pool dropped a moment ago may still be opening a connection in the
            // background (setting WAL takes the write lock): wait for it, as the server does.
            diesel::connection::SimpleConnection::batch_execute(
                &mut conn,
                "PRAGMA busy_timeout = 5000",
            )
            .expect("busy_timeout");
            invigil::db::DbConn::Sqlite(conn)
        }
        Backend::Postgres => {
            invigil::db::DbConn::Pg(PgConnection::establish(url).expect("PostgreSQL answers"))
        }
    }
}

/// The `n` of a `SELECT COUNT(*) AS n …`.
pub fn count(conn: &mut invigil::db::DbConn, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// `PRAGMA integrity_check` of the SQLite file at `path` says `ok`.
pub fn assert_sqlite_intact(path: &str) {
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(path).expect("the SQLite file opens");
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("integrity_check runs");
    assert_eq!(check[0].integrity_check, "ok");
}

/// The status of `path` once it is `expected` (within 3 s of real time, the app's clock
/// standing still), or the last one seen: for what another instance learns from the
/// feed of account changes rather than from its clock.
pub async fn status_becomes(
    app: &TestApp,
    path: &str,
    token: &str,
    expected: reqwest::StatusCode,
) -> reqwest::Response {
    let started = std::time::Instant::now();
    loop {
        let resp = app.get(path, Some(token)).await;
        if resp.status() == expected || started.elapsed() > std::time::Duration::from_secs(3) {
            return resp;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
