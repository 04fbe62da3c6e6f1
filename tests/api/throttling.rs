//! Failed-login throttling, counted in the database.

use crate::both_backends;
use reqwest::StatusCode;

both_backends! {
    async fn after_five_failures_the_pair_waits_a_doubling_time(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        for _ in 0..5 {
            assert_problem(app.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
        let body = assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_eq!(body["retry_after_seconds"], 1);

        app.clock.advance(chrono::Duration::seconds(1));
        assert_problem(app.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let resp = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "2");
        let body = assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_eq!(body["retry_after_seconds"], 2);

        // Another address is not slowed down by this pair's failures.
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "198.51.100.7").await.status(), StatusCode::OK);

        // Once the wait is over the right password gets in and clears the pair.
        app.clock.advance(chrono::Duration::seconds(2));
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_problem(app.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn an_account_takes_fifty_failures_an_hour_from_all_addresses(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        for i in 0..50 {
            let resp = app.login_from("ada@example.com", "wrong guess 123", &format!("203.0.113.{i}")).await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = app.login_from("ada@example.com", PASSWORD, "198.51.100.1").await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "3600");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        app.clock.advance(chrono::Duration::hours(1));
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "198.51.100.1").await.status(), StatusCode::OK);
    }

    async fn an_address_takes_a_hundred_failures_an_hour(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        for i in 0..100 {
            let resp = app.login_from(&format!("user{i}@example.com"), "wrong guess 123", "203.0.113.9").await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        // Even the right password of an account this address never tried.
        let resp = app.login_from("ada@example.com", PASSWORD, "203.0.113.9").await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "3600");
        let body = assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_eq!(body["retry_after_seconds"], 3600);
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "203.0.113.10").await.status(), StatusCode::OK);
        // The hundred failures leave the window after an hour, and the address is let in.
        app.clock.advance(chrono::Duration::hours(1));
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "203.0.113.9").await.status(), StatusCode::OK);
    }

    async fn a_burst_of_parallel_guesses_cannot_pass_the_limit(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        let guesses = (0..12).map(|_| app.login("ada@example.com", "wrong guess 123"));
        let answers = futures_util::future::join_all(guesses).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
        let evaluated = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        assert_eq!(evaluated, 5, "only the free failures are checked: {statuses:?}");
        // Every other guess was turned away before its password was looked at.
        let refused: Vec<reqwest::Response> = answers.into_iter().filter(|r| r.status() != StatusCode::UNAUTHORIZED).collect();
        assert_eq!(refused.len(), 7);
        for resp in refused {
            assert_eq!(resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()), Some("1".to_string()));
            assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        }
    }

    async fn failures_count_across_instances(app: TestApp) {
        assert_eq!(app.register("ada@example.com", PASSWORD, "Ada").await.status(), StatusCode::CREATED);
        let other = app.second_instance();
        for i in 0..5 {
            let instance = if i % 2 == 0 { &app } else { &other };
            assert_problem(instance.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        let resp = other.login("ada@example.com", PASSWORD).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_problem(app.login("ada@example.com", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        // The instances share the clock: once the wait is over, either one lets the owner in.
        app.clock.advance(chrono::Duration::seconds(1));
        assert_eq!(other.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    }
}

/// `INVIGIL_TRUST_FORWARDED_FOR`: only a server told to trust `X-Forwarded-For` takes the
/// client address from it; otherwise anyone could claim a fresh address for every guess.
mod forwarded_for {
    use crate::helpers::{assert_problem, Backend, TestApp, PASSWORD};
    use reqwest::StatusCode;

    async fn spawn(backend: Backend, trust: bool) -> Option<TestApp> {
        let app = TestApp::spawn_with(backend, |s| s.trust_forwarded_for = trust, |_| {}).await;
        if app.is_none() {
            eprintln!("SKIPPED forwarded_for::{backend:?}: INVIGIL_TEST_DATABASE_URL is not set");
        }
        app
    }

    /// Five wrong passwords, each claiming another address, then the right one claiming a
    /// sixth; returns the answer to the right one.
    async fn guess_from_five_claimed_addresses(app: &TestApp) -> reqwest::Response {
        let registered = app.register("ada@example.com", PASSWORD, "Ada").await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        for i in 1..=5 {
            let claimed = format!("203.0.113.{i}");
            let resp = app
                .login_from("ada@example.com", "wrong guess 123", &claimed)
                .await;
            assert_problem(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        app.login_from("ada@example.com", PASSWORD, "203.0.113.6")
            .await
    }

    async fn check(backend: Backend) {
        let Some(untrusting) = spawn(backend, false).await else {
            return;
        };
        // All six came from the test's own 127.0.0.1: one pair, five failures.
        let resp = guess_from_five_claimed_addresses(&untrusting).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        untrusting.clock.advance(chrono::Duration::seconds(1));
        let resp = untrusting
            .login_from("ada@example.com", PASSWORD, "203.0.113.7")
            .await;
        assert_eq!(resp.status(), StatusCode::OK);

        let Some(trusting) = spawn(backend, true).await else {
            return;
        };
        // Six claimed addresses, six pairs of one failure at most.
        let resp = guess_from_five_claimed_addresses(&trusting).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }

    #[test]
    fn the_setting_is_read_from_its_variable_and_off_by_default() {
        let read = |value: Option<&'static str>| {
            invigil::config::Settings::from_lookup(|name| {
                (name == "INVIGIL_TRUST_FORWARDED_FOR")
                    .then_some(value)
                    .flatten()
                    .map(str::to_string)
            })
            .expect("valid settings")
            .trust_forwarded_for
        };
        assert!(!read(None));
        assert!(read(Some("true")));
        assert!(!read(Some("false")));
    }

    #[actix_web::test]
    async fn x_forwarded_for_counts_only_when_trusted_on_sqlite() {
        check(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn x_forwarded_for_counts_only_when_trusted_on_postgres() {
        check(Backend::Postgres).await;
    }
}
