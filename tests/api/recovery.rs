//! Address verification, password change and password reset, through the mail they send.

use crate::both_backends;
use crate::helpers::{mailed_token, mails_to, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "a brand new passphrase 2026";

fn dir(app: &TestApp) -> std::path::PathBuf {
    app.settings.messaging.mail_dir.clone()
}

async fn wait_for_mails(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    for _ in 0..500 {
        let found = mails_to(&dir(app), to);
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{to} did not get {n} mails");
}

both_backends! {
    async fn an_unverified_candidate_can_prepare_but_not_start_an_exam(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada Lovelace").await.status(), StatusCode::CREATED);
        let t = app.tokens("ada@example.com").await;
        let me: Value = app.get("/v1/me", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(me["email_verified"], false);
        assert_eq!(app.get("/v1/certifications/MLOA-F", Some(&t.access)).await.status(), StatusCode::OK);
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(resp, StatusCode::FORBIDDEN, "email_unverified").await;

        let token = mailed_token(&dir(&app), "ada@example.com", "/verify-email").await;
        let mail = &mails_to(&dir(&app), "ada@example.com")[0];
        assert!(mail.contains("Subject: Verify your e-mail address"), "{mail}");
        assert!(mail.contains("Hello Ada Lovelace"), "{mail}");
        assert!(mail.contains("text/html"), "a plain-text and an HTML body: {mail}");
        assert_eq!(app.post("/v1/auth/verify-email", None, &json!({"token": token})).await.status(), StatusCode::NO_CONTENT);
        // The link works once; a made-up one never.
        assert_problem(app.post("/v1/auth/verify-email", None, &json!({"token": token})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(app.post("/v1/auth/verify-email", None, &json!({"token": "made-up"})).await, StatusCode::BAD_REQUEST, "validation_failed").await;

        let me: Value = app.get("/v1/me", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(me["email_verified"], true);
        assert_eq!(app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await.status(), StatusCode::CREATED);
    }

    async fn a_verification_link_expires_and_a_new_one_can_be_asked_for_once_a_minute(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        let first = mailed_token(&dir(&app), "ada@example.com", "/verify-email").await;
        let t = app.tokens("ada@example.com").await;
        // Asked again within the minute: nothing more is sent.
        assert_eq!(app.post("/v1/auth/verify-email/resend", Some(&t.access), &json!({})).await.status(), StatusCode::ACCEPTED);
        app.clock.advance(chrono::Duration::hours(48));
        assert_problem(app.post("/v1/auth/verify-email", None, &json!({"token": first})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        let t = app.tokens("ada@example.com").await;
        assert_eq!(app.post("/v1/auth/verify-email/resend", Some(&t.access), &json!({})).await.status(), StatusCode::ACCEPTED);
        wait_for_mails(&app, "ada@example.com", 2).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(mails_to(&dir(&app), "ada@example.com").len(), 2, "one resend, not two");
        let second = mailed_token(&dir(&app), "ada@example.com", "/verify-email").await;
        assert_ne!(first, second);
        assert_eq!(app.post("/v1/auth/verify-email", None, &json!({"token": second})).await.status(), StatusCode::NO_CONTENT);
    }

    async fn accounts_an_admin_creates_are_verified(app: TestApp) {
        let proctor = app.user_with_role("watcher@example.com", invigil::domain::account::Role::Proctor).await;
        let me: Value = app.get("/v1/me", Some(&proctor.access)).await.json().await.unwrap();
        assert_eq!(me["email_verified"], true);
        assert!(mails_to(&dir(&app), "watcher@example.com").is_empty());
    }

    async fn a_password_is_reset_by_a_one_time_link_that_ends_every_session(app: TestApp) {
        let old = app.candidate("ada@example.com").await;
        let unknown = app.post("/v1/auth/password-reset", None, &json!({"email": "nobody@example.com"})).await;
        let known = app.post("/v1/auth/password-reset", None, &json!({"email": "ADA@example.com"})).await;
        assert_eq!(unknown.status(), StatusCode::ACCEPTED);
        assert_eq!(known.status(), StatusCode::ACCEPTED);
        assert_eq!(unknown.text().await.unwrap(), known.text().await.unwrap());

        let token = mailed_token(&dir(&app), "ada@example.com", "/reset-password").await;
        assert!(mails_to(&dir(&app), "nobody@example.com").is_empty());
        let weak = app.post("/v1/auth/password-reset/confirm", None, &json!({"token": token, "new_password": "short"})).await;
        assert_problem(weak, StatusCode::BAD_REQUEST, "weak_password").await;
        let done = app.post("/v1/auth/password-reset/confirm", None, &json!({"token": token, "new_password": NEW_PASSWORD})).await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);

        assert_problem(app.login("ada@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(app.login("ada@example.com", NEW_PASSWORD).await.status(), StatusCode::OK);
        assert_problem(app.get("/v1/me", Some(&old.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(app.post("/v1/auth/refresh", None, &json!({"refresh_token": old.refresh})).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Single use.
        let again = app.post("/v1/auth/password-reset/confirm", None, &json!({"token": token, "new_password": "yet another passphrase 99"})).await;
        assert_problem(again, StatusCode::BAD_REQUEST, "validation_failed").await;
        let notices = wait_for_mails(&app, "ada@example.com", 3).await;
        assert!(notices.iter().any(|m| m.contains("Subject: Your password was changed")));
    }

    async fn a_reset_link_lasts_thirty_minutes(app: TestApp) {
        app.candidate("ada@example.com").await;
        app.post("/v1/auth/password-reset", None, &json!({"email": "ada@example.com"})).await;
        let token = mailed_token(&dir(&app), "ada@example.com", "/reset-password").await;
        app.clock.advance(chrono::Duration::minutes(30));
        let late = app.post("/v1/auth/password-reset/confirm", None, &json!({"token": token, "new_password": NEW_PASSWORD})).await;
        assert_problem(late, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    }

    async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions(app: TestApp) {
        let here = app.candidate("ada@example.com").await;
        let elsewhere = app.tokens("ada@example.com").await;
        let change = |current: &str, new: &str| {
            let body = json!({"current_password": current, "new_password": new});
            let app = &app;
            let token = here.access.clone();
            async move { app.post("/v1/me/password", Some(&token), &body).await }
        };
        assert_problem(change("not my password 1", NEW_PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_problem(change(PASSWORD, "password").await, StatusCode::BAD_REQUEST, "weak_password").await;
        assert_eq!(change(PASSWORD, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);

        assert_eq!(app.get("/v1/me", Some(&here.access)).await.status(), StatusCode::OK);
        assert_problem(app.get("/v1/me", Some(&elsewhere.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_eq!(app.login("ada@example.com", NEW_PASSWORD).await.status(), StatusCode::OK);
        let notices = wait_for_mails(&app, "ada@example.com", 2).await;
        assert!(notices.iter().any(|m| m.contains("Subject: Your password was changed")));
    }

    async fn guessing_the_current_password_with_a_stolen_token_is_throttled(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        for _ in 0..5 {
            let resp = app.post("/v1/me/password", Some(&t.access), &json!({"current_password": "a wrong guess 12", "new_password": NEW_PASSWORD})).await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = app.post("/v1/me/password", Some(&t.access), &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})).await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }
}

mod closed_test_centre {
    use crate::helpers::*;
    use reqwest::StatusCode;
    use serde_json::json;

    async fn check(backend: Backend) {
        let Some(app) = TestApp::spawn_with(
            backend,
            |s| s.messaging.require_verified_email = false,
            |_| {},
        )
        .await
        else {
            return;
        };
        assert_eq!(
            app.register("ada@example.com", PASSWORD, "Ada")
                .await
                .status(),
            StatusCode::CREATED
        );
        let t = app.tokens("ada@example.com").await;
        let resp = app
            .post(
                "/v1/certifications/MLOA-F/attempts",
                Some(&t.access),
                &json!({}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }

    #[actix_web::test]
    async fn unverified_candidates_may_start_when_the_centre_says_so_on_sqlite() {
        check(Backend::Sqlite).await
    }

    #[actix_web::test]
    async fn unverified_candidates_may_start_when_the_centre_says_so_on_postgres() {
        check(Backend::Postgres).await
    }
}
