//! The browser client as the server serves it: the shell on every page path (every link a
//! mail carries among them), its assets with their types, and the headers that keep it
//! safe. What the pages do is tested in a real browser (`tests/browser/`).

use crate::both_backends;
use crate::helpers::{assert_problem, TestApp};
use reqwest::StatusCode;

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request sent")
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

both_backends! {
    async fn every_page_path_serves_the_shell_under_a_strict_policy(app: TestApp) {
        for path in [
            "/", "/register", "/sign-in", "/verify-email?token=abc", "/reset-password?token=abc",
            "/account", "/certifications/MLOA-F", "/certifications/MLOA-F/start",
            "/exam/0196f0a8-0000-7000-8000-000000000000", "/attempts",
            "/attempts/0196f0a8-0000-7000-8000-000000000000", "/certificates",
            "/c/MLOAF-7K3Q-9XPR-D", "/verify", "/partner", "/proctor",
            "/proctor/attempts/0196f0a8-0000-7000-8000-000000000000",
        ] {
            let resp = fetch(&app, path).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert!(header(&resp, "content-type").starts_with("text/html"), "{path}");
            let csp = header(&resp, "content-security-policy");
            assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert_eq!(header(&resp, "x-content-type-options"), "nosniff", "{path}");
            let body = resp.text().await.unwrap();
            assert!(body.contains(r#"<script type="module" src="/assets/app.js">"#), "{path}");
            assert!(!body.contains("<script>") && !body.contains(" style="), "{path}: nothing inline");
        }
    }

    async fn assets_have_their_types_and_unknown_ones_are_404_problems(app: TestApp) {
        for (path, kind) in [
            ("/assets/app.js", "text/javascript"),
            ("/assets/pages/exam.js", "text/javascript"),
            ("/assets/app.css", "text/css"),
            ("/sw.js", "text/javascript"),
        ] {
            let resp = fetch(&app, path).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert!(header(&resp, "content-type").starts_with(kind), "{path}: {}", header(&resp, "content-type"));
            assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
        }
        let asset = fetch(&app, "/assets/app.js").await;
        assert_eq!(header(&asset, "cache-control"), "no-cache", "revalidated, so a release never mixes");
        assert!(header(&asset, "etag").starts_with('"'));
        let worker = fetch(&app, "/sw.js").await.text().await.unwrap();
        assert!(worker.starts_with("const VERSION = \"") && worker.contains("\"/assets/pages/exam.js\""));
        for path in ["/assets/nothing.js", "/assets/../Cargo.toml", "/index.html", "/unknown-page", "/c/"] {
            assert_problem(fetch(&app, path).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
}
