//! `/health`, `/openapi.json` and the command line.

use crate::both_backends;
use crate::helpers::{connect, count, Backend, TestApp, TestDb, Tokens, PASSWORD};
use diesel_migrations::MigrationHarness;
use invigil::db::DbConn;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Every (method, path) the server has; `/openapi.json` must list exactly these.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/logout"),
    ("get", "/v1/me"),
    ("post", "/v1/admin/users"),
    ("post", "/v1/auth/verify-email"),
    ("post", "/v1/auth/verify-email/resend"),
    ("post", "/v1/auth/password-reset"),
    ("post", "/v1/auth/password-reset/confirm"),
    ("post", "/v1/me/password"),
    ("post", "/v1/partner/webhooks"),
    ("get", "/v1/partner/webhooks"),
    ("delete", "/v1/partner/webhooks/{id}"),
    ("get", "/v1/partner/webhooks/{id}/deliveries"),
    (
        "post",
        "/v1/partner/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    ),
    ("get", "/v1/admin/users"),
    ("get", "/v1/admin/users/{id}"),
    ("patch", "/v1/admin/users/{id}"),
    ("get", "/v1/certifications"),
    ("get", "/v1/certifications/{code}"),
    ("post", "/v1/certifications/{code}/attempts"),
    ("post", "/v1/certifications/{code}/practice"),
    ("get", "/v1/paths"),
    ("get", "/v1/roles"),
    ("get", "/v1/me/recommendations"),
    ("get", "/v1/attempts/{id}"),
    ("put", "/v1/attempts/{id}/answers/{question_id}"),
    ("post", "/v1/attempts/{id}/submit"),
    ("get", "/v1/attempts/{id}/result"),
    ("get", "/v1/me/attempts"),
    ("get", "/v1/me/certificates"),
    ("get", "/v1/verify/{number}"),
    ("post", "/v1/partner/verifications"),
    ("get", "/v1/certificates/{number}/credential"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/v1/certificates/{number}/openbadge"),
    ("get", "/v1/status-lists/{id}"),
    ("get", "/v1/issuer"),
    ("get", "/v1/issuer/keys/{id}"),
    ("get", "/v1/admin/certifications/{code}/item-statistics"),
    ("post", "/v1/admin/certificates/{number}/revoke"),
    ("post", "/v1/admin/partners"),
    ("post", "/v1/admin/partners/{id}/revoke"),
    ("post", "/v1/attempts/{id}/events"),
    ("get", "/v1/proctor/attempts"),
    ("get", "/v1/proctor/attempts/{id}/events"),
    ("get", "/v1/proctor/attempts/{id}/labs"),
    ("post", "/v1/proctor/attempts/{id}/actions"),
    ("post", "/v1/proctor/attempts/{id}/review"),
    ("post", "/v1/admin/accommodations"),
    ("get", "/v1/admin/audit"),
];

both_backends! {
    async fn health_reports_the_backend_and_that_the_database_answers(app: TestApp) {
        let resp = app.get("/health", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        let expected = match app.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(body["database"], expected);
    }

    async fn the_openapi_document_describes_every_route(app: TestApp) {
        let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let mut listed = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                listed.insert((method.clone(), path.clone()));
            }
        }
        let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(listed, expected);
        // And each route described really answers something other than the router's 404.
        for (method, path) in ROUTES {
            let concrete = path.replace("{code}", "MLOA-F").replace("{id}", "x").replace("{question_id}", "y").replace("{delivery_id}", "z").replace("{number}", "MLOAF-0000-0000-0");
            let resp = app.request(method.to_uppercase().parse().unwrap(), &concrete, None, None).await;
            let routed = resp.status() != StatusCode::NOT_FOUND
                || resp.json::<Value>().await.map(|b| b["detail"] != "Not found").unwrap_or(false);
            assert!(routed, "{method} {path} is not routed");
        }
    }
}

#[actix_web::test]
async fn the_cli_creates_the_first_admin_from_a_password_on_stdin() {
    let (_db, url) = TestDb::create(Backend::Sqlite).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args([
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "root@example.com",
            "--full-name",
            "Root Admin",
            "--password-stdin",
        ])
        .env("INVIGIL_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("admin root@example.com"));
    assert!(!printed.contains(PASSWORD));

    let settings = crate::helpers::test_settings(&url);
    let app = invigil::startup::Application::build(
        settings,
        std::sync::Arc::new(invigil::clock::SystemClock),
    )
    .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let tokens: Value = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me: Value = client
        .get(format!("{address}/v1/me"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
}

/// Runs the command line against the database at `url`.
fn run_cli(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args(args)
        .env("INVIGIL_DATABASE_URL", url)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether the schema is there at all: a command that fails early never migrates.
fn has_users_table(conn: &mut DbConn) -> bool {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'users'"
        }
        DbConn::Pg(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'users'"
        }
    };
    count(conn, sql) == 1
}

/// (applied, pending) migrations of the embedded set for this backend.
fn migrations(conn: &mut DbConn) -> (usize, usize) {
    match conn {
        DbConn::Sqlite(c) => (
            c.applied_migrations().expect("applied migrations").len(),
            c.pending_migrations(invigil::db::SQLITE_MIGRATIONS)
                .expect("pending migrations")
                .len(),
        ),
        DbConn::Pg(c) => (
            c.applied_migrations().expect("applied migrations").len(),
            c.pending_migrations(invigil::db::POSTGRES_MIGRATIONS)
                .expect("pending migrations")
                .len(),
        ),
    }
}

/// `invigil user create` of a proctor p@example.com, the password given on stdin.
fn create_proctor(url: &str, password: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args([
            "user",
            "create",
            "--role",
            "proctor",
            "--email",
            "p@example.com",
            "--full-name",
            "P",
            "--password-stdin",
        ])
        .env("INVIGIL_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_cli_refuses_a_weak_password_and_creates_nothing() {
    let (_db, url) = TestDb::create(Backend::Sqlite).unwrap();
    let out = create_proctor(&url, "short");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("weak password"), "{}", stderr(&out));
    // It may stop before it ever opens the database; if it did open it, no user is there.
    if Path::new(&url).exists() {
        let mut conn = connect(Backend::Sqlite, &url);
        if has_users_table(&mut conn) {
            assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM users"), 0);
        }
    }
    // The address is still free: a good password creates the one and only account.
    let out = create_proctor(&url, PASSWORD);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut conn = connect(Backend::Sqlite, &url);
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM users"), 1);
}

#[test]
fn the_cli_has_no_way_to_pass_a_password_as_an_argument() {
    let (_db, url) = TestDb::create(Backend::Sqlite).unwrap();
    let out = run_cli(
        &url,
        &[
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "r@example.com",
            "--full-name",
            "R",
            "--password",
            "a long admin passphrase",
        ],
    );
    // The argument parser's usage error, before anything runs.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unexpected argument '--password'"),
        "{}",
        stderr(&out)
    );
    assert!(!Path::new(&url).exists(), "no database was opened");
}

fn migrate_creates_the_schema_once(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED migrate::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    assert!(
        !has_users_table(&mut connect(backend, &url)),
        "a fresh database"
    );
    let out = run_cli(&url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(stdout(&out).trim(), format!("migrations applied ({name})"));
    let mut conn = connect(backend, &url);
    assert!(has_users_table(&mut conn));
    let (applied, pending) = migrations(&mut conn);
    assert!(applied > 0);
    assert_eq!(pending, 0);
    // The schema only: no question bank, no account.
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM certifications"),
        0
    );
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM users"), 0);
    drop(conn);

    let again = run_cli(&url, &["migrate"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(migrations(&mut connect(backend, &url)), (applied, 0));
}

#[test]
fn migrate_creates_the_schema_and_a_second_run_is_a_no_op_on_sqlite() {
    migrate_creates_the_schema_once(Backend::Sqlite);
}

#[test]
fn migrate_creates_the_schema_and_a_second_run_is_a_no_op_on_postgres() {
    migrate_creates_the_schema_once(Backend::Postgres);
}

const SHIPPED_BANK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/question-bank");
const BROKEN_BANK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/banks/several_errors"
);

/// The active certifications' codes, as `GET /v1/certifications` lists them.
fn catalog_codes(conn: &mut DbConn) -> Vec<String> {
    invigil::db::catalog::list(conn)
        .expect("the catalog reads")
        .into_iter()
        .map(|c| c.row.code)
        .collect()
}

fn bank_import_fills_the_catalog(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED bank_import::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    let out = run_cli(&url, &["bank", "import", SHIPPED_BANK]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let questions = invigil::bank::load(std::path::Path::new(SHIPPED_BANK))
        .expect("the shipped bank")
        .questions
        .len();
    let report = format!(
        "imported; 4 certifications; questions: {questions} added, 0 changed (new versions), \
         0 unchanged, 0 retired"
    );
    assert!(printed.contains(&report), "{printed}");
    let mut conn = connect(backend, &url);
    assert_eq!(
        catalog_codes(&mut conn),
        ["MLOA-F", "MLOA-P", "MLOA-AA", "MLOA-AG"]
    );
    let professional = invigil::db::catalog::find(&mut conn, "MLOA-P")
        .expect("the catalog reads")
        .expect("MLOA-P is listed");
    assert_eq!(professional.prerequisites, ["MLOA-F"]);
    assert_eq!(professional.domains.len(), 6);
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM questions"),
        questions as i64
    );
    drop(conn);

    // The same bank again: nothing to add.
    let again = run_cli(&url, &["bank", "import", SHIPPED_BANK]);
    assert!(again.status.success(), "{}", stderr(&again));
    let printed = stdout(&again);
    assert!(
        printed.contains(&format!(
            "0 added, 0 changed (new versions), {questions} unchanged, 0 retired"
        )),
        "{printed}"
    );

    // A broken bank is refused whole, with its errors listed; the catalog stays as it was.
    let refused = run_cli(&url, &["bank", "import", BROKEN_BANK]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("3 errors"),
        "{}",
        stderr(&refused)
    );
    let mut conn = connect(backend, &url);
    assert_eq!(
        catalog_codes(&mut conn),
        ["MLOA-F", "MLOA-P", "MLOA-AA", "MLOA-AG"]
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM questions"),
        questions as i64
    );
}

#[test]
fn bank_import_validates_and_imports_a_bank_on_sqlite() {
    bank_import_fills_the_catalog(Backend::Sqlite);
}

#[test]
fn bank_import_validates_and_imports_a_bank_on_postgres() {
    bank_import_fills_the_catalog(Backend::Postgres);
}

/// Runs `invigil keys rotate` and returns the new key's id, as it prints it.
fn rotate(url: &str) -> String {
    let out = run_cli(url, &["keys", "rotate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    printed
        .strip_prefix("new signing key ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no key id in {printed:?}"))
        .to_string()
}

/// Passes MLOA-F with every answer right; returns the certificate's number.
async fn pass_foundation(app: &TestApp, t: &Tokens) -> String {
    let attempt = app.start_attempt(&t.access, "MLOA-F").await;
    let aid = attempt["id"].as_str().unwrap().to_string();
    app.answer(&t.access, &aid, 30).await;
    let path = format!("/v1/attempts/{aid}/submit");
    let resp = app.post(&path, Some(&t.access), &json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let result: Value = resp.json().await.unwrap();
    result["certificate"]["number"]
        .as_str()
        .expect("a certificate")
        .to_string()
}

async fn credential(app: &TestApp, number: &str) -> String {
    let resp = app
        .get(&format!("/v1/certificates/{number}/credential"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["credential"]
        .as_str()
        .expect("a compact JWS")
        .to_string()
}

fn kid_of(jws: &str) -> String {
    jsonwebtoken::decode_header(jws)
        .expect("a JWS header")
        .kid
        .expect("a kid")
}

/// Whether the JWS verifies with the published key its header names.
fn verifies(jws: &str, jwks: &Value) -> bool {
    let kid = kid_of(jws);
    let Some(published) = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()))
    else {
        return false;
    };
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(published.clone()).expect("a JWK");
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("an Ed25519 key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jws, &key, &validation).is_ok()
}

async fn keys_rotate_signs_with_a_new_key_and_keeps_the_old_one(backend: Backend) {
    let Some((db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED keys_rotate::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    // Both keys come from the command line, so both carry the real time and the later
    // one is the newer whatever the test server's clock says.
    let first = rotate(&url);
    let app = TestApp::spawn_on(backend, db, &url, |_| {});
    let t = app.candidate("ada@example.com").await;
    let number = pass_foundation(&app, &t).await;
    let old = credential(&app, &number).await;
    assert_eq!(kid_of(&old), first);

    let second = rotate(&url);
    assert_ne!(second, first);
    let jwks: Value = app
        .get("/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    let kids: BTreeSet<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["kty"] == "OKP")
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, BTreeSet::from([first.as_str(), second.as_str()]));
    let new = credential(&app, &number).await;
    assert_eq!(
        kid_of(&new),
        second,
        "new credentials are signed with the new key"
    );
    assert!(verifies(&new, &jwks));
    assert!(
        verifies(&old, &jwks),
        "a credential signed before the rotation still verifies"
    );
}

#[actix_web::test]
async fn keys_rotate_makes_a_new_signing_key_and_keeps_the_old_one_published_on_sqlite() {
    keys_rotate_signs_with_a_new_key_and_keeps_the_old_one(Backend::Sqlite).await;
}

#[actix_web::test]
async fn keys_rotate_makes_a_new_signing_key_and_keeps_the_old_one_published_on_postgres() {
    keys_rotate_signs_with_a_new_key_and_keeps_the_old_one(Backend::Postgres).await;
}
