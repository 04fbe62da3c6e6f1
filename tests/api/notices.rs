//! What candidates and partners are told, and that it is told once: results, holds,
//! terminations, certificates issued and revoked, renewal reminders swept by two
//! instances at once, and a crash between a revocation and its delivery.

use crate::binary::{free_port, start_server_with};
use crate::both_backends;
use crate::certificates::{number, partner_key, pass};
use crate::helpers::{connect, count, mails_to, TestApp, PASSWORD};
use crate::proctoring::{act, event, setup};
use crate::webhooks::{revoke, signed_by, subscribe, Receiver};
use chrono::{Duration, NaiveDate};
use invigil::notify::renewals;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// How many mails to `to` in `dir` contain `phrase`.
fn count_saying(dir: &std::path::Path, to: &str, phrase: &str) -> usize {
    mails_to(dir, to)
        .iter()
        .filter(|m| m.contains(phrase))
        .count()
}

/// Waits up to ten seconds for a mail to `to` containing `phrase`, then checks that it
/// stays the only one; returns it.
async fn the_mail_saying(dir: &std::path::Path, to: &str, phrase: &str) -> String {
    for _ in 0..500 {
        if count_saying(dir, to, phrase) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let found: Vec<String> = mails_to(dir, to)
        .into_iter()
        .filter(|m| m.contains(phrase))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "mails to {to} saying {phrase:?}: {found:#?}"
    );
    found.into_iter().next().unwrap()
}

async fn submit(app: &TestApp, token: &str, attempt: &str) -> Value {
    let path = format!("/v1/attempts/{attempt}/submit");
    let resp = app.post(&path, Some(token), &json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Waits until the outbox holds nothing undelivered: a test that moves the clock on by days
/// must let deliveries in flight finish first, as real time would (a jump past a claim's
/// lease would hand a message being sent to another instance).
async fn drained(app: &TestApp) {
    let mut conn = connect(app.backend, &app.database_url);
    let sql =
        "SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL";
    for _ in 0..500 {
        if count(&mut conn, sql) == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the outbox did not drain");
}

fn insecure(s: &mut invigil::config::Settings) {
    s.messaging.webhook_allow_insecure = true;
}

both_backends! {
    async fn candidates_are_told_a_pass_a_fail_and_a_certificate_with_its_dates(app: TestApp) {
        let dir = app.settings.messaging.mail_dir.clone();
        let ada = app.candidate("ada@example.com").await;
        let result = pass(&app, &ada, "MLOA-F").await;
        let n = number(&result);
        let told = the_mail_saying(&dir, "ada@example.com", "You passed.").await;
        assert!(told.contains(&format!("Your certificate number is {n}")), "{told}");
        assert!(told.contains("pass mark was"), "{told}");
        let issued = the_mail_saying(&dir, "ada@example.com", "you hold the").await;
        assert!(issued.contains(&n) && issued.contains("valid until 2029-11-26"), "{issued}");
        assert!(issued.contains(&format!("/c/{n}")), "a link anyone can check: {issued}");
        assert!(issued.contains("Content-Type: text/html"), "an HTML part too");

        let bob = app.candidate("bob@example.com").await;
        let attempt = app.start_attempt(&bob.access, "MLOA-F").await;
        let aid = attempt["id"].as_str().unwrap();
        app.answer(&bob.access, aid, 0).await;
        assert_eq!(submit(&app, &bob.access, aid).await["passed"], false);
        let failed = the_mail_saying(&dir, "bob@example.com", "You did not pass").await;
        assert!(failed.contains("You may take the exam again from 2026-12-10"), "{failed}");
        assert_eq!(count_saying(&dir, "bob@example.com", "you hold the"), 0);
    }

    async fn a_held_result_is_explained_in_plain_words(app: TestApp) {
        let dir = app.settings.messaging.mail_dir.clone();
        let (t, _proctor, aid) = setup(&app).await;
        app.live_for(&t.access, &aid, Duration::minutes(2)).await;
        for kind in ["focus_lost", "focus_regained", "focus_lost", "focus_regained", "multiple_faces"] {
            assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
        }
        app.live_for(&t.access, &aid, Duration::minutes(1)).await;
        app.answer(&t.access, &aid, 40).await;
        assert_eq!(submit(&app, &t.access, &aid).await["status"], "pending_review");
        let held = the_mail_saying(&dir, "ada@example.com", "held for review").await;
        assert!(held.contains("more than one face was seen on camera"), "{held}");
        assert!(!held.contains("multiple_faces"), "no rule names: {held}");
        assert_eq!(count_saying(&dir, "ada@example.com", "you hold the"), 0, "no certificate yet");
    }

    async fn a_terminated_candidate_reads_the_proctors_note(app: TestApp) {
        let dir = app.settings.messaging.mail_dir.clone();
        let (_t, proctor, aid) = setup(&app).await;
        let note = "A second person was seen reading the questions aloud.";
        assert_eq!(act(&app, &proctor, &aid, "terminate", Some(note)).await.status(), StatusCode::OK);
        let told = the_mail_saying(&dir, "ada@example.com", "ended your attempt").await;
        assert!(told.contains(note), "{told}");
        assert_eq!(count_saying(&dir, "ada@example.com", "Your result for"), 0, "one message, not two");
    }
}

both_backends! {
    settings = insecure;

    async fn reminders_and_the_expiry_are_told_once_when_two_instances_sweep_together(app: TestApp) {
        let dir = app.settings.messaging.mail_dir.clone();
        let key = partner_key(&app).await;
        let receiver = Receiver::start(0);
        let (_, secret) = subscribe(&app, &key, &receiver.url, "all").await;
        let t = app.candidate("ada@example.com").await;
        let result = pass(&app, &t, "MLOA-F").await;
        let n = number(&result);
        let expires: NaiveDate = result["certificate"]["expires_on"].as_str().unwrap().parse().unwrap();
        let other = app.second_instance();
        // Days before expiry at which both instances sweep, twice each, at once: each
        // threshold, and a day on either side of it.
        for days_before in [91, 90, 89, 31, 30, 29, 8, 7, 6, 1, 0, -1, -2] {
            let day = expires - Duration::days(days_before);
            app.clock.set(day.and_hms_opt(6, 0, 0).unwrap().and_utc());
            for _ in 0..2 {
                let (a, b) = tokio::join!(renewals::sweep(&app.state), renewals::sweep(&other.state));
                a.expect("a sweep");
                b.expect("a sweep");
            }
            drained(&app).await;
        }
        for days in [90, 30, 7] {
            let told = the_mail_saying(&dir, "ada@example.com", &format!(", in {days} days.")).await;
            assert!(told.contains(&n) && told.contains("renewal window is open"), "{told}");
        }
        assert_eq!(count_saying(&dir, "ada@example.com", "expires on"), 3, "three reminders in all");
        let expired = the_mail_saying(&dir, "ada@example.com", "now see it as expired").await;
        assert!(expired.contains(&format!("expired on {expires}")), "{expired}");

        let got = receiver.wait_for(1).await;
        receiver.assert_stays_at(1).await;
        assert!(signed_by(&secret, &got[0]));
        let event = got[0].json();
        assert_eq!(event["type"], "certificate.expired");
        assert_eq!(event["data"]["number"], n.as_str());
        assert_eq!(event["data"]["status"], "expired");
    }

    async fn a_crash_between_a_revocation_and_its_delivery_loses_and_repeats_nothing(app: TestApp) {
        let key = partner_key(&app).await;
        let receiver = Receiver::start(0);
        let (_, secret) = subscribe(&app, &key, &receiver.url, "all").await;
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        // The real binary on the same database; it delivers at start and then only
        // hourly, so the revocation's messages wait in the outbox when it is killed.
        let mail = tempfile::tempdir().unwrap();
        let mail_dir = mail.path().to_string_lossy().into_owned();
        let settings = |interval: &'static str| {
            [
                ("INVIGIL_OUTBOX_INTERVAL_MS", interval),
                ("INVIGIL_WEBHOOK_ALLOW_INSECURE", "true"),
            ]
        };
        let port = free_port();
        let mut env = settings("3600000").to_vec();
        env.push(("INVIGIL_MAIL_DIR", &mail_dir));
        let server = start_server_with(&app.database_url, port, &env).await;
        let client = reqwest::Client::new();
        let login: Value = client.post(format!("{}/v1/auth/login", server.address))
            .json(&json!({"email": "admin@example.com", "password": PASSWORD}))
            .send().await.unwrap().json().await.unwrap();
        let admin = login["access_token"].as_str().expect("signed in");
        let revoked = client.post(format!("{}/v1/admin/certificates/{n}/revoke", server.address))
            .bearer_auth(admin)
            .json(&json!({"reason": "identity fraud"}))
            .send().await.unwrap();
        assert_eq!(revoked.status(), StatusCode::OK);
        server.kill();
        receiver.assert_stays_at(0).await;
        assert_eq!(count_saying(mail.path(), "ada@example.com", "is revoked"), 0);

        let mut env = settings("20").to_vec();
        env.push(("INVIGIL_MAIL_DIR", &mail_dir));
        let server = start_server_with(&app.database_url, port, &env).await;
        let got = receiver.wait_for(1).await;
        let told = the_mail_saying(mail.path(), "ada@example.com", "is revoked").await;
        assert!(told.contains("The reason given: identity fraud"), "{told}");
        receiver.assert_stays_at(1).await;
        assert!(signed_by(&secret, &got[0]));
        assert_eq!(got[0].json()["type"], "certificate.revoked");
        assert_eq!(got[0].json()["data"]["number"], n.as_str());
        server.kill();
        // Revoked in-process too: the certificate is told of once, the second revocation
        // changing nothing.
        revoke(&app, &n, "identity fraud").await;
        receiver.assert_stays_at(1).await;
    }
}
