//! `/v1/auth/register`, `/v1/auth/login`, `/v1/me`, `/v1/admin/users`.

use crate::both_backends;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends! {
    async fn a_password_signs_in_however_its_accents_are_typed(app: TestApp) {
        let decomposed = "cafe\u{301} au lait, s'il vous plait";
        let precomposed = "caf\u{e9} au lait, s'il vous plait";
        assert_eq!(app.register("accent@example.com", decomposed, "Zoë").await.status(), StatusCode::CREATED);
        assert_eq!(app.login("accent@example.com", precomposed).await.status(), StatusCode::OK);
        assert_eq!(app.login("accent@example.com", decomposed).await.status(), StatusCode::OK);
        let wrong = app.login("accent@example.com", "cafe au lait, s'il vous plait").await;
        crate::helpers::assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn nothing_private_is_cached_and_nothing_is_sniffed(app: TestApp) {
        let header = |r: &reqwest::Response, name: &str| r.headers().get(name).map(|v| v.to_str().unwrap_or_default().to_string());
        // Tokens: the sign-in and every authenticated answer, whatever its status.
        let t = app.candidate("cache@example.com").await;
        let login = app.login("cache@example.com", crate::helpers::PASSWORD).await;
        assert_eq!(header(&login, "cache-control").as_deref(), Some("no-store"));
        assert_eq!(header(&login, "x-content-type-options").as_deref(), Some("nosniff"));
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        let id = attempt["id"].as_str().expect("id");
        for path in [format!("/v1/attempts/{id}"), "/v1/me".to_string(), "/v1/attempts/not-mine".to_string()] {
            let resp = app.get(&path, Some(&t.access)).await;
            assert_eq!(header(&resp, "cache-control").as_deref(), Some("no-store"), "{path}");
            assert_eq!(header(&resp, "x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        }
        let refused = app.post("/v1/auth/refresh", None, &json!({"refresh_token": "nope"})).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(&refused, "cache-control").as_deref(), Some("no-store"));
        // Public answers may be cached; none may be sniffed, not even an unrouted 404.
        for path in ["/v1/certifications", "/no/such/route", "/openapi.json"] {
            let resp = app.get(path, None).await;
            assert_eq!(header(&resp, "x-content-type-options").as_deref(), Some("nosniff"), "{path}");
            assert_eq!(header(&resp, "cache-control"), None, "{path}");
        }
    }

    async fn register_creates_a_candidate_and_never_returns_the_password(app: TestApp) {
        let resp = app.register("Ada@Example.com", PASSWORD, " Ada Lovelace ").await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let text = resp.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["email"], "ada@example.com");
        assert_eq!(body["full_name"], "Ada Lovelace");
        assert_eq!(body["role"], "candidate");
        assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
        assert!(!text.contains(PASSWORD) && !text.contains("argon2"));
    }

    async fn a_second_registration_of_an_email_is_409_whatever_its_case(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        let resp = app.register("ADA@example.com", "another long passphrase", "Impostor").await;
        assert_problem(resp, StatusCode::CONFLICT, "email_taken").await;
    }

    async fn concurrent_registrations_of_one_email_create_one_account(app: TestApp) {
        let attempts = (0..6).map(|_| app.register("race@example.com", PASSWORD, "Racer"));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
    }

    async fn weak_passwords_are_refused_with_weak_password(app: TestApp) {
        for weak in ["short", "elevenchars", "Password1234", "qwertyuiopasdf", "aaaaaaaaaaaaaaa", "ada@example.com!"] {
            let resp = app.register("ada@example.com", weak, "Ada").await;
            assert_problem(resp, StatusCode::BAD_REQUEST, "weak_password").await;
        }
        // Nothing was created along the way.
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
    }

    async fn malformed_input_is_validation_failed(app: TestApp) {
        let resp = app.register("not-an-email", PASSWORD, "Ada").await;
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        let resp = app.register("ada@example.com", PASSWORD, "   ").await;
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        let resp = app.post("/v1/auth/register", None, &json!({"email": "ada@example.com", "password": PASSWORD})).await;
        assert_problem(resp, StatusCode::BAD_REQUEST, "validation_failed").await;
        // None of the refused requests created the account.
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
    }

    async fn a_client_cannot_choose_its_own_role(app: TestApp) {
        let body = json!({"email": "eve@example.com", "password": PASSWORD, "full_name": "Eve", "role": "admin"});
        let problem = assert_problem(app.post("/v1/auth/register", None, &body).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().unwrap().contains("role"));
        // And no account was created by the refused request.
        assert_eq!(app.register("eve@example.com", PASSWORD, "Eve").await.status(), StatusCode::CREATED);
    }

    async fn login_returns_a_bearer_pair_that_opens_me(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada Lovelace").await.status(), StatusCode::CREATED);
        let resp = app.login("ADA@example.com", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
        let me = app.get("/v1/me", body["access_token"].as_str()).await;
        assert_eq!(me.status(), StatusCode::OK);
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["email"], "ada@example.com");
        assert_eq!(me["full_name"], "Ada Lovelace");
        assert_eq!(me["role"], "candidate");
        assert_eq!(me["email_verified"], false);
        assert_eq!(me["disabled"], false);
        assert_eq!(me.as_object().unwrap().len(), 6, "{me}");
    }

    async fn unknown_email_and_wrong_password_get_the_same_answer(app: TestApp) {
        // Without the account, both logins would be for unknown emails and prove nothing.
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        let wrong = assert_problem(app.login("ada@example.com", "not the password").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let unknown = assert_problem(app.login("nobody@example.com", "not the password").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(wrong, unknown);
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    }

    async fn me_without_a_token_is_401(app: TestApp) {
        assert_problem(app.get("/v1/me", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let resp = app.client.get(format!("{}/v1/me", app.address)).header("authorization", "Basic YWRhOnB3").send().await.unwrap();
        assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn an_admin_creates_proctors_who_can_sign_in(app: TestApp) {
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let body = json!({"email": "pat@example.com", "password": PASSWORD, "full_name": "Pat Proctor", "role": "proctor"});
        let resp = app.post("/v1/admin/users", Some(&admin.access), &body).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["role"], "proctor");
        let proctor = app.tokens("pat@example.com").await;
        let me: Value = app.get("/v1/me", Some(&proctor.access)).await.json().await.unwrap();
        assert_eq!(me["role"], "proctor");
    }

    async fn only_admins_create_users(app: TestApp) {
        let candidate = app.candidate("cand@example.com").await;
        let proctor = app.user_with_role("pat@example.com", Role::Proctor).await;
        let body = json!({"email": "x@example.com", "password": PASSWORD, "full_name": "X", "role": "admin"});
        assert_problem(app.post("/v1/admin/users", Some(&candidate.access), &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.post("/v1/admin/users", Some(&proctor.access), &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.post("/v1/admin/users", None, &body).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // None of the refused calls created the account.
        assert_eq!(app.register("x@example.com", PASSWORD, "X").await.status(), StatusCode::CREATED);
    }

    async fn one_address_typed_precomposed_or_decomposed_is_one_account(app: TestApp) {
        // U+00FC, and u followed by the combining diaeresis U+0308: the same text to a reader.
        let resp = app.register("j\u{FC}rgen@example.com", PASSWORD, "Ju\u{308}rgen Mu\u{308}ller").await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["email"], "j\u{FC}rgen@example.com");
        assert_eq!(body["full_name"], "J\u{FC}rgen M\u{FC}ller", "stored composed");
        let again = app.register("ju\u{308}rgen@example.com", "another long passphrase", "Impostor").await;
        assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
        let again = app.register("JU\u{308}RGEN@Example.com", "another long passphrase", "Impostor").await;
        assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
        for typed in ["ju\u{308}rgen@example.com", "JU\u{308}RGEN@EXAMPLE.COM", " J\u{DC}rgen@example.com "] {
            let resp = app.login(typed, PASSWORD).await;
            assert_eq!(resp.status(), StatusCode::OK, "{typed:?}");
            let body: Value = resp.json().await.unwrap();
            let me: Value = app.get("/v1/me", body["access_token"].as_str()).await.json().await.unwrap();
            assert_eq!(me["email"], "j\u{FC}rgen@example.com");
        }
        let wrong = app.login("ju\u{308}rgen@example.com", "not the password").await;
        assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn an_account_stored_decomposed_before_normalisation_still_signs_in(app: TestApp) {
        assert_eq!(app.register("placeholder@example.com", PASSWORD, "Jurgen").await.status(), StatusCode::CREATED);
        app.state.db.write(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query("UPDATE users SET email = 'ju\u{308}rgen@example.com' WHERE email = 'placeholder@example.com'").execute(conn)?)
        }).await.unwrap();
        assert_eq!(app.login("ju\u{308}rgen@example.com", PASSWORD).await.status(), StatusCode::OK);
    }

    async fn invisible_characters_in_an_email_or_a_name_are_validation_failed(app: TestApp) {
        let problem = assert_problem(app.register("ada\u{200B}@example.com", PASSWORD, "Ada").await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().unwrap().contains("U+200B"), "{problem}");
        // A right-to-left override would print "Ada Lovelace" from "Ada ecalevoL".
        let problem = assert_problem(app.register("ada@example.com", PASSWORD, "Ada \u{202E}ecalevoL").await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().unwrap().contains("U+202E"), "{problem}");
        let problem = assert_problem(app.register("\u{FEFF}ada@example.com", PASSWORD, "Ada").await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert!(problem["detail"].as_str().unwrap().contains("U+FEFF"), "{problem}");
        // An admin's new user is held to the same rules.
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        for (email, name) in [("pat\u{2060}@example.com", "Pat"), ("pat@example.com", "Pat\u{AD}Proctor"), ("pat@example.com", "Pat\u{2067}")] {
            let body = json!({"email": email, "password": PASSWORD, "full_name": name, "role": "proctor"});
            assert_problem(app.post("/v1/admin/users", Some(&admin.access), &body).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        }
        // Signing in with such an address finds no account and says no more than that.
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada Lovelace").await.status(), StatusCode::CREATED);
        assert_problem(app.login("ada\u{200B}@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        // None of the refused requests created an account.
        assert_eq!(app.register("pat@example.com", PASSWORD, "Pat").await.status(), StatusCode::CREATED);
    }

    async fn an_admin_cannot_create_an_unknown_role(app: TestApp) {
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let body = json!({"email": "x@example.com", "password": PASSWORD, "full_name": "X", "role": "partner"});
        assert_problem(app.post("/v1/admin/users", Some(&admin.access), &body).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        // The refused request created no account.
        assert_eq!(app.register("x@example.com", PASSWORD, "X").await.status(), StatusCode::CREATED);
    }
}
