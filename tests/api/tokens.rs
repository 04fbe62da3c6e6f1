//! Access tokens and refresh-token rotation.

use crate::both_backends;
use crate::helpers::TestApp;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post("/v1/auth/refresh", None, &json!({"refresh_token": token}))
        .await
}

both_backends! {
    async fn a_session_ends_at_its_absolute_lifetime_however_often_it_is_renewed(app: TestApp) {
        let t = app.candidate("long@example.com").await;
        let mut refresh = t.refresh.clone();
        let renew = |token: String| {
            let app = &app;
            async move { app.post("/v1/auth/refresh", None, &json!({"refresh_token": token})).await }
        };
        // Renewed on days 10, 20 and 29: each renewal works...
        for days in [10, 10, 9] {
            app.clock.advance(chrono::Duration::days(days));
            let resp = renew(refresh.clone()).await;
            assert_eq!(resp.status(), StatusCode::OK, "day {days}");
            let body: Value = resp.json().await.expect("json");
            refresh = body["refresh_token"].as_str().expect("refresh").to_string();
        }
        // ...but the session still ends 30 days after the sign-in (INVIGIL_SESSION_MAX_DAYS).
        app.clock.advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
        let ended = renew(refresh).await;
        crate::helpers::assert_problem(ended, StatusCode::UNAUTHORIZED, "token_expired").await;
        // Signing in again starts a new session.
        assert_eq!(app.login("long@example.com", crate::helpers::PASSWORD).await.status(), StatusCode::OK);
    }

    async fn refresh_rotates_the_pair_and_spends_the_old_token(app: TestApp) {
        let first = app.candidate("ada@example.com").await;
        let resp = refresh(&app, &first.refresh).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let second: Value = resp.json().await.unwrap();
        assert_ne!(second["refresh_token"], first.refresh.as_str());
        assert_eq!(app.get("/v1/me", second["access_token"].as_str()).await.status(), StatusCode::OK);
        // The next rotation works from the new token.
        let third = refresh(&app, second["refresh_token"].as_str().unwrap()).await;
        assert_eq!(third.status(), StatusCode::OK);
        // The first token was spent by the first rotation: presenting it again is a replay.
        assert_problem(refresh(&app, &first.refresh).await, StatusCode::UNAUTHORIZED, "token_reused").await;
    }

    async fn a_spent_refresh_token_presented_again_revokes_its_whole_family(app: TestApp) {
        let stolen = app.candidate("ada@example.com").await;
        let owner = refresh(&app, &stolen.refresh).await;
        assert_eq!(owner.status(), StatusCode::OK);
        let owner: Value = owner.json().await.unwrap();
        // The thief replays the spent token.
        assert_problem(refresh(&app, &stolen.refresh).await, StatusCode::UNAUTHORIZED, "token_reused").await;
        // The owner's current token died with the family.
        assert_problem(refresh(&app, owner["refresh_token"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Another session of the same user (another family) is untouched.
        let other = app.tokens("ada@example.com").await;
        assert_eq!(refresh(&app, &other.refresh).await.status(), StatusCode::OK);
    }

    async fn two_concurrent_refreshes_of_one_token_yield_one_pair(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let results = futures_util::future::join_all((0..5).map(|_| refresh(&app, &t.refresh))).await;
        let statuses: Vec<StatusCode> = results.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        // Every other one presented a token that was already spent.
        for resp in results.into_iter().filter(|r| r.status() != StatusCode::OK) {
            assert_problem(resp, StatusCode::UNAUTHORIZED, "token_reused").await;
        }
    }

    async fn logout_ends_the_session(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        // Another instance has just seen the session live.
        let other = app.second_instance();
        assert_eq!(other.get("/v1/me", Some(&t.access)).await.status(), StatusCode::OK);
        let resp = app.post("/v1/auth/logout", Some(&t.access), &json!({"refresh_token": t.refresh})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_problem(refresh(&app, &t.refresh).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // The access token of the session ends with it: at once on this instance, and on
        // the other as soon as it reads the feed of account changes, its clock standing still.
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let ended = status_becomes(&other, "/v1/me", &t.access, StatusCode::UNAUTHORIZED).await;
        assert_problem(ended, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Signing out twice is harmless: the session is over, the answer says so.
        let again = app.post("/v1/auth/logout", Some(&t.access), &json!({"refresh_token": t.refresh})).await;
        assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    }

    async fn logout_cannot_end_someone_elses_session(app: TestApp) {
        let ada = app.candidate("ada@example.com").await;
        let eve = app.candidate("eve@example.com").await;
        let resp = app.post("/v1/auth/logout", Some(&eve.access), &json!({"refresh_token": ada.refresh})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(refresh(&app, &ada.refresh).await.status(), StatusCode::OK);
    }

    async fn an_unknown_refresh_token_is_401(app: TestApp) {
        assert_problem(refresh(&app, "made-up").await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn refresh_tokens_expire_after_thirty_days(app: TestApp) {
        // Two sessions from the same instant: a refresh spends its token, so each moment
        // needs a token of its own.
        let early = app.candidate("ada@example.com").await;
        let late = app.tokens("ada@example.com").await;
        app.clock.advance(chrono::Duration::days(30) - chrono::Duration::seconds(1));
        let resp = refresh(&app, &early.refresh).await;
        assert_eq!(resp.status(), StatusCode::OK, "still valid one second before thirty days");
        let renewed: Value = resp.json().await.unwrap();
        app.clock.advance(chrono::Duration::seconds(1));
        assert_problem(refresh(&app, &late.refresh).await, StatusCode::UNAUTHORIZED, "token_expired").await;
        // A token from a rotation would live thirty days from that rotation, but not past
        // the end of its session, thirty days after the sign-in.
        assert_problem(refresh(&app, renewed["refresh_token"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED, "token_expired").await;
    }

    async fn access_tokens_expire_after_fifteen_minutes(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        app.clock.advance(chrono::Duration::seconds(899));
        assert_eq!(app.get("/v1/me", Some(&t.access)).await.status(), StatusCode::OK);
        app.clock.advance(chrono::Duration::seconds(1));
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "token_expired").await;
    }

    async fn a_tampered_token_is_refused(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let parts: Vec<&str> = t.access.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&b64().decode(parts[1]).unwrap()).unwrap();
        claims["role"] = json!("admin");
        let forged = format!("{}.{}.{}", parts[0], b64().encode(claims.to_string()), parts[2]);
        assert_problem(app.get("/v1/me", Some(&forged)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let admin_call = app.post("/v1/admin/users", Some(&forged), &json!({})).await;
        assert_problem(admin_call, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn alg_none_and_other_algorithms_are_refused(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let payload = t.access.split('.').nth(1).unwrap();
        let none = format!("{}.{}.", b64().encode(br#"{"alg":"none","typ":"JWT"}"#), payload);
        assert_problem(app.get("/v1/me", Some(&none)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Same claims and even the same secret, but HS384 instead of the pinned HS256.
        let claims: Value = serde_json::from_slice(&b64().decode(payload).unwrap()).unwrap();
        let hs384 = jsonwebtoken::encode(&Header::new(Algorithm::HS384), &claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap();
        assert_problem(app.get("/v1/me", Some(&hs384)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // And a correct algorithm with another secret.
        let other = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"another-secret-another-secret-0000")).unwrap();
        assert_problem(app.get("/v1/me", Some(&other)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn a_token_issued_by_one_instance_is_accepted_by_another(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let other = app.second_instance();
        assert_eq!(other.get("/v1/me", Some(&t.access)).await.status(), StatusCode::OK);
        let rotated = other.post("/v1/auth/refresh", None, &json!({"refresh_token": t.refresh})).await;
        assert_eq!(rotated.status(), StatusCode::OK);
        assert_problem(refresh(&app, &t.refresh).await, StatusCode::UNAUTHORIZED, "token_reused").await;
    }
}
