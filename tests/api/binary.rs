//! The real `invigil serve` binary as a process of the test's own, on a port of its own,
//! killed with SIGKILL when the test drops it (also when the test fails halfway).

use reqwest::StatusCode;
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub address: String,
    /// What the server wrote to stderr (errors only), shown when it fails to come up.
    log: tempfile::NamedTempFile,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_server(database_url: &str, port: u16) -> Server {
    start_server_with(database_url, port, &[]).await
}

pub async fn start_server_with(database_url: &str, port: u16, settings: &[(&str, &str)]) -> Server {
    let server = Server::spawn(database_url, port, settings);
    server.ready().await;
    server
}

impl Server {
    /// Starts the binary without waiting for it to answer. No JWT secret is configured:
    /// the instances of one database generate and share it through the database.
    pub fn spawn(database_url: &str, port: u16, settings: &[(&str, &str)]) -> Server {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_invigil"))
            .arg("serve")
            .env("INVIGIL_DATABASE_URL", database_url)
            .env("INVIGIL_BIND", format!("127.0.0.1:{port}"))
            .env(
                "INVIGIL_QUESTION_BANK",
                concat!(env!("CARGO_MANIFEST_DIR"), "/question-bank"),
            )
            .env("INVIGIL_WORKERS", "2")
            .env_remove("INVIGIL_JWT_SECRET")
            // These servers are driven by tests of durability and operations, which
            // register and start at once; verification is tested in-process.
            .env("INVIGIL_REQUIRE_VERIFIED_EMAIL", "false")
            .env(
                "INVIGIL_MAIL_DIR",
                std::env::temp_dir().join("invigil-test-mail"),
            )
            .envs(settings.iter().copied())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("the log file"))
            .spawn()
            .expect("the server binary starts");
        Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Waits until `/health` answers 200; fails the test if the process exits first or
    /// a minute passes.
    pub async fn ready(&self) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/health", self.address)).send().await {
                if r.status() == StatusCode::OK {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not come up: {}",
                std::fs::read_to_string(self.log.path()).unwrap_or_default()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown hook, no flush, nothing but what is already on disk.
    pub fn kill(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
