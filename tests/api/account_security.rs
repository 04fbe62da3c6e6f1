//! Rights come from the account, not the token; nobody can lock an owner out; signing
//! out and disabling end access tokens; administrators find and change accounts.

use crate::both_backends;
use crate::helpers::TestApp;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn device_login(
    app: &TestApp,
    email: &str,
    password: &str,
    device: &str,
    addr: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/auth/login", app.address))
        .header("x-forwarded-for", addr)
        .json(&json!({"email": email, "password": password, "device_token": device}))
        .send()
        .await
        .unwrap()
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.request(reqwest::Method::PATCH, path, Some(token), Some(&body))
        .await
}

both_backends! {
    async fn nobody_can_lock_the_owner_out_of_a_device_that_signed_in_before(app: TestApp) {
        app.candidate("ada@example.com").await;
        let first: Value = app.login("ada@example.com", PASSWORD).await.json().await.unwrap();
        let device = first["device_token"].as_str().expect("a device token").to_string();

        // 50 wrong passwords from 10 addresses: the account-wide limit is full.
        for i in 0..50 {
            let resp = app.login_from("ada@example.com", "wrong guess 123", &format!("203.0.113.{}", i % 10)).await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        // A client the account has never seen waits, even with the right password...
        let resp = app.login_from("ada@example.com", PASSWORD, "198.51.100.1").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        // ...but the owner's device signs in, from the attacker's own address too.
        let owner = device_login(&app, "ada@example.com", PASSWORD, &device, "203.0.113.1").await;
        assert_eq!(owner.status(), StatusCode::OK);
        let owner: Value = owner.json().await.unwrap();
        assert_eq!(owner["device_token"], device.as_str());

        // A device token is the account's own: another account's, or a forged one, is
        // worth nothing.
        app.candidate("eve@example.com").await;
        let eve: Value = app.login_from("eve@example.com", PASSWORD, "192.0.2.50").await.json().await.unwrap();
        let eves = eve["device_token"].as_str().unwrap();
        let resp = device_login(&app, "ada@example.com", PASSWORD, eves, "198.51.100.1").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        let forged = format!("{}x", &device[..device.len() - 1]);
        let resp = device_login(&app, "ada@example.com", PASSWORD, &forged, "198.51.100.1").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }

    async fn a_device_token_does_not_make_guessing_fast(app: TestApp) {
        app.candidate("ada@example.com").await;
        let first: Value = app.login("ada@example.com", PASSWORD).await.json().await.unwrap();
        let device = first["device_token"].as_str().unwrap().to_string();
        for _ in 0..5 {
            let resp = device_login(&app, "ada@example.com", "wrong guess 123", &device, "192.0.2.1").await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = device_login(&app, "ada@example.com", PASSWORD, &device, "192.0.2.1").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }

    async fn a_browser_keeps_its_device_token_in_a_cookie_only_sign_in_sees(app: TestApp) {
        app.candidate("ada@example.com").await;
        let resp = app.login("ada@example.com", PASSWORD).await;
        let cookie = resp.headers().get("set-cookie").expect("a cookie").to_str().unwrap().to_string();
        assert!(cookie.starts_with("invigil_device="), "{cookie}");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/v1/auth/login"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        let value = cookie.split(';').next().unwrap().to_string();
        for i in 0..50 {
            app.login_from("ada@example.com", "wrong guess 123", &format!("203.0.113.{}", i % 10)).await;
        }
        let resp = app.client
            .post(format!("{}/v1/auth/login", app.address))
            .header("cookie", value)
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }

    async fn a_demoted_admin_loses_admin_rights_within_seconds_everywhere(app: TestApp) {
        let root = app.user_with_role("root@example.com", Role::Admin).await;
        let other = app.user_with_role("other@example.com", Role::Admin).await;
        let elsewhere = app.second_instance();
        // Both instances have just seen the admin act as one.
        assert_eq!(app.get("/v1/admin/users", Some(&other.access)).await.status(), StatusCode::OK);
        assert_eq!(elsewhere.get("/v1/admin/users", Some(&other.access)).await.status(), StatusCode::OK);

        let me: Value = app.get("/v1/me", Some(&other.access)).await.json().await.unwrap();
        let id = me["id"].as_str().unwrap();
        let resp = patch(&app, &format!("/v1/admin/users/{id}"), &root.access, json!({"role": "proctor"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let changed: Value = resp.json().await.unwrap();
        assert_eq!(changed["role"], "proctor");

        // At once on the instance that made the change; on the other as soon as it reads
        // the change in the feed of account changes, its clock standing still (without
        // the feed it would trust what it saw for as long as the feed is read).
        assert_problem(app.get("/v1/admin/users", Some(&other.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        let refused = status_becomes(&elsewhere, "/v1/admin/users", &other.access, StatusCode::FORBIDDEN).await;
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
        // The same token now opens what the new role may.
        assert_eq!(elsewhere.get("/v1/proctor/attempts", Some(&other.access)).await.status(), StatusCode::OK);

        // The trail says who did it.
        let trail: Vec<Value> = app.get(&format!("/v1/admin/audit?user_id={id}"), Some(&root.access)).await.json().await.unwrap();
        let root_id: Value = app.get("/v1/me", Some(&root.access)).await.json().await.unwrap();
        let entry = trail.iter().find(|e| e["action"] == "user.role_changed").expect("an audit entry");
        assert_eq!(entry["actor"], root_id["id"]);
        assert_eq!(entry["from"], "admin");
        assert_eq!(entry["to"], "proctor");
        assert_eq!(entry["subject"], format!("user:{id}"));
    }

    async fn an_account_disabled_outside_the_server_is_refused_within_a_moment(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        // Seen as standing, and remembered so.
        assert_eq!(app.get("/v1/me", Some(&t.access)).await.status(), StatusCode::OK);
        // Another process (a tool, an operator's SQL) disables the account: the triggers
        // put it in the feed of account changes, which the instance reads.
        let mut conn = connect(app.backend, &app.database_url);
        let set = |sql: &str, conn: &mut _| diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn).unwrap();
        set("UPDATE users SET disabled_at = CURRENT_TIMESTAMP WHERE email = 'ada@example.com'", &mut conn);
        let refused = status_becomes(&app, "/v1/me", &t.access, StatusCode::UNAUTHORIZED).await;
        assert_problem(refused, StatusCode::UNAUTHORIZED, "account_disabled").await;
        // Re-enabled the same way, the same token opens the account again.
        set("UPDATE users SET disabled_at = NULL WHERE email = 'ada@example.com'", &mut conn);
        assert_eq!(status_becomes(&app, "/v1/me", &t.access, StatusCode::OK).await.status(), StatusCode::OK);
    }

    async fn a_deleted_accounts_token_is_refused_not_an_error(app: TestApp) {
        let t = app.candidate("gone@example.com").await;
        let mut conn = connect(app.backend, &app.database_url);
        diesel::RunQueryDsl::execute(diesel::sql_query("DELETE FROM users WHERE email = 'gone@example.com'"), &mut conn).unwrap();
        let resp = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn a_reused_refresh_token_ends_the_access_tokens_of_its_family(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let pair: Value = app.post("/v1/auth/refresh", None, &json!({"refresh_token": t.refresh})).await.json().await.unwrap();
        let access = pair["access_token"].as_str().unwrap();
        assert_eq!(app.get("/v1/me", Some(access)).await.status(), StatusCode::OK);
        // The spent token comes back (a thief replays it): the whole family is revoked.
        let resp = app.post("/v1/auth/refresh", None, &json!({"refresh_token": t.refresh})).await;
        assert_problem(resp, StatusCode::UNAUTHORIZED, "token_reused").await;
        assert_problem(app.get("/v1/me", Some(access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Another session of the same account is not touched.
        let other = app.tokens("ada@example.com").await;
        assert_eq!(app.get("/v1/me", Some(&other.access)).await.status(), StatusCode::OK);
    }

    async fn a_disabled_account_is_out_at_once_and_back_when_enabled(app: TestApp) {
        let root = app.user_with_role("root@example.com", Role::Admin).await;
        let t = app.candidate("ada@example.com").await;
        let me: Value = app.get("/v1/me", Some(&t.access)).await.json().await.unwrap();
        let path = format!("/v1/admin/users/{}", me["id"].as_str().unwrap());

        let resp = patch(&app, &path, &root.access, json!({"disabled": true})).await;
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["disabled"], true);
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "account_disabled").await;
        assert_problem(app.post("/v1/auth/refresh", None, &json!({"refresh_token": t.refresh})).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // A wrong password learns nothing; the right one is told.
        assert_problem(app.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_problem(app.login("ada@example.com", PASSWORD).await, StatusCode::FORBIDDEN, "account_disabled").await;

        let resp = patch(&app, &path, &root.access, json!({"disabled": false})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let back = app.tokens("ada@example.com").await;
        assert_eq!(app.get("/v1/me", Some(&back.access)).await.status(), StatusCode::OK);
        // The sessions that disabling ended stay ended.
        assert_problem(app.get("/v1/me", Some(&t.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;

        let trail: Vec<Value> = app.get(&format!("/v1/admin/audit?user_id={}", me["id"].as_str().unwrap()), Some(&root.access)).await.json().await.unwrap();
        let actions: Vec<&str> = trail.iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["user.disabled", "user.enabled"]);
    }

    async fn admins_find_users_by_address_name_and_role_a_page_at_a_time(app: TestApp) {
        let root = app.user_with_role("root@example.com", Role::Admin).await;
        for (email, name) in [("ada@example.com", "Ada Lovelace"), ("alan@example.com", "Alan Turing"), ("grace@example.com", "Grace Hopper")] {
            assert_eq!(app.register(email, PASSWORD, name).await.status(), StatusCode::CREATED);
            app.clock.advance(chrono::Duration::seconds(1));
        }
        app.user_with_role("watcher@example.com", Role::Proctor).await;
        let list = |q: &str| {
            let app = &app;
            let token = root.access.clone();
            let q = q.to_string();
            async move { app.get(&format!("/v1/admin/users{q}"), Some(&token)).await }
        };
        let names = |v: Vec<Value>| v.iter().map(|u| u["email"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(names(list("?q=TURING").await.json().await.unwrap()), ["alan@example.com"]);
        assert_eq!(names(list("?q=grace%40").await.json().await.unwrap()), ["grace@example.com"]);
        assert_eq!(names(list("?role=proctor").await.json().await.unwrap()), ["watcher@example.com"]);
        // A wildcard typed in the search is a character, not a pattern.
        assert!(names(list("?q=%25").await.json().await.unwrap()).is_empty());

        let first = list("?role=candidate&limit=2").await;
        let link = first.headers().get("link").expect("a next page").to_str().unwrap().to_string();
        assert_eq!(names(first.json().await.unwrap()), ["ada@example.com", "alan@example.com"]);
        let next = link.trim_start_matches('<').split('>').next().unwrap().to_string();
        let second = app.get(&next, Some(&root.access)).await;
        assert!(second.headers().get("link").is_none());
        assert_eq!(names(second.json().await.unwrap()), ["grace@example.com"]);

        assert_problem(list("?role=superuser").await, StatusCode::BAD_REQUEST, "validation_failed").await;
        let candidate = app.tokens("ada@example.com").await;
        assert_problem(app.get("/v1/admin/users", Some(&candidate.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    async fn an_admin_sees_a_users_attempts_certificates_and_accommodations(app: TestApp) {
        let root = app.user_with_role("root@example.com", Role::Admin).await;
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        let me: Value = app.get("/v1/me", Some(&t.access)).await.json().await.unwrap();
        let id = me["id"].as_str().unwrap();
        let resp = app.post("/v1/admin/accommodations", Some(&root.access), &json!({"user_id": id, "extra_time_percent": 25})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);

        let detail: Value = app.get(&format!("/v1/admin/users/{id}"), Some(&root.access)).await.json().await.unwrap();
        assert_eq!(detail["email"], "ada@example.com");
        assert_eq!(detail["attempts"][0]["id"], attempt["id"]);
        assert_eq!(detail["certificates"], json!([]));
        assert_eq!(detail["accommodations"][0]["extra_time_percent"], 25);
        assert!(detail.get("password_hash").is_none());

        assert_problem(app.get("/v1/admin/users/nobody", Some(&root.access)).await, StatusCode::NOT_FOUND, "not_found").await;
        let root_me: Value = app.get("/v1/me", Some(&root.access)).await.json().await.unwrap();
        let own = format!("/v1/admin/users/{}", root_me["id"].as_str().unwrap());
        assert_problem(patch(&app, &own, &root.access, json!({"disabled": true})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(patch(&app, &format!("/v1/admin/users/{id}"), &root.access, json!({"role": "owner"})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(patch(&app, &format!("/v1/admin/users/{id}"), &root.access, json!({"score": 100})).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(patch(&app, &format!("/v1/admin/users/{id}"), &t.access, json!({"role": "admin"})).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
}
