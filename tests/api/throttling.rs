//! Failed-login throttling, counted in the database.

use crate::both_backends;
use reqwest::StatusCode;

both_backends! {
    async fn after_five_failures_the_pair_waits_a_doubling_time(app: TestApp) {
        app.register("ada@example.com", PASSWORD, "Ada").await;
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

        // Another address is not slowed down by this pair's failures.
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "198.51.100.7").await.status(), StatusCode::OK);

        // Once the wait is over the right password gets in and clears the pair.
        app.clock.advance(chrono::Duration::seconds(2));
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_problem(app.login("ada@example.com", "wrong guess 123").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn an_account_takes_fifty_failures_an_hour_from_all_addresses(app: TestApp) {
        app.register("ada@example.com", PASSWORD, "Ada").await;
        for i in 0..50 {
            let resp = app.login_from("ada@example.com", "wrong guess 123", &format!("203.0.113.{i}")).await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = app.login_from("ada@example.com", PASSWORD, "198.51.100.1").await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "3600");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        app.clock.advance(chrono::Duration::hours(1));
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "198.51.100.1").await.status(), StatusCode::OK);
    }

    async fn an_address_takes_a_hundred_failures_an_hour(app: TestApp) {
        app.register("ada@example.com", PASSWORD, "Ada").await;
        for i in 0..100 {
            let resp = app.login_from(&format!("user{i}@example.com"), "wrong guess 123", "203.0.113.9").await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = app.login_from("ada@example.com", PASSWORD, "203.0.113.9").await;
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_eq!(app.login_from("ada@example.com", PASSWORD, "203.0.113.10").await.status(), StatusCode::OK);
    }

    async fn a_burst_of_parallel_guesses_cannot_pass_the_limit(app: TestApp) {
        app.register("ada@example.com", PASSWORD, "Ada").await;
        let guesses = (0..12).map(|_| app.login("ada@example.com", "wrong guess 123"));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses).await.iter().map(|r| r.status()).collect();
        let evaluated = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        assert_eq!(evaluated, 5, "only the free failures are checked: {statuses:?}");
    }

    async fn failures_count_across_instances(app: TestApp) {
        app.register("ada@example.com", PASSWORD, "Ada").await;
        let other = app.second_instance();
        for i in 0..5 {
            let instance = if i % 2 == 0 { &app } else { &other };
            assert_eq!(instance.login("ada@example.com", "wrong guess 123").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_problem(other.login("ada@example.com", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_problem(app.login("ada@example.com", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }
}
