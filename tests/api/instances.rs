//! Instances of one database started at the same moment, as after a deploy behind a load
//! balancer, with no JWT secret configured: one migrates and imports the bank while the
//! other waits; they generate one JWT secret and one signing key between them; each
//! accepts the tokens the other issued and publishes the same keys.

use crate::binary::{free_port, Server};
use crate::helpers::{connect, count, Backend, TestDb, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn get(client: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("json")
}

async fn instances_started_together_share_one_setup(backend: Backend) {
    let Some((_db, url)) = TestDb::create(backend) else {
        eprintln!("SKIPPED instances::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        return;
    };
    let servers = [
        Server::spawn(&url, free_port(), &[]),
        Server::spawn(&url, free_port(), &[]),
    ];
    for server in &servers {
        server.ready().await;
    }
    let [a, b] = [&servers[0].address, &servers[1].address];
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();

    let registered = client
        .post(format!("{a}/v1/auth/register"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    for (signs_in, checks) in [(a, b), (b, a)] {
        let login = client
            .post(format!("{signs_in}/v1/auth/login"))
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK);
        let token: Value = login.json().await.unwrap();
        let me = get(
            &client,
            format!("{checks}/v1/me"),
            token["access_token"].as_str(),
        )
        .await;
        assert_eq!(me["email"], "ada@example.com");
    }

    let jwks_a = get(&client, format!("{a}/.well-known/jwks.json"), None).await;
    let jwks_b = get(&client, format!("{b}/.well-known/jwks.json"), None).await;
    assert_eq!(jwks_a, jwks_b);
    // One key of each kind (Ed25519, RSA) between them, not one each.
    let kinds: Vec<&str> = jwks_a["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["OKP", "RSA"], "{jwks_a}");

    let catalog_a = get(&client, format!("{a}/v1/certifications"), None).await;
    assert_eq!(
        catalog_a,
        get(&client, format!("{b}/v1/certifications"), None).await
    );
    assert_eq!(catalog_a.as_array().map(Vec::len), Some(4));

    // One setup between them, in the database.
    let mut db = connect(backend, &url);
    assert_eq!(
        count(&mut db, "SELECT COUNT(*) AS n FROM signing_keys"),
        2,
        "one of each kind"
    );
    let secret = "SELECT COUNT(*) AS n FROM server_settings WHERE name = 'jwt_secret'";
    assert_eq!(count(&mut db, secret), 1, "a generated JWT secret");
    let bank = invigil::bank::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank"),
    )
    .unwrap();
    let versions = count(&mut db, "SELECT COUNT(*) AS n FROM question_versions");
    assert_eq!(versions, bank.questions.len() as i64);
}

#[actix_web::test]
async fn instances_started_together_share_one_setup_on_sqlite() {
    instances_started_together_share_one_setup(Backend::Sqlite).await;
}

#[actix_web::test]
async fn instances_started_together_share_one_setup_on_postgres() {
    instances_started_together_share_one_setup(Backend::Postgres).await;
}
