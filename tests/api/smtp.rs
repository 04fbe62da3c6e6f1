//! Mail over a real SMTP conversation: Python's aiosmtpd, started by the test, stores
//! what it receives in a maildir.

use crate::binary::free_port;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::process::{Child, Command, Stdio};

/// An SMTP server the test owns; killed when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    /// Starts aiosmtpd, or says the test is skipped when it is not installed (a failure
    /// when `INVIGIL_TEST_REQUIRE_SMTP` is set, as in CI).
    pub async fn start(test: &str) -> Option<SmtpServer> {
        let installed = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                !required("INVIGIL_TEST_REQUIRE_SMTP"),
                "{test}: aiosmtpd is not installed"
            );
            eprintln!("SKIPPED {test}: python3 -m pip install aiosmtpd to run it");
            return None;
        }
        let maildir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        // Built before waiting so that a panic below still kills and reaps the child.
        let server = SmtpServer {
            child,
            port,
            maildir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    /// The messages received so far, decoded from quoted-printable.
    pub fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .map(|m| {
                m.replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .collect()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..500 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the SMTP server did not receive {n} messages");
    }
}

async fn check(backend: Backend, test: &str) {
    let Some(smtp) = SmtpServer::start(test).await else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let Some(app) =
        TestApp::spawn_with(backend, |s| s.messaging.smtp_url = Some(url), |_| {}).await
    else {
        return;
    };
    assert_eq!(
        app.register("ada@example.com", PASSWORD, "Ada Lovelace")
            .await
            .status(),
        StatusCode::CREATED
    );
    let mail = smtp.wait_for(1).await.remove(0);
    assert!(mail.contains("To: ada@example.com"), "{mail}");
    assert!(
        mail.contains("From: invigil <no-reply@invigil.localhost>"),
        "{mail}"
    );
    assert!(
        mail.contains("Subject: Verify your e-mail address"),
        "{mail}"
    );
    assert!(mail.contains("multipart/alternative"), "{mail}");
    // Nothing went to the folder: SMTP replaced it.
    assert!(mails_to(&app.settings.messaging.mail_dir, "ada@example.com").is_empty());
    let marker = "/verify-email?token=";
    let start = mail.find(marker).expect("a link") + marker.len();
    let token: String = mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let resp = app
        .post("/v1/auth/verify-email", None, &json!({"token": token}))
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // Delivered once: the outbox does not send it again.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1);
}

#[actix_web::test]
async fn mail_goes_out_over_smtp_once_on_sqlite() {
    check(Backend::Sqlite, "mail_goes_out_over_smtp_once_on_sqlite").await
}

#[actix_web::test]
async fn mail_goes_out_over_smtp_once_on_postgres() {
    check(
        Backend::Postgres,
        "mail_goes_out_over_smtp_once_on_postgres",
    )
    .await
}
