//! Settings for accounts and the messages invigil sends: e-mail and partner webhooks.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Messaging {
    /// `INVIGIL_REQUIRE_VERIFIED_EMAIL`, default true: a candidate must open the link
    /// mailed at registration before starting an exam (`false` for a closed test centre).
    pub require_verified_email: bool,
    /// `INVIGIL_PUBLIC_URL`, default `http://127.0.0.1:8080`: the base of every link in a
    /// message.
    pub public_url: String,
    /// `INVIGIL_PROGRAM_NAME`: who messages come from, by name.
    pub program_name: String,
    /// `INVIGIL_MAIL_FROM`: the sender address.
    pub mail_from: String,
    /// `INVIGIL_SMTP_URL`, in lettre's form: `smtps://user:pass@host` (TLS, port 465),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or `smtp://host:25` (no
    /// encryption: a relay on the same machine only). Unset: no mail leaves the machine;
    /// each message is written to `mail_dir` as an `.eml` file.
    pub smtp_url: Option<String>,
    /// `INVIGIL_MAIL_DIR`, default `./mail-outbox`.
    pub mail_dir: PathBuf,
    /// `INVIGIL_WEBHOOK_ALLOW_INSECURE`, default false: let partners register `http://`
    /// targets and targets on loopback or private networks (tests, local setups).
    pub webhook_allow_insecure: bool,
    /// `INVIGIL_ISSUER_EMAIL`: where credential holders and verifiers write with questions;
    /// by default the address of `mail_from`.
    pub issuer_email: Option<String>,
    /// `INVIGIL_OUTBOX_INTERVAL_MS`, default 1000: how often each instance looks for
    /// messages due.
    pub outbox_interval: std::time::Duration,
}

impl Default for Messaging {
    fn default() -> Self {
        Messaging {
            require_verified_email: true,
            public_url: "http://127.0.0.1:8080".into(),
            program_name: "Certified MLOps Architect program".into(),
            mail_from: "invigil <no-reply@invigil.localhost>".into(),
            smtp_url: None,
            mail_dir: PathBuf::from("mail-outbox"),
            webhook_allow_insecure: false,
            issuer_email: None,
            outbox_interval: std::time::Duration::from_millis(1_000),
        }
    }
}

impl Messaging {
    pub fn read(
        &mut self,
        get: impl Fn(&str) -> Option<String>,
        parse_bool: impl Fn(&str, &str) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        if let Some(v) = get("INVIGIL_REQUIRE_VERIFIED_EMAIL") {
            self.require_verified_email = parse_bool("INVIGIL_REQUIRE_VERIFIED_EMAIL", &v)?;
        }
        if let Some(v) = get("INVIGIL_PUBLIC_URL") {
            anyhow::ensure!(
                v.starts_with("http://") || v.starts_with("https://"),
                "INVIGIL_PUBLIC_URL={v:?}: expected an http:// or https:// URL"
            );
            self.public_url = v.trim_end_matches('/').to_string();
        }
        if let Some(v) = get("INVIGIL_PROGRAM_NAME") {
            self.program_name = v;
        }
        if let Some(v) = get("INVIGIL_MAIL_FROM") {
            anyhow::ensure!(
                v.parse::<lettre::message::Mailbox>().is_ok(),
                "INVIGIL_MAIL_FROM={v:?}: expected an address, optionally with a name"
            );
            self.mail_from = v;
        }
        if let Some(v) = get("INVIGIL_SMTP_URL") {
            self.smtp_url = Some(v);
        }
        if let Some(v) = get("INVIGIL_MAIL_DIR") {
            self.mail_dir = PathBuf::from(v);
        }
        if let Some(v) = get("INVIGIL_WEBHOOK_ALLOW_INSECURE") {
            self.webhook_allow_insecure = parse_bool("INVIGIL_WEBHOOK_ALLOW_INSECURE", &v)?;
        }
        if let Some(v) = get("INVIGIL_ISSUER_EMAIL") {
            anyhow::ensure!(
                v.parse::<lettre::Address>().is_ok(),
                "INVIGIL_ISSUER_EMAIL={v:?}: expected an e-mail address"
            );
            self.issuer_email = Some(v);
        }
        if let Some(v) = get("INVIGIL_OUTBOX_INTERVAL_MS") {
            let ms: u64 = v
                .trim()
                .parse()
                .ok()
                .filter(|ms| (10..=3_600_000).contains(ms))
                .ok_or_else(|| {
                    anyhow::anyhow!("INVIGIL_OUTBOX_INTERVAL_MS={v:?}: expected 10 to 3600000")
                })?;
            self.outbox_interval = std::time::Duration::from_millis(ms);
        }
        Ok(())
    }
}

impl Messaging {
    /// The issuer's contact address: `issuer_email`, else the address of `mail_from`.
    pub fn issuer_email(&self) -> String {
        self.issuer_email.clone().unwrap_or_else(|| {
            self.mail_from
                .parse::<lettre::message::Mailbox>()
                .map(|m| m.email.to_string())
                .unwrap_or_else(|_| self.mail_from.clone())
        })
    }
}
