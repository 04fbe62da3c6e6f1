//! The browser client in a real browser: `tests/browser/run.py` drives Debian's chromium
//! with Playwright for Python against this build's `invigil` binary. Skipped, saying so,
//! where Playwright or chromium is missing; a failure then when
//! `INVIGIL_TEST_REQUIRE_BROWSER` is set, as in CI.

use std::process::{Command, Stdio};

#[test]
fn the_pages_work_in_a_real_browser() {
    let chromium =
        std::env::var("INVIGIL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    let playwright = Command::new("python3")
        .args(["-c", "import playwright"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !playwright || !std::path::Path::new(&chromium).exists() {
        let required =
            std::env::var("INVIGIL_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v == "true");
        assert!(
            !required,
            "INVIGIL_TEST_REQUIRE_BROWSER is set, but Playwright ({playwright}) or {chromium} is missing"
        );
        eprintln!(
            "SKIPPED browser tests: python3 -m pip install playwright; apt-get install chromium"
        );
        return;
    }
    let status = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/run.py"))
        .arg(env!("CARGO_BIN_EXE_invigil"))
        .status()
        .expect("python3 runs");
    assert!(
        status.success(),
        "the browser tests failed (their output is above)"
    );
}
