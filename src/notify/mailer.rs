//! Sending a mail: over SMTP with `lettre` when `INVIGIL_SMTP_URL` is set, otherwise as
//! an `.eml` file in `INVIGIL_MAIL_DIR`, so that a new user sees what would be sent.

use super::templates::Rendered;
use crate::config::Messaging;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use std::time::Duration;

/// Where mail goes; built once per instance.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpTransport),
    Files(FileTransport),
}

impl Mailer {
    pub fn from_settings(settings: &Messaging) -> anyhow::Result<Mailer> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| anyhow::anyhow!("INVIGIL_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.mail_dir).map_err(|e| {
                    anyhow::anyhow!("INVIGIL_MAIL_DIR={}: {e}", settings.mail_dir.display())
                })?;
                Ok(Mailer::Files(FileTransport::new(&settings.mail_dir)))
            }
        }
    }

    /// Sends one message (blocking: call it off the async workers). `message_id` is
    /// stable across retries, so that a receiver can tell a repeat.
    pub fn send(
        &self,
        from: &str,
        to: &str,
        message_id: &str,
        mail: &Rendered,
    ) -> anyhow::Result<()> {
        let from: Mailbox = from.parse()?;
        let domain = from.email.domain().to_string();
        let message = Message::builder()
            .from(from)
            .to(to.parse()?)
            .subject(&mail.subject)
            .message_id(Some(format!("<{message_id}@{domain}>")))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )?;
        match self {
            Mailer::Smtp(t) => {
                t.send(&message)?;
            }
            Mailer::Files(t) => {
                t.send(&message)?;
            }
        }
        Ok(())
    }
}
