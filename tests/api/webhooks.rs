//! Partner webhooks: deliveries signed the Standard Webhooks way, checked here with an
//! HMAC of the test's own; retried past a failing receiver; sent only for certificates a
//! partner follows; never to an address inside the server's network.

use crate::both_backends;
use crate::certificates::{batch, number, partner_key, pass};
use crate::helpers::{assert_problem, TestApp};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request a [`Receiver`] got, and what it answered.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A partner's endpoint, run by the test: answers 503 to its first `failures` requests,
/// then 200.
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Receiver {
    pub fn start(failures: usize) -> Receiver {
        use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
        let log = Arc::new(Mutex::new(Vec::new()));
        let left = Arc::new(AtomicUsize::new(failures));
        let shared = (log.clone(), left);
        let server = HttpServer::new(move || {
            let (log, left) = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (log, left) = (log.clone(), left.clone());
                async move {
                    let fail = left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let answered = if fail { 503 } else { 200 };
                    log.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                        answered,
                    });
                    if fail {
                        HttpResponse::ServiceUnavailable().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("a port for the receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/invigil"),
            log,
            handle,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Waits up to ten seconds for `n` requests in all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!(
            "the receiver got {} requests, not {n}",
            self.received().len()
        );
    }

    /// Asserts that, a while later, the receiver has had exactly `n` requests.
    pub async fn assert_stays_at(&self, n: usize) -> Vec<Received> {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let got = self.received();
        assert_eq!(got.len(), n, "requests received: {got:#?}");
        got
    }
}

/// Whether `r` carries a `v1` signature by `secret`, computed here from the Standard
/// Webhooks rules alone: HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the
/// base64-decoded secret after `whsec_`, base64-encoded.
pub fn signed_by(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("a base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    r.signature
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

pub async fn as_partner(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("x-api-key", key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request sent")
}

/// Registers an endpoint; returns its id and secret.
pub async fn subscribe(app: &TestApp, key: &str, url: &str, which: &str) -> (String, String) {
    let body = json!({"url": url, "certificates": which});
    let resp = as_partner(app, Method::POST, "/v1/partner/webhooks", key, Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["certificates"], which);
    let secret = created["secret"].as_str().expect("the secret, once");
    (created["id"].as_str().unwrap().into(), secret.into())
}

/// Another partner, made by the admin `admin@example.com`.
pub async fn another_partner(app: &TestApp, name: &str) -> String {
    let admin = app.tokens("admin@example.com").await;
    let resp = app
        .post(
            "/v1/admin/partners",
            Some(&admin.access),
            &json!({"name": name}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["api_key"].as_str().unwrap().to_string()
}

pub async fn revoke(app: &TestApp, number: &str, reason: &str) {
    let admin = app.tokens("admin@example.com").await;
    let path = format!("/v1/admin/certificates/{number}/revoke");
    let resp = app
        .post(&path, Some(&admin.access), &json!({"reason": reason}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn deliveries(app: &TestApp, key: &str, endpoint: &str) -> Vec<Value> {
    let path = format!("/v1/partner/webhooks/{endpoint}/deliveries");
    let resp = as_partner(app, Method::GET, &path, key, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

fn insecure(s: &mut invigil::config::Settings) {
    s.messaging.webhook_allow_insecure = true;
}

both_backends! {
    settings = insecure;

    async fn a_receiver_that_fails_twice_gets_the_event_once_with_a_valid_signature(app: TestApp) {
        let key = partner_key(&app).await;
        let receiver = Receiver::start(2);
        let (endpoint, secret) = subscribe(&app, &key, &receiver.url, "all").await;
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        revoke(&app, &n, "exam content leaked by the holder").await;

        let first = receiver.wait_for(1).await;
        assert_eq!(first[0].answered, 503);
        let log = deliveries(&app, &key, &endpoint).await;
        assert_eq!((log[0]["status"].as_str(), log[0]["attempts"].as_i64()), (Some("retrying"), Some(1)));
        assert_eq!(log[0]["last_status"], 503);
        // Nothing is tried again before its backoff (5 s, then 20 s) has passed.
        receiver.assert_stays_at(1).await;
        app.clock.advance(Duration::seconds(5));
        receiver.wait_for(2).await;
        app.clock.advance(Duration::seconds(19));
        receiver.assert_stays_at(2).await;
        app.clock.advance(Duration::seconds(1));
        receiver.wait_for(3).await;
        app.clock.advance(Duration::days(4));
        let got = receiver.assert_stays_at(3).await;

        assert_eq!(got.iter().filter(|r| r.answered == 200).count(), 1, "accepted once");
        assert!(got.iter().all(|r| r.id == got[0].id), "one webhook-id on every try");
        for r in &got {
            assert!(signed_by(&secret, r), "a valid signature on {r:?}");
            let at: i64 = r.timestamp.parse().expect("Unix seconds");
            assert!((at - 1_795_000_000).abs() < 100_000_000, "a plausible timestamp");
        }
        let tampered = Received { body: got[2].body.replace("leaked", "posted"), ..got[2].clone() };
        assert!(!signed_by(&secret, &tampered), "a changed body fails the check");
        assert!(!signed_by("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &got[2]), "another key fails");

        let event = got[2].json();
        assert_eq!(event["type"], "certificate.revoked");
        assert_eq!(event["data"]["number"], n.as_str());
        assert_eq!(event["data"]["status"], "revoked");
        assert_eq!(event["data"]["revoked_reason"], "exam content leaked by the holder");
        assert!(event["data"].get("email").is_none() && event["data"].get("user_id").is_none());
        let log = deliveries(&app, &key, &endpoint).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["id"], got[0].id.as_str());
        assert_eq!((log[0]["status"].as_str(), log[0]["attempts"].as_i64()), (Some("delivered"), Some(3)));
        assert_eq!(log[0]["last_status"], 200);
        assert_eq!(log[0]["payload"], event);
        let listed: Vec<Value> = as_partner(&app, Method::GET, "/v1/partner/webhooks", &key, None).await.json().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].get("secret").is_none(), "the secret is shown once");
    }

    async fn partners_hear_only_of_certificates_they_follow(app: TestApp) {
        let acme = partner_key(&app).await;
        let (globex, initech) = (another_partner(&app, "Globex").await, another_partner(&app, "Initech").await);
        let (to_acme, to_globex, to_initech) = (Receiver::start(0), Receiver::start(0), Receiver::start(0));
        let (acme_endpoint, acme_secret) = subscribe(&app, &acme, &to_acme.url, "verified").await;
        let (globex_endpoint, _) = subscribe(&app, &globex, &to_globex.url, "verified").await;
        let (_, initech_secret) = subscribe(&app, &initech, &to_initech.url, "all").await;
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        // Acme checked this certificate; Globex never did.
        assert_eq!(batch(&app, Some(&acme), json!([n])).await.status(), StatusCode::OK);

        // Renewed inside the window (it opens on 2029-05-30): the same number, later expiry.
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-05-30T09:00:00Z").unwrap().to_utc());
        let t = app.tokens("ada@example.com").await;
        assert_eq!(number(&pass(&app, &t, "MLOA-F").await), n);
        let renewed = to_acme.wait_for(1).await;
        assert_eq!(renewed[0].json()["type"], "certificate.renewed");
        assert_eq!(renewed[0].json()["data"]["expires_on"], "2032-11-26");
        assert!(signed_by(&acme_secret, &renewed[0]));
        revoke(&app, &n, "identity fraud").await;
        let acme_got = to_acme.wait_for(2).await;
        let initech_got = to_initech.wait_for(2).await;
        assert_eq!(acme_got[1].json()["type"], "certificate.revoked");
        assert!(signed_by(&initech_secret, &initech_got[1]));
        assert_ne!(acme_got[1].id, initech_got[1].id, "a delivery per endpoint");
        to_globex.assert_stays_at(0).await;
        assert!(deliveries(&app, &globex, &globex_endpoint).await.is_empty());

        // Another partner's endpoint and deliveries are not found, whatever the verb.
        let acme_log = deliveries(&app, &acme, &acme_endpoint).await;
        assert_eq!(acme_log.len(), 2);
        let (revoked_id, renewed_id) = (acme_log[0]["id"].as_str().unwrap(), acme_log[1]["id"].as_str().unwrap());
        assert_eq!(revoked_id, acme_got[1].id, "newest first");
        assert_eq!(renewed_id, acme_got[0].id);
        let redeliver = format!("/v1/partner/webhooks/{acme_endpoint}/deliveries/{revoked_id}/redeliver");
        let acme_path = format!("/v1/partner/webhooks/{acme_endpoint}");
        for (method, path) in [
            (Method::GET, format!("{acme_path}/deliveries")),
            (Method::POST, redeliver.clone()),
            (Method::DELETE, acme_path.clone()),
        ] {
            assert_problem(as_partner(&app, method, &path, &globex, None).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let paged = as_partner(&app, Method::GET, &format!("{acme_path}/deliveries?limit=1"), &acme, None).await;
        assert!(paged.headers().get("link").is_some_and(|l| l.to_str().unwrap().contains("rel=\"next\"")));

        // Redelivery sends the same message again, under the same webhook-id.
        assert_eq!(as_partner(&app, Method::POST, &redeliver, &acme, None).await.status(), StatusCode::ACCEPTED);
        let again = to_acme.wait_for(3).await;
        assert_eq!(again[2].id, acme_got[1].id);
        assert_eq!(again[2].body, acme_got[1].body);
        assert!(signed_by(&acme_secret, &again[2]));

        // A deleted endpoint gets nothing more.
        assert_eq!(as_partner(&app, Method::DELETE, &acme_path, &acme, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(as_partner(&app, Method::POST, &redeliver, &acme, None).await.status(), StatusCode::NOT_FOUND);
        let listed: Vec<Value> = as_partner(&app, Method::GET, "/v1/partner/webhooks", &acme, None).await.json().await.unwrap();
        assert!(listed.is_empty());
    }
}

both_backends! {
    async fn endpoints_inside_the_network_or_without_tls_are_refused(app: TestApp) {
        let key = partner_key(&app).await;
        for url in [
            "http://example.com/hooks",
            "ftp://example.com/hooks",
            "https://127.0.0.1/hooks",
            "https://localhost:8443/hooks",
            "https://10.0.0.7/hooks",
            "https://192.168.1.20/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hooks",
            "https://[::ffff:127.0.0.1]/hooks",
            "https://0.0.0.0/hooks",
            "https://partner:secret@example.com/hooks",
            "not a url",
        ] {
            let resp = as_partner(&app, Method::POST, "/v1/partner/webhooks", &key, Some(json!({"url": url}))).await;
            let problem = assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
            assert!(problem["detail"].as_str().unwrap().starts_with("url: "), "{url}: {problem}");
        }
        let resp = as_partner(&app, Method::POST, "/v1/partner/webhooks", &key, Some(json!({"url": "https://203.0.113.9/h", "certificates": "some"}))).await;
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        let listed: Vec<Value> = as_partner(&app, Method::GET, "/v1/partner/webhooks", &key, None).await.json().await.unwrap();
        assert!(listed.is_empty(), "nothing stored");

        // Partners only: no key, a wrong key, or a user's token is 401.
        assert_problem(app.get("/v1/partner/webhooks", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(as_partner(&app, Method::GET, "/v1/partner/webhooks", "ivk_wrong", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let admin = app.tokens("admin@example.com").await;
        assert_problem(app.get("/v1/partner/webhooks", Some(&admin.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}
